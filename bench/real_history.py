"""Benchmark: the whole backfill on real history, the 2021-22 and 2024-25 regular seasons in ../shared/realdata/.

    python bench/real_history.py               # both seasons' box scores, the 2024-25 pick'em lines
    python bench/real_history.py --lines "data/odds_*.csv.gz"   # your own lines instead

Imports the NBA Stats box scores (and the prop lines) as Phase 3 (`phase3.source: files`), runs
`snakemake all_seasons` from empty in a temp directory, and prints the wall time, each season's import (rows, DNP
rows, lines read and matched) and the `nba-backfill evaluate` table (MAE per season and system, and against the
line on the rows that have one). Skipped, with a message, when the data folder is absent (it is not part of the
repository).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import yaml
from full_backfill import REPO, snakemake, workdir_with

from nba_backfill.phase3.write import import_summary

DATA = REPO.parent / "shared" / "realdata"
SEASONS = {
    "2021-22": {"start": "2021-10-19", "end": "2022-04-10"},
    "2024-25": {"start": "2024-10-22", "end": "2025-04-13"},
}
LINES = "odds_player_points_2024-25.csv.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help=f"folder holding the real seasons (default: {DATA})")
    parser.add_argument("--lines", action="append", help=f"globs of The Odds API rows (default: the data's {LINES})")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    data = args.data.resolve()
    boxscores = [data / f"leaguegamelog_players_{season}.csv.gz" for season in SEASONS]
    missing = [str(path) for path in boxscores if not path.exists()]
    if missing:
        print(f"skipped: no real data at {', '.join(missing)} (the development data lives in ../shared/realdata/)")
        return
    config = yaml.safe_load((REPO / "config" / "seasons.yaml").read_text())
    config["seasons"] = SEASONS
    lines = args.lines or [str(data / LINES)]
    config["phase3"] = {"source": "files", "boxscores": [str(path) for path in boxscores], "lines": lines}
    workdir = workdir_with(config)

    wall, cpu = snakemake(workdir, "--cores", str(args.cores), "all_seasons")
    jobs = len(list((workdir / "markers").rglob("*.done")))
    print(f"real history {', '.join(SEASONS)} on {args.cores} cores: {wall:.1f} s wall, {cpu:.1f} s CPU, {jobs} jobs")
    print(f"(workdir {workdir})")
    for season in SEASONS:
        marker = json.loads((workdir / "markers" / "league" / f"{season}.done").read_text())
        seconds = json.loads((workdir / "logs" / "league" / f"{season}.timing.json").read_text())["seconds"]
        rows = ", ".join(f"{n} {table.split(' ')[0]}" for table, n in marker["rows"].items() if table.endswith(season))
        print(f"{season} import: {seconds:.1f} s, {rows}")
    report = marker["report"]  # of the files read: the same for every season's job
    print(
        f"files: {report['player_rows']} player rows ({report['dnp_rows']} DNP), {report['games']} games, "
        f"{report['players']} players"
    )
    # the report's lines part, each category's count without its names (`nba-backfill import --report` has them)
    print("\n".join(line for line in import_summary(report).splitlines()[1:] if not line.startswith("    ")))
    start = time.perf_counter()
    evaluation = subprocess.run(
        [str(Path(sys.executable).with_name("nba-backfill")), "evaluate"], cwd=workdir, capture_output=True, text=True
    )
    print(evaluation.stdout + evaluation.stderr, end="")
    print(f"(evaluate: {time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
