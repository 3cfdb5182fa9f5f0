"""Hand-made input rows for `nba_backfill.models.predict_table`, and `predict_chunk`: its rows as a DataFrame.

feature_row(points_avg_last_5=20.0, current_points_line=18.5)   # one chunk row, every other column a plain default
history_row("alice", "2025-01-07", points=22, days_rest=2)       # one past game
run([feature_row(...)], history=[...])                           # -> (predictions, meta)
by_system(predictions)                                           # -> {system_id: row as a dict}
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa

from nba_backfill.models import FEATURE_NAMES, predict_table, similarity_balanced
from nba_backfill.models.common import prepare

D = dt.date(2025, 1, 20)


def predict_chunk(
    features: pd.DataFrame,
    history: pd.DataFrame,
    training: pd.DataFrame | None,
    config: dict,
    windows: list[tuple[dt.date, dt.date]] | None = None,
    past: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict]:
    """predict_table's rows as a DataFrame (strings as objects with None for NULL, ints nullable Int64, dates
    datetime.date) and its metadata."""
    table, meta = predict_table(features, history, training, config, windows, past)
    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    strings = [f.name for f in table.schema if f.type == pa.string()]
    frame[strings] = frame[strings].astype(object).where(frame[strings].notna(), None)
    return frame, meta


# A plain player: averages 20, mid-range everything, fresh, no adjustments.
FEATURES = {
    "points_avg_last_5": 20.0,
    "points_avg_last_10": 20.0,
    "points_avg_season": 20.0,
    "points_std_last_10": 5.0,
    "games_in_last_7_days": 3.0,
    "fatigue_score": 90.0,
    "shot_zone_mismatch_score": 0.0,
    "pace_score": 0.0,
    "usage_spike_score": 0.0,
    "rest_advantage": 0.0,
    "injury_risk": 0.0,
    "recent_trend": 0.0,
    "minutes_change": 0.0,
    "opponent_def_rating": 110.0,
    "opponent_pace": 100.0,
    "home_away": 1.0,
    "back_to_back": 0.0,
    "playoff_game": 0.0,
    "pct_paint": 0.30,
    "pct_mid_range": 0.20,
    "pct_three": 0.35,
    "pct_free_throw": 0.15,
    "team_pace": 100.0,
    "team_off_rating": 112.0,
    "team_win_pct": 0.5,
}
assert tuple(FEATURES) == FEATURE_NAMES


def feature_row(player: str = "alice", game_date: dt.date | str = D, **values) -> dict:
    game_date = dt.date.fromisoformat(game_date) if isinstance(game_date, str) else game_date
    row = {
        "game_date": game_date,
        "player_lookup": player,
        "universal_player_id": f"{player}_001",
        "game_id": f"{game_date:%Y%m%d}_BOS_NYK",
        "team_abbr": "NYK",
        "opponent_team_abbr": "BOS",
        "season_year": 2024,
        "is_home": True,
        "days_rest": 2,
        "has_prop_line": False,
        "feature_quality_score": 95.0,
        "current_points_line": None,
        "line_bookmaker": None,
        **FEATURES,
    }
    unknown = set(values) - set(row)
    assert not unknown, unknown
    row.update(values)
    if row["current_points_line"] is not None and row["line_bookmaker"] is None:
        row["line_bookmaker"] = "draftkings"
    return row


def history_row(player: str, game_date: dt.date | str, points: float, **values) -> dict:
    game_date = dt.date.fromisoformat(game_date) if isinstance(game_date, str) else game_date
    row = {
        "player_lookup": player,
        "game_date": game_date,
        "points": points,
        "minutes_played": 30.0,
        "is_home": True,
        "days_rest": 2,
        "opponent_team_abbr": "BOS",
        "opponent_def_rating": 112.0,
        "is_dnp": False,
    }
    row.update(values)
    return row


def frame(rows: list[dict], columns=None) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)


def run(
    features: list[dict],
    history: list[dict] | None = None,
    training: pd.DataFrame | None = None,
    windows: list[tuple[dt.date, dt.date]] | None = None,
    past: pd.DataFrame | None = None,
    **config,
):
    history_frame = frame(history or [], columns=list(history_row("x", D, 0)))
    settings = {"min_training_rows": 3000, "seed": 1, **config}
    return predict_chunk(frame(features), history_frame, training, settings, windows, past)


def by_system(predictions: pd.DataFrame, player: str = "alice", game_date: dt.date = D) -> dict[str, dict]:
    rows = predictions[(predictions["player_lookup"] == player) & (predictions["game_date"] == game_date)]
    return {row["system_id"]: row for row in rows.to_dict("records")}


def similarity_rule_confidence(features: list[dict], history: list[dict]) -> dict[tuple[str, dt.date], float]:
    """similarity_balanced_v1's confidence by the platform's rules, per (player, date) it predicts: what it
    recommends by and ensemble_v1 weighs it by (the confidence_score it publishes is its expected error's)."""
    chunk = prepare(frame(features))
    result = similarity_balanced.predict(chunk, frame(history, columns=list(history_row("x", D, 0))))
    keys = chunk.rows.loc[result.index, ["player_lookup", "game_date"]].itertuples(index=False)
    return {(p, pd.Timestamp(d).date()): c for (p, d), c in zip(keys, result["confidence_score"])}
