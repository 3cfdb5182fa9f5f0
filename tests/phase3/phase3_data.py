"""The hand-made files of the Phase 3 import tests (data/): a tiny 2023-24 league in the real layout."""

from pathlib import Path

DATA = Path(__file__).parent / "data"
BOXSCORES = DATA / "boxscores_2023-24.csv"
LINES = DATA / "lines_2023-24.csv"
SEASON = {"2023-24": {"start": "2023-10-24", "end": "2024-04-14"}}


def hart_renamed(tmp_path: Path) -> Path:
    """The box scores with Josh Hart renamed "Josh Hart II" in his later game (for Denver, 11-02), as NBA Stats
    renames a player now and then; his 10-24 row keeps "Josh Hart"."""
    text = BOXSCORES.read_text(encoding="utf-8").splitlines()
    later = next(i for i, line in enumerate(text) if "Josh Hart" in line and ",DEN," in line)
    text[later] = text[later].replace("Josh Hart", "Josh Hart II")
    path = tmp_path / "boxscores.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path
