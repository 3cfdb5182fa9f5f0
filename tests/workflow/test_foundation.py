"""Issue 2, the foundation: what a fresh dry run plans, what a real run leaves, config errors, the Phase 3 query."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections import Counter

import pytest
from workflow_helpers import CHUNK_DAYS, ONE_SEASON, SEASON, TWO_SEASONS, Workflow, make_workflow

from nba_backfill import plan

# The documented marker layout -> the rule that writes it (README "Markers").
LAYOUT = [
    (r"markers/league/[^/]+\.done", "write_league"),
    (r"markers/preflight/[^/]+\.done", "check_preflight"),
    (r"markers/phase4/(tdza|psza|pcf|pdc|mlfs)/[^/]+/[^/]+\.done", "run_chunk"),
    (r"markers/phase4/[^/]+\.done", "rollup_phase4"),
    (r"markers/phase5a/predictions/[^/]+/[^/]+\.done", "predict_chunk"),
    (r"markers/phase5a/[^/]+\.done", "adjust_tiers"),
    (r"markers/phase5b/[^/]+/[^/]+\.done", "grade_chunk"),
    (r"markers/phase5b/[^/]+\.done", "rollup_grading"),
    (r"markers/phase5c/[^/]+\.done", "check_tiers"),
    (r"markers/phase6/[^/]+\.done", "publish_season"),
]


def rule_of(path: str) -> str:
    for pattern, rule in LAYOUT:
        if re.fullmatch(pattern, path):
            return rule
    raise AssertionError(f"{path}: not a documented marker path")


def n_chunks(start: str, end: str, chunk_days: int) -> int:
    days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1
    return math.ceil(days / chunk_days)


@pytest.mark.parametrize("seasons", [ONE_SEASON, TWO_SEASONS], ids=["one-season", "two-seasons"])
def test_fresh_dry_run_lists_what_the_plan_implies(tmp_path, seasons):
    wf = make_workflow(tmp_path, seasons, chunk_days=CHUNK_DAYS)
    out = wf.dry_run("all_seasons")
    jobs, outputs = Workflow.job_table(out), Workflow.job_outputs(out)
    config = wf.config()
    targets = plan.all_season_targets(config)

    # the plan itself, against plain date arithmetic
    for season in config.seasons:
        body = seasons[season.name]
        assert len(plan.season_chunks(season, CHUNK_DAYS)) == n_chunks(body["start"], body["end"], CHUNK_DAYS)

    # every marker the plan asks for, each season's league, and no other marker
    leagues = {f"markers/league/{name}.done" for name in seasons}
    markers = {path for path in outputs if path.startswith("markers/")}
    assert markers == set(targets) | leagues
    for name in seasons:
        assert outputs[f"markers/league/{name}.done"] == "write_league"
        assert outputs[f"markers/preflight/{name}.done"] == "check_preflight"

    # counts per rule: one job per planned marker, by the rule its path belongs to
    expected = Counter(rule_of(path) for path in [*targets, *leagues])
    chunks = sum(n_chunks(b["start"], b["end"], CHUNK_DAYS) for b in seasons.values())
    assert expected["run_chunk"] == 5 * chunks and expected["predict_chunk"] == expected["grade_chunk"] == chunks
    assert expected["check_preflight"] == expected["rollup_phase4"] == expected["check_tiers"] == len(seasons)
    for rule, count in expected.items():
        assert jobs.get(rule) == count, f"{rule}: {jobs.get(rule)} job(s) planned, expected {count}\n{jobs}"
    assert jobs.get("all_seasons") == 1
    for path, rule in outputs.items():  # each job writes what its rule is for
        if path.startswith("markers/"):
            assert rule == rule_of(path), path
    # nothing ran: a dry run writes no marker and no warehouse
    assert not (wf.workdir / "markers").exists() and not (wf.workdir / "warehouse").exists()


@pytest.mark.slow
def test_a_real_run_writes_every_planned_marker_then_nothing_is_left(season_run):
    wf, proc = season_run.workflow, season_run.proc
    targets = plan.all_season_targets(wf.config())
    missing = [t for t in targets if not wf.marker(t).exists()]
    assert not missing, f"no marker for {missing}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert wf.marker(f"markers/league/{SEASON}.done").exists()
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert wf.dry_run_jobs("all_seasons") == {}


def test_a_dry_run_does_not_import_pandas(season_run):
    """Snakemake imports pandas (a third of a dry run) only to hash params that are pandas objects, when it
    compares a finished job's params; ours are digests, so the Snakefile gives it the plain serializer."""
    wf = dataclasses.replace(season_run.workflow, env={**season_run.workflow.env, "PYTHONPROFILEIMPORTTIME": "1"})
    proc = wf.run("-n", "all_seasons")
    imported = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "snakemake.persistence" in imported and "nba_backfill.plan" in imported
    assert "pandas" not in imported


def test_snakemake_schedules_when_a_job_ends_not_on_a_timer(season_run):
    """Snakemake's job-rate limiter re-ran the scheduler from a timer after every round, each round arming one more
    timer: idle rounds grew with the run's length times its jobs (the Snakefile's onstart hook turns it off)."""
    output = season_run.proc.stdout + season_run.proc.stderr
    rounds = output.count("Ready jobs")
    jobs = len(list(season_run.workflow.marker("markers").rglob("*.done"))) + 1  # + the coverage report
    assert 0 < rounds <= jobs + 1, f"{rounds} scheduling rounds for {jobs} jobs"


@pytest.mark.slow
def test_runbook_phase3_dates_query_counts_the_schedule_dates(season_run):
    wf = season_run.workflow
    start, end = ONE_SEASON[SEASON]["start"], ONE_SEASON[SEASON]["end"]
    expected = len(wf.game_dates(dt.date.fromisoformat(start), dt.date.fromisoformat(end)))
    assert expected > 150  # a real regular season: ~165 game dates
    rows = wf.query(
        "SELECT COUNT(DISTINCT game_date) as dates\n"
        "FROM `nba-props-platform.nba_analytics.player_game_summary`\n"
        f"WHERE game_date BETWEEN '{start}' AND '{end}'"
    )
    assert rows == [{"dates": str(expected)}]


@pytest.mark.parametrize(
    "args, edit, key",
    [
        (["--config", "chunk_days=0"], None, "chunk_days"),
        (["--config", "bootstrap_days=-1"], None, "bootstrap_days"),
        ([], {"2023-24": {"start": "2023-10-24", "end": "2023-10-01"}}, "seasons.2023-24.end"),
    ],
    ids=["chunk_days", "bootstrap_days", "season-end"],
)
def test_bad_config_stops_before_any_job_with_one_line(tmp_path, args, edit, key):
    wf = make_workflow(tmp_path, edit or ONE_SEASON, chunk_days=CHUNK_DAYS)
    proc = wf.run("all_seasons", *args, check=False)
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    errors = [line for line in output.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, output
    assert errors[0].startswith(f"error: config error: {key}: "), errors[0]
    assert "Traceback" not in output
    for folder in ("markers", "warehouse", "logs"):
        assert not (wf.workdir / folder).exists(), f"{folder}/ was written"
