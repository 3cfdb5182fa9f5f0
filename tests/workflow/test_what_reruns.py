"""Issue 12: a marker records what defines its rows, and a change reruns exactly the jobs that read it.

After one finished run, each config key (or an SQL file) is changed and `snakemake -n all_seasons` must list exactly
the jobs of that key and what depends on them, read off the DAG below by hand: league -> preflight -> Phase 4
(tdza, psza -> pcf -> pdc -> mlfs) -> rollup -> predictions -> tiers -> grading -> rollup -> 5C, 6; the coverage
report reads every marker. Dry runs only: the finished run is shared by every test of this module.
"""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from workflow_helpers import CHUNK_DAYS, ONE_SEASON, SEASON, TWO_SEASONS, Workflow

from helpers import REPO, d
from nba_backfill import plan
from nba_backfill.config import Season

pytestmark = pytest.mark.slow

REPORT = {"reports/coverage.png"}
BOUNDS = ONE_SEASON[SEASON]
CHUNKS = [c.name for c in plan.season_chunks(Season(SEASON, d(BOUNDS["start"]), d(BOUNDS["end"])), CHUNK_DAYS)]


@pytest.fixture(scope="module")
def finished(season_run, tmp_path_factory) -> Workflow:
    wf = season_run.clone(tmp_path_factory.mktemp("inputs"))
    assert wf.dry_run_jobs("all_seasons") == {}
    return wf


@pytest.fixture
def wf(finished):
    """The finished run with its own config restored after each test."""
    original = finished.config_path.read_text(), finished.snakefile, dict(finished.env)
    yield finished
    finished.config_path.write_text(original[0])
    finished.snakefile, finished.env = original[1], original[2]


def phase4(*processors: str) -> set[str]:
    return {f"markers/phase4/{p}/{SEASON}/{c}.done" for p in processors for c in CHUNKS}


def after_grading() -> set[str]:
    graded = {f"markers/phase5b/{SEASON}/{c}.done" for c in CHUNKS} | {f"markers/phase5b/{SEASON}.done"}
    return graded | {f"markers/phase5c/{SEASON}.done", f"markers/phase6/{SEASON}.done"} | REPORT


def after_tiers() -> set[str]:
    return {f"markers/phase5a/{SEASON}.done"} | after_grading()


def after_predictions() -> set[str]:
    return {f"markers/phase5a/predictions/{SEASON}/{c}.done" for c in CHUNKS} | after_tiers()


def after_phase4(*processors: str) -> set[str]:
    return phase4(*processors) | {f"markers/phase4/{SEASON}.done"} | after_predictions()


def after_preflight() -> set[str]:
    return {f"markers/preflight/{SEASON}.done"} | after_phase4("tdza", "psza", "pcf", "pdc", "mlfs")


ALL_PHASE4 = ("tdza", "psza", "pcf", "pdc", "mlfs")
LEAGUE = f"markers/league/{SEASON}.done"
PHASE5C, PHASE6 = f"markers/phase5c/{SEASON}.done", f"markers/phase6/{SEASON}.done"
# key -> (new value, a job that reads the key itself, every job that must rerun)
CASES = {
    "predictions.seed": (8, f"markers/phase5a/predictions/{SEASON}/{CHUNKS[0]}.done", after_predictions),
    "checks.min_row_share": (0.7, f"markers/phase4/psza/{SEASON}/{CHUNKS[0]}.done", lambda: after_phase4(*ALL_PHASE4)),
    "bootstrap_days": (15, f"markers/phase4/tdza/{SEASON}/{CHUNKS[0]}.done", lambda: after_phase4(*ALL_PHASE4)),
    "checks.min_players_per_game": (15, f"markers/preflight/{SEASON}.done", after_preflight),
    "tier_adjustments.key_days": ([1], f"markers/phase5a/{SEASON}.done", after_tiers),
    "phase5c.fail_on_warn": (True, PHASE5C, lambda: {PHASE5C} | REPORT),
    "publish.min_games": (6, PHASE6, lambda: {PHASE6} | REPORT),
    "league.seed": (1, LEAGUE, lambda: {LEAGUE} | after_preflight()),
}


def planned(wf: Workflow) -> tuple[set[str], str]:
    out = wf.dry_run("all_seasons")
    return set(Workflow.job_outputs(out)), out


def reasons(out: str, output: str) -> str:
    """The `reason:` line of the job that makes `output` in a dry run."""
    block = out.split(f"output: {output}")[1]
    return next(line.strip() for line in block.splitlines() if line.strip().startswith("reason:"))


@pytest.mark.parametrize("key", CASES)
def test_a_changed_key_reruns_exactly_its_jobs_and_what_follows(wf, key):
    value, own, expected = CASES[key]
    raw = wf.raw_config()
    section, _, name = key.rpartition(".")
    (raw.setdefault(section, {}) if section else raw)[name] = value
    wf.write_config(raw)

    jobs, out = planned(wf)

    assert jobs == expected(), f"{key}: unexpected {sorted(jobs - expected())}, missing {sorted(expected() - jobs)}"
    assert "Params have changed since last execution" in reasons(out, own)


def test_reasons_name_the_changed_part(wf):
    raw = wf.raw_config()
    raw["publish"]["min_games"] = 6
    wf.write_config(raw)
    _, out = planned(wf)
    reason = reasons(out, f"markers/phase6/{SEASON}.done")
    assert "Params have changed since last execution" in reason and "config=" in reason, reason
    assert "code=" in reason  # the recorded digest, before and now: the config part differs, the code part not


def reordered(value):
    """The same settings with every mapping's keys in reverse order."""
    if isinstance(value, dict):
        return {k: reordered(value[k]) for k in reversed(list(value))}
    return value


def test_reordered_yaml_reruns_nothing(wf):
    raw = reordered(wf.raw_config())
    wf.config_path.write_text(yaml.safe_dump(raw, sort_keys=False))
    assert list(wf.raw_config()) == list(reversed(list(reordered(raw))))  # really written in another order
    assert planned(wf)[0] == set()


def test_another_season_runs_only_that_season(wf):
    raw = wf.raw_config()
    raw["seasons"] = TWO_SEASONS
    wf.write_config(raw)
    (new,) = set(TWO_SEASONS) - {SEASON}
    expected = set(plan.season_targets(wf.config(), wf.config().season(new))) | {f"markers/league/{new}.done"}
    assert planned(wf)[0] == expected | REPORT


def test_an_sql_edit_reruns_its_processor_and_what_follows(wf, tmp_path):
    """A copy of the repo whose pcf.sql has one more comment line: pcf, pdc, mlfs and what follows, not tdza/psza."""
    copy = tmp_path / "repo"
    copy.mkdir()
    for entry in ("Snakefile", "rules", "config", "scripts", "envs", "profiles", "report"):
        source = REPO / entry
        if source.is_dir():
            shutil.copytree(source, copy / entry, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / entry)
    sql = copy / "scripts" / "nba_backfill" / "sql" / "pcf.sql"
    sql.write_text("-- edited\n" + sql.read_text())
    wf.snakefile, wf.env = copy / "Snakefile", {**wf.env, "PYTHONPATH": str(copy / "scripts")}

    jobs, out = planned(wf)

    assert jobs == after_phase4("pcf", "pdc", "mlfs")
    first_pcf = f"markers/phase4/pcf/{SEASON}/{CHUNKS[0]}.done"
    assert "Params have changed" in reasons(out, first_pcf)


def test_each_marker_records_the_digest_its_rule_ran_with(finished):
    """The marker's `inputs` hold the config values the job read (as the YAML says them) and the digest that is
    the rule's params."""
    from nba_backfill.inputs import job_digest

    raw, config = finished.raw_config(), finished.config()
    for marker, kind in (
        (f"markers/phase4/pcf/{SEASON}/{CHUNKS[0]}.done", "pcf"),
        (f"markers/phase5a/predictions/{SEASON}/{CHUNKS[-1]}.done", "predictions"),
        (PHASE6, "publish"),
        (LEAGUE, "league"),
    ):
        inputs = json.loads(finished.marker(marker).read_text())["inputs"]
        assert inputs["digest"] == job_digest(config, kind, SEASON), marker
    pcf = json.loads(finished.marker(f"markers/phase4/pcf/{SEASON}/{CHUNKS[0]}.done").read_text())["inputs"]
    assert pcf["config"]["checks.min_row_share"] == raw["checks"]["min_row_share"]
    assert pcf["config"]["season"] == {"name": SEASON, **BOUNDS}
    publish = json.loads(finished.marker(PHASE6).read_text())["inputs"]
    assert publish["config"]["publish"] == raw["publish"]
