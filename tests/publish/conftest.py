"""Phase 6 fixtures: the hand-made season (publish_season.py) in a warehouse, and a GCS emulator."""

from __future__ import annotations

import socket

import pytest
from publish_season import SEASON, make_config, populate

from nba_backfill.warehouse.duckdb import DuckDBWarehouse


@pytest.fixture(scope="session")
def season_warehouse(tmp_path_factory):
    """The hand-made season, written once (tests only read it)."""
    path = tmp_path_factory.mktemp("publish-warehouse")
    populate(DuckDBWarehouse(path))
    return path


@pytest.fixture
def config(tmp_path):
    """A config over an empty warehouse."""
    return make_config(tmp_path / "warehouse")


@pytest.fixture
def season(season_warehouse, tmp_path, monkeypatch):
    """A config over the hand-made season; the working directory is a fresh tmp_path/run."""
    run = tmp_path / "run"
    run.mkdir()
    monkeypatch.chdir(run)
    return make_config(season_warehouse)


@pytest.fixture(scope="module")
def published(season_warehouse, tmp_path_factory):
    """The season published once into <run>/published (for tests that only read): (folder, marker path)."""
    from nba_backfill.publish.job import run_publish

    run = tmp_path_factory.mktemp("published-run")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NBA_BACKFILL_CACHE", str(tmp_path_factory.getbasetemp() / "sql-cache"))
        mp.delenv("NBA_BACKFILL_CONFIG", raising=False)
        mp.chdir(run)
        marker = run_publish(make_config(season_warehouse), SEASON)
    return run / "published", run / marker


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gcs(monkeypatch):
    """An in-memory gcp-storage-emulator with a bucket `bucket`, and a real storage client talking to it."""
    from gcp_storage_emulator.server import create_server
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    from nba_backfill.publish.targets import GCSTarget

    port = _free_port()
    server = create_server("127.0.0.1", port, in_memory=True, default_bucket="bucket")
    server.start()
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", f"http://127.0.0.1:{port}")
    # The emulator serves one connection at a time: parallel requests only queue (and retry) there.
    monkeypatch.setattr(GCSTarget, "workers", 1)
    try:
        yield storage.Client(project="test", credentials=AnonymousCredentials())
    finally:
        server.stop()
