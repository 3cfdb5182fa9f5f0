"""The seven Phase 5A prediction systems, pure Python: frames in, frames out, no warehouse or file I/O.

    table, meta = predict_table(features, history, training, config, windows, past)

One module per system (`moving_average_baseline`, `zone_matchup`, `similarity_balanced`, `xgboost_v1`,
`ensemble` (v1), `stacking` (ensemble_v2), `line_blend` (line_blend_v1)); `walk_forward` runs the learned three
window by window, `confidence`
gives them a confidence from their expected error; `common` holds what they share (feature names, the
rule-based confidence and recommendation rules, row assembly).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from . import ensemble, moving_average_baseline, similarity_balanced, walk_forward, xgboost_v1, zone_matchup
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
    ZM,
    assemble,
    prepare,
)
from .walk_forward import PAST_COLUMNS

__all__ = [
    "FEATURE_INPUT_COLUMNS",
    "FEATURE_NAMES",
    "HISTORY_COLUMNS",
    "OPTIONAL_FEATURE_COLUMNS",
    "PAST_COLUMNS",
    "PREDICTION_COLUMNS",
    "PREDICTION_SCHEMA",
    "SYSTEM_IDS",
    "TRAINING_COLUMNS",
    "predict_table",
]

DEFAULT_MIN_TRAINING_ROWS = 2000


def predict_table(
    features: pd.DataFrame,
    history: pd.DataFrame,
    training: pd.DataFrame | None,
    config: dict,
    windows: list[tuple[dt.date, dt.date]] | None = None,
    past: pd.DataFrame | None = None,
) -> tuple[pa.Table, dict]:
    """Predict every player-game in `features` with the seven systems.

    features: one row per (game_date, player_lookup) of the chunk — the ML feature store's columns (the 25
      features, game_id, team_abbr, opponent_team_abbr, season_year, is_home, days_rest, feature_quality_score,
      optionally universal_player_id) plus current_points_line (NULL without a pre-tip-off line) and
      line_bookmaker (optional).
    history: the players' season games (player_lookup, game_date, points, is_home, days_rest,
      opponent_def_rating, is_dnp; other columns ignored). A prediction for D reads only rows dated before D.
    training: feature rows with actual_points and player_lookup (optionally is_dnp), or None / an empty frame,
      dated before the last window's first day (a later row is a ValueError): what the learned systems fit on.
    config: min_training_rows (default 2000), seed (default 0), min_edge_points (default 1.5).
    windows: retrain windows [(first, last), ...] covering the chunk's dates (default: one, the chunk): the learned
      systems are refitted for each window that has rows, on the rows dated before its first day, and predict it.
    past: earlier predictions (game_date, player_lookup, system_id, predicted_points, optionally
      current_points_line) dated before the chunk, so that ensemble_v2, line_blend_v1 and the confidence models see
      what the systems predicted for the training rows (and against which line).

    Returns the rows of nba_predictions.player_prop_predictions as an Arrow table (PREDICTION_SCHEMA, one row
    per player, date and system that predicted; sorted by game_date, player_lookup, system_id) and a JSON-ready
    metadata dict: {"xgboost_v1": [{window: {first, last}, trained, training_rows, training_first_date,
    training_last_date, min_training_rows, reason, model_id[, params]}, ...], "ensemble_v2": [{window, trained,
    training_rows, training_first_date, training_last_date, fitted_before, reason, model_id, fits: [{components,
    rows, intercept, weights}]}, ...], "line_blend_v1": [{window, trained, training_rows, training_first_date,
    training_last_date, fitted_before, w_fitted, prior_rows, shrink, w, reason, model_id}, ...],
    "predictions": {system_id: rows}}, one entry per window with rows.
    """
    settings = {"min_training_rows": DEFAULT_MIN_TRAINING_ROWS, "seed": 0, **config}
    chunk = prepare(features)
    if windows is None:
        windows = [(chunk.dates.min().date(), chunk.dates.max().date())] if len(chunk) else []
    usable = xgboost_v1.training_set(training)
    if windows and len(usable) and usable.days[-1] >= np.datetime64(windows[-1][0]):
        raise ValueError(f"training has rows dated {usable.days[-1]}, on or after the last window's first date")
    day = chunk.dates.to_numpy()
    inside = np.zeros(len(chunk), dtype=bool)
    for first, last in windows:
        inside |= (day >= np.datetime64(first)) & (day <= np.datetime64(last))
    if not inside.all():
        raise ValueError(f"features has rows dated {chunk.dates[~inside].min().date()}, outside every window")
    if history is None:
        history = pd.DataFrame(columns=list(HISTORY_COLUMNS))

    results = {
        MA: moving_average_baseline.predict(chunk),
        ZM: zone_matchup.predict(chunk),
        SIM: similarity_balanced.predict(chunk, history),
    }
    learned = walk_forward.predict(chunk, results, usable, past, windows, settings)
    results.update(learned.results)
    results[ENS] = ensemble.predict(chunk, {s: results[s] for s in ensemble.COMPONENTS})
    # ensemble_v1 weighs (and the rule-based systems recommend) by the platform's rule confidences, kept as upstream
    # defines them; the confidence_score they publish is their expected error's, which ranks their errors
    for system_id, calibrated in learned.confidence.items():
        results[system_id] = results[system_id].assign(confidence_score=calibrated)
    table = assemble(chunk, results)
    meta = {**learned.meta, "predictions": {system_id: len(results[system_id]) for system_id in SYSTEM_IDS}}
    return table, meta
