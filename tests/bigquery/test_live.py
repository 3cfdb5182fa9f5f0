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
