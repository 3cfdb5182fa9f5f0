"""The hand-made files of the Phase 3 import tests (data/): a tiny 2023-24 league in the real layout."""

from pathlib import Path

DATA = Path(__file__).parent / "data"
BOXSCORES = DATA / "boxscores_2023-24.csv"
LINES = DATA / "lines_2023-24.csv"
SEASON = {"2023-24": {"start": "2023-10-24", "end": "2024-04-14"}}
