"""`ensemble_v2`: a learned stack of the four component systems, refitted walk-forward at every retrain window.

Components: moving average, zone matchup, similarity and xgboost (their stored, rounded predictions). At each
window's first day, for every set of components that predicted together (an availability pattern) on at least
MIN_ROWS graded rows dated before that day, fit  actual ≈ intercept + Σ weight·component  minimising the absolute
error — what grading and `evaluate` measure: points are skewed, so the median beats the mean — by iteratively
reweighted least squares (IRLS_STEPS weighted least-squares steps from the ordinary least-squares fit, each row
weighted 1 / max(|residual|, IRLS_FLOOR)), each step with a small ridge on the weights (RIDGE × the mean diagonal
of the weighted centred Gram matrix: keeps the nearly collinear moving average and zone matchup stable; the
intercept is not shrunk). A row of the window is predicted by the fit of exactly the components that predicted
it, never a stack that leaves out one of them (it would be worse than that component); a set with fewer than
MIN_ROWS graded rows before the window has no fit, and its rows no ensemble_v2 prediction. That happens only
while history builds up in the first configured season: its first window (nothing is graded before it) and the
window in which xgboost first predicts (none of its predictions is graded yet).

Pure numpy, no randomness: the same rows give the same weights whatever their order (rows are sorted first).
Confidence and recommendation are the learned systems' (models.confidence, an edge in points).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import numpy as np

from .common import MA, SIM, XGB, ZM

SYSTEM_ID = "ensemble_v2"
COMPONENTS = (MA, ZM, SIM, XGB)
MIN_ROWS = 300
RIDGE = 1e-3
IRLS_STEPS = 30
IRLS_FLOOR = 0.5  # points: residuals smaller than this weigh as much as this, so no row dominates a step


@dataclass(frozen=True)
class Fit:
    components: tuple[str, ...]
    intercept: float
    weights: tuple[float, ...]
    rows: int

    def as_dict(self) -> dict:
        return {
            "components": list(self.components),
            "rows": self.rows,
            "intercept": round(self.intercept, 4),
            "weights": {c: round(w, 4) for c, w in zip(self.components, self.weights, strict=True)},
        }


def _pattern(available: np.ndarray) -> np.ndarray:
    """Each row's set of available components as a bit mask (bit i = COMPONENTS[i])."""
    return (available * (1 << np.arange(len(COMPONENTS)))).sum(axis=1)


def fit(predictions: np.ndarray, actual: np.ndarray) -> tuple[list[Fit], np.ndarray]:
    """predictions: rows × COMPONENTS (NaN = that system did not predict the row); actual: the points scored.
    One Fit per availability pattern with at least MIN_ROWS rows, largest patterns first; and which rows the
    fits used (in the input's order)."""
    predictions = np.asarray(predictions, dtype="float64")
    actual = np.asarray(actual, dtype="float64")
    all_masks = _pattern(~np.isnan(predictions))
    used_rows = np.zeros(len(actual), dtype=bool)
    order = np.lexsort((actual, *predictions.T[::-1]))  # row order never changes a sum's rounding
    predictions, actual, masks = predictions[order], actual[order], all_masks[order]
    fits = []
    for mask in np.unique(masks):
        used = [i for i in range(len(COMPONENTS)) if mask >> i & 1]
        rows = masks == mask
        if not used or rows.sum() < MIN_ROWS:
            continue
        used_rows |= all_masks == mask
        x, y = predictions[np.ix_(rows, used)], actual[rows]
        intercept, weights = _weighted_ridge(x, y, np.ones(len(y)))
        for _ in range(IRLS_STEPS):
            residual = np.abs(y - intercept - x @ weights)
            intercept, weights = _weighted_ridge(x, y, 1.0 / np.maximum(residual, IRLS_FLOOR))
        fits.append(
            Fit(tuple(COMPONENTS[i] for i in used), float(intercept), tuple(float(w) for w in weights), int(rows.sum()))
        )
    fits.sort(key=lambda f: (-len(f.components), [COMPONENTS.index(c) for c in f.components]))
    return fits, used_rows


def _weighted_ridge(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> tuple[float, np.ndarray]:
    """Weighted least squares with an intercept and a small ridge on the other coefficients."""
    total = weight.sum()
    x_mean, y_mean = weight @ x / total, weight @ y / total
    xc = x - x_mean
    gram = xc.T @ (xc * weight[:, None])
    ridge = RIDGE * np.trace(gram) / len(x_mean)
    coef = np.linalg.solve(gram + ridge * np.eye(len(x_mean)), xc.T @ (weight * (y - y_mean)))
    return float(y_mean - x_mean @ coef), coef


def combine(fits: list[Fit], predictions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The stacked prediction of each row by the fit of exactly its available components (NaN when there is none)
    and how many components it used (0 then)."""
    predictions = np.asarray(predictions, dtype="float64")
    available = _pattern(~np.isnan(predictions))
    out = np.full(len(predictions), np.nan)
    used = np.zeros(len(predictions), dtype="int64")
    for f in fits:
        cols = [COMPONENTS.index(c) for c in f.components]
        rows = available == sum(1 << i for i in cols)
        out[rows] = f.intercept + predictions[np.ix_(rows, cols)] @ np.array(f.weights)
        used[rows] = len(cols)
    return out, used


def meta(fits: list[Fit], days: np.ndarray, before: dt.date) -> dict:
    """What the predictions marker records for one window: the training window and every pattern's weights."""
    first, last = (str(days.min()), str(days.max())) if len(days) else (None, None)
    body = [f.as_dict() for f in fits]
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
    return {
        "trained": bool(fits),
        "training_rows": int(len(days)),
        "training_first_date": first,
        "training_last_date": last,
        "fitted_before": before.isoformat(),
        "reason": (
            f"fitted on {len(days)} rows dated {first}..{last}"
            if fits
            else f"abstained: no set of components has {MIN_ROWS} graded rows before {before}"
        ),
        "model_id": f"{SYSTEM_ID}_{digest}" if fits else None,
        "fits": body,
    }
