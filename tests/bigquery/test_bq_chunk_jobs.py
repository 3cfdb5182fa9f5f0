"""Chunk jobs on BigQuery, through the real client against the local server: an adopted chunk sends no write at
all, the chunk after `existing_through` replaces only dates after it, a grading job deletes only the backfill's
systems' rows, and a failed check restores the replaced rows in one transaction before the job fails."""

from __future__ import annotations

import datetime as dt

import pytest
from fake_bigquery import CONFIG, PROJECT

from helpers import base_config
from nba_backfill import runner
from nba_backfill.config import validate_config
from nba_backfill.errors import CheckFailed
from nba_backfill.models import SYSTEM_IDS
from nba_backfill.plan import chunk_marker, is_adopted, season_chunks
from nba_backfill.processors import PROCESSORS
from nba_backfill.validate import violation_column

SEASON = "2023-24"
START, END = dt.date(2023, 10, 24), dt.date(2024, 4, 14)
THROUGH = dt.date(2023, 12, 5)
DATES = [START + dt.timedelta(days=i) for i in range(0, (END - START).days + 1, 2)]  # a game every other day
WRITES = ("DELETE", "INSERT", "MERGE", "UPDATE", "CREATE")


@pytest.fixture
def config(chunk_days):
    raw = base_config()
    raw["seasons"] = {SEASON: {"start": START.isoformat(), "end": END.isoformat(), "existing_through": "2023-12-05"}}
    raw["warehouse"] = dict(CONFIG)
    raw["chunk_days"] = chunk_days
    return validate_config(raw)


@pytest.fixture
def run(fake, make_warehouse, monkeypatch, tmp_path, config):
    """run_chunk_job with the configured BigQuery warehouse made on the local server; the server answers the
    schedule, the partitions (every schedule date has rows) and the checks (all pass, N rows a date)."""
    monkeypatch.chdir(tmp_path)

    def open_warehouse(config, labels=None, scope=None):
        warehouse = make_warehouse(config.warehouse)
        warehouse.labels = dict(labels or {})
        return warehouse

    monkeypatch.setattr(runner, "open_warehouse", open_warehouse)
    fake.on_query("FROM nba_reference.nba_schedule", schema=[("game_date", "DATE")], rows=[[d] for d in DATES])
    partitions = [[f"{d:%Y%m%d}", 10] for d in DATES]
    fake.on_query(
        "INFORMATION_SCHEMA.PARTITIONS", schema=[("partition_id", "STRING"), ("total_rows", "INT64")], rows=partitions
    )
    fake.on_query("HAVING COUNT(*) > 1", schema=[("n", "INT64")], rows=[[0]])

    def run_job(name: str, chunk) -> None:
        processor = PROCESSORS[name]
        days = [[d, 10] for d in DATES if chunk.first <= d <= chunk.last]
        fake.on_query("AS check_date", schema=[("check_date", "DATE"), ("expected_rows", "INT64")], rows=days)
        # the owned rows per date (Warehouse.owned_rows; the replace script's own count ends alike)
        fake.on_query("GROUP BY 1 ORDER BY 1", schema=[("d", "DATE"), ("n", "INT64")], rows=days)
        ranges = [(violation_column(name), "INT64") for name in processor.violations()]
        fake.on_query(
            "BIT_XOR(FARM_FINGERPRINT",
            schema=[("row_count", "INT64"), ("null_keys", "INT64"), ("fingerprint", "INT64"), *ranges],
            rows=[[10 * len(days), 0, 12345, *(0 for _ in ranges)]],
        )
        runner.run_chunk_job(config, name, SEASON, chunk.name, chunk_marker(name, SEASON, chunk.name))

    return run_job


def _writes(fake) -> list[dict]:
    return [c for c in fake.queries() if any(w in c["query"]["query"] for w in WRITES)]


def _value(config: dict, name: str):
    (param,) = [p for p in config["query"]["queryParameters"] if p["name"] == name]
    value = param["parameterValue"]
    return [v["value"] for v in value["arrayValues"]] if "arrayValues" in value else value["value"]


@pytest.mark.parametrize("chunk_days", [200, 30])
def test_adopted_chunks_send_no_write_and_the_next_chunk_starts_after_existing_through(fake, run, config):
    run_job = run
    chunks = season_chunks(config.season(SEASON), config.chunk_days)
    adopted = [c for c in chunks if is_adopted(config.season(SEASON), c)]
    assert adopted and adopted[-1].last == THROUGH

    for chunk in adopted:
        run_job("tdza", chunk)
    assert _writes(fake) == []  # validated and marked, nothing deleted, rewritten or recomputed

    following = chunks[len(adopted)]
    run_job("tdza", following)
    (script,) = _writes(fake)
    assert (_value(script, "__first"), _value(script, "__last")) == (
        (THROUGH + dt.timedelta(days=1)).isoformat(),
        following.last.isoformat(),
    )
    target = f"`{PROJECT}.nba_precompute.team_defense_zone_analysis`"
    assert f"DELETE FROM {target} WHERE `analysis_date` BETWEEN @__first AND @__last;" in script["query"]["query"]


@pytest.mark.parametrize("chunk_days", [200])
def test_a_grading_job_replaces_only_the_backfills_systems(fake, run, config):
    run_job = run
    chunk = season_chunks(config.season(SEASON), config.chunk_days)[-1]

    run_job("grading", chunk)

    (script,) = _writes(fake)
    text = script["query"]["query"]
    owned = "`game_date` BETWEEN @__first AND @__last AND system_id IN UNNEST(@__owned_system_id)"
    assert f"DELETE FROM `{PROJECT}.nba_predictions.prediction_accuracy` WHERE {owned};" in text
    assert _value(script, "__owned_system_id") == list(SYSTEM_IDS)
    assert _value(script, "system_ids") == list(SYSTEM_IDS)  # grading.sql reads only those systems' predictions


@pytest.mark.parametrize("chunk_days", [200])
def test_a_failed_check_restores_the_replaced_rows_before_the_job_fails(fake, run, config):
    run_job = run
    chunk = season_chunks(config.season(SEASON), config.chunk_days)[-1]
    fake.on_query("HAVING COUNT(*) > 1", schema=[("n", "INT64")], rows=[[3]])  # duplicated keys
    duplicated = [[f'{{"analysis_date":"2024-04-01","team_abbr":"T{i}"}}', '{"row_count":2}'] for i in range(3)]
    fake.on_query("AS checked_values", schema=[("keys", "STRING"), ("checked_values", "STRING")], rows=duplicated)

    with pytest.raises(CheckFailed, match="unique_key: 3 duplicated"):
        run_job("tdza", chunk)

    replace, restore = [q for q in _writes(fake) if "nba_backfill_audit" not in q["query"]["query"]]
    kept = replace["query"]["query"].split("CREATE TABLE IF NOT EXISTS `")[1].split("`")[0]
    assert restore["query"]["query"].startswith("-- nba-backfill: restore the partitions")
    assert f"FROM `{kept}`;" in restore["query"]["query"]
    assert (_value(restore, "__first"), _value(restore, "__last")) == (chunk.first.isoformat(), chunk.last.isoformat())
    # the copy is dropped afterwards
    assert [r.path for r in fake.requests if r.method == "DELETE" and "nba_backfill_audit" not in r.path] == [
        f"/bigquery/v2/projects/{PROJECT}/datasets/nba_precompute/tables/{kept.split('.')[-1]}"
    ]


@pytest.mark.parametrize("chunk_days", [200])
def test_a_failed_bound_sends_its_failing_rows_query_and_loads_them_into_the_audit_table(fake, run, config, capsys):
    """pdc's stats say 2 rows break bound:one_game_a_day: the failing-rows query goes out with the stats query's
    parameters (@season_start among them), its rows are printed and loaded into the audit table, replacing only
    this job's rows of the day, and the job fails naming processor, season, chunk and check."""
    import io
    import json

    import pyarrow.parquet as pq

    chunk = season_chunks(config.season(SEASON), config.chunk_days)[-1]
    job = f"pdc {SEASON} {chunk.name}"
    offending = [
        (json.dumps({"cache_date": "2024-04-01", "player_lookup": p}), '{"cache_date":"2024-04-01","games":9}')
        for p in ("a", "b")
    ]
    fake.on_query("AS checked_values", schema=[("keys", "STRING"), ("checked_values", "STRING")], rows=offending)
    processor = PROCESSORS["pdc"]
    ranges = [(violation_column(name), "INT64") for name in processor.violations()]
    bad = [2 if name == "bound:one_game_a_day" else 0 for name in processor.violations()]
    days = [[d, 10] for d in DATES if chunk.first <= d <= chunk.last]
    fake.on_query(
        "BIT_XOR(FARM_FINGERPRINT",
        schema=[("row_count", "INT64"), ("null_keys", "INT64"), ("fingerprint", "INT64"), *ranges],
        rows=[[10 * len(days), 0, 12345, *bad]],
    )
    fake.on_query("AS check_date", schema=[("check_date", "DATE"), ("expected_rows", "INT64")], rows=days)
    fake.on_query("GROUP BY 1 ORDER BY 1", schema=[("d", "DATE"), ("n", "INT64")], rows=days)

    with pytest.raises(CheckFailed, match=f"CHECK_FAILED {job}: bound:one_game_a_day: 2 row"):
        runner.run_chunk_job(config, "pdc", SEASON, chunk.name, chunk_marker("pdc", SEASON, chunk.name))

    (failing,) = [q for q in fake.queries() if "AS checked_values" in q["query"]["query"]]
    assert failing["query"]["query"] == (
        "SELECT TO_JSON_STRING(STRUCT(cache_date, player_lookup)) AS keys, "
        "TO_JSON_STRING(STRUCT(cache_date, games_played_season)) AS checked_values "
        "FROM nba_precompute.player_daily_cache WHERE cache_date BETWEEN @first AND @last AND TRUE "
        "AND (games_played_season > DATE_DIFF(cache_date, @season_start, DAY)) ORDER BY 1"
    )
    (stats,) = [
        q
        for q in fake.queries()
        if "BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(t))) AS fingerprint," in q["query"]["query"]
    ]
    assert {p["name"]: p["parameterValue"] for p in failing["query"]["queryParameters"]} == {
        p["name"]: p["parameterValue"] for p in stats["query"]["queryParameters"]
    }
    assert _value(failing, "season_start") == DATES[0].isoformat()

    # loaded as Parquet into a staging table, then the day's rows of this job replaced
    (load,) = [b["configuration"]["load"] for b in fake.job_inserts() if "load" in b["configuration"]]
    assert load["destinationTable"]["datasetId"] == "nba_backfill_audit"
    assert load["destinationTable"]["tableId"].startswith("_staging_check_failures_")
    (upload,) = fake.uploads.values()
    rows = pq.read_table(io.BytesIO(upload)).to_pylist()
    assert [(r["job"], r["check_name"], r["severity"], r["keys"], r["checked_values"]) for r in rows] == [
        (job, "bound:one_game_a_day", "fail", keys, values) for keys, values in offending
    ]
    (replace,) = [q for q in _writes(fake) if "nba_backfill_audit.check_failures" in q["query"]["query"]]
    text = replace["query"]["query"]
    assert (
        f"DELETE FROM `{PROJECT}.nba_backfill_audit.check_failures` WHERE `recorded_date` BETWEEN @__first AND "
        "@__last AND job IN UNNEST(@__owned_job);" in text
    )
    assert _value(replace, "__owned_job") == [job]
    assert _value(replace, "__first") == _value(replace, "__last") == rows[0]["recorded_date"].isoformat()
    log = capsys.readouterr().out
    assert f"CHECK_FAILED {job} bound:one_game_a_day: 2 offending row(s):" in log
    assert f"  {offending[0][0]} {offending[0][1]}" in log
