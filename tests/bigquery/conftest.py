"""Fixtures: a fake BigQuery REST server per test, and a BigQueryWarehouse whose real client talks to it."""

from __future__ import annotations

import pytest
from fake_bigquery import CONFIG, PROJECT, FakeBigQuery

from nba_backfill.warehouse.bigquery import BigQueryWarehouse


@pytest.fixture
def fake():
    server = FakeBigQuery().start()
    try:
        yield server
    finally:
        server.stop()
    # Whatever a test did, the warehouse never streamed, never used a partition decorator, never appended.
    for request in server.requests:
        assert "insertAll" not in request.path, request
        assert "$" not in request.path, request
    for body in server.job_inserts():
        assert body["configuration"].get("load", {}).get("writeDisposition") != "WRITE_APPEND", body


@pytest.fixture
def make_warehouse(fake):
    made = []

    def make(config=None, client=None, **kwargs):
        kwargs.setdefault("retry_base_delay", 0.001)
        kwargs.setdefault("retry_max_delay", 0.01)
        kwargs.setdefault("api_timeout", 5.0)
        warehouse = BigQueryWarehouse(
            dict(config or CONFIG), client=client or fake.client(PROJECT, CONFIG["location"]), **kwargs
        )
        made.append(warehouse)
        return warehouse

    yield make
    for warehouse in made:
        warehouse.close()


@pytest.fixture
def warehouse(make_warehouse):
    warehouse = make_warehouse()
    warehouse.labels = {"processor": "pdc", "season": "2022-23", "chunk": "2022-11-01_2022-11-30"}
    return warehouse
