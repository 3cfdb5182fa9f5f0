"""`ensemble_v1` (facts §4.6): the confidence-weighted mean of the other systems' predictions for a player-game.

Components: moving average, zone matchup, similarity and xgboost — whichever produced a prediction (their
stored, rounded values). Fewer than 2 → the ensemble abstains. Prediction = Σ pred·conf / Σ conf, clamped to
[0, 60]. Confidence (0–1) = mean component confidence, + 0.10 if the population std s of the component
predictions is < 2, + 0.05 if < 3, − 0.05 if < 6, − 0.10 otherwise, + 0.05 when all four systems contributed,
clamped to [0.20, 0.95]. Recommendation: NO_LINE without a line; PASS if confidence < 0.65 or |pred − line| < 1.5;
else the side more than half of the components recommend, otherwise the side of pred − line.
prediction_variance is s² (population variance); contributing_systems the number of components.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import (
    MA,
    NO_LINE,
    OVER,
    PASS,
    SIM,
    UNDER,
    XGB,
    ZM,
    Chunk,
    clamp_points,
    margin,
    result_frame,
    round_confidence,
)

SYSTEM_ID = "ensemble_v1"
COMPONENTS = (MA, ZM, SIM, XGB)
MIN_COMPONENTS = 2
MIN_CONFIDENCE = 0.65
MIN_EDGE = 1.5


def predict(chunk: Chunk, components: dict[str, pd.DataFrame]) -> pd.DataFrame:
    used = [result for system_id, result in components.items() if system_id in COMPONENTS and len(result)]
    if not used:
        return result_frame([], [], [], [])
    row = np.concatenate([r.index.to_numpy() for r in used])
    pred = np.concatenate([r["predicted_points"].to_numpy(dtype="float64") for r in used])
    conf = np.concatenate([r["confidence_score"].to_numpy(dtype="float64") for r in used])

    def total(weights) -> np.ndarray:  # per chunk row, summed in the components' order
        return np.bincount(row, weights=weights, minlength=len(chunk))

    def votes(side: str) -> np.ndarray:
        return total(np.concatenate([(r["recommendation"] == side).to_numpy(dtype=bool) for r in used]))

    rows = np.arange(len(chunk))
    n = np.bincount(row, minlength=len(chunk))
    with np.errstate(invalid="ignore", divide="ignore"):  # rows no component predicted: dropped below
        conf_sum = total(conf)
        mean_pred = total(pred) / n
        weighted = np.where(conf_sum > 0, total(pred * conf) / np.where(conf_sum > 0, conf_sum, 1.0), mean_pred)
        s = np.sqrt(total((pred - mean_pred[row]) ** 2) / n)
        mean_conf = conf_sum / n
    over, under = votes(OVER), votes(UNDER)

    keep = n >= MIN_COMPONENTS
    rows, n, weighted, s, over, under, mean_conf = (a[keep] for a in (rows, n, weighted, s, over, under, mean_conf))
    predicted = clamp_points(weighted)
    confidence = (
        mean_conf
        + np.select([s < 2, s < 3, s < 6], [0.10, 0.05, -0.05], -0.10)
        + np.where(n == len(COMPONENTS), 0.05, 0.0)
    )
    confidence = round_confidence(np.clip(confidence, 0.20, 0.95))

    line = chunk.line[rows]
    m = margin(predicted, line)
    recommendation = np.where(m > 0, OVER, UNDER).astype(object)
    recommendation[over > n / 2] = OVER
    recommendation[under > n / 2] = UNDER
    recommendation[(confidence < MIN_CONFIDENCE) | (np.abs(m) < MIN_EDGE)] = PASS
    recommendation[np.isnan(line)] = NO_LINE
    return result_frame(
        rows,
        predicted,
        confidence,
        recommendation,
        contributing_systems=n,
        prediction_variance=np.round(s**2, 4),
    )
