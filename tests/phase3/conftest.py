"""Fixtures for the Phase 3 import tests: the hand-made files in data/, a config whose warehouse is a temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from phase3_data import BOXSCORES, LINES, SEASON

from helpers import base_config


@pytest.fixture
def phase3_config(tmp_path):
    """Write a config for the tiny league (files source, tiny games allowed by preflight) and return its path;
    `seasons`/`boxscores`/`lines` override the defaults."""

    def write(seasons=None, boxscores=None, lines=None) -> Path:
        config = base_config()
        config["seasons"] = seasons or SEASON
        config["warehouse"] = {"backend": "duckdb", "path": str(tmp_path / "warehouse")}
        config["checks"] = {**config["checks"], "min_players_per_game": 2}
        config["phase3"] = {
            "source": "files",
            "boxscores": [str(p) for p in boxscores or [BOXSCORES]],
            "lines": [str(p) for p in ([LINES] if lines is None else lines)],
        }
        path = tmp_path / "seasons.yaml"
        path.write_text(yaml.safe_dump(config))
        return path

    return write
