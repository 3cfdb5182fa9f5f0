"""The learned systems, walk-forward over a chunk's retrain windows: `xgboost_v1`, `ensemble_v2`, `line_blend_v1`.

Each window is predicted only from graded rows dated before its first day: the training frame's feature rows with
the points scored (the current season and up to `predictions.training_seasons` earlier ones), each carrying every
system's prediction for it — from `past` (the predictions table before the chunk) and from the chunk's own
earlier windows as they are predicted here. Reading what earlier chunks stored, rather than recomputing it, keeps
the stack and the confidence fitted on exactly the predictions that were published, and the same whatever the
chunking: the DAG orders a season's prediction chunks and its earlier seasons' (plan.predictions_inputs).

At each window: xgboost is trained on the rows before it; ensemble_v2's weights are fitted on the components'
predictions of those rows (models.stacking); line_blend_v1's w on ensemble_v2's predictions of those rows and
their lines (models.line_blend); each learned system's confidence, and the confidence_score the
rule-based systems publish, comes from the expected absolute error fitted on its errors before the window
(models.confidence). Recommendation: NO_LINE without a line; OVER when
predicted − line ≥ `min_edge_points`, UNDER when ≤ −`min_edge_points`, else PASS — the threshold is an edge in points.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import confidence, line_blend, stacking, xgboost_v1
from .common import (
    ENS2,
    FEATURE_DEFAULTS,
    FEATURE_NAMES,
    LINE,
    MA,
    SIM,
    XGB,
    ZM,
    Chunk,
    clamp_points,
    edge_recommendation,
)
from .common import result_frame as make_result

TRACKED = (MA, ZM, SIM, XGB, ENS2, LINE)  # systems whose earlier predictions the learned systems read
PRIOR_ERROR_PER_STD = 0.8  # with no errors yet at all: E|N(0, σ)| ≈ 0.8σ, σ = his points std over 10 games
DEFAULT_MIN_EDGE_POINTS = 1.5
PAST_COLUMNS = ("game_date", "player_lookup", "system_id", "predicted_points", "current_points_line")


RULE_BASED = (MA, ZM, SIM)


@dataclass
class Learned:
    results: dict[str, pd.DataFrame]  # XGB, ENS2 and LINE result frames
    meta: dict[str, list[dict]] = field(default_factory=dict)  # per window with rows, per system
    # the rule-based systems' confidence from their own expected error (same index as their result frames)
    confidence: dict[str, pd.Series] = field(default_factory=dict)


class Graded:
    """Graded rows before the last window, sorted by date, with each tracked system's prediction (NaN: none) and
    the pre-tip-off line it was made against (NaN: none). A row is found by its key (`key`): the day and the
    player as one integer, so that matching the hundreds of thousands of earlier predictions is one hash lookup."""

    def __init__(self, rows: xgboost_v1.TrainingSet, past: pd.DataFrame | None, chunk_first: dt.date | None):
        self.rows = rows
        self._players = pd.Index(pd.unique(rows.players))
        self._index = pd.Index(self.key(rows.days, rows.players))
        defaults = np.array([FEATURE_DEFAULTS[name] for name in FEATURE_NAMES])
        values = np.where(np.isnan(rows.features), defaults, rows.features)
        self.filled = {name: values[:, i] for i, name in enumerate(FEATURE_NAMES)}
        self.predictions = np.full((len(rows), len(TRACKED)), np.nan)
        self.line = np.full(len(rows), np.nan)
        if past is not None and len(past):
            days = pd.to_datetime(past["game_date"]).to_numpy().astype("datetime64[D]")
            if chunk_first is not None and (days >= np.datetime64(chunk_first)).any():
                raise ValueError(f"past has predictions dated {days.max()}, on or after the chunk's first date")
            keys = self.key(days, past["player_lookup"])
            points = pd.to_numeric(past["predicted_points"]).to_numpy(dtype="float64")
            for column, system_id in enumerate(TRACKED):
                mine = (past["system_id"] == system_id).to_numpy(dtype=bool)
                self.set(keys[mine], column, points[mine])
            if "current_points_line" in past:  # every system of a row was predicted against the same line
                self.set_line(keys, pd.to_numeric(past["current_points_line"]).to_numpy(dtype="float64"))

    def key(self, days, players) -> np.ndarray:
        """One int64 per (day, player): day number x players + the player's code; -1 for a player no graded row
        has (who then matches no row)."""
        code = self._players.get_indexer(players)
        day = np.asarray(days, dtype="datetime64[D]").astype(np.int64)
        return np.where(code >= 0, day * len(self._players) + code, -1)

    def set(self, keys: np.ndarray, column: int, values: np.ndarray) -> None:
        """Record predictions of the rows with these keys (rows not graded before the last window: ignored)."""
        position = self._index.get_indexer(keys)
        known = position >= 0
        self.predictions[position[known], column] = values[known]

    def set_line(self, keys: np.ndarray, values: np.ndarray) -> None:
        position = self._index.get_indexer(keys)
        known = position >= 0
        self.line[position[known]] = values[known]

    def error_model(self, system_id: str, n: int) -> np.ndarray:
        """Coefficients of the expected absolute error from the first n rows (all dated before the window)."""
        columns = [TRACKED.index(system_id)]
        if np.count_nonzero(~np.isnan(self.predictions[:n, columns[0]])) < confidence.MIN_ERROR_ROWS:
            columns = list(range(len(TRACKED)))  # not enough of its own yet: every system's errors
        features, errors = [], []
        for column in columns:
            rows = np.flatnonzero(~np.isnan(self.predictions[:n, column]))
            predicted = self.predictions[rows, column]
            features.append(confidence.error_features(predicted, {k: v[rows] for k, v in self.filled.items()}))
            errors.append(np.abs(self.rows.labels[rows] - predicted))
        features, errors = np.concatenate(features), np.concatenate(errors)
        if len(errors) < confidence.MIN_ERROR_ROWS:  # no errors yet to learn from: the spread of his points
            prior = np.zeros(features.shape[1])
            prior[2] = PRIOR_ERROR_PER_STD
            return prior
        return confidence.fit(features, errors)


def predict(
    chunk: Chunk,
    components: dict[str, pd.DataFrame],
    training: xgboost_v1.TrainingSet,
    past: pd.DataFrame | None,
    windows: list[tuple[dt.date, dt.date]],
    settings: dict,
) -> Learned:
    """xgboost_v1 and ensemble_v2 for the chunk's rows, window by window. `components`: the MA, ZM and SIM results
    (their predictions depend on no training, so they are computed once for the chunk)."""
    min_rows, seed = int(settings["min_training_rows"]), int(settings["seed"])
    min_edge = float(settings.get("min_edge_points", DEFAULT_MIN_EDGE_POINTS))
    graded = Graded(training, past, chunk.dates.min().date() if len(chunk) else None)
    chunk_keys = graded.key(chunk.dates.to_numpy(), chunk.rows["player_lookup"].to_numpy())
    component_points = np.full((len(chunk), len(stacking.COMPONENTS)), np.nan)
    for column, system_id in enumerate(stacking.COMPONENTS):
        result = components.get(system_id)
        if result is not None and len(result):
            rows = result.index.to_numpy()
            component_points[rows, column] = result["predicted_points"].to_numpy(dtype="float64")
            graded.set(chunk_keys[rows], TRACKED.index(system_id), component_points[rows, column])
    graded.set_line(chunk_keys, chunk.line)  # pre-game: known for the chunk's earlier windows' rows
    features_raw = chunk.raw[list(FEATURE_NAMES)].to_numpy(dtype="float64")

    parts: dict[str, list[pd.DataFrame]] = {XGB: [], ENS2: [], LINE: []}
    learned = Learned({}, {XGB: [], ENS2: [], LINE: []})
    calibrated = {s: pd.Series(np.nan, index=components[s].index) for s in RULE_BASED if s in components}
    day = chunk.dates.to_numpy()
    for first, last in windows:
        window = np.flatnonzero((day >= np.datetime64(first)) & (day <= np.datetime64(last)))
        if not len(window):  # bootstrap days or no games: nothing to predict, nothing to train
            continue
        n = graded.rows.count_before(first)
        for system_id, series in calibrated.items():  # their confidence, from their own errors before the window
            rows = series.index[np.isin(series.index, window)].to_numpy()
            points = components[system_id].loc[rows, "predicted_points"].to_numpy(dtype="float64")
            series.loc[rows] = _confidence(chunk, rows, points, graded.error_model(system_id, n))
        model = xgboost_v1.train(graded.rows.before(first), min_rows, seed)
        learned.meta[XGB].append({"window": {"first": first, "last": last}, **model.meta})
        if model.trained:
            points = xgboost_v1.predict(model, features_raw[window])
            component_points[window, stacking.COMPONENTS.index(XGB)] = points
            model_id = np.full(len(window), model.meta["model_id"], dtype=object)
            coef = graded.error_model(XGB, n)
            parts[XGB].append(_result(chunk, window, points, coef, min_edge, ml_model_id=model_id))
            graded.set(chunk_keys[window], TRACKED.index(XGB), points)

        stack_columns = [TRACKED.index(c) for c in stacking.COMPONENTS]
        fits, used_rows = stacking.fit(graded.predictions[:n, stack_columns], graded.rows.labels[:n])
        window_meta = stacking.meta(fits, graded.rows.days[:n][used_rows], first)
        learned.meta[ENS2].append({"window": {"first": first, "last": last}, **window_meta})
        stacked, used = stacking.combine(fits, component_points[window])
        keep = ~np.isnan(stacked)
        ens2 = TRACKED.index(ENS2)
        w, line_meta = line_blend.fit(
            graded.predictions[:n, ens2], graded.line[:n], graded.rows.labels[:n], graded.rows.days[:n], first
        )
        learned.meta[LINE].append({"window": {"first": first, "last": last}, **line_meta})
        if keep.any():
            rows, points = window[keep], clamp_points(stacked[keep])
            model_id = np.full(len(rows), window_meta["model_id"], dtype=object)
            coef = graded.error_model(ENS2, n)
            parts[ENS2].append(
                _result(chunk, rows, points, coef, min_edge, contributing_systems=used[keep], ml_model_id=model_id)
            )
            graded.set(chunk_keys[rows], ens2, points)
            blended = clamp_points(line_blend.blend(points, chunk.line[rows], w))
            model_id = np.full(len(rows), line_meta["model_id"], dtype=object)
            coef = graded.error_model(LINE, n)
            parts[LINE].append(_result(chunk, rows, blended, coef, min_edge, ml_model_id=model_id))
            graded.set(chunk_keys[rows], TRACKED.index(LINE), blended)
    for system_id, frames in parts.items():
        learned.results[system_id] = pd.concat(frames) if frames else make_result([], [], [], [])
    learned.confidence = calibrated
    return learned


def _confidence(chunk: Chunk, rows: np.ndarray, points: np.ndarray, error_coef: np.ndarray) -> np.ndarray:
    filled = {name: chunk.filled[name].to_numpy()[rows] for name in FEATURE_NAMES}
    return confidence.confidence(confidence.error_features(points, filled), error_coef)


def _result(chunk: Chunk, rows: np.ndarray, points: np.ndarray, error_coef: np.ndarray, min_edge: float, **extras):
    conf = _confidence(chunk, rows, points, error_coef)
    recommendation = edge_recommendation(points, conf, chunk.line[rows], 0.0, min_edge)
    return make_result(rows, points, conf, recommendation, **extras)
