"""Session fixtures: ZetaSQL's local service (started once; the compiled module cached on disk) and the fake
BigQuery server of tests/bigquery, which records what the real client sends."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS / "bigquery"), str(TESTS / "sql")]  # fake_bigquery; the hand-made leagues

from zetasql_service import BigQueryAnalyzer, LocalService  # noqa: E402

from nba_backfill.warehouse.dialect import cache_dir  # noqa: E402


@pytest.fixture(scope="session")
def zetasql() -> BigQueryAnalyzer:
    """Compiles the wasm module on a cold cache (~40 s of CPU, once per machine), else loads it (~0.5 s).
    Session fixtures are set up before the per-test cache override in tests/conftest.py, so this is the
    user's (or CI's) cache root."""
    return BigQueryAnalyzer(LocalService(cache_dir().parent / "zetasql"))


@pytest.fixture(scope="session")
def fake_bigquery():
    from fake_bigquery import FakeBigQuery

    server = FakeBigQuery().start()
    yield server
    server.stop()
