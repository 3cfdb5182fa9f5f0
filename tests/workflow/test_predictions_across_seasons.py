"""Issue 13 on a real two-season DAG: a season's predictions wait for the earlier season's Phase 4 and
predictions while Phase 4 runs every season in parallel; xgboost_v1 and ensemble_v2 train, window by window, on
exactly the rows before the window across the season boundary (recomputed here from Phase 3, the feature store and
the stored predictions)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from workflow_helpers import PGS, PHASE4_TABLES, PREDICTIONS, TWO_SEASONS, make_workflow

from nba_backfill import plan
from nba_backfill.markers import read_marker
from nba_backfill.models import stacking

pytestmark = pytest.mark.slow

SEASONS = TWO_SEASONS  # 2023-24, then 2024-25, in two chunks each
EARLIER, LATER = SEASONS
CHUNK_DAYS = 100


def job_inputs(workflow) -> dict[str, list[str]]:
    """A dry run of all_seasons: each job's output marker -> its input files, as Snakemake lists them."""
    jobs, inputs = {}, []
    for line in workflow.dry_run("all_seasons").splitlines():
        text = line.strip()
        if text.startswith("input:"):
            inputs = [p.strip() for p in text.removeprefix("input:").split(",")]
        elif text.startswith("output:"):
            jobs[text.removeprefix("output:").strip()] = inputs
            inputs = []
    return jobs


def upstream(output: str, jobs: dict[str, list[str]]) -> set[str]:
    """Every output the job making `output` waits for, directly or not."""
    seen, todo = set(), [output]
    while todo:
        for path in jobs.get(todo.pop(), []):
            if path not in seen:
                seen.add(path)
                todo.append(path)
    return seen


def test_predictions_wait_for_the_earlier_season_and_phase4_does_not(tmp_path):
    workflow = make_workflow(tmp_path, SEASONS, chunk_days=CHUNK_DAYS)
    jobs = job_inputs(workflow)
    config = workflow.config()
    first_chunk = plan.season_chunks(config.season(LATER), CHUNK_DAYS)[0]
    inputs = jobs[plan.predictions_marker(LATER, first_chunk.name)]
    for chunk in plan.season_chunks(config.season(EARLIER), CHUNK_DAYS):
        # the season's first predictions list every MLFS and predictions chunk of the earlier season as inputs
        assert plan.phase4_marker("mlfs", EARLIER, chunk.name) in inputs
        assert plan.predictions_marker(EARLIER, chunk.name) in inputs
    # Phase 4 of the later season waits for nothing of the earlier one: both seasons' Phase 4 run in parallel
    phase4_later = [out for out in jobs if out.startswith("markers/phase4/") and f"/{LATER}/" in out]
    assert len(phase4_later) == 5 * len(plan.season_chunks(config.season(LATER), CHUNK_DAYS))
    for out in phase4_later:
        assert not any(EARLIER in path for path in upstream(out, jobs)), out


@pytest.fixture(scope="module")
def two_seasons(tmp_path_factory, sql_cache_env):
    workflow = make_workflow(tmp_path_factory.mktemp("two_seasons"), SEASONS, sql_cache_env, chunk_days=CHUNK_DAYS)
    later = workflow.config().season(LATER)
    workflow.run(plan.predictions_marker(LATER, plan.season_chunks(later, CHUNK_DAYS)[-1].name))  # and all before it
    return workflow


def played_feature_rows(wf) -> list[tuple[dt.date, str]]:
    """(date, player) of every feature row whose player then played (grading's DNP rule), from Phase 3."""
    played = {
        (g["game_date"], g["player_lookup"])
        for g in wf.read_rows(PGS)
        if not g["is_dnp"] and g["points"] is not None and not (g["points"] == 0 and not g["minutes_played"])
    }
    rows = [(r["game_date"], r["player_lookup"]) for r in wf.read_rows(PHASE4_TABLES["mlfs"])]
    return sorted(k for k in rows if k in played)


def test_learned_systems_train_on_the_rows_before_each_window_across_the_boundary(two_seasons):
    wf = two_seasons
    config = wf.config()
    settings = config.predictions
    training = played_feature_rows(wf)
    components = {}  # (date, player) -> the component systems that predicted it
    for p in wf.read_rows(PREDICTIONS):
        if p["system_id"] in stacking.COMPONENTS:
            components.setdefault((p["game_date"], p["player_lookup"]), set()).add(p["system_id"])
    later = config.season(LATER)
    windows_seen = 0
    for chunk in plan.season_chunks(later, CHUNK_DAYS):
        models = read_marker(wf.marker(plan.predictions_marker(LATER, chunk.name)))["models"]
        for xgb, ens in zip(models["xgboost_v1"], models["ensemble_v2"], strict=True):
            first = dt.date.fromisoformat(xgb["window"]["first"])
            before = [k for k in training if k[0] < first]
            assert before[0][0] < later.start  # the earlier season's rows are there, from its first game
            assert xgb["trained"] and xgb["training_rows"] == len(before) >= settings["min_training_rows"]
            assert (xgb["training_first_date"], xgb["training_last_date"]) == (str(before[0][0]), str(before[-1][0]))

            # the stack: graded rows before the window in patterns of components with at least MIN_ROWS rows
            patterns = Counter(frozenset(components[k]) for k in before if k in components)
            used = [k for k in before if k in components and patterns[frozenset(components[k])] >= stacking.MIN_ROWS]
            assert ens["trained"] and ens["training_rows"] == len(used)
            assert (ens["training_first_date"], ens["training_last_date"]) == (str(used[0][0]), str(used[-1][0]))
            assert sum(f["rows"] for f in ens["fits"]) == len(used)
            assert ens["fits"][0]["components"] == list(stacking.COMPONENTS)
            windows_seen += 1
    assert windows_seen >= 2

    # from day one: every feature row of the later season is predicted by both learned systems
    rows = [r for r in wf.read_rows(PREDICTIONS, later.start, later.end)]
    features = {
        (r["game_date"], r["player_lookup"]) for r in wf.read_rows(PHASE4_TABLES["mlfs"], later.start, later.end)
    }
    for system_id in ("xgboost_v1", "ensemble_v2"):
        assert {(r["game_date"], r["player_lookup"]) for r in rows if r["system_id"] == system_id} == features
