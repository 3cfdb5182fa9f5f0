"""`line_blend_v1`: ensemble_v2 pulled toward the pre-game line, refitted walk-forward at every retrain window.

Where the row has a line (models.common: the latest pre-tip-off snapshot), prediction = line + w·(stack − line),
stack being ensemble_v2's prediction of the row, rounded to the nearest whole point; a row without a line keeps the
stack; a row ensemble_v2 did not predict gets nothing.

Why whole points: points scored are whole numbers, so between two of them the expected absolute error is linear
in the prediction and its minimum is at one end. A line of 14.5 is never the best prediction: 15 is better when
the over is likelier, 14 when the under is, and the blend says which. Where the blend is the line itself (w = 0,
or the stack is the line) nothing says which side, and the line is kept.

At each window's first day, w is fitted on the graded rows before it that have a stack and a line (their stored
predictions and lines against the points scored): the w minimising Σ|actual − line − w·(stack − line)| is the
median of (actual − line)/(stack − line) weighted by |stack − line|, clipped to [0, 1].

The line is the market's estimate, so with little evidence the line is trusted: the fitted w is shrunk toward 0
by n/(n + PRIOR_ROWS), n the line rows it was fitted on. PRIOR_ROWS is ensemble_v2's MIN_ROWS (the rows it takes
to trust a stack fit) — a rule, not tuned: at that many line rows w is half the fitted one. With no line history
(a season after one without lines, its first window) w = 0: the line itself.

Pure numpy, no randomness: the rows are sorted before the median, so their order never changes w.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .stacking import MIN_ROWS

SYSTEM_ID = "line_blend_v1"
PRIOR_ROWS = MIN_ROWS


def fitted_weight(stack: np.ndarray, line: np.ndarray, actual: np.ndarray) -> tuple[float, int]:
    """The L1-optimal w in [0, 1] on the rows with a stack and a line that differ, and how many rows that is
    (w is NaN with none)."""
    stack, line, actual = (np.asarray(a, dtype="float64") for a in (stack, line, actual))
    gap = stack - line
    usable = ~np.isnan(gap) & ~np.isnan(actual) & (gap != 0)
    if not usable.any():
        return float("nan"), 0
    ratio, weight = (actual[usable] - line[usable]) / gap[usable], np.abs(gap[usable])
    order = np.lexsort((weight, ratio))
    ratio, cumulative = ratio[order], np.cumsum(weight[order])
    median = ratio[np.searchsorted(cumulative, cumulative[-1] / 2)]
    return float(np.clip(median, 0.0, 1.0)), int(usable.sum())


def fit(
    stack: np.ndarray, line: np.ndarray, actual: np.ndarray, days: np.ndarray, before: dt.date
) -> tuple[float, dict]:
    """The w to use for a window from the graded rows before it, and what the predictions marker records: w
    fitted, its shrinkage, the w used."""
    w_fitted, n = fitted_weight(stack, line, actual)
    shrink = n / (n + PRIOR_ROWS)
    w = 0.0 if n == 0 else w_fitted * shrink
    lined = ~np.isnan(np.asarray(stack, dtype="float64")) & ~np.isnan(np.asarray(line, dtype="float64"))
    first, last = (str(days[lined].min()), str(days[lined].max())) if lined.any() else (None, None)
    return w, {
        "trained": True,
        "training_rows": n,
        "training_first_date": first,
        "training_last_date": last,
        "fitted_before": before.isoformat(),
        "w_fitted": None if n == 0 else round(w_fitted, 6),
        "prior_rows": PRIOR_ROWS,
        "shrink": round(shrink, 6),
        "w": round(w, 6),
        "reason": f"w = {w:.4f} from {n} line rows dated {first}..{last}"
        if n
        else "no line rows yet: w = 0 (the line)",
        "model_id": f"{SYSTEM_ID}_w{w:.4f}",
    }


def blend(stack: np.ndarray, line: np.ndarray, w: float) -> np.ndarray:
    """line + w·(stack − line) rounded to the nearest whole point (halves up) where there is a line and the blend
    moves off it, the line where it does not, else the stack."""
    stack, line = np.asarray(stack, dtype="float64"), np.asarray(line, dtype="float64")
    blended = line + w * (stack - line)
    return np.where(np.isnan(line), stack, np.where(blended == line, line, np.floor(blended + 0.5)))
