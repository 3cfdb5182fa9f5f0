"""Opt-in: the real BigQuery. Runs only with NBA_BACKFILL_BQ_PROJECT set (and ADC configured):

    NBA_BACKFILL_BQ_PROJECT=my-project pytest -m bigquery tests/bigquery/test_live.py

Costs nothing to speak of: constant SELECTs and dry runs; no table is written.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

from nba_backfill.warehouse.bigquery import BigQueryWarehouse

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


@pytest.mark.slow
def test_one_chunk_of_each_phase4_processor_matches_the_embedded_backend(tmp_path, monkeypatch):
    """Loads one synthetic season into the project's nba_* datasets (a sandbox project!), runs one chunk of
    every Phase 4 processor there and on DuckDB, and compares the rows."""
    import math

    from helpers import base_config
    from nba_backfill.config import validate_config
    from nba_backfill.phase3.write import write_phase3
    from nba_backfill.plan import PHASE4_PROCESSORS, chunk_marker, season_chunks
    from nba_backfill.processors import PHASE4
    from nba_backfill.runner import run_chunk_job
    from nba_backfill.warehouse import open_warehouse

    raw = base_config()
    raw["seasons"] = {"2023-24": {"start": "2023-10-24", "end": "2024-04-14"}}
    embedded = validate_config(raw)
    raw["warehouse"] = {
        "backend": "bigquery",
        "project": PROJECT,
        "location": os.environ.get("NBA_BACKFILL_BQ_LOCATION", "US"),
    }
    live = validate_config(raw)
    chunk = season_chunks(embedded.seasons[0], embedded.chunk_days)[2]
    rows = {}
    for name, config in (("duckdb", embedded), ("bigquery", live)):
        (tmp_path / name).mkdir()
        monkeypatch.chdir(tmp_path / name)
        write_phase3(config)
        for processor in PHASE4_PROCESSORS:
            run_chunk_job(config, processor, "2023-24", chunk.name, chunk_marker(processor, "2023-24", chunk.name))
        warehouse = open_warehouse(config)
        rows[name] = {
            p: sorted(
                warehouse.query(
                    f"SELECT * FROM {PHASE4[p].table} WHERE {PHASE4[p].date_column} BETWEEN @first AND @last",
                    {"first": chunk.first, "last": chunk.last},
                ).dicts(),
                key=lambda r, p=p: tuple(str(r[k]) for k in PHASE4[p].key),
            )
            for p in PHASE4_PROCESSORS
        }
    for processor in PHASE4_PROCESSORS:
        ours, theirs = rows["duckdb"][processor], rows["bigquery"][processor]
        assert len(ours) == len(theirs) > 0, processor
        for a, b in zip(ours, theirs):
            for column, value in a.items():
                other = b[column]
                if isinstance(value, float) and isinstance(other, float):
                    assert math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-9), (processor, column)
                else:
                    assert value == other, (processor, column)
