"""Confidence of every system's prediction (the published confidence_score): how small the error is expected to be.
(The rule-based systems still recommend, and ensemble_v1 still weighs them, by the platform's rule confidences.)

confidence = 1 − expected |actual − predicted| / CONFIDENCE_SCALE_POINTS, clamped to [0, 1] and monotone
decreasing in the expected error (an expected miss of 4 points gives 0.6).

The expected absolute error is a least-squares fit, at each retrain window, of the absolute errors on rows dated
before the window (walk-forward, never the window's own outcomes) on ERROR_FEATURES: the square root of the
prediction (bigger scorers miss by more, as a count's spread grows with its mean), the player's points std over
his last 10 games, how far his last 5 games are from his season (form swings), the size of his minutes change,
and his games in the last 7 days. It is fitted on the system's own errors once it has
MIN_ERROR_ROWS of them, else on the pooled errors of every system before the window (how hard a player-game is to
predict is mostly the player's, not the system's).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import round_confidence

CONFIDENCE_SCALE_POINTS = 10.0
MIN_ERROR_ROWS = 500
MIN_EXPECTED_ERROR = 0.5  # a fitted line may dip below any real error on odd rows: never promise less


def error_features(predicted: np.ndarray, filled: pd.DataFrame | dict) -> np.ndarray:
    """One row per prediction: [1, √predicted, points std, |last 5 − season|, |minutes change|, games in 7 days];
    `filled` holds the features with NULL replaced by the feature store's defaults."""

    def col(name: str) -> np.ndarray:
        return np.asarray(filled[name], dtype="float64")

    return np.column_stack(
        [
            np.ones(len(predicted)),
            np.sqrt(np.clip(np.asarray(predicted, dtype="float64"), 0.0, None)),
            col("points_std_last_10"),
            np.abs(col("points_avg_last_5") - col("points_avg_season")),
            np.abs(col("minutes_change")),
            col("games_in_last_7_days"),
        ]
    )


def fit(features: np.ndarray, absolute_error: np.ndarray) -> np.ndarray:
    """Coefficients of the expected absolute error (least squares; deterministic)."""
    coef, *_ = np.linalg.lstsq(features, absolute_error, rcond=None)
    return coef


def confidence(features: np.ndarray, coef: np.ndarray) -> np.ndarray:
    expected = np.clip(features @ coef, MIN_EXPECTED_ERROR, None)
    return round_confidence(np.clip(1.0 - expected / CONFIDENCE_SCALE_POINTS, 0.0, 1.0))
