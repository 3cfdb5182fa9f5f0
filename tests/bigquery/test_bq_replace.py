"""replace_partitions: the table is created from the repo's schema, the partitions are replaced by one
transaction, Arrow sources go through a Parquet load job into a staging table."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fake_bigquery import PROJECT

from nba_backfill.errors import CheckFailed, WarehouseError
from nba_backfill.tables import table_schema

TABLE = "nba_precompute.player_daily_cache"
FIRST, LAST = dt.date(2022, 11, 1), dt.date(2022, 11, 30)
COUNTS = [[dt.date(2022, 11, 1), 180], [dt.date(2022, 11, 2), 175]]
RESULT_SCHEMA = [("partition_date", "DATE"), ("row_count", "INT64")]
SOURCE = "WITH x AS (SELECT * FROM nba_analytics.player_game_summary WHERE game_date < @end_date)\nSELECT * FROM x\n"


def _tables_created(fake) -> list[dict]:
    return [r.body for r in fake.requests if r.method == "POST" and r.path.endswith("/tables")]


def test_sql_source_creates_the_table_and_replaces_in_one_transaction(fake, warehouse):
    fake.on_query("COMMIT TRANSACTION", schema=RESULT_SCHEMA, rows=COUNTS)
    params = {"start_date": FIRST, "end_date": LAST, "season_start": dt.date(2022, 10, 18)}

    written = warehouse.replace_partitions(TABLE, SOURCE, FIRST, LAST, params)

    assert written == {dt.date(2022, 11, 1): 180, dt.date(2022, 11, 2): 175}
    # the dataset, in the configured location, then the table from schemas/<table>.json
    (dataset,) = [r.body for r in fake.requests if r.method == "POST" and r.path.endswith("/datasets")]
    assert dataset["datasetReference"] == {"projectId": PROJECT, "datasetId": "nba_precompute"}
    assert dataset["location"] == "EU"
    (created,) = _tables_created(fake)
    schema = table_schema(TABLE)
    assert created["tableReference"] == {
        "projectId": PROJECT,
        "datasetId": "nba_precompute",
        "tableId": "player_daily_cache",
    }
    assert created["timePartitioning"] == {"type": "DAY", "field": "cache_date"}  # no expirationMs
    assert created["clustering"] == {"fields": list(schema.cluster_by)}
    assert [(f["name"], f["type"], f["mode"]) for f in created["schema"]["fields"]] == [
        (f.name, f.type, f.mode) for f in schema.fields
    ]
    assert created["description"] == schema.grain
    # one job: the script
    (config,) = fake.queries()
    script = config["query"]["query"]
    statements = [s.strip() for s in script.split(";\n") if s.strip()]
    assert statements[0].startswith("-- nba-backfill: replace") and "CREATE TEMP TABLE _incoming AS" in statements[0]
    assert SOURCE.strip() in statements[0]
    assert "ERROR(FORMAT(" in statements[1] and "NOT BETWEEN @__first AND @__last" in statements[1]
    target = f"`{PROJECT}.{TABLE}`"
    columns = ", ".join(f"`{c}`" for c in schema.column_names)
    assert statements[2:6] == [
        "BEGIN TRANSACTION",
        f"DELETE FROM {target} WHERE `cache_date` BETWEEN @__first AND @__last",
        f"INSERT INTO {target} ({columns})\nSELECT {columns} FROM _incoming",
        "COMMIT TRANSACTION",
    ]
    assert statements[6].startswith(f"SELECT `cache_date` AS partition_date, COUNT(*) AS row_count FROM {target}")
    sent = {
        p["name"]: (p["parameterType"]["type"], p["parameterValue"]["value"])
        for p in config["query"]["queryParameters"]
    }
    assert sent == {
        "start_date": ("DATE", "2022-11-01"),
        "end_date": ("DATE", "2022-11-30"),
        "season_start": ("DATE", "2022-10-18"),
        "__first": ("DATE", "2022-11-01"),
        "__last": ("DATE", "2022-11-30"),
    }
    assert "2022-11" not in script  # dates only as parameters
    assert config["query"]["maximumBytesBilled"] == "5000000000"
    assert config["labels"]["processor"] == "pdc"


def test_an_existing_table_is_used_and_checked_once(fake, warehouse):
    fake.on_query("COMMIT TRANSACTION", schema=RESULT_SCHEMA, rows=COUNTS)
    warehouse.replace_partitions(TABLE, SOURCE, FIRST, LAST)
    warehouse.replace_partitions(TABLE, SOURCE, FIRST, LAST)

    assert len(_tables_created(fake)) == 1
    gets = [r for r in fake.requests if r.method == "GET" and "/tables/" in r.path]
    assert len(gets) == 1  # the second call trusts what the first one saw
    assert len(fake.queries()) == 2


def test_an_empty_source_still_clears_the_range(fake, warehouse):
    # runner.py's bootstrap chunks: SELECT * FROM <table> WHERE FALSE
    assert warehouse.replace_partitions(TABLE, f"SELECT * FROM {TABLE} WHERE FALSE;", FIRST, LAST) == {}
    (script,) = fake.sql_texts()
    assert f"FROM (\nSELECT * FROM {TABLE} WHERE FALSE\n);" in script  # the trailing ; is dropped
    assert "DELETE FROM" in script


def test_explicit_projects_in_the_source_map_to_the_configured_one(fake, warehouse):
    source = "SELECT * FROM `nba-props-platform.nba_precompute.player_daily_cache`"
    warehouse.replace_partitions(TABLE, source, FIRST, LAST)
    (script,) = fake.sql_texts()
    assert "nba-props-platform" not in script
    assert f"SELECT * FROM `{PROJECT}.nba_precompute.player_daily_cache`" in script


def test_a_failing_script_becomes_one_line(fake, warehouse):
    message = f"{TABLE}: 3 row(s) fall outside the partitions 2022-11-01..2022-11-30 being replaced"
    fake.on_query("COMMIT TRANSACTION", error={"reason": "invalidQuery", "message": message})

    with pytest.raises(WarehouseError) as err:
        warehouse.replace_partitions(TABLE, SOURCE, FIRST, LAST)

    assert "\n" not in str(err.value)
    assert str(err.value).startswith(f"BigQuery invalidQuery: {message} (job nba_backfill_")
    assert len(fake.queries()) == 1  # not a transient error: not retried


def test_reserved_parameter_names_are_refused(warehouse):
    with pytest.raises(WarehouseError, match="reserved"):
        warehouse.replace_partitions(TABLE, SOURCE, FIRST, LAST, {"__first": FIRST})


def test_a_table_whose_partitions_expire_is_refused(fake, warehouse):
    schema = table_schema(TABLE)
    fake.datasets[f"{PROJECT}.nba_precompute"] = {
        "datasetReference": {"projectId": PROJECT, "datasetId": "nba_precompute"}
    }
    fake.tables[f"{PROJECT}.{TABLE}"] = {
        "tableReference": {"projectId": PROJECT, "datasetId": "nba_precompute", "tableId": "player_daily_cache"},
        "schema": {"fields": [{"name": f.name, "type": f.type, "mode": f.mode} for f in schema.fields]},
        "timePartitioning": {"type": "DAY", "field": "cache_date", "expirationMs": str(90 * 86_400_000)},
    }
    with pytest.raises(WarehouseError, match="partitions expire after 90 days"):
        warehouse.replace_partitions(TABLE, SOURCE, FIRST, LAST)
    assert fake.queries() == []


# -- Arrow sources -------------------------------------------------------------------------------------------

SCHEDULE = "nba_reference.nba_schedule"


def _schedule(days: int, per_day: int = 2, pad: int = 0) -> pa.Table:
    rows = [
        {
            "game_id": f"00222{d:03d}{g:02d}{os.urandom(pad).hex()}",
            "game_date": FIRST + dt.timedelta(days=d),
            "season_year": 2022,
            "home_team_abbr": "LAL",
            "away_team_abbr": "BOS",
            "game_status": 3,
            "is_regular_season": True,
            "unused_extra_column": 1,
        }
        for d in range(days)
        for g in range(per_day)
    ]
    return pa.Table.from_pylist(rows)


def _loads(fake) -> list[dict]:
    return [b["configuration"]["load"] for b in fake.job_inserts() if "load" in b["configuration"]]


def test_arrow_source_is_loaded_into_a_staging_table_then_replaced(fake, warehouse):
    fake.on_query("COMMIT TRANSACTION", schema=RESULT_SCHEMA, rows=[[FIRST, 2], [FIRST + dt.timedelta(days=1), 2]])
    source = _schedule(2)

    written = warehouse.replace_partitions(SCHEDULE, source, FIRST, LAST)

    assert written == {FIRST: 2, FIRST + dt.timedelta(days=1): 2}
    (load,) = _loads(fake)
    staging = load["destinationTable"]
    assert staging["projectId"] == PROJECT and staging["datasetId"] == "nba_reference"
    assert re.fullmatch(r"_staging_nba_schedule_[0-9a-f]{12}", staging["tableId"])
    assert load["writeDisposition"] == "WRITE_TRUNCATE"
    assert load["sourceFormat"] == "PARQUET"
    assert load["parquetOptions"] == {"enableListInference": True}
    assert {f["mode"] for f in load["schema"]["fields"]} == {"NULLABLE"}  # the INSERT enforces REQUIRED
    (upload,) = [r for r in fake.requests if r.path.startswith("/upload/")]
    assert upload.query["uploadType"] == "multipart"
    assert upload.body["configuration"]["labels"]["processor"] == "pdc"
    assert upload.body["jobReference"]["location"] == "EU"
    # the bytes uploaded are the source's rows, in the table's columns and types
    uploaded = pq.read_table(io.BytesIO(fake.uploads[upload.body["jobReference"]["jobId"]]))
    assert uploaded.schema == table_schema(SCHEDULE).arrow_schema()
    assert uploaded.to_pylist() == source.drop_columns(["unused_extra_column"]).to_pylist()
    # the staging table was created with an expiration before the load, and dropped afterwards
    (created_staging,) = [t for t in _tables_created(fake) if t["tableReference"]["tableId"] == staging["tableId"]]
    assert int(created_staging["expirationTime"]) > 0
    deletes = [r.path for r in fake.requests if r.method == "DELETE"]
    assert deletes == [f"/bigquery/v2/projects/{PROJECT}/datasets/nba_reference/tables/{staging['tableId']}"]
    assert f"{PROJECT}.nba_reference.{staging['tableId']}" not in fake.tables
    # the replace reads the staging table, in one transaction
    (script,) = fake.sql_texts()
    assert f"FROM (\nSELECT * FROM `{PROJECT}.nba_reference.{staging['tableId']}`\n);" in script
    assert "BEGIN TRANSACTION;\nDELETE FROM `test-project.nba_reference.nba_schedule` WHERE `game_date`" in script
    # order: create target, create staging, upload, script, drop staging
    kinds = [
        "table"
        if r.method == "POST" and r.path.endswith("/tables")
        else "upload"
        if r.path.startswith("/upload/")
        else "job"
        if r.method == "POST" and r.path.endswith("/jobs")
        else "drop"
        if r.method == "DELETE"
        else None
        for r in fake.requests
    ]
    assert [k for k in kinds if k] == ["table", "table", "upload", "job", "drop"]


def test_a_large_arrow_source_uses_a_resumable_upload(fake, warehouse):
    source = _schedule(30, per_day=25, pad=4096)  # incompressible ids: ~8 KB a row, ~6 MB in all

    warehouse.replace_partitions(SCHEDULE, source, FIRST, LAST)

    uploads = [r for r in fake.requests if r.path.startswith("/upload/")]
    assert [(r.method, r.query["uploadType"]) for r in uploads] == [("POST", "resumable"), ("PUT", "resumable")]
    (load,) = _loads(fake)
    assert load["writeDisposition"] == "WRITE_TRUNCATE"
    (job_id,) = fake.uploads
    assert pq.read_table(io.BytesIO(fake.uploads[job_id])).num_rows == 750


def test_arrow_rows_outside_the_range_are_refused_before_any_upload(fake, warehouse):
    with pytest.raises(WarehouseError, match=r"2 row\(s\) fall outside the partitions 2022-11-01\.\.2022-11-01"):
        warehouse.replace_partitions(SCHEDULE, _schedule(2), FIRST, FIRST)
    assert not [r for r in fake.requests if r.path.startswith("/upload/")]
    assert fake.queries() == []


def test_arrow_source_missing_a_column_is_refused(fake, warehouse):
    with pytest.raises(WarehouseError, match="does not produce column.* game_status"):
        warehouse.replace_partitions(SCHEDULE, _schedule(1).drop_columns(["game_status"]), FIRST, LAST)


def test_the_staging_table_is_dropped_when_the_replace_fails(fake, warehouse):
    fake.on_query("COMMIT TRANSACTION", error={"reason": "invalidQuery", "message": "Required field x is null"})

    with pytest.raises(WarehouseError, match="Required field x is null"):
        warehouse.replace_partitions(SCHEDULE, _schedule(1), FIRST, LAST)

    (load,) = _loads(fake)
    staging = load["destinationTable"]["tableId"]
    assert [r.path.rsplit("/", 1)[1] for r in fake.requests if r.method == "DELETE"] == [staging]


def test_requests_are_plain_json(fake, warehouse):
    """Nothing we send needs the real API to interpret Python objects: every JSON body round-trips."""
    warehouse.replace_partitions(SCHEDULE, _schedule(1), FIRST, LAST)
    for request in fake.requests:
        if request.body is not None:
            assert json.loads(json.dumps(request.body)) == request.body


def test_a_pandas_source_is_loaded_like_arrow(fake, warehouse):
    source = _schedule(1)
    warehouse.replace_partitions(SCHEDULE, source.to_pandas(), FIRST, LAST)
    (job_id,) = fake.uploads
    uploaded = pq.read_table(io.BytesIO(fake.uploads[job_id]))
    assert uploaded.to_pylist() == source.drop_columns(["unused_extra_column"]).to_pylist()


# -- owned rows and the restore after a failed check -------------------------------------------------------------

PREDICTIONS = "nba_predictions.player_prop_predictions"
OURS = {"system_id": ("moving_average_baseline_v1", "ensemble_v1")}
OWNED = "system_id IN UNNEST(@__owned_system_id)"


def _statements(script: str) -> list[str]:
    """The script's statements, without its comment lines."""
    text = "\n".join(line for line in script.splitlines() if not line.startswith("--"))
    return [s.strip().removesuffix(";") for s in text.split(";\n") if s.strip()]


def _params(config: dict) -> dict:
    out = {}
    for p in config["query"]["queryParameters"]:
        kind = p["parameterType"]["type"]
        value = p["parameterValue"]
        out[p["name"]] = (kind, [v["value"] for v in value["arrayValues"]] if kind == "ARRAY" else value["value"])
    return out


def test_an_owned_replace_deletes_and_counts_only_the_owned_rows(fake, warehouse):
    source = f"SELECT * FROM {PREDICTIONS} WHERE system_id = 'ensemble_v1'"

    warehouse.replace_partitions(PREDICTIONS, source, FIRST, LAST, owned=OURS)

    (config,) = fake.queries()
    statements = _statements(config["query"]["query"])
    target = f"`{PROJECT}.{PREDICTIONS}`"
    replaced = f"`game_date` BETWEEN @__first AND @__last AND {OWNED}"
    # the source's rows are all owned, or the script stops before the transaction
    assert statements[2] == (
        f"SELECT IF(COUNTIF(NOT COALESCE({OWNED}, FALSE)) > 0, ERROR(FORMAT('{PREDICTIONS}: %d row(s) are not owned "
        "by the backfill (system_id in moving_average_baseline_v1, ensemble_v1)', "
        f"COUNTIF(NOT COALESCE({OWNED}, FALSE)))), 0) AS rows_not_owned FROM _incoming"
    )
    assert statements[3:5] == ["BEGIN TRANSACTION", f"DELETE FROM {target} WHERE {replaced}"]
    counts = f"SELECT `game_date` AS partition_date, COUNT(*) AS row_count FROM {target}\nWHERE {replaced}"
    assert statements[7] == f"{counts} GROUP BY 1 ORDER BY 1"
    assert _params(config)["__owned_system_id"] == ("ARRAY", ["moving_average_baseline_v1", "ensemble_v1"])
    assert not [r for r in fake.requests if r.method == "DELETE"]  # nothing kept, nothing to drop


def _kept(script: str) -> str:
    (name,) = re.findall(
        rf"CREATE TABLE IF NOT EXISTS `{PROJECT}\.(nba_predictions\._kept_player_prop_predictions_[0-9a-f]{{12}})`",
        script,
    )
    return name


@pytest.mark.parametrize("fails", [False, True])
def test_replacing_keeps_the_replaced_rows_and_restores_them_when_a_check_fails(fake, warehouse, fails):
    fake.on_query("COMMIT TRANSACTION", schema=RESULT_SCHEMA, rows=COUNTS)
    source = f"SELECT * FROM {PREDICTIONS} WHERE system_id = 'ensemble_v1'"

    with contextlib.suppress(CheckFailed):
        with warehouse.replacing(PREDICTIONS, source, FIRST, LAST, owned=OURS) as written:
            assert written == {dt.date(2022, 11, 1): 180, dt.date(2022, 11, 2): 175}
            if fails:
                raise CheckFailed("CHECK_FAILED predictions: range:predicted_points")

    target = f"`{PROJECT}.{PREDICTIONS}`"
    replaced = f"`game_date` BETWEEN @__first AND @__last AND {OWNED}"
    scripts = fake.sql_texts()
    statements = _statements(scripts[0])
    kept = _kept(scripts[0])
    # a copy of exactly the rows the transaction then deletes, made before it (and expiring by itself)
    copy = statements.index(
        f"CREATE TABLE IF NOT EXISTS `{PROJECT}.{kept}`\n"
        "OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS\n"
        f"SELECT * FROM {target} WHERE {replaced}"
    )
    assert statements[copy + 1 : copy + 3] == ["BEGIN TRANSACTION", f"DELETE FROM {target} WHERE {replaced}"]
    columns = ", ".join(f"`{c}`" for c in table_schema(PREDICTIONS).column_names)
    if fails:  # one more job: the restore, one transaction over the same rows
        assert len(scripts) == 2
        assert _statements(scripts[1]) == [
            "BEGIN TRANSACTION",
            f"DELETE FROM {target} WHERE {replaced}",
            f"INSERT INTO {target} ({columns})\nSELECT {columns} FROM `{PROJECT}.{kept}`",
            "COMMIT TRANSACTION",
        ]
        restore = _params(fake.queries()[1])
        assert (restore["__first"], restore["__last"]) == (("DATE", "2022-11-01"), ("DATE", "2022-11-30"))
        assert restore["__owned_system_id"] == ("ARRAY", ["moving_average_baseline_v1", "ensemble_v1"])
    else:
        assert len(scripts) == 1
    # either way the copy is dropped afterwards
    deletes = [r.path for r in fake.requests if r.method == "DELETE"]
    assert deletes == [f"/bigquery/v2/projects/{PROJECT}/datasets/nba_predictions/tables/{kept.split('.')[1]}"]


def test_a_failed_replace_drops_its_copy_and_restores_nothing(fake, warehouse):
    fake.on_query("COMMIT TRANSACTION", error={"reason": "invalidQuery", "message": "2 row(s) are not owned"})
    with pytest.raises(WarehouseError, match="not owned"):
        with warehouse.replacing(PREDICTIONS, f"SELECT * FROM {PREDICTIONS}", FIRST, LAST, owned=OURS):
            raise AssertionError("the checks never run after a failed replace")
    (script,) = fake.sql_texts()
    deletes = [r.path.rsplit("/", 1)[1] for r in fake.requests if r.method == "DELETE"]
    assert deletes == [_kept(script).split(".")[1]]
