"""Issue 4, Phase 5 on the finished 2023-24 backfill: the runbook's coverage queries, 5C's marker, walk-forward
training of xgboost_v1."""

from __future__ import annotations

import datetime as dt

import pytest
from workflow_helpers import CHUNK_DAYS, PGS, PHASE4_TABLES, PREDICTIONS, SEASON

from nba_backfill import plan
from nba_backfill.markers import read_marker

pytestmark = pytest.mark.slow

SEASONS_CASE = """
  CASE
    WHEN game_date BETWEEN '2021-10-01' AND '2022-06-30' THEN '2021-22'
    WHEN game_date BETWEEN '2022-10-01' AND '2023-06-30' THEN '2022-23'
    WHEN game_date BETWEEN '2023-10-01' AND '2024-06-30' THEN '2023-24'
    WHEN game_date BETWEEN '2024-10-01' AND '2025-06-30' THEN '2024-25'
  END as season,"""
PREDICTION_COVERAGE = f"""
SELECT{SEASONS_CASE}
  COUNT(DISTINCT game_date) as prediction_dates,
  COUNT(*) as total_predictions
FROM `nba-props-platform.nba_predictions.player_prop_predictions`
WHERE system_id = 'ensemble_v1'
GROUP BY 1 ORDER BY 1
"""
GRADING_COVERAGE = f"""
SELECT{SEASONS_CASE}
  COUNT(DISTINCT game_date) as graded_dates,
  COUNT(*) as total_graded,
  ROUND(AVG(absolute_error), 2) as avg_mae
FROM `nba-props-platform.nba_predictions.prediction_accuracy`
WHERE system_id = 'ensemble_v1'
GROUP BY 1 ORDER BY 1
"""


def feature_dates(wf) -> dict[dt.date, int]:
    """Processable game dates (schedule, opener + bootstrap_days on) -> feature rows on that date."""
    season = wf.config().season(SEASON)
    days = wf.game_dates(season.start, season.end)
    start = days[0] + dt.timedelta(days=wf.raw_config()["bootstrap_days"])
    counts: dict[dt.date, int] = {}
    for row in wf.read_rows(PHASE4_TABLES["mlfs"], season.start, season.end):
        counts[row["game_date"]] = counts.get(row["game_date"], 0) + 1
    return {d: counts[d] for d in days if d >= start and counts.get(d)}


def test_runbook_prediction_and_grading_coverage(season_run):
    wf = season_run.workflow
    features = feature_dates(wf)
    assert len(features) > 140

    [predicted] = wf.query(PREDICTION_COVERAGE)
    assert predicted["season"] == SEASON
    assert int(predicted["prediction_dates"]) == len(features)
    total = int(predicted["total_predictions"])
    # one ensemble prediction per player-game with features at most; nearly all of them get one
    assert 0.9 * sum(features.values()) <= total <= sum(features.values())
    assert 8 * len(features) <= total <= 450 * len(features)

    [graded] = wf.query(GRADING_COVERAGE)
    assert graded["season"] == SEASON
    assert int(graded["graded_dates"]) == len(features)
    assert int(graded["total_graded"]) == total  # every prediction graded (DNPs voided, still a row)
    assert 3 <= float(graded["avg_mae"]) <= 8


def test_phase5c_marker_compares_raw_and_adjusted_mae_over_the_same_rows(season_run):
    wf = season_run.workflow
    body = read_marker(wf.marker(plan.phase5c_marker(SEASON)))
    for key in ("mae_raw", "mae_adjusted", "is_improving", "is_not_worse", "status"):
        assert key in body, key
    assert body["status"] in ("PASS", "WARN")
    assert body["is_improving"] == (body["mae_adjusted"] < body["mae_raw"])
    assert body["is_not_worse"] == (body["mae_adjusted"] <= body["mae_raw"])
    assert (body["status"] == "PASS") == body["is_not_worse"]

    # the same numbers from the predictions and the box scores, without the grading table
    actual = {(r["player_lookup"], r["game_date"]): r for r in wf.read_rows(PGS)}
    raw, adjusted = [], []
    for p in wf.read_rows(PREDICTIONS, where=f"system_id = '{body['system_id']}'"):
        game = actual[(p["player_lookup"], p["game_date"])]
        if game["is_dnp"] or (game["points"] == 0 and not game["minutes_played"]):
            continue
        raw.append(abs(p["predicted_points"] - game["points"]))
        adjusted.append(abs(p["adjusted_points"] - game["points"]))
    assert body["n"] == len(raw)
    assert body["mae_raw"] == pytest.approx(sum(raw) / len(raw), abs=1e-4)
    assert body["mae_adjusted"] == pytest.approx(sum(adjusted) / len(adjusted), abs=1e-4)


def test_xgboost_is_retrained_at_each_window_on_the_rows_before_it(season_run):
    wf = season_run.workflow
    season = wf.config().season(SEASON)
    settings = wf.config().predictions
    features = sorted(feature_dates(wf))
    played = {  # games actually played (grading's DNP rule), recomputed from Phase 3
        (g["player_lookup"], g["game_date"])
        for g in wf.read_rows(PGS, season.start, season.end)
        if not g["is_dnp"] and g["points"] is not None and not (g["points"] == 0 and not g["minutes_played"])
    }
    training_dates = sorted(
        r["game_date"]
        for r in wf.read_rows(PHASE4_TABLES["mlfs"], season.start, season.end)
        if (r["player_lookup"], r["game_date"]) in played
    )
    for chunk in plan.season_chunks(season, CHUNK_DAYS):
        models = read_marker(wf.marker(plan.predictions_marker(SEASON, chunk.name)))["models"]["xgboost_v1"]
        cut = plan.retrain_windows(season, chunk, settings["retrain_days"])
        windows = [w for w in cut if any(w.first <= d <= w.last for d in features)]
        assert [m["window"] for m in models] == [{"first": str(w.first), "last": str(w.last)} for w in windows]
        for model, window in zip(models, windows):
            before = [d for d in training_dates if d < window.first]
            if len(before) < settings["min_training_rows"]:
                assert not model["trained"], model  # too little to learn from yet
                continue
            assert model["trained"], model
            # walk-forward: every training date before the window, none after
            assert dt.date.fromisoformat(model["training_last_date"]) == before[-1]
            assert dt.date.fromisoformat(model["training_first_date"]) == before[0]
    assert any(
        m["trained"]
        for c in plan.season_chunks(season, CHUNK_DAYS)
        for m in read_marker(wf.marker(plan.predictions_marker(SEASON, c.name)))["models"]["xgboost_v1"]
    )


def test_switching_the_adjusted_system_says_how_and_then_adjusts_the_new_one(season_run, tmp_path):
    """The old system's rows keep their tiers (the tier step writes only its own system's rows): the tier step's
    check stops the switch with the way out, and redoing the season's predictions clears them."""
    wf = season_run.clone(tmp_path / "run")
    raw = wf.raw_config()
    old = wf.config().tier_adjustments["system_id"]
    raw.setdefault("tier_adjustments", {})["system_id"] = "xgboost_v1"
    wf.write_config(raw)
    proc = wf.run(plan.phase5a_season_marker(SEASON), check=False)
    assert proc.returncode != 0
    expected = f"error: CHECK_FAILED tier_adjustments {SEASON}: other_systems_untouched: "
    # the job's line, as it ran and again from its log (show-failed-logs)
    lines = {x for x in proc.stdout.splitlines() + proc.stderr.splitlines() if x.startswith(expected)}
    assert len(lines) == 1 and "delete its folder markers/phase5a/predictions/SEASON" in lines.pop()
    assert not wf.marker(plan.phase5a_season_marker(SEASON)).exists()

    for marker in wf.workdir.glob(f"markers/phase5a/predictions/{SEASON}/*.done"):
        marker.unlink()
    wf.run(plan.phase5a_season_marker(SEASON))
    tiered = wf.query(
        f"SELECT system_id, COUNT(*) AS n FROM {PREDICTIONS} WHERE scoring_tier IS NOT NULL GROUP BY 1 ORDER BY 1"
    )
    assert [row["system_id"] for row in tiered] == ["xgboost_v1"] and old != "xgboost_v1"
