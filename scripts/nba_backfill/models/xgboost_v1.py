"""`xgboost_v1`: a real gradient-boosted regressor on the feature store's 25 features, trained walk-forward.

The model for a chunk is trained only on `training` (feature rows dated before the chunk's first date, with
the actual points), so nothing on or after a predicted date reaches it. With fewer than `min_training_rows`
usable rows the system abstains for the whole chunk and says why in its metadata.

Training: squared error, 120 trees of depth 4, learning rate 0.08, histogram method, one thread and a fixed
seed, rows sorted by (game_date, player_lookup) first — the same rows give the same model, byte for byte.
NULL features stay missing (xgboost learns a default branch for them).

Confidence (0–1): facts §4.5's signals, feature quality and the player's recent scoring spread, on an honest
base: 0.50; + feature_quality_score ≥ 90 0.10, ≥ 80 0.07, ≥ 70 0.05, ≥ 60 0.02; + points_std_last_10 < 4
0.10, < 6 0.07, < 8 0.05, else (or unknown) 0.02 — range 0.52–0.70. (Upstream's base of 70 on a 0–100 scale
belonged to a mock model.) Recommendation as §4.5: confidence ≥ 0.60 and |pred − line| ≥ 1.5, else PASS.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from .common import (
    FEATURE_NAMES,
    TRAINING_COLUMNS,
    Chunk,
    as_bool,
    as_float,
    clamp_points,
    edge_recommendation,
    require_columns,
    result_frame,
    round_confidence,
)

SYSTEM_ID = "xgboost_v1"
PARAMS = {
    "objective": "reg:squarederror",
    "max_depth": 4,
    "eta": 0.08,
    "tree_method": "hist",
    "nthread": 1,
}
NUM_TREES = 120
MIN_CONFIDENCE = 0.60
MIN_EDGE = 1.5


class Model:
    """A trained booster, or None with the reason it was not trained; `meta` goes into the job's marker."""

    def __init__(self, booster, meta: dict):
        self.booster = booster
        self.meta = meta

    @property
    def trained(self) -> bool:
        return self.booster is not None


def _usable(training: pd.DataFrame | None, before: pd.Timestamp | None) -> pd.DataFrame:
    if training is None or len(training) == 0:
        return pd.DataFrame({"game_date": pd.Series([], dtype="datetime64[ns]")})
    require_columns(training, TRAINING_COLUMNS, "training")
    keep = ~np.isnan(as_float(training["actual_points"]))
    if "is_dnp" in training.columns:
        keep &= ~as_bool(training["is_dnp"])
    rows = training[keep].copy()
    rows["game_date"] = pd.to_datetime(rows["game_date"]).dt.normalize()
    if before is not None and len(rows) and rows["game_date"].max() >= before:
        late = rows["game_date"].max().date()
        raise ValueError(f"training has rows dated {late}, on or after the chunk's first date {before.date()}")
    order = ["game_date", "player_lookup"] if "player_lookup" in rows.columns else ["game_date"]
    return rows.sort_values(order, kind="stable").reset_index(drop=True)


def train(
    training: pd.DataFrame | None, min_training_rows: int, seed: int, before: pd.Timestamp | None = None
) -> Model:
    """Train on `training`'s rows with actual points (not DNP); `before` (the chunk's first date) guards
    walk-forward: a training row dated on or after it is an error."""
    rows = _usable(training, before)
    meta = {
        "trained": False,
        "training_rows": len(rows),
        "training_first_date": rows["game_date"].min().date().isoformat() if len(rows) else None,
        "training_last_date": rows["game_date"].max().date().isoformat() if len(rows) else None,
        "min_training_rows": int(min_training_rows),
        "reason": None,
        "model_id": None,
    }
    if len(rows) < max(min_training_rows, 1):
        meta["reason"] = (
            f"abstained: {len(rows)} training rows < min_training_rows {min_training_rows}"
            if len(rows)
            else "abstained: no training rows"
        )
        return Model(None, meta)

    import xgboost as xgb  # heavy import, only when a model is trained

    features = np.column_stack([as_float(rows[name]) for name in FEATURE_NAMES])
    dtrain = xgb.DMatrix(features, label=as_float(rows["actual_points"]), feature_names=list(FEATURE_NAMES), nthread=1)
    booster = xgb.train({**PARAMS, "seed": int(seed) % 2**31}, dtrain, num_boost_round=NUM_TREES)
    digest = hashlib.sha256(bytes(booster.save_raw("ubj"))).hexdigest()[:12]
    meta.update(
        trained=True,
        reason=f"trained on {len(rows)} rows dated {meta['training_first_date']}..{meta['training_last_date']}",
        model_id=f"{SYSTEM_ID}_{digest}",
        params={**PARAMS, "num_trees": NUM_TREES, "seed": int(seed)},
    )
    return Model(booster, meta)


def confidence(feature_quality_score, points_std_last_10) -> np.ndarray:
    quality = np.asarray(feature_quality_score, dtype="float64")
    std = np.asarray(points_std_last_10, dtype="float64")
    conf = (
        0.50
        + np.select([quality >= 90, quality >= 80, quality >= 70, quality >= 60], [0.10, 0.07, 0.05, 0.02], 0.0)
        + np.select([std < 4, std < 6, std < 8], [0.10, 0.07, 0.05], 0.02)
    )
    return round_confidence(conf)


def predict(chunk: Chunk, model: Model) -> pd.DataFrame:
    if not model.trained or len(chunk) == 0:
        return result_frame([], [], [], [])
    import xgboost as xgb

    features = chunk.raw[list(FEATURE_NAMES)].to_numpy(dtype="float64")
    raw = model.booster.predict(xgb.DMatrix(features, feature_names=list(FEATURE_NAMES), nthread=1))
    predicted = clamp_points(raw.astype("float64"))
    conf = confidence(as_float(chunk.rows["feature_quality_score"]), chunk.raw["points_std_last_10"])
    return result_frame(
        np.arange(len(chunk)),
        predicted,
        conf,
        edge_recommendation(predicted, conf, chunk.line, MIN_CONFIDENCE, MIN_EDGE),
        ml_model_id=np.full(len(chunk), model.meta["model_id"], dtype=object),
    )
