"""moving_average_baseline_v1 and zone_matchup_v1: hand-computed answers, signs, confidence, recommendations."""

from __future__ import annotations

import math

import pytest
from prediction_rows import by_system, feature_row, run

from nba_backfill.models.common import rule_based_confidence

MA = "moving_average_baseline_v1"
ZM = "zone_matchup_v1"


def predict(system: str, **values) -> dict:
    predictions, _ = run([feature_row(**values)])
    return by_system(predictions)[system]


def test_moving_average_known_answer():
    row = predict(
        MA,
        points_avg_last_5=24.0,
        points_avg_last_10=21.0,
        points_avg_season=18.0,
        fatigue_score=60.0,  # tired-ish: −1.0
        shot_zone_mismatch_score=2.0,
        pace_score=1.0,
        usage_spike_score=1.5,
        is_home=False,
    )
    base = 0.5 * 24 + 0.3 * 21 + 0.2 * 18  # 21.9
    expected = base - 1.0 + 0.3 * 2.0 + 0.3 * 1.0 + 0.4 * 1.5 - 0.5
    assert row["predicted_points"] == pytest.approx(round(expected, 1))
    assert row["fatigue_adjustment"] == pytest.approx(-1.0)
    assert row["shot_zone_adjustment"] == pytest.approx(0.6)
    assert row["pace_adjustment"] == pytest.approx(0.3)
    assert row["usage_spike_adjustment"] == pytest.approx(0.6)
    assert row["home_away_adjustment"] == pytest.approx(-0.5)


@pytest.mark.parametrize(
    ("fatigue", "back_to_back", "adjustment"),
    [(95.0, 0.0, 0.0), (70.0, 0.0, 0.0), (69.0, 0.0, -1.0), (50.0, 0.0, -1.0), (49.0, 0.0, -2.5), (30.0, 1.0, -4.0)],
)
def test_moving_average_fatigue_and_back_to_back(fatigue, back_to_back, adjustment):
    row = predict(MA, fatigue_score=fatigue, back_to_back=back_to_back)
    assert row["fatigue_adjustment"] == pytest.approx(adjustment)
    assert row["predicted_points"] == pytest.approx(20.0 + adjustment + 0.5)  # base 20, at home


def test_null_back_to_back_falls_back_to_days_rest():
    assert predict(MA, back_to_back=None, days_rest=1)["fatigue_adjustment"] == pytest.approx(-1.5)
    assert predict(MA, back_to_back=None, days_rest=2)["fatigue_adjustment"] == pytest.approx(0.0)


@pytest.mark.parametrize("system", [MA, ZM])
def test_a_tired_player_is_predicted_lower_than_the_same_player_fresh(system):
    tired = predict(system, fatigue_score=35.0)["predicted_points"]
    fresh = predict(system, fatigue_score=95.0)["predicted_points"]
    assert tired < fresh


def test_zone_matchup_known_answer():
    shares = {"pct_paint": 0.45, "pct_mid_range": 0.10, "pct_three": 0.30, "pct_free_throw": 0.15}
    row = predict(ZM, points_avg_season=20.0, opponent_def_rating=115.0, pace_score=0.5, is_home=False, **shares)
    weight = {"pct_paint": 1.0, "pct_mid_range": 0.4, "pct_three": 0.7, "pct_free_throw": 0.4}  # ≥ .4, ≥ .2, else
    mult = {"pct_paint": 1.2, "pct_mid_range": 1.0, "pct_three": 1.1, "pct_free_throw": 0.8}
    zone = sum(max(-3.0, min(3.0, 0.3 * (115.0 - 110.0) * mult[z])) * weight[z] for z in shares)
    assert zone == pytest.approx(1.8 + 0.6 + 1.155 + 0.48)
    assert row["shot_zone_adjustment"] == pytest.approx(zone)
    assert row["predicted_points"] == pytest.approx(round(20.0 + zone + 0.4 * 0.5 - 0.8 + 0.0, 1))


def test_zone_scores_are_capped_at_three_points_per_zone():
    shares = {"pct_paint": 0.5, "pct_mid_range": 0.5, "pct_three": 0.5, "pct_free_throw": 0.5}
    assert predict(ZM, opponent_def_rating=130.0, **shares)["shot_zone_adjustment"] == pytest.approx(12.0)
    assert predict(ZM, opponent_def_rating=90.0, **shares)["shot_zone_adjustment"] == pytest.approx(-12.0)


def test_a_weaker_defence_raises_the_zone_matchup_prediction():
    strong = predict(ZM, opponent_def_rating=105.0)["predicted_points"]
    average = predict(ZM, opponent_def_rating=110.0)["predicted_points"]
    weak = predict(ZM, opponent_def_rating=118.0)["predicted_points"]
    assert strong < average < weak


@pytest.mark.parametrize("fatigue, adjustment", [(80.0, 0.0), (60.0, -0.8), (40.0, -1.5)])
def test_zone_matchup_fatigue(fatigue, adjustment):
    assert predict(ZM, fatigue_score=fatigue)["fatigue_adjustment"] == pytest.approx(adjustment)


@pytest.mark.parametrize(
    ("std", "games", "confidence"),
    [(3.0, 3.0, 0.6), (5.0, 2.0, 0.47), (7.0, 1.0, 0.25), (4.0, 0.0, 0.4), (6.5, 4.0, 0.45)],
)
def test_rule_based_confidence(std, games, confidence):
    """The platform's rule (what MA and ZM recommend by, and what ensemble_v1 weighs them by)."""
    assert rule_based_confidence(std, games) == pytest.approx(confidence)


@pytest.mark.parametrize("std", [0.5, 3.0, 7.0])
def test_published_confidence_is_from_the_expected_error(std):
    """With no graded rows before the window the expected error is the prior 0.8 x his points std (never under
    0.5 point), so the confidence_score MA and ZM publish is 1 - that / 10: a steadier scorer, a surer call."""
    predictions, _ = run([feature_row(points_std_last_10=std, games_in_last_7_days=2.0)])
    rows = by_system(predictions)
    expected = 1 - max(0.5, 0.8 * std) / 10
    assert rows[MA]["confidence_score"] == pytest.approx(expected, abs=1e-3)
    assert rows[ZM]["confidence_score"] == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize(
    ("line", "std", "recommendation"),
    [
        (17.5, 3.0, "OVER"),  # 20.5 − 17.5 = 3.0 > 2
        (18.5, 3.0, "PASS"),  # edge 2.0 is not > 2
        (23.0, 3.0, "UNDER"),  # −2.5
        (17.5, 6.5, "PASS"),  # confidence 0.45 is not > 0.45
        (None, 3.0, "NO_LINE"),
    ],
)
def test_moving_average_recommendation_against_the_line(line, std, recommendation):
    row = predict(MA, current_points_line=line, points_std_last_10=std)  # predicted 20.5 (20 + home)
    assert row["predicted_points"] == pytest.approx(20.5)
    assert row["recommendation"] == recommendation
    if line is None:
        assert not row["has_prop_line"]
        assert row["line_source"] == "NO_PROP_LINE"
        assert math.isnan(row["line_margin"]) and math.isnan(row["current_points_line"])
        assert row["line_bookmaker"] is None
    else:
        assert row["has_prop_line"]
        assert row["line_source"] == "ACTUAL_PROP"
        assert row["line_margin"] == pytest.approx(20.5 - line)
        assert row["current_points_line"] == line
        assert row["line_bookmaker"] == "draftkings"


def test_null_features_fall_back_to_the_feature_store_defaults():
    row = predict(MA, points_avg_last_5=None, points_avg_last_10=None, points_avg_season=None, fatigue_score=None)
    # defaults 10 / 10 / 10 and fatigue 50 (→ −1.0), at home +0.5
    assert row["predicted_points"] == pytest.approx(10.0 - 1.0 + 0.5)


def test_predictions_are_clamped_to_0_60():
    low = predict(MA, points_avg_last_5=0.5, points_avg_last_10=0.5, points_avg_season=0.5, fatigue_score=10.0)
    high = predict(ZM, points_avg_season=59.0, opponent_def_rating=125.0, pct_paint=0.6, pace_score=3.0)
    assert low["predicted_points"] == 0.0
    assert high["predicted_points"] == 60.0
