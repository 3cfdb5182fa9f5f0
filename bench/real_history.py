"""Benchmark: the whole backfill on real history, the 2021-22 regular season in ../shared/realdata/.

    python bench/real_history.py               # the real box scores, no lines (there are none for 2021-22 there)
    python bench/real_history.py --lines "data/odds_*.csv.gz"   # with your own lines for that season

Imports the NBA Stats box scores as Phase 3 (`phase3.source: files`), runs `snakemake all_seasons` from empty in
a temp directory, and prints the wall time, the import's report and time, and the `nba-backfill evaluate` table.
Skipped, with a message, when the data folder is absent (it is not part of the repository).
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

DATA = REPO.parent / "shared" / "realdata"
BOXSCORES = "leaguegamelog_players_2021-22.csv.gz"
SEASON = {"2021-22": {"start": "2021-10-19", "end": "2022-04-10"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help=f"folder holding {BOXSCORES} (default: {DATA})")
    parser.add_argument("--lines", action="append", default=[], help="globs of The Odds API rows for 2021-22")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    boxscores = args.data.resolve() / BOXSCORES
    if not boxscores.exists():
        print(f"skipped: no real data at {boxscores} (the development data lives in ../shared/realdata/)")
        return
    config = yaml.safe_load((REPO / "config" / "seasons.yaml").read_text())
    config["seasons"] = SEASON
    config["phase3"] = {"source": "files", "boxscores": [str(boxscores)], "lines": args.lines}
    workdir = workdir_with(config)

    wall = snakemake(workdir, "--cores", str(args.cores), "all_seasons")
    league = json.loads((workdir / "markers" / "league" / "2021-22.done").read_text())
    import_seconds = json.loads((workdir / "logs" / "league" / "2021-22.timing.json").read_text())["seconds"]
    jobs = len(list((workdir / "markers").rglob("*.done")))
    report = league["report"]
    print(f"real history 2021-22 on {args.cores} cores: {wall:.1f} s wall for {jobs} jobs (workdir {workdir})")
    print(
        f"import: {import_seconds:.1f} s for {report['player_rows']} player rows, {report['games']} games, "
        f"{report['dnp_rows']} DNP rows, {report['players']} players"
    )
    start = time.perf_counter()
    evaluation = subprocess.run(
        [str(Path(sys.executable).with_name("nba-backfill")), "evaluate"], cwd=workdir, capture_output=True, text=True
    )
    print(evaluation.stdout + evaluation.stderr, end="")
    print(f"(evaluate: {time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
