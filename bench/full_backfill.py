"""Benchmark: the whole backfill from empty on the embedded default, and chunked vs one-date-per-job.

    python bench/full_backfill.py                     # everything (the per-date part takes minutes)
    python bench/full_backfill.py --skip-per-date     # the whole backfill with season and monthly chunks
    python bench/full_backfill.py --chunk-days 200    # one chunk size only
    python bench/full_backfill.py --skip-per-date --rounds 3  # each size three times, in turn: median ratios
    python bench/full_backfill.py --per-date-days 30  # per-date comparison on the first 30 processable days

Prints, for each chunk size (default: the config's and monthly, 30), the whole backfill's wall time, job count,
time and CPU per phase, the CPU of the whole run, the share of job time spent outside warehouse calls, the dry-run
and no-op rerun times, and each size's wall time and CPU as ratios of the first's; then the ratio of
one-date-per-job (the platform's way) to chunked Phase 4 over the same dates of one season. Runs in temp
directories; the repo is untouched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def snakemake(workdir: Path, *args: str) -> tuple[float, float]:
    """Run snakemake on the repo's Snakefile in `workdir`; return its wall time and the CPU seconds of the run."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--quiet", "all", *args],
        capture_output=True,
        text=True,
        env=env,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"snakemake {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    # Snakemake waits for its job server, which waits for its jobs: every process of the run is counted
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def workdir_with(config: dict) -> Path:
    workdir = Path(tempfile.mkdtemp(prefix="nba-backfill-bench-"))
    (workdir / "config").mkdir()
    (workdir / "config" / "seasons.yaml").write_text(yaml.safe_dump(config))
    return workdir


def job_timings(workdir: Path) -> list[dict]:
    """One entry per job: its phase, in-process seconds and seconds inside warehouse calls."""
    jobs = []
    for path in (workdir / "logs").rglob("*.timing.json"):
        timing = json.loads(path.read_text())
        phase = path.relative_to(workdir / "logs").parts[0].removesuffix(".timing.json")
        jobs.append({"phase": phase, **timing})
    return jobs


# The per-date comparison cuts the season short after its league is written: the league's params (its season's
# bounds) then differ, and must not make Snakemake regenerate it for the shorter season.
KEEP_LEAGUE = "--rerun-triggers=mtime"


def phase4_wall(workdir: Path, season: str, cores: int) -> float:
    return snakemake(workdir, "--cores", str(cores), KEEP_LEAGUE, f"markers/phase4/{season}.done")[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=4)
    parser.add_argument("--season", default="2023-24", help="season for the per-date comparison")
    parser.add_argument(
        "--per-date-days",
        type=int,
        default=0,
        help="limit the per-date comparison to this many days after bootstrap (0: whole season)",
    )
    parser.add_argument(
        "--chunk-days", type=int, nargs="+", help="chunk sizes to backfill with (default: the config's, then 30)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="backfill with every chunk size this many times, in turn, and compare the medians (wall time moves "
        "with the machine's load from one run to the next)",
    )
    parser.add_argument("--skip-per-date", action="store_true")
    parser.add_argument("--skip-whole", action="store_true")
    args = parser.parse_args()
    config = yaml.safe_load((REPO / "config" / "seasons.yaml").read_text())
    if not args.skip_whole:
        sizes = args.chunk_days or [config["chunk_days"], 30]
        runs: dict[int, list[tuple[float, float]]] = {size: [] for size in sizes}
        for _ in range(args.rounds):  # in turn, so that a slow spell of the machine falls on every size alike
            for size in sizes:
                runs[size].append(whole_backfill({**config, "chunk_days": size}, args.cores))
        medians = {size: [statistics.median(values) for values in zip(*done)] for size, done in runs.items()}
        wall_0, cpu_0 = medians[sizes[0]]
        of = "" if args.rounds == 1 else f" (medians of {args.rounds} runs each)"
        for size in sizes[1:]:
            wall, cpu = medians[size]
            # CPU drifts less than wall time with the machine's load: both ratios
            print(
                f"chunk_days {size}: {wall / wall_0:.2f}x the wall time and {cpu / cpu_0:.2f}x the CPU of "
                f"chunk_days {sizes[0]}{of}: {wall:.1f} s / {cpu:.1f} s against {wall_0:.1f} s / {cpu_0:.1f} s"
            )
    if not args.skip_per_date:
        per_date_ratio(config, args)


def whole_backfill(config: dict, cores_asked: int) -> tuple[float, float]:
    """1. The whole backfill from empty, then a dry run and a no-op rerun; returns the backfill's wall time and the
    CPU seconds of all its processes."""
    workdir = workdir_with(config)
    wall, run_cpu = snakemake(workdir, "--cores", str(cores_asked), "all_seasons")
    jobs = job_timings(workdir)
    markers = list((workdir / "markers").rglob("*.done"))
    dry, _ = snakemake(workdir, "-n", "all_seasons")
    noop_start = time.time()
    noop, _ = snakemake(workdir, "--cores", str(cores_asked), "all_seasons")
    # a no-op reruns nothing; it does if the code or config changed while the bench ran (their digests are inputs)
    rerun = sum(1 for m in (workdir / "markers").rglob("*.done") if m.stat().st_mtime >= noop_start)
    print(
        f"whole backfill ({len(config['seasons'])} seasons, chunk_days {config['chunk_days']}, --cores {cores_asked}): "
        f"{wall:.1f} s wall, "
        f"{len(markers)} jobs"
    )
    by_phase: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    for job in jobs:
        entry = by_phase[job["phase"]]
        entry[0] += 1
        entry[1] += job["seconds"]
        entry[2] += job.get("warehouse_seconds", 0.0)
        entry[3] += job["cpu_seconds"]
    print(f"{'phase':<10} {'jobs':>5} {'job s':>8} {'warehouse s':>12} {'job CPU s':>10}")
    for phase, (count, seconds, warehouse, cpu) in sorted(by_phase.items()):
        print(f"{phase:<10} {count:>5} {seconds:>8.1f} {warehouse:>12.1f} {cpu:>10.1f}")
    job_cpu = sum(j["cpu_seconds"] for j in jobs)
    cores = min(cores_asked, os.cpu_count() or 1)
    print(
        f"CPU of the whole run {run_cpu:.1f} s ({run_cpu / (wall * cores):.0%} of {cores} cores x wall): the jobs' own "
        f"{job_cpu:.1f} s, the rest ({run_cpu - job_cpu:.1f} s) is Snakemake, the job shells and the job server"
    )
    job_seconds = sum(j["seconds"] for j in jobs)
    warehouse_seconds = sum(j.get("warehouse_seconds", 0.0) for j in jobs)
    print(
        f"in-process job time {job_seconds:.1f} s, of which warehouse calls {warehouse_seconds:.1f} s: "
        f"{1 - warehouse_seconds / job_seconds:.0%} of the jobs' own time is outside SQL; the jobs' own time fills "
        f"{job_seconds / (wall * cores):.0%} of {cores} cores x wall (over 100%: jobs waited for a core), the rest "
        f"is process start-up and Snakemake"
    )
    redone = f" (NOT a no-op: {rerun} jobs ran again, the code or config changed during the bench)" if rerun else ""
    print(f"dry run: {dry:.1f} s; no-op rerun: {noop:.1f} s{redone}")
    print(f"(the finished run is left in {workdir}: `cd` there and try `nba-backfill evaluate`)")
    return wall, run_cpu


def per_date_ratio(config: dict, args) -> None:
    """2. One season's Phase 4, chunked vs one date per job (the platform's way), over the same dates."""
    full = {args.season: dict(config["seasons"][args.season])}
    season = {args.season: dict(full[args.season])}
    season[args.season].pop("existing_through", None)
    if args.per_date_days:
        start = dt.date.fromisoformat(season[args.season]["start"])
        last = start + dt.timedelta(days=config["bootstrap_days"] + args.per_date_days - 1)
        season[args.season]["end"] = last.isoformat()
    results = {}
    for label, chunk_days in (("chunked", config["chunk_days"]), ("per-date", 1)):
        one = workdir_with({**config, "seasons": full})  # the league needs the whole season
        snakemake(one, "--cores", str(args.cores), f"markers/league/{args.season}.done")
        (one / "config" / "seasons.yaml").write_text(
            yaml.safe_dump({**config, "seasons": season, "chunk_days": chunk_days})
        )
        snakemake(one, "--cores", str(args.cores), KEEP_LEAGUE, f"markers/preflight/{args.season}.done")
        results[label] = (
            phase4_wall(one, args.season, args.cores),
            len(list((one / "markers" / "phase4").rglob("*.done"))),
        )
    (chunked, n_chunked), (per_date, n_per_date) = results["chunked"], results["per-date"]
    print(
        f"Phase 4 of {args.season} ({season[args.season]['start']}..{season[args.season]['end']}): "
        f"chunked {chunked:.1f} s ({n_chunked} jobs), one date per job {per_date:.1f} s ({n_per_date} jobs), "
        f"ratio {per_date / chunked:.1f}x"
    )


if __name__ == "__main__":
    main()
