"""ensemble_v1: confidence weighting, the ≥ 2 systems rule, confidence, recommendation against the real line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from prediction_rows import by_system, feature_row, frame, history_row, run

from nba_backfill.models import ensemble
from nba_backfill.models.common import prepare, result_frame

MA, ZM, SIM, XGB = "moving_average_baseline_v1", "zone_matchup_v1", "similarity_balanced_v1", "xgboost_v1"


def combine(components: dict[str, tuple[float, float, str]], line: float | None = 20.5) -> dict | None:
    """The ensemble for one player-game whose components predicted (points, confidence, recommendation)."""
    chunk = prepare(frame([feature_row(current_points_line=line)]))
    results = {system: result_frame([0], [p], [c], [r]) for system, (p, c, r) in components.items()}
    out = ensemble.predict(chunk, results)
    return out.iloc[0].to_dict() if len(out) else None


def test_confidence_weighted_mean_of_two_systems():
    row = combine({MA: (20.0, 0.5, "PASS"), XGB: (26.0, 0.7, "OVER")})
    assert row["predicted_points"] == pytest.approx(round((20 * 0.5 + 26 * 0.7) / 1.2, 1))  # 23.5
    assert row["contributing_systems"] == 2
    assert row["prediction_variance"] == pytest.approx(9.0)  # population std 3
    assert row["confidence_score"] == pytest.approx(0.6 - 0.05)  # mean 0.6, 3 ≤ s < 6
    assert row["recommendation"] == "PASS"  # confidence < 0.65


def test_the_ensemble_needs_two_systems():
    assert combine({MA: (20.0, 0.5, "PASS")}) is None
    assert combine({}) is None


def test_agreeing_systems_raise_confidence_and_recommend_the_side():
    row = combine(
        {MA: (24.0, 0.6, "OVER"), ZM: (25.0, 0.6, "OVER"), SIM: (24.5, 0.7, "PASS"), XGB: (25.5, 0.7, "OVER")}
    )
    weighted = (24 * 0.6 + 25 * 0.6 + 24.5 * 0.7 + 25.5 * 0.7) / 2.6
    assert row["predicted_points"] == pytest.approx(round(weighted, 1))
    assert row["confidence_score"] == pytest.approx(0.65 + 0.10 + 0.05)  # s < 2, all four systems
    assert row["recommendation"] == "OVER"


def test_a_majority_of_component_votes_decides_the_side():
    components = {
        MA: (40.0, 0.95, "OVER"),
        ZM: (19.0, 0.7, "UNDER"),
        SIM: (19.0, 0.7, "UNDER"),
        XGB: (19.0, 0.7, "UNDER"),
    }
    row = combine(components)
    assert row["predicted_points"] == pytest.approx(round((40 * 0.95 + 3 * 19 * 0.7) / 3.05, 1))  # 25.5 > line
    assert row["confidence_score"] == pytest.approx(0.7625 - 0.10 + 0.05)  # s ≈ 9.1
    assert row["recommendation"] == "UNDER"  # 3 of 4 say UNDER


def test_without_a_majority_the_side_follows_the_prediction():
    row = combine({MA: (24.0, 0.9, "PASS"), ZM: (23.0, 0.9, "PASS")})
    assert row["confidence_score"] == pytest.approx(0.95)  # 0.9 + 0.10, capped
    assert row["recommendation"] == "OVER"
    row = combine({MA: (17.0, 0.9, "PASS"), ZM: (18.0, 0.9, "OVER")})
    assert row["recommendation"] == "UNDER"


def test_small_edges_pass_and_missing_lines_are_no_line():
    assert combine({MA: (21.5, 0.9, "PASS"), ZM: (21.5, 0.9, "PASS")})["recommendation"] == "PASS"  # edge 1.0
    assert combine({MA: (30.0, 0.9, "OVER"), ZM: (30.0, 0.9, "OVER")}, line=None)["recommendation"] == "NO_LINE"


def test_confidence_is_clamped():
    assert combine({MA: (24.0, 1.0, "OVER"), ZM: (24.0, 1.0, "OVER")})["confidence_score"] == pytest.approx(0.95)
    assert combine({MA: (5.0, 0.2, "UNDER"), ZM: (40.0, 0.2, "OVER")})["confidence_score"] == pytest.approx(0.2)


def test_the_chunk_ensemble_is_the_weighted_mean_of_the_stored_component_rows():
    history = [history_row("alice", f"2025-01-{d:02d}", 18 + d % 4) for d in range(1, 19)]
    features = [
        feature_row(current_points_line=17.5, points_avg_last_5=26.0, points_std_last_10=3.0),
        feature_row("bob", points_avg_season=12.0),
    ]
    predictions, _ = run(features, history)
    for player, systems in (("alice", (MA, ZM, SIM)), ("bob", (MA, ZM))):
        rows = by_system(predictions, player)
        assert set(rows) == {*systems, "ensemble_v1"}
        preds = np.array([rows[s]["predicted_points"] for s in systems])
        confs = np.array([rows[s]["confidence_score"] for s in systems])
        ens = rows["ensemble_v1"]
        assert ens["predicted_points"] == pytest.approx(float(preds @ confs / confs.sum()), abs=0.051)
        assert ens["contributing_systems"] == len(systems)
        assert ens["prediction_variance"] == pytest.approx(float(np.var(preds)), abs=1e-4)
        assert pd.isna(ens["fatigue_adjustment"]) and pd.isna(ens["ml_model_id"])
