"""The five Phase 5A prediction systems, pure Python: frames in, frames out, no warehouse or file I/O.

    predictions, meta = predict_chunk(features, history, training, config)
    table, meta = predict_table(features, history, training, config, windows)  # the same rows as Arrow

One module per system (`moving_average_baseline`, `zone_matchup`, `similarity_balanced`, `xgboost_v1`,
`ensemble`); `common` holds what they share (feature names, confidence and recommendation rules, row assembly).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from . import ensemble, moving_average_baseline, similarity_balanced, xgboost_v1, zone_matchup
from .common import (
    ENS,
    FEATURE_INPUT_COLUMNS,
    FEATURE_NAMES,
    HISTORY_COLUMNS,
    MA,
    OPTIONAL_FEATURE_COLUMNS,
    PREDICTION_COLUMNS,
    PREDICTION_SCHEMA,
    SIM,
    SYSTEM_IDS,
    TRAINING_COLUMNS,
    XGB,
    ZM,
    assemble,
    prepare,
)

__all__ = [
    "FEATURE_INPUT_COLUMNS",
    "FEATURE_NAMES",
    "HISTORY_COLUMNS",
    "OPTIONAL_FEATURE_COLUMNS",
    "PREDICTION_COLUMNS",
    "PREDICTION_SCHEMA",
    "SYSTEM_IDS",
    "TRAINING_COLUMNS",
    "predict_table",
]

DEFAULT_MIN_TRAINING_ROWS = 3000


def predict_table(
    features: pd.DataFrame,
    history: pd.DataFrame,
    training: pd.DataFrame | None,
    config: dict,
    windows: list[tuple[dt.date, dt.date]] | None = None,
) -> tuple[pa.Table, dict]:
    """Predict every player-game in `features` with the five systems.

    features: one row per (game_date, player_lookup) of the chunk — the ML feature store's columns (the 25
      features, game_id, team_abbr, opponent_team_abbr, season_year, is_home, days_rest, feature_quality_score,
      optionally universal_player_id) plus current_points_line (NULL without a pre-tip-off line) and
      line_bookmaker (optional).
    history: the players' season games (player_lookup, game_date, points, is_home, days_rest,
      opponent_def_rating, is_dnp; other columns ignored). A prediction for D reads only rows dated before D.
    training: feature rows with actual_points (and optionally player_lookup, is_dnp), or None / an empty frame.
      Without `windows` they must be dated before the chunk's first date (a later row is a ValueError).
    config: min_training_rows (default 3000), seed (default 0).
    windows: retrain windows [(first, last), ...] covering the chunk's dates: the learned system is trained
      for each window that has rows, on the training rows dated before its first day, and predicts its rows.

    Returns the rows of nba_predictions.player_prop_predictions as an Arrow table (PREDICTION_SCHEMA, one row
    per player, date and system that predicted; sorted by game_date, player_lookup, system_id) and a JSON-ready
    metadata dict: {"xgboost_v1": {trained, training_rows, training_first_date, training_last_date,
    min_training_rows, reason, model_id[, params]}, "predictions": {system_id: rows}}; with `windows`,
    "xgboost_v1" is a list of those dicts, one per window with rows, each with its "window": {first, last}.
    """
    min_training_rows = int(config.get("min_training_rows", DEFAULT_MIN_TRAINING_ROWS))
    seed = int(config.get("seed", 0))
    chunk = prepare(features)
    usable = xgboost_v1.training_set(training)
    if windows is None:
        before = chunk.dates.min() if len(chunk) else None
        model = xgboost_v1.train(usable, min_training_rows, seed, before=before)
        models, model_meta = [(np.arange(len(chunk)), model)], model.meta
    else:
        models, model_meta = [], []
        day = chunk.dates.to_numpy()
        outside = np.ones(len(chunk), dtype=bool)
        for first, last in windows:
            in_window = (day >= np.datetime64(first)) & (day <= np.datetime64(last))
            outside &= ~in_window
            if not in_window.any():  # bootstrap days or no games: nothing to predict, nothing to train
                continue
            model = xgboost_v1.train(usable.before(first), min_training_rows, seed)
            models.append((np.flatnonzero(in_window), model))
            model_meta.append({"window": {"first": first, "last": last}, **model.meta})
        if outside.any():
            raise ValueError(f"features has rows dated {chunk.dates[outside].min().date()}, outside every window")
    if history is None:
        history = pd.DataFrame(columns=list(HISTORY_COLUMNS))

    results = {
        MA: moving_average_baseline.predict(chunk),
        ZM: zone_matchup.predict(chunk),
        SIM: similarity_balanced.predict(chunk, history),
        XGB: xgboost_v1.predict(chunk, models),
    }
    results[ENS] = ensemble.predict(chunk, results)
    table = assemble(chunk, results)
    meta = {
        XGB: model_meta,
        "predictions": {system_id: len(results[system_id]) for system_id in SYSTEM_IDS if system_id in results},
    }
    return table, meta
