"""Fixtures: a fake BigQuery REST server per test, and a BigQueryWarehouse whose real client talks to it."""

from __future__ import annotations

import json

import pytest
from fake_bigquery import CONFIG, PROJECT, FakeBigQuery

from nba_backfill.warehouse.bigquery.backend import BigQueryWarehouse


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


@pytest.fixture
def emulated(fake, tmp_path, monkeypatch):
    """Clients made the production way (from Application Default Credentials, none handed in, as the CLI does)
    reach the fake server: BIGQUERY_EMULATOR_HOST points at it, and ADC holds a token valid for years."""
    adc = {
        "type": "authorized_user",
        "client_id": "fake-client",
        "client_secret": "fake-secret",
        "refresh_token": "fake-refresh",
        "token": "fake-token",
        "expiry": "2099-01-01T00:00:00Z",
    }
    (tmp_path / "adc.json").write_text(json.dumps(adc))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "adc.json"))
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", fake.endpoint)
    return fake
