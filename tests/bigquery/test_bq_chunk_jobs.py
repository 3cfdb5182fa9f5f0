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

    with pytest.raises(CheckFailed, match="unique_key: 3 duplicated"):
        run_job("tdza", chunk)

    replace, restore = _writes(fake)
    kept = replace["query"]["query"].split("CREATE TABLE IF NOT EXISTS `")[1].split("`")[0]
    assert restore["query"]["query"].startswith("-- nba-backfill: restore the partitions")
    assert f"FROM `{kept}`;" in restore["query"]["query"]
    assert (_value(restore, "__first"), _value(restore, "__last")) == (chunk.first.isoformat(), chunk.last.isoformat())
    # the copy is dropped afterwards
    assert [r.path for r in fake.requests if r.method == "DELETE"] == [
        f"/bigquery/v2/projects/{PROJECT}/datasets/nba_precompute/tables/{kept.split('.')[-1]}"
    ]
