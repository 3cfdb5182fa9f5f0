"""Shared fixtures: configs written to temp dirs, and the repo's paths."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import settings

# Property tests judge behaviour, never speed: no per-example deadline (a loaded CI machine is not a failure).
settings.register_profile("no_deadline", deadline=None)
settings.load_profile("no_deadline")

sys.path.insert(0, str(Path(__file__).parent))  # tests/helpers.py

from helpers import base_config  # noqa: E402


@pytest.fixture(autouse=True)
def _sql_cache(tmp_path_factory, monkeypatch):
    """Transpiled SQL is cached per test session, never in the user's cache."""
    monkeypatch.setenv("NBA_BACKFILL_CACHE", str(tmp_path_factory.getbasetemp() / "sql-cache"))
    monkeypatch.delenv("NBA_BACKFILL_CONFIG", raising=False)


@pytest.fixture
def write_config(tmp_path):
    """Write a config (the repo's, with `changes` merged on top) into tmp_path and return its path."""

    def write(changes: dict | None = None, name: str = "seasons.yaml") -> Path:
        config = base_config()
        for key, value in (changes or {}).items():
            config[key] = value
        path = tmp_path / name
        path.write_text(yaml.safe_dump(config))
        return path

    return write
