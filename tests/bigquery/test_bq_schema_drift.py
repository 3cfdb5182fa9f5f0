"""Before its first write to an existing table, a job compares the live table with the repo's schema file: a
difference that would lose or misplace rows is one line naming the table and the difference, and no job is
sent; differences that lose nothing (an extra NULLABLE column of another system, legacy type names, a looser
mode) are accepted."""

from __future__ import annotations

import datetime as dt

import pytest
from fake_bigquery import PROJECT

from nba_backfill.errors import WarehouseError
from nba_backfill.tables import table_schema

TABLE = "nba_precompute.player_daily_cache"
FIRST, LAST = dt.date(2022, 11, 1), dt.date(2022, 11, 30)
LEGACY = {"INT64": "INTEGER", "FLOAT64": "FLOAT", "BOOL": "BOOLEAN"}  # how the API often names them


def _serve(fake, fields=None, partitioning="default", clustering="default") -> None:
    """The table as it exists in the project: the repo's schema (types in legacy names) unless changed."""
    schema = table_schema(TABLE)
    dataset, name = TABLE.split(".")
    fake.datasets[f"{PROJECT}.{dataset}"] = {"datasetReference": {"projectId": PROJECT, "datasetId": dataset}}
    resource = {
        "tableReference": {"projectId": PROJECT, "datasetId": dataset, "tableId": name},
        "schema": {
            "fields": fields
            if fields is not None
            else [{"name": f.name, "type": LEGACY.get(f.type, f.type), "mode": f.mode} for f in schema.fields]
        },
    }
    if partitioning == "default":
        partitioning = {"type": "DAY", "field": schema.partition_by}
    if partitioning is not None:
        resource["timePartitioning"] = partitioning
    if clustering == "default":
        clustering = list(schema.cluster_by)
    if clustering is not None:
        resource["clustering"] = {"fields": clustering}
    fake.tables[f"{PROJECT}.{TABLE}"] = resource


def _fields(change) -> list[dict]:
    """The repo's fields, each passed through `change(dict) -> dict | None` (None drops it)."""
    out = []
    for f in table_schema(TABLE).fields:
        changed = change({"name": f.name, "type": f.type, "mode": f.mode})
        if changed is not None:
            out.append(changed)
    return out


def _retype(name, **values):
    return lambda f: {**f, **values} if f["name"] == name else f


@pytest.mark.parametrize(
    ("serve", "difference"),
    [
        (
            {"fields": _fields(_retype("season_year", type="STRING"))},
            "column season_year is STRING REQUIRED there, INT64 REQUIRED in the repo",
        ),
        (
            {"fields": _fields(lambda f: None if f["name"] == "points_avg_last_5" else f)},
            "column points_avg_last_5 is missing",
        ),
        (
            {"fields": _fields(_retype("universal_player_id", mode="REQUIRED"))},
            "column universal_player_id is REQUIRED there, NULLABLE in the repo",
        ),
        (
            {"fields": _fields(lambda f: f) + [{"name": "source_system", "type": "STRING", "mode": "REQUIRED"}]},
            "column source_system is REQUIRED there and not in the repo",
        ),
        (
            {"partitioning": {"type": "DAY", "field": "processed_at"}},
            "partitioned by processed_at (DAY) there, by cache_date (DAY) in the repo",
        ),
        (
            {"partitioning": {"type": "MONTH", "field": "cache_date"}},
            "partitioned by cache_date (MONTH) there, by cache_date (DAY) in the repo",
        ),
        ({"partitioning": None}, "not partitioned by a date there, by cache_date (DAY) in the repo"),
        (
            {"clustering": ["cache_date", "player_lookup"]},
            "clustered by ['cache_date', 'player_lookup'] there, by ['player_lookup', 'cache_date'] in the repo",
        ),
    ],
    ids=[
        "type",
        "missing-column",
        "required-there",
        "extra-required-column",
        "partition-column",
        "partition-type",
        "unpartitioned",
        "clustering",
    ],
)
def test_a_table_that_differs_from_the_repo_is_refused_before_any_job(fake, warehouse, serve, difference):
    _serve(fake, **serve)

    with pytest.raises(WarehouseError) as err:
        warehouse.replace_partitions(TABLE, "SELECT 1", FIRST, LAST)

    assert str(err.value) == (
        f"{TABLE} in {PROJECT} differs from schemas/{TABLE}.json: {difference}; nothing was written"
    )
    assert fake.job_inserts() == []  # no query, no load
    assert [r.method for r in fake.requests] == ["GET", "GET"]  # the dataset, the table


def test_every_difference_is_named_in_the_one_line(fake, warehouse):
    _serve(fake, fields=_fields(_retype("season_year", type="FLOAT")), clustering=None)

    with pytest.raises(WarehouseError) as err:
        warehouse.replace_partitions(TABLE, "SELECT 1", FIRST, LAST)

    assert str(err.value).endswith(
        ": column season_year is FLOAT64 REQUIRED there, INT64 REQUIRED in the repo; "
        "clustered by [] there, by ['player_lookup', 'cache_date'] in the repo; nothing was written"
    )


@pytest.mark.parametrize(
    "fields",
    [
        None,  # the repo's schema, in legacy type names
        _fields(lambda f: f) + [{"name": "other_system_note", "type": "STRING", "mode": "NULLABLE"}],
        _fields(_retype("team_abbr", mode="NULLABLE")),
    ],
    ids=["legacy-type-names", "extra-nullable-column", "nullable-there"],
)
def test_differences_that_lose_nothing_are_accepted(fake, warehouse, fields):
    _serve(fake, fields=fields)
    fake.on_query("COMMIT TRANSACTION", schema=[("partition_date", "DATE"), ("row_count", "INT64")], rows=[])

    assert warehouse.replace_partitions(TABLE, "SELECT 1", FIRST, LAST) == {}
    assert len(fake.queries()) == 1
