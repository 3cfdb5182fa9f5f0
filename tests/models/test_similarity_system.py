"""similarity_balanced_v1: hand-computed answer, abstention, real history fields, no look-ahead, and the
vectorised system against a plain-Python reference written from the rules."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest
from prediction_rows import D, by_system, feature_row, history_row, run, similarity_rule_confidence

SIM = "similarity_balanced_v1"


def day(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


# Six games just like the one on D (average opponent, home, 2 days' rest → rest bucket "one day off", normal form)
# scoring 100; one with a closer rest bucket scoring 85; two that fall below 70.
LIKE_D = [20, 22, 18, 21, 19, 24]


def known_history() -> list[dict]:
    rows = [history_row("alice", day(-40 + 3 * i), p) for i, p in enumerate(LIKE_D)]
    rows.append(history_row("alice", day(-20), 10, is_home=False, opponent_def_rating=108.0))  # 20+30+0+15 = 65
    rows.append(history_row("alice", day(-17), 12, opponent_def_rating=120.0, days_rest=1))  # 20+15+15+15 = 65
    rows.append(history_row("alice", day(-14), 30, days_rest=3))  # 40+15+15+15 = 85
    return rows


def test_similarity_known_answer():
    predictions, _ = run([feature_row(opponent_def_rating=112.0, fatigue_score=60.0)], known_history())
    row = by_system(predictions)[SIM]
    points = LIKE_D + [30]
    scores = [100] * 6 + [85]
    baseline = sum(p * s / 100 for p, s in zip(points, scores, strict=True)) / sum(s / 100 for s in scores)
    adjustment = 0.015 * (60.0 - 70.0) + 0.8  # fatigue, home
    assert row["predicted_points"] == pytest.approx(round(baseline + adjustment, 1))
    assert row["similar_games_count"] == 7
    assert row["avg_similarity_score"] == pytest.approx(round(sum(scores) / 7, 2))
    mean = sum(points) / 7
    std = math.sqrt(sum((p - mean) ** 2 for p in points) / 7)
    assert std < 4
    confidence = similarity_rule_confidence(
        [feature_row(opponent_def_rating=112.0, fatigue_score=60.0)], known_history()
    )
    assert confidence[("alice", D)] == pytest.approx((35 + 6 + 12 + 10) / 100)  # n ≥ 7, similarity ≥ 85, std < 4
    assert row["fatigue_adjustment"] == pytest.approx(-0.15)
    assert row["home_away_adjustment"] == pytest.approx(0.8)


def test_similarity_recommends_only_when_confident():
    history = [history_row("alice", day(-60 + 3 * i), 20 + (i % 3)) for i in range(15)]  # n 15, sim 100, std < 4
    predictions, _ = run([feature_row(current_points_line=18.5), feature_row("bob", current_points_line=18.5)], history)
    row = by_system(predictions)[SIM]
    assert similarity_rule_confidence([feature_row()], history)[("alice", D)] == pytest.approx(
        (35 + 12 + 12 + 10) / 100
    )
    assert row["predicted_points"] - 18.5 >= 2.0
    assert row["recommendation"] == "OVER"
    assert SIM not in by_system(predictions, "bob")  # no history: abstains, the others still predict
    assert {"moving_average_baseline_v1", "zone_matchup_v1", "ensemble_v1"} <= set(by_system(predictions, "bob"))

    predictions, _ = run([feature_row(current_points_line=18.5)], history[:9])  # n 9: 35+6+12+10 = 63 < 65
    assert by_system(predictions)[SIM]["recommendation"] == "PASS"


def test_similarity_abstains_with_fewer_than_five_similar_games():
    history = known_history()
    history = [h for h in history if h["points"] not in (19, 24, 30)]  # 4 games ≥ 70 left
    predictions, _ = run([feature_row(opponent_def_rating=112.0)], history)
    assert SIM not in by_system(predictions)


def test_similarity_uses_the_real_venue_opponent_and_rest_of_past_games():
    # Upstream hard-coded every past game as home vs an average opponent: an away game against an elite defence
    # could never reach 70. Here six such real games are found.
    history = [history_row("alice", day(-30 + 3 * i), 12, is_home=False, opponent_def_rating=105.0) for i in range(6)]
    history += [history_row("alice", day(-29 + 3 * i), 30) for i in range(6)]  # home vs average
    predictions, _ = run([feature_row(is_home=False, opponent_def_rating=104.0)], history)
    row = by_system(predictions)[SIM]
    assert row["similar_games_count"] == 6
    assert row["predicted_points"] == pytest.approx(12 - 0.5 + 0.015 * (90 - 70))


def test_similarity_ignores_history_on_or_after_the_game_date_and_dnps():
    base = known_history()
    features = [feature_row(opponent_def_rating=112.0)]
    expected = by_system(run(features, base)[0])[SIM]
    noise = [
        history_row("alice", D, 55),  # the game itself
        history_row("alice", day(3), 58),  # later
        history_row("alice", day(-2), 0, is_dnp=True),  # did not play
    ]
    got = by_system(run(features, base + noise)[0])[SIM]
    for column in ("predicted_points", "confidence_score", "similar_games_count", "avg_similarity_score"):
        assert got[column] == expected[column]
    # ...and a game the day before D does count.
    changed = by_system(run(features, [*base, history_row("alice", day(-1), 50)])[0])[SIM]
    assert changed["predicted_points"] != expected["predicted_points"]


def test_similarity_looks_back_90_days():
    games = [history_row("alice", day(-90 + 2 * i), 20) for i in range(5)]  # days −90, −88, … −82
    assert by_system(run([feature_row()], games)[0])[SIM]["similar_games_count"] == 5
    games[0] = {**games[0], "game_date": day(-91)}  # now 91 days back: 4 left, too few
    assert SIM not in by_system(run([feature_row()], games)[0])


def test_similarity_form_of_a_past_game_uses_the_five_games_before_it():
    # Five games at 10, then eight at 30. The game to predict is hot (L5 − season ≥ 3), so only past games
    # played hot score the form's 15 (the others 5).
    history = [history_row("alice", day(-60 + 2 * i), p) for i, p in enumerate([10] * 5 + [30] * 8)]
    predictions, _ = run([feature_row(points_avg_last_5=30.0, points_avg_season=21.0)], history)
    row = by_system(predictions)[SIM]
    # Past games' form = mean of the 5 before − mean of all before: games 0-4 too few (normal); game 5: 10 − 10;
    # game 6: 14 − 80/6 = 0.67; game 7: 18 − 110/7 = 2.29 (normal); game 8: 22 − 140/8 = 4.5 (hot); games 9-12
    # hot. Hot games score 100, normal ones 90: all 13 are kept, with different weights.
    points = [10] * 5 + [30] * 8
    scores = [90] * 8 + [100] * 5
    baseline = sum(p * s for p, s in zip(points, scores, strict=True)) / sum(scores)
    assert row["similar_games_count"] == 13
    assert row["avg_similarity_score"] == pytest.approx(round(sum(scores) / 13, 2))
    assert row["predicted_points"] == pytest.approx(round(baseline + 0.8 + 0.3, 1))


# --- the vectorised system against a plain-Python reference -------------------------------------------------


def _tier(rating):
    rating = 112.0 if rating is None else rating
    return 0 if rating < 110 else 1 if rating < 115 else 2


def _rest(days):
    if days is None:
        return 3
    return 0 if days <= 1 else 1 if days == 2 else 2 if days == 3 else 3


def _form(diff):
    if diff is None:
        return 1
    return 2 if diff >= 3 else 0 if diff <= -3 else 1


def reference(feature: dict, history: list[dict]):
    """(predicted, count, confidence) or None, straight from the rules, one game at a time."""
    games = sorted(
        (h for h in history if h["player_lookup"] == feature["player_lookup"] and not h["is_dnp"]),
        key=lambda h: h["game_date"],
    )
    context = []
    for i, g in enumerate(games):
        earlier = [e["points"] for e in games[:i]]
        diff = sum(earlier[-5:]) / 5 - sum(earlier) / len(earlier) if len(earlier) >= 5 else None
        context.append((g, _tier(g["opponent_def_rating"]), _rest(g["days_rest"]), g["is_home"], _form(diff)))
    d = feature["game_date"]
    window = [c for c in context if d - dt.timedelta(days=90) <= c[0]["game_date"] < d][-30:]
    now = (
        _tier(feature["opponent_def_rating"]),
        _rest(feature["days_rest"]),
        feature["is_home"],
        _form(feature["points_avg_last_5"] - feature["points_avg_season"]),
    )
    scored = []
    for g, tier, rest, home, form in window:
        score = {0: 40, 1: 20}.get(abs(tier - now[0]), 0) + {0: 30, 1: 15}.get(abs(rest - now[1]), 0)
        score += (15 if home == now[2] else 0) + (15 if form == now[3] else 5)
        if score >= 70:
            scored.append((score, g["game_date"], g["points"]))
    top = sorted(scored, key=lambda s: (-s[0], -s[1].toordinal()))[:20]
    if len(top) < 5:
        return None
    baseline = sum(p * s / 100 for s, _, p in top) / sum(s / 100 for s, _, _ in top)
    adjustment = (
        0.015 * (feature["fatigue_score"] - 70)
        + 0.4 * feature["shot_zone_mismatch_score"]
        + 0.8 * feature["pace_score"]
        + 0.8 * feature["usage_spike_score"]
        + (0.8 if feature["is_home"] else -0.5)
    )
    n = len(top)
    sim = sum(s for s, _, _ in top) / n
    mean = sum(p for _, _, p in top) / n
    std = math.sqrt(sum((p - mean) ** 2 for _, _, p in top) / n)
    conf = 35 + (12 if n >= 15 else 9 if n >= 10 else 6 if n >= 7 else -10)
    conf += 12 if sim >= 85 else 9 if sim >= 75 else 6
    conf += 10 if std < 4 else 6 if std < 6 else 2 if std < 8 else -5
    return min(60.0, max(0.0, baseline + adjustment)), n, conf / 100


def test_similarity_matches_a_plain_python_reference_on_random_data():
    rng = random.Random(7)
    history, features = [], []
    for p in range(25):
        player = f"p{p:02d}"
        level = rng.uniform(5, 30)
        date, previous = D - dt.timedelta(days=130), None
        while date < D + dt.timedelta(days=20):
            history.append(
                history_row(
                    player,
                    date,
                    round(max(0.0, rng.gauss(level, 6))),
                    is_home=rng.random() < 0.5,
                    days_rest=None if previous is None else (date - previous).days,
                    opponent_def_rating=None if rng.random() < 0.1 else rng.uniform(105, 119),
                    is_dnp=rng.random() < 0.05,
                )
            )
            if date >= D:
                features.append(
                    feature_row(
                        player,
                        date,
                        is_home=rng.random() < 0.5,
                        days_rest=(date - previous).days,
                        opponent_def_rating=rng.uniform(105, 119),
                        points_avg_last_5=level + rng.uniform(-6, 6),
                        points_avg_season=level,
                        fatigue_score=rng.uniform(20, 100),
                        pace_score=rng.uniform(-1, 1),
                        usage_spike_score=rng.uniform(-1, 1),
                        shot_zone_mismatch_score=rng.uniform(-2, 2),
                    )
                )
            previous = date
            date += dt.timedelta(days=rng.choice([1, 2, 2, 3, 4]))
    predictions, _ = run(features, history)
    got = {
        (r["player_lookup"], r["game_date"]): r for r in predictions[predictions["system_id"] == SIM].to_dict("records")
    }
    expected = {(f["player_lookup"], f["game_date"]): reference(f, history) for f in features}
    expected = {key: value for key, value in expected.items() if value is not None}
    assert len(expected) > 100 and len(features) - len(expected) > 5  # predictions and abstentions both tested
    assert set(got) == set(expected)
    rule_confidence = similarity_rule_confidence(features, history)
    for key, (predicted, n, confidence) in expected.items():
        assert got[key]["predicted_points"] == pytest.approx(predicted, abs=0.051), key
        assert got[key]["similar_games_count"] == n, key
        assert rule_confidence[key] == pytest.approx(confidence), key
