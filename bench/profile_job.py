"""Benchmark: the CPU seconds of one `nba-backfill` job, and where they go (issue 18: publishing and the league).

Run it in a working directory that has what the job reads (a finished backfill, e.g. a season's
`snakemake all_seasons`); the job writes what it always writes there (the same files, for an unchanged job):

    python bench/profile_job.py --workdir DIR -- publish --season 2023-24
    python bench/profile_job.py --workdir DIR --repeat 7 --profile 25 -- league --season 2023-24

Prints the user + system CPU seconds of each run (the child's own rusage, so other processes loading the machine
do not count, unlike wall time), their median, and with --profile N the N functions with the most cumulative
time in one more run under cProfile (which itself slows the run: compare its shares, not its seconds).
"""

from __future__ import annotations

import argparse
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

NBA_BACKFILL = [sys.executable, "-m", "nba_backfill"]


def cpu_seconds(workdir: Path, command: list[str]) -> float:
    """Run the command in `workdir`; user + system CPU seconds of that child alone."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed in {workdir}:\n{done.stderr[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True, help="where the job runs (its config, warehouse)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="then print the top N of a cProfile run")
    parser.add_argument("job", nargs="+", help="the nba-backfill arguments, after --")
    args = parser.parse_args()
    workdir = args.workdir.resolve()
    runs = [cpu_seconds(workdir, [*NBA_BACKFILL, *args.job]) for _ in range(args.repeat)]
    print(f"nba-backfill {' '.join(args.job)}: CPU seconds {' '.join(f'{s:.2f}' for s in runs)}")
    print(f"median {statistics.median(runs):.2f} s CPU over {len(runs)} runs")
    if args.profile:
        fd, out = tempfile.mkstemp(suffix=".prof")
        os.close(fd)
        try:
            cpu_seconds(workdir, [sys.executable, "-m", "cProfile", "-o", out, "-m", "nba_backfill", *args.job])
            pstats.Stats(out).sort_stats("cumulative").print_stats(args.profile)
        finally:
            Path(out).unlink()


if __name__ == "__main__":
    main()
