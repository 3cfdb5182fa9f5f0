"""The five Phase 5A prediction systems, pure Python: frames in, frames out, no warehouse or file I/O.

    predictions, meta = predict_chunk(features, history, training, config)

One module per system (`moving_average_baseline`, `zone_matchup`, `similarity_balanced`, `xgboost_v1`,
`ensemble`); `common` holds what they share (feature names, confidence and recommendation rules, row assembly).
"""

from __future__ import annotations

import pandas as pd

from . import ensemble, moving_average_baseline, similarity_balanced, xgboost_v1, zone_matchup
from .common import (
    ENS,
    FEATURE_INPUT_COLUMNS,
    FEATURE_NAMES,
    HISTORY_COLUMNS,
    MA,
    OPTIONAL_FEATURE_COLUMNS,
    PREDICTION_COLUMNS,
    SIM,
    SYSTEM_IDS,
    TRAINING_COLUMNS,
    XGB,
    ZM,
    assemble,
    empty_predictions,
    prepare,
)

__all__ = [
    "FEATURE_INPUT_COLUMNS",
    "FEATURE_NAMES",
    "HISTORY_COLUMNS",
    "OPTIONAL_FEATURE_COLUMNS",
    "PREDICTION_COLUMNS",
    "SYSTEM_IDS",
    "TRAINING_COLUMNS",
    "predict_chunk",
]

DEFAULT_MIN_TRAINING_ROWS = 3000


def predict_chunk(
    features: pd.DataFrame, history: pd.DataFrame, training: pd.DataFrame | None, config: dict
) -> tuple[pd.DataFrame, dict]:
    """Predict every player-game in `features` with the five systems.

    features: one row per (game_date, player_lookup) of the chunk — the ML feature store's columns (the 25
      features, game_id, team_abbr, opponent_team_abbr, season_year, is_home, days_rest, feature_quality_score,
      optionally universal_player_id) plus current_points_line (NULL without a pre-tip-off line) and
      line_bookmaker (optional).
    history: the players' season games (player_lookup, game_date, points, is_home, days_rest,
      opponent_def_rating, is_dnp; other columns ignored). A prediction for D reads only rows dated before D.
    training: feature rows dated before the chunk's first date with actual_points (and optionally
      player_lookup, is_dnp), or None / an empty frame; a row dated on or after that date is a ValueError.
    config: min_training_rows (default 3000), seed (default 0).

    Returns the rows of nba_predictions.player_prop_predictions (PREDICTION_COLUMNS, one per player, date and
    system that predicted; sorted by game_date, player_lookup, system_id) and a JSON-ready metadata dict:
    {"xgboost_v1": {trained, training_rows, training_first_date, training_last_date, min_training_rows,
    reason, model_id[, params]}, "predictions": {system_id: rows}}.
    """
    min_training_rows = int(config.get("min_training_rows", DEFAULT_MIN_TRAINING_ROWS))
    seed = int(config.get("seed", 0))
    chunk = prepare(features)
    first_date = chunk.dates.min() if len(chunk) else None
    model = xgboost_v1.train(training, min_training_rows, seed, before=first_date)
    if history is None:
        history = pd.DataFrame(columns=list(HISTORY_COLUMNS))

    results = {
        MA: moving_average_baseline.predict(chunk),
        ZM: zone_matchup.predict(chunk),
        SIM: similarity_balanced.predict(chunk, history),
        XGB: xgboost_v1.predict(chunk, model),
    }
    results[ENS] = ensemble.predict(chunk, results)

    frames = [assemble(chunk, system_id, result) for system_id, result in results.items() if len(result)]
    predictions = pd.concat(frames, ignore_index=True) if frames else empty_predictions()
    predictions = predictions.sort_values(["game_date", "player_lookup", "system_id"], kind="stable")
    predictions = predictions.reset_index(drop=True)
    counts = predictions["system_id"].value_counts()
    meta = {
        XGB: model.meta,
        "predictions": {system_id: int(counts.get(system_id, 0)) for system_id in SYSTEM_IDS},
    }
    return predictions, meta
