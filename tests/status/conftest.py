"""The `run` fixture: the half-done run of status_run.py, in a temp dir that is the working directory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # status_run.py

from status_run import Run, make_run  # noqa: E402


@pytest.fixture
def run(tmp_path, monkeypatch) -> Run:
    monkeypatch.chdir(tmp_path)
    return make_run(tmp_path)
