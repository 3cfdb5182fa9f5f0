"""query / query_arrow / dry_run_bytes / partitions: what the real client sends for our code, and what we
make of the answers."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pyarrow as pa
import pytest
from fake_bigquery import CONFIG, PROJECT

from nba_backfill.errors import WarehouseError
from nba_backfill.warehouse.bigquery.backend import BigQueryWarehouse
from nba_backfill.warehouse.bigquery.parameters import sanitize_labels
from nba_backfill.warehouse.bigquery.projects import map_project

D = dt.date(2022, 11, 1)
TS = dt.datetime(2022, 11, 1, 19, 30, tzinfo=dt.UTC)


def _param(config: dict, name: str) -> dict:
    (found,) = [p for p in config["query"]["queryParameters"] if p["name"] == name]
    return found


def test_query_sends_sql_verbatim_with_typed_parameters_labels_cap_and_location(fake, warehouse):
    fake.on_query(
        "FROM nba_analytics.player_game_summary", schema=[("game_date", "DATE"), ("n", "INT64")], rows=[[D, 212]]
    )
    sql = "SELECT game_date, COUNT(*) AS n FROM nba_analytics.player_game_summary WHERE game_date = @d GROUP BY 1"
    params = {
        "d": D,
        "ts": TS,
        "n": 7,
        "x": 0.25,
        "s": "lebron_james",
        "flag": True,
        "names": ["a", "b"],
        "days": (D, D + dt.timedelta(days=1)),
        "empty": [],
    }

    result = warehouse.query(sql, params)

    assert result.columns == ["game_date", "n"]
    assert result.rows == [(D, 212)]
    (body,) = fake.job_inserts()
    config = body["configuration"]
    assert config["query"]["query"] == sql
    assert config["query"]["useLegacySql"] is False
    assert config["query"]["parameterMode"] == "NAMED"
    assert config["query"]["maximumBytesBilled"] == str(CONFIG["maximum_bytes_billed"])
    assert config["labels"] == {"processor": "pdc", "season": "2022-23", "chunk": "2022-11-01_2022-11-30"}
    assert body["jobReference"]["location"] == "EU"
    assert body["jobReference"]["projectId"] == PROJECT
    assert "dryRun" not in config
    types = {p["name"]: p["parameterType"] for p in config["query"]["queryParameters"]}
    assert types == {
        "d": {"type": "DATE"},
        "ts": {"type": "TIMESTAMP"},
        "n": {"type": "INT64"},
        "x": {"type": "FLOAT64"},
        "s": {"type": "STRING"},
        "flag": {"type": "BOOL"},
        "names": {"type": "ARRAY", "arrayType": {"type": "STRING"}},
        "days": {"type": "ARRAY", "arrayType": {"type": "DATE"}},
        "empty": {"type": "ARRAY", "arrayType": {"type": "STRING"}},
    }
    assert _param(config, "d")["parameterValue"] == {"value": "2022-11-01"}
    assert _param(config, "ts")["parameterValue"]["value"].startswith("2022-11-01 19:30:00")
    assert _param(config, "names")["parameterValue"] == {"arrayValues": [{"value": "a"}, {"value": "b"}]}
    for value in ("2022-11-01", "lebron_james", "0.25"):  # values travel as parameters only
        assert value not in config["query"]["query"]
    # every request went to the REST API under the configured project, in the configured location
    assert all(r.path.startswith(f"/bigquery/v2/projects/{PROJECT}/") for r in fake.requests)
    assert all(r.query.get("location", "EU") == "EU" for r in fake.requests)


def test_query_reads_every_page_and_decodes_types(fake, warehouse):
    fake.page_size = 3
    schema = [("d", "DATE"), ("ts", "TIMESTAMP"), ("f", "FLOAT64"), ("b", "BOOL"), ("tags", "STRING", "REPEATED")]
    rows = [[D + dt.timedelta(days=i), TS, i / 4, i % 2 == 0, ["x"] * i] for i in range(8)]
    fake.on_query("FROM many", schema=schema, rows=rows)

    result = warehouse.query("SELECT * FROM many")

    assert [list(r) for r in result.rows] == rows
    pages = [r for r in fake.requests if "/queries/" in r.path]
    assert len(pages) >= 3  # maxResults=0 status call, then 3 pages of 3, 3, 2


def test_query_maps_an_explicit_project_and_leaves_the_rest_alone(fake, warehouse):
    sql = (
        "-- validation query from the runbook\n"
        "SELECT COUNT(DISTINCT game_date) AS dates\n"
        "FROM `nba-props-platform.nba_analytics.player_game_summary` p  -- `nba-props-platform.x.y` stays\n"
        "JOIN `nba-props-platform`.nba_reference.nba_schedule s USING (game_date)\n"
        "WHERE p.player_lookup != 'nba-props-platform.a.b' AND game_date >= @d"
    )
    warehouse.query(sql, {"d": D})

    (sent,) = fake.sql_texts()
    assert sent == (
        "-- validation query from the runbook\n"
        "SELECT COUNT(DISTINCT game_date) AS dates\n"
        f"FROM `{PROJECT}.nba_analytics.player_game_summary` p  -- `nba-props-platform.x.y` stays\n"
        f"JOIN `{PROJECT}`.nba_reference.nba_schedule s USING (game_date)\n"
        "WHERE p.player_lookup != 'nba-props-platform.a.b' AND game_date >= @d"
    )


def test_map_project_without_a_project_returns_the_text_unchanged():
    sql = "SELECT g.points FROM nba_analytics.player_game_summary g WHERE g.game_date = @d"
    assert map_project(sql, "p") == sql
    assert map_project("SELECT 1 FROM myproj.ds.t", "p") == "SELECT 1 FROM `p`.ds.t"
    assert map_project("SELECT 1 FROM `p.ds.t`", "p") == "SELECT 1 FROM `p.ds.t`"
    assert map_project("SELECT 1 FROM nba-props-platform.ds.t", "p") == "SELECT 1 FROM `p`.ds.t"
    # what sqlglot cannot parse is refused (test_bq_refusals.py), never sent as written
    with pytest.raises(WarehouseError, match=r"^cannot map the project of 'SELECT 1 FROM `x.ds.t` WHERE \)\)'"):
        map_project("SELECT 1 FROM `x.ds.t` WHERE ))", "p")


def test_query_arrow_uses_the_rest_api_not_the_storage_api(fake, warehouse):
    fake.on_query("FROM preds", schema=[("game_date", "DATE"), ("points", "FLOAT64")], rows=[[D, 21.5], [D, None]])

    table = warehouse.query_arrow("SELECT game_date, points FROM preds WHERE game_date = @d", {"d": D})

    assert isinstance(table, pa.Table)
    assert table.schema.field("game_date").type == pa.date32()
    assert table.column("points").to_pylist() == [21.5, None]
    assert all(r.path.startswith("/bigquery/v2/") for r in fake.requests)  # no bigquerystorage calls


def test_dry_run_bytes_is_a_dry_run_job_without_cache_or_cap(fake, warehouse):
    fake.on_query("FROM nba_analytics.player_game_summary", bytes_processed=123_456_789)

    got = warehouse.dry_run_bytes("SELECT * FROM nba_analytics.player_game_summary WHERE game_date = @d", {"d": D})

    assert got == 123_456_789
    (config,) = fake.queries()
    assert config["dryRun"] is True
    assert config["query"]["useQueryCache"] is False
    assert "maximumBytesBilled" not in config["query"]  # an estimate must work above the cap
    assert config["labels"]["processor"] == "pdc"
    assert not [r for r in fake.requests if "/queries/" in r.path]  # nothing ran


def test_partitions_reads_information_schema_with_a_parameter(fake, warehouse):
    fake.on_query(
        "INFORMATION_SCHEMA.PARTITIONS",
        schema=[("partition_id", "STRING"), ("total_rows", "INT64")],
        rows=[["20221102", 240], ["20221101", 212], ["__NULL__", 3], ["20221103", 0], ["__UNPARTITIONED__", 9]],
    )

    got = warehouse.partitions("nba_analytics.player_game_summary")

    assert got == {dt.date(2022, 11, 1): 212, dt.date(2022, 11, 2): 240}
    assert list(got) == sorted(got)
    (config,) = fake.queries()
    assert config["query"]["query"] == (
        f"SELECT partition_id, total_rows FROM `{PROJECT}.nba_analytics.INFORMATION_SCHEMA.PARTITIONS` "
        "WHERE table_name = @t"
    )
    assert _param(config, "t")["parameterValue"] == {"value": "player_game_summary"}


def test_partitions_of_a_missing_dataset_is_empty(fake, warehouse):
    fake.on_query(
        "INFORMATION_SCHEMA.PARTITIONS",
        error={"reason": "notFound", "message": f"Not found: Dataset {PROJECT}:nba_oracle"},
    )

    assert warehouse.partitions("nba_oracle.player_game_expectations") == {}
    assert warehouse.missing_partitions("nba_oracle.player_game_expectations", [D]) == [D]


def test_labels_follow_bigquery_rules():
    assert sanitize_labels(
        {"Processor": "PDC", "chunk": "2022-10-18..2022-11-16", "9lives": "x" * 100, "season": None}
    ) == {
        "processor": "pdc",
        "chunk": "2022-10-18__2022-11-16",
        "l_9lives": "x" * 63,
        "season": "",
    }


def test_labels_set_after_construction_are_used(fake, make_warehouse):
    warehouse = make_warehouse()
    warehouse.labels = {"processor": "Query"}  # what open_warehouse does
    warehouse.query("SELECT 1")
    assert fake.queries()[0]["labels"] == {"processor": "query"}


def test_importing_and_constructing_does_not_load_the_client_library():
    code = (
        "import sys\n"
        "from nba_backfill.warehouse.bigquery.backend import BigQueryWarehouse\n"
        f"BigQueryWarehouse({CONFIG!r})\n"
        "print('google.cloud.bigquery' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_config_defaults_match_the_schema():
    warehouse = BigQueryWarehouse({"backend": "bigquery"})
    assert (warehouse.project, warehouse.location, warehouse.maximum_bytes_billed) == (
        "nba-props-platform",
        "US",
        107374182400,
    )
