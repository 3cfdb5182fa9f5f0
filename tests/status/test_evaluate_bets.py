"""`evaluate`'s bets, on a hand-made set whose answer is worked out by hand: which rows are bets (|predicted -
line| >= min_edge), pushes, hits, the Wilson interval, units at the recorded price of the side taken (the latest
pre-tip-off snapshot of the line's bookmaker at that line; -110 without one; pick'em books always -110)."""

from __future__ import annotations

import datetime as dt
import math
import statistics

import pytest
from status_run import accuracy_row, warehouse

from helpers import write_rows
from nba_backfill.evaluate import evaluate, format_evaluation, wilson

D = dt.date(2021, 11, 2)  # inside 2021-22
SYSTEM = "ensemble_v2"
TIPOFF = dt.datetime(2021, 11, 2, 23, 30, tzinfo=dt.UTC)

# player: predicted, line, actual, bookmaker
ROWS = {
    "p1": (20.0, 17.5, 22, "draftkings"),  # OVER, wins at the latest pre-game price -120: +100/120
    "p2": (10.0, 12.5, 14, "draftkings"),  # UNDER, loses: -1
    "p3": (18.5, 17.5, 11, "draftkings"),  # edge 1.0 < 1.5: no bet
    "p4": (25.0, 22.0, 22, "fanduel"),  # OVER, push: 0
    "p5": (8.0, 11.5, 5, "fanduel"),  # UNDER, wins, no recorded price: -110, +100/110
    "p6": (30.0, 25.5, 28, "PrizePicks"),  # pick'em OVER wins at -110 (its -137 is a placeholder)
    "p7": (5.0, 9.5, 12, "pick6"),  # DraftKings Pick6, pick'em too: UNDER loses at -110 (its -137 a placeholder)
}


def quote(player, book, line, over, under, minutes_before):
    return {
        "player_lookup": player,
        "game_id": "20211102_BOS_NYK",
        "game_date": D,
        "bookmaker": book,
        "points_line": line,
        "over_price_american": over,
        "under_price_american": under,
        "snapshot_timestamp": TIPOFF - dt.timedelta(minutes=minutes_before),
        "minutes_before_tipoff": minutes_before,
    }


QUOTES = [
    quote("p1", "draftkings", 17.5, -105, -115, 600),  # earlier snapshot: not the latest
    quote("p1", "draftkings", 17.5, -120, 100, 30),  # the latest before tip-off
    quote("p1", "draftkings", 17.5, -300, 250, -10),  # in-game: never read
    quote("p1", "draftkings", 18.5, 150, -180, 20),  # another line value
    quote("p2", "draftkings", 12.5, -130, 105, 60),
    quote("p6", "PrizePicks", 25.5, -137, -137, 0),
    quote("p7", "pick6", 9.5, -137, -137, 0),
]


def prediction(player, predicted, line, book):
    return {
        "prediction_id": f"{D}_{player}_{SYSTEM}",
        "system_id": SYSTEM,
        "player_lookup": player,
        "game_date": D,
        "game_id": "20211102_BOS_NYK",
        "predicted_points": predicted,
        "confidence_score": 0.5,
        "recommendation": "PASS",
        "has_prop_line": True,
        "current_points_line": line,
        "line_bookmaker": book,
        "line_source": "ACTUAL_PROP",
    }


def test_wilson_interval_known_values():
    low, high = wilson(2, 3)
    assert (low, high) == pytest.approx((0.2077, 0.9385), abs=1e-4)
    low, high = wilson(50, 100)
    assert (low, high) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    assert wilson(0, 0) == (None, None)


def test_bets_units_and_interval_by_hand(run):
    wh = warehouse(run)
    write_rows(
        wh,
        "nba_predictions.prediction_accuracy",
        [accuracy_row(D, p, SYSTEM, pred, actual, line, "PASS") for p, (pred, line, actual, _) in ROWS.items()],
    )
    write_rows(
        wh, "nba_predictions.player_prop_predictions", [prediction(p, r[0], r[1], r[3]) for p, r in ROWS.items()]
    )
    write_rows(wh, "nba_raw.odds_api_player_points_props", QUOTES)
    report = evaluate(run.config)
    bets = {r["book_type"]: r for r in report["bets"] if r["system_id"] == SYSTEM}
    book, pickem = bets["sportsbook"], bets["pickem"]
    assert book["line_rows"] == 5 and book["bets"] == 4 and book["pushes"] == 1 and book["wins"] == 2
    assert book["priced_bets"] == 2  # p1 and p2 have a recorded price
    assert book["mae"] == pytest.approx((2 + 4 + 7.5 + 3 + 3) / 5)
    assert book["line_mae"] == pytest.approx((4.5 + 1.5 + 6.5 + 0 + 6.5) / 5)
    # the gap to the line: per row |predicted - actual| - |line - actual| = -2.5, 2.5, 1, 3, -3.5, mean 0.1; one
    # row per player, so the cluster standard error is the plain one, sd / sqrt(5)
    gaps = [-2.5, 2.5, 1.0, 3.0, -3.5]
    se = statistics.stdev(gaps) / math.sqrt(5)
    assert book["mae_vs_line"] == pytest.approx(0.1)
    assert (book["mae_vs_line_low"], book["mae_vs_line_high"]) == pytest.approx(
        (0.1 - 1.959964 * se, 0.1 + 1.959964 * se)
    )
    assert book["hit_rate"] == pytest.approx(2 / 3)
    assert (book["hit_low"], book["hit_high"]) == pytest.approx(wilson(2, 3))
    assert book["units"] == pytest.approx(100 / 120 - 1 + 0 + 100 / 110)
    assert book["roi"] == pytest.approx(book["units"] / 4)
    assert pickem["line_rows"] == 2 and pickem["bets"] == 2 and pickem["wins"] == 1 and pickem["priced_bets"] == 0
    assert pickem["units"] == pytest.approx(100 / 110 - 1)
    assert report["min_edge"]["points"] == 1.5 and "fixed config" in report["min_edge"]["source"]
    assert "Bets: |predicted - line| >= 1.5" in format_evaluation(report)


def test_the_gap_to_the_line_counts_a_players_games_as_one_cluster(run):
    """p1 plays three games, p2 and p3 one each. Gaps (|predicted - actual| - |line - actual|): p1 -1, -1, -1;
    p2 +2; p3 0: mean -0.2. Centred and summed per player: p1 -2.4, p2 2.2, p3 0.2; squares 5.76 + 4.84 + 0.04 =
    10.64; G / (G - 1) = 3 / 2; se = sqrt(1.5 x 10.64) / 5. Counted as five independent rows it would be smaller."""
    games = [("p1", 0, 20.0, 21), ("p1", 1, 20.0, 21), ("p1", 2, 20.0, 21), ("p2", 0, 14.0, 10), ("p3", 0, 9.0, 11)]
    lines = {"p1": 19.0, "p2": 12.0, "p3": 13.0}
    wh = warehouse(run)
    rows = [
        accuracy_row(D + dt.timedelta(days=day), p, SYSTEM, pred, actual, lines[p], "PASS")
        for p, day, pred, actual in games
    ]
    write_rows(wh, "nba_predictions.prediction_accuracy", rows)
    write_rows(
        wh,
        "nba_predictions.player_prop_predictions",
        [
            {**prediction(p, pred, lines[p], "draftkings"), "game_date": D + dt.timedelta(days=day),
             "prediction_id": f"{D + dt.timedelta(days=day)}_{p}_{SYSTEM}"}
            for p, day, pred, _ in games
        ],
    )  # fmt: skip
    [book] = [r for r in evaluate(run.config)["bets"] if r["system_id"] == SYSTEM]
    gaps = [abs(pred - actual) - abs(lines[p] - actual) for p, _, pred, actual in games]
    assert gaps == [-1.0, -1.0, -1.0, 2.0, 0.0]
    se = math.sqrt(1.5 * 10.64) / 5
    assert book["mae_vs_line"] == pytest.approx(-0.2)
    assert book["mae_vs_line_high"] - book["mae_vs_line"] == pytest.approx(1.959964 * se)
    assert se > statistics.stdev(gaps) / math.sqrt(5)  # the clusters widen it
