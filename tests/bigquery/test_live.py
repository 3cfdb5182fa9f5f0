"""Opt-in: the real BigQuery. Runs only with NBA_BACKFILL_BQ_PROJECT set (and ADC configured):

    NBA_BACKFILL_BQ_PROJECT=my-sandbox-project pytest -m bigquery tests/bigquery/test_live.py

The first tests cost nothing to speak of (constant SELECTs and dry runs). The slow one WRITES the nba_* datasets
of that project (the synthetic league, then every derived table of one season): give it a sandbox project,
never the platform's.
"""

from __future__ import annotations

import datetime as dt
import math
import os

import pytest

from nba_backfill.warehouse.bigquery.backend import BigQueryWarehouse

PROJECT = os.environ.get("NBA_BACKFILL_BQ_PROJECT")

pytestmark = [
    pytest.mark.bigquery,
    pytest.mark.skipif(not PROJECT, reason="set NBA_BACKFILL_BQ_PROJECT to run against a real BigQuery project"),
]


@pytest.fixture(scope="module")
def warehouse():
    warehouse = BigQueryWarehouse(
        {
            "project": PROJECT,
            "location": os.environ.get("NBA_BACKFILL_BQ_LOCATION", "US"),
            "maximum_bytes_billed": 10 * 1024**2,
        }
    )
    warehouse.labels = {"processor": "live-test"}
    yield warehouse
    warehouse.close()


def test_a_parameterised_query_round_trips_types(warehouse):
    day = dt.date(2022, 11, 1)
    result = warehouse.query(
        "SELECT @d AS d, DATE_ADD(@d, INTERVAL 1 DAY) AS next_day, @n + 1 AS n, @x * 2 AS x, "
        "ARRAY_LENGTH(@names) AS names, @flag AS flag",
        {"d": day, "n": 41, "x": 0.25, "names": ["a", "b"], "flag": True},
    )
    assert result.columns == ["d", "next_day", "n", "x", "names", "flag"]
    assert result.rows == [(day, dt.date(2022, 11, 2), 42, 0.5, 2, True)]


def test_a_dry_run_reports_bytes(warehouse):
    assert warehouse.dry_run_bytes("SELECT 1 AS x") == 0


def test_the_reserved_parameter_names_are_accepted(warehouse):
    # replace_partitions binds @__first / @__last; check BigQuery takes names with a leading double underscore
    day = dt.date(2022, 11, 1)
    assert warehouse.query("SELECT @__first AS a, @__last AS b", {"__first": day, "__last": day}).rows == [(day, day)]


SANDBOX_SEASON = {"2023-24": {"start": "2023-10-24", "end": "2024-04-14"}}  # the league simulates whole seasons


def _backfill(config, season: str) -> None:
    """What `all_seasons` runs for one season's tables, chunk by chunk in DAG order, at any chunk size."""
    from nba_backfill.phase3.write import write_phase3
    from nba_backfill.phase5 import run_tier_adjustments, write_predictions
    from nba_backfill.plan import PHASE4_PROCESSORS, chunk_marker, season_chunks
    from nba_backfill.runner import run_chunk_job

    write_phase3(config)
    chunks = [c.name for c in season_chunks(config.season(season), config.chunk_days)]
    for chunk in chunks:
        for processor in PHASE4_PROCESSORS:
            run_chunk_job(config, processor, season, chunk, chunk_marker(processor, season, chunk))
    for chunk in chunks:
        marker = chunk_marker("predictions", season, chunk)
        run_chunk_job(config, "predictions", season, chunk, marker, write_predictions)
    run_tier_adjustments(config, season)
    for chunk in chunks:
        run_chunk_job(config, "grading", season, chunk, chunk_marker("grading", season, chunk))


def _rows(config, season: str) -> dict[str, list[dict]]:
    """Every derived table's rows in the season, by key; and the prediction inputs of its last weeks."""
    from nba_backfill.processors import PROCESSORS, TIERS, sql_text
    from nba_backfill.warehouse import open_warehouse

    bounds = config.season(season)
    warehouse = open_warehouse(config, {"processor": "live-test"})
    out = {}
    for processor in (*PROCESSORS.values(), TIERS):
        rows = warehouse.query(
            f"SELECT * FROM {processor.table} WHERE {processor.date_column} BETWEEN @first AND @last",
            {"first": bounds.start, "last": bounds.end},
        ).dicts()
        out[processor.table] = sorted(rows, key=lambda r, k=processor.key: tuple(str(r[c]) for c in k))
    inputs = warehouse.query(
        sql_text("prediction_inputs"), {"start_date": bounds.end - dt.timedelta(days=14), "end_date": bounds.end}
    ).dicts()
    out["prediction_inputs"] = sorted(inputs, key=lambda r: (str(r["game_date"]), r["player_lookup"]))
    return out


def _same(value, other) -> bool:
    if isinstance(value, float) and isinstance(other, float):
        return math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(value, list) and isinstance(other, list):
        return len(value) == len(other) and all(map(_same, value, other))
    return value == other


@pytest.mark.slow
@pytest.mark.parametrize("chunk_days", [200, 30])  # one chunk for the season, then several
def test_the_backfill_on_bigquery_matches_the_embedded_backend(tmp_path, monkeypatch, chunk_days):
    """Phase 4, predictions (and their inputs), the tier step and grading of one short synthetic season, run the
    way the rules run them, on the sandbox project and on DuckDB: every table holds the same rows."""
    from helpers import base_config
    from nba_backfill.config import validate_config

    raw = base_config()
    raw["seasons"] = SANDBOX_SEASON
    raw["chunk_days"] = chunk_days
    embedded = validate_config(raw)
    raw["warehouse"] = {
        "backend": "bigquery",
        "project": PROJECT,
        "location": os.environ.get("NBA_BACKFILL_BQ_LOCATION", "US"),
    }
    live = validate_config(raw)
    rows = {}
    for name, config in (("duckdb", embedded), ("bigquery", live)):
        (tmp_path / name).mkdir()
        monkeypatch.chdir(tmp_path / name)  # markers and the embedded warehouse go here
        _backfill(config, "2023-24")
        rows[name] = _rows(config, "2023-24")
    for table, ours in rows["duckdb"].items():
        theirs = rows["bigquery"][table]
        assert len(ours) == len(theirs) > 0, table
        for a, b in zip(ours, theirs):
            assert a.keys() == b.keys(), table
            different = [c for c in a if not _same(a[c], b[c])]
            assert not different, (table, {c: (a[c], b[c]) for c in different})
