"""A small hand-made graded season for the Phase 6 tests.

The season (2023-24) has six graded dates and these ensemble_v1 players:
  alpha    elite (27 PPG), six picks, wins and losses
  bravo    starter (18 PPG), six games incl. a push (line 20.0, 20 points) and a PASS
  charlie  role player, three games: under min_games, no file
  delta    six games incl. a DNP (voided) and a NO_LINE: exactly five graded games, gets a file
  echo     four graded games and a DNP: under min_games (a void does not count); no MLFS/PGS context
  ../x     five graded games, but an unsafe key: no file, a warning
  f01-f16  one OVER/UNDER pick each on the last date, so that date has more than 15 candidates
Every player also has a moving_average_baseline_v1 row per game, which publishing must ignore.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from helpers import base_config, write_rows
from nba_backfill.config import validate_config
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

SEASON = "2023-24"
ENSEMBLE = "ensemble_v1"
OTHER = "moving_average_baseline_v1"
ACCURACY = "nba_predictions.prediction_accuracy"
MLFS = "nba_predictions.ml_feature_store_v2"
PGS = "nba_analytics.player_game_summary"
DATES = [
    dt.date(2023, 11, 6),
    dt.date(2023, 11, 7),
    dt.date(2023, 11, 9),
    dt.date(2023, 11, 10),
    dt.date(2023, 11, 12),
    dt.date(2023, 11, 13),
]
SEASON_AVG = {"alpha": 27.0, "bravo": 18.0, "charlie": 8.0, "delta": 12.0, "../x": 16.0}
NAMES = {
    "alpha": "Alpha One",
    "bravo": "Bravo Two",
    "charlie": "Charlie Three",
    "delta": "Delta Four",
    "../x": "Dot Dot",
}

# (player, date index, predicted, line, actual, recommendation, confidence, dnp)
GAMES = [
    ("alpha", 0, 29.4, 26.5, 31, "OVER", 0.82, False),
    ("alpha", 1, 24.1, 27.5, 30, "UNDER", 0.74, False),
    ("alpha", 2, 30.2, 27.5, 28, "OVER", 0.71, False),
    ("alpha", 3, 25.0, 28.5, 22, "UNDER", 0.78, False),
    ("alpha", 4, 31.6, 28.5, 33, "OVER", 0.88, False),
    ("alpha", 5, 27.9, 25.5, 24, "OVER", 0.69, False),
    ("bravo", 0, 21.3, 18.5, 19, "OVER", 0.70, False),
    ("bravo", 1, 22.5, 20.0, 20, "OVER", 0.73, False),  # push
    ("bravo", 2, 19.1, 18.5, 25, "PASS", 0.58, False),  # PASS
    ("bravo", 3, 15.2, 18.5, 14, "UNDER", 0.77, False),
    ("bravo", 4, 14.8, 17.5, 21, "UNDER", 0.66, False),
    ("bravo", 5, 21.7, 17.5, 23, "OVER", 0.81, False),
    ("charlie", 0, 9.5, 7.5, 6, "OVER", 0.67, False),
    ("charlie", 2, 5.1, 7.5, 4, "UNDER", 0.72, False),
    ("charlie", 5, 10.4, 7.5, 12, "OVER", 0.75, False),
    ("delta", 0, 13.8, 11.5, 15, "OVER", 0.68, False),
    ("delta", 1, 9.2, 11.5, 9, "UNDER", 0.79, False),
    ("delta", 2, 12.9, 10.5, 8, "OVER", 0.71, False),
    ("delta", 3, 13.5, 11.5, 0, "OVER", 0.76, True),  # DNP: voided
    ("delta", 4, 11.7, None, 14, "NO_LINE", 0.62, False),  # NO_LINE
    ("delta", 5, 8.1, 11.5, 10, "UNDER", 0.85, False),
    ("echo", 0, 15.5, 12.5, 16, "OVER", 0.70, False),
    ("echo", 1, 14.2, 12.5, 9, "OVER", 0.70, False),
    ("echo", 2, 10.0, 12.5, None, "UNDER", 0.70, True),  # DNP without a box score
    ("echo", 3, 9.9, 12.5, 13, "UNDER", 0.70, False),
    ("echo", 5, 16.3, 12.5, 15, "OVER", 0.77, False),
    ("../x", 0, 18.5, 15.5, 17, "OVER", 0.70, False),
    ("../x", 1, 18.5, 15.5, 12, "OVER", 0.70, False),
    ("../x", 2, 12.5, 15.5, 14, "UNDER", 0.70, False),
    ("../x", 3, 18.5, 15.5, 20, "OVER", 0.70, False),
    ("../x", 4, 12.5, 15.5, 19, "UNDER", 0.70, False),
] + [
    (
        f"f{i:02d}",
        5,
        round(10.5 + i % 5 + (1 if i % 3 else -1) * (0.5 + (i * 3 % 7) * 0.8), 1),
        10.5 + i % 5,
        10 + (i * 7) % 9,
        "OVER" if i % 3 else "UNDER",
        round(0.66 + 0.015 * i, 3),
        False,
    )
    for i in range(1, 17)
]


def accuracy_row(player, day, predicted, line, actual, rec, conf, dnp, system=ENSEMBLE) -> dict:
    """A graded row as grading.sql writes it (SPEC "Grading")."""
    voided = dnp or actual is None
    graded = None if voided else actual
    err = None if graded is None else predicted - graded
    push = graded is not None and line is not None and graded == line
    correct = None
    if rec in ("OVER", "UNDER") and line is not None and graded is not None and not push:
        correct = (graded > line) == (rec == "OVER")
    return {
        "player_lookup": player,
        "game_id": f"{day:%Y%m%d}_BOS_NYK",
        "game_date": day,
        "system_id": system,
        "team_abbr": "NYK",
        "opponent_team_abbr": "BOS",
        "predicted_points": predicted,
        "confidence_score": conf,
        "confidence_decile": min(10, int(conf * 10) + 1),
        "recommendation": rec,
        "line_value": line,
        "has_prop_line": line is not None,
        "actual_points": actual,
        "minutes_played": None if dnp else 30.0,
        "absolute_error": None if err is None else abs(err),
        "signed_error": err,
        "prediction_correct": correct,
        "predicted_margin": None if line is None else predicted - line,
        "actual_margin": None if line is None or graded is None else graded - line,
        "within_3_points": None if err is None else abs(err) <= 3,
        "within_5_points": None if err is None else abs(err) <= 5,
        "is_push": push,
        "is_voided": voided,
        "void_reason": "dnp" if voided else None,
    }


def game_specs() -> list[dict]:
    """The ensemble games as plain dicts (what the tests recompute expectations from)."""
    keys = ("player", "i", "predicted", "line", "actual", "rec", "conf", "dnp")
    return [{**dict(zip(keys, g, strict=True)), "day": DATES[g[1]]} for g in GAMES]


def populate(warehouse: DuckDBWarehouse, games=GAMES) -> None:
    accuracy, features, box = [], [], []
    for player, i, predicted, line, actual, rec, conf, dnp in games:
        day = DATES[i]
        accuracy.append(accuracy_row(player, day, predicted, line, actual, rec, conf, dnp))
        # another system with other numbers: must not leak into the files
        accuracy.append(
            accuracy_row(player, day, 40.0, line, actual, "OVER" if line else "NO_LINE", 0.99, dnp, system=OTHER)
        )
        if player == "echo":
            continue  # no context rows: tiers and context stay null
        features.append(
            {
                "game_date": day,
                "player_lookup": player,
                "game_id": f"{day:%Y%m%d}_BOS_NYK",
                "team_abbr": "NYK",
                "opponent_team_abbr": "BOS",
                "season_year": 2023,
                "is_home": i % 2 == 0,
                "days_rest": None if i == 0 else (DATES[i] - DATES[i - 1]).days,
                "points_avg_season": SEASON_AVG.get(player, 11.0),
                "back_to_back": 1.0 if i and (DATES[i] - DATES[i - 1]).days == 1 else 0.0,
                "fatigue_score": 100.0 - 7 * i,
                "feature_count": 25,
                "feature_version": "v2_25features",
                "feature_quality_score": 90.0,
            }
        )
        if player in NAMES:
            box.append(
                {
                    "player_lookup": player,
                    "player_full_name": NAMES[player],
                    "game_id": f"{day:%Y%m%d}_BOS_NYK",
                    "game_date": day,
                    "team_abbr": "NYK",
                    "opponent_team_abbr": "BOS",
                    "season_year": 2023,
                    "points": actual,
                    "minutes_played": None if dnp else 30.0,
                    "is_dnp": dnp,
                }
            )
    write_rows(warehouse, ACCURACY, accuracy)
    write_rows(warehouse, MLFS, features)
    write_rows(warehouse, PGS, box)


def make_config(warehouse_path):
    raw = base_config()
    raw["warehouse"] = {"backend": "duckdb", "path": str(warehouse_path)}
    cfg = validate_config(raw)
    publish = {"target": "published", "min_games": 5, "system_id": ENSEMBLE}
    return dataclasses.replace(cfg, raw={**cfg.raw, "publish": publish})
