"""`xgboost_v1`: a real gradient-boosted regressor on the feature store's 25 features, trained walk-forward.

The model for a retrain window is trained only on feature rows dated before the window's first day (with the
points scored; the current season and up to `predictions.training_seasons` earlier ones), so nothing on or after
a predicted date reaches it. With fewer than `min_training_rows` usable rows the system abstains for the window
and says why in its metadata.

Training: squared error, 120 trees of depth 4, learning rate 0.08, histogram method, one thread and a fixed
seed, rows sorted by (game_date, player_lookup) first — the same rows give the same model, byte for byte.
NULL features stay missing (xgboost learns a default branch for them).

Confidence and recommendation are the learned systems' (models.confidence: expected absolute error; an edge in
points against the line, models.walk_forward).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .common import FEATURE_NAMES, TRAINING_COLUMNS, as_bool, as_float, clamp_points, require_columns

SYSTEM_ID = "xgboost_v1"
PARAMS = {
    "objective": "reg:squarederror",
    "max_depth": 4,
    "eta": 0.08,
    "tree_method": "hist",
    "nthread": 1,
}
NUM_TREES = 120


class Model:
    """A trained booster, or None with the reason it was not trained; `meta` goes into the job's marker."""

    def __init__(self, booster, meta: dict):
        self.booster = booster
        self.meta = meta

    @property
    def trained(self) -> bool:
        return self.booster is not None


@dataclass(frozen=True)
class TrainingSet:
    """The usable training rows (actual points, not DNP) sorted by date then player, as xgboost takes them."""

    days: np.ndarray  # datetime64[D], ascending
    players: np.ndarray  # player_lookup (object)
    features: np.ndarray  # the 25 features, NaN when missing
    labels: np.ndarray  # actual_points

    def __len__(self) -> int:
        return len(self.days)

    def before(self, day: dt.date) -> TrainingSet:
        """The rows dated before `day`: a prefix, so each window trains on the very rows (and order) it would
        get from its own query."""
        n = self.count_before(day)
        return TrainingSet(self.days[:n], self.players[:n], self.features[:n], self.labels[:n])

    def count_before(self, day: dt.date) -> int:
        return int(np.searchsorted(self.days, np.datetime64(day, "D")))


def training_set(training: pd.DataFrame | None) -> TrainingSet:
    if training is None or len(training) == 0:
        empty = np.zeros(0)
        no_features = np.zeros((0, len(FEATURE_NAMES)))
        return TrainingSet(empty.astype("datetime64[D]"), empty.astype(object), no_features, empty)
    require_columns(training, TRAINING_COLUMNS, "training")
    keep = ~np.isnan(as_float(training["actual_points"]))
    if "is_dnp" in training.columns:
        keep &= ~as_bool(training["is_dnp"])
    rows = training[keep].copy()
    rows["game_date"] = pd.to_datetime(rows["game_date"]).dt.normalize()
    rows = rows.sort_values(["game_date", "player_lookup"], kind="stable")
    return TrainingSet(
        rows["game_date"].to_numpy().astype("datetime64[D]"),
        rows["player_lookup"].to_numpy(dtype=object),
        np.column_stack([as_float(rows[name]) for name in FEATURE_NAMES]),
        as_float(rows["actual_points"]),
    )


def train(rows: TrainingSet, min_training_rows: int, seed: int) -> Model:
    """Train on `rows` (the caller passes only rows dated before the window: TrainingSet.before)."""
    first, last = (str(rows.days[0]), str(rows.days[-1])) if len(rows) else (None, None)
    meta = {
        "trained": False,
        "training_rows": len(rows),
        "training_first_date": first,
        "training_last_date": last,
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

    dtrain = xgb.DMatrix(rows.features, label=rows.labels, feature_names=list(FEATURE_NAMES), nthread=1)
    booster = xgb.train({**PARAMS, "seed": int(seed) % 2**31}, dtrain, num_boost_round=NUM_TREES)
    digest = hashlib.sha256(bytes(booster.save_raw("ubj"))).hexdigest()[:12]
    meta.update(
        trained=True,
        reason=f"trained on {len(rows)} rows dated {first}..{last}",
        model_id=f"{SYSTEM_ID}_{digest}",
        params={**PARAMS, "num_trees": NUM_TREES, "seed": int(seed)},
    )
    return Model(booster, meta)


def predict(model: Model, features: np.ndarray) -> np.ndarray:
    """The trained model's points for rows of the 25 raw features (NaN = missing), clamped and rounded as stored."""
    import xgboost as xgb

    matrix = xgb.DMatrix(features, feature_names=list(FEATURE_NAMES), nthread=1)
    return clamp_points(model.booster.predict(matrix).astype("float64"))
