"""Fixtures for the prediction systems' tests: `prediction_rows.py` beside this file builds the input frames."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # tests/models/prediction_rows.py
