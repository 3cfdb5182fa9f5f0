"""Issue 12: which jobs a config change touches, read from the digests alone (the workflow test runs Snakemake)."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest

import nba_backfill
from helpers import base_config
from nba_backfill.config import validate_config
from nba_backfill.inputs import CONFIG_KEYS, job_digest, job_inputs

KINDS = sorted(CONFIG_KEYS)
PHASE4 = {"tdza", "psza", "pcf", "pdc", "mlfs"}
SEASON = "2022-23"


def digests(raw: dict, season: str = SEASON) -> dict[str, str]:
    config = validate_config(raw)
    return {kind: job_digest(config, kind, season) for kind in KINDS}


def changed(edit) -> set[str]:
    raw = base_config()
    after = copy.deepcopy(raw)
    edit(after)
    before_digests, after_digests = digests(raw), digests(after)
    return {kind for kind in KINDS if before_digests[kind] != after_digests[kind]}


def setter(path: str, value):
    def edit(raw: dict) -> None:
        *parents, name = path.split(".")
        node = raw
        for part in parents:
            node = node.setdefault(part, {})
        node[name] = value

    return edit


@pytest.mark.parametrize(
    "path, value, kinds",
    [
        ("predictions.seed", 8, {"predictions"}),
        ("checks.min_row_share", 0.5, PHASE4 | {"predictions", "grading"}),
        ("bootstrap_days", 10, PHASE4 | {"predictions", "grading"}),
        ("checks.max_players_per_game", 50, {"preflight"}),
        ("publish.min_games", 3, {"publish"}),
        ("publish.target", "elsewhere", {"publish"}),
        ("tier_adjustments.system_id", "ensemble_v1", {"tiers", "tier_check"}),
        ("tier_adjustments.key_days", [1], {"tiers"}),
        ("phase5c.fail_on_warn", True, {"tier_check"}),
        ("league.scale", 2.0, {"league"}),
        ("external_processors.pcf", "true", {"pcf"}),
        (
            "checks.severity",
            [{"processor": "pdc", "check": "bound:one_game_a_day", "severity": "warn", "reason": "r"}],
            {"pdc"},
        ),
        (f"seasons.{SEASON}.existing_through", "2022-12-01", PHASE4),
        ("warehouse.path", "other", set()),
        ("chunk_days", 30, set()),  # renames the chunks instead: other jobs, not other digests
    ],
)
def test_a_key_changes_the_digest_of_exactly_the_jobs_that_read_it(path, value, kinds):
    assert changed(setter(path, value)) == kinds


def test_reordered_keys_and_integral_floats_change_nothing():
    def reorder(raw: dict) -> None:
        for key in list(raw):
            value = raw.pop(key)
            raw[key] = dict(reversed(list(value.items()))) if isinstance(value, dict) else value
        raw["league"]["scale"] = 1  # the same as 1.0

    assert changed(reorder) == set()


def test_other_seasons_change_no_digest_of_a_season():
    """A season's jobs, its league included, read only its own bounds: seasons before or after it change nothing."""
    raw = base_config()
    alone = {**raw, "seasons": {SEASON: raw["seasons"][SEASON]}}
    later = {**raw, "seasons": {k: v for k, v in raw["seasons"].items() if k >= SEASON}}
    assert digests(alone) == digests(raw) == digests(later)


def test_the_marker_records_keys_values_and_files():
    inputs = job_inputs(validate_config(base_config()), "pcf", SEASON)
    assert inputs["config"] == {
        "bootstrap_days": 14,
        "checks.min_row_share": 0.8,
        "external_processors.pcf": None,
        "season": {"name": SEASON, "start": "2022-10-18", "end": "2023-04-09"},
    }
    assert set(inputs["code"]) == {"sql/pcf.sql", "sql/pcf.checks.sql", "ranges"}
    assert inputs["digest"].startswith("config=") and " code=" in inputs["digest"]


@pytest.mark.parametrize(("kind", "package"), [("league", "phase3"), ("publish", "publish")])
def test_every_module_of_the_package_that_shapes_the_rows_is_in_the_code_digest(kind, package):
    """A module of the package left out of inputs.SOURCES would change the job's rows without rerunning it."""
    root = Path(nba_backfill.__file__).parent
    modules = {path.relative_to(root).as_posix() for path in (root / package).rglob("*.py")}
    code = job_inputs(validate_config(base_config()), kind, SEASON)["code"]
    assert len(modules) > 1 and modules - set(code) == set()


def test_the_digests_read_phase3s_definition_without_importing_its_writer():
    """inputs <- phase3.write imports inputs for the marker; inputs itself needs only phase3.definition."""
    code = "import sys, nba_backfill.inputs; assert 'nba_backfill.phase3.write' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
