"""What the prediction systems share: feature names and defaults, the chunk's prepared rows, confidence and
recommendation rules, and the assembly of `nba_predictions.player_prop_predictions` rows.

Pure: frames in, frames (the assembled rows: an Arrow table) out; no warehouse or file I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..systems import ENS, ENS2, LINE, MA, SIM, SYSTEM_IDS, XGB, ZM  # noqa: F401 (re-exported to the systems)

# The ML feature store's 25 features, in their documented order (facts §2.5.1), with the defaults the feature
# store itself falls back to. Rule-based systems fill a NULL feature with its default; xgboost sees it missing.
FEATURE_DEFAULTS: dict[str, float] = {
    "points_avg_last_5": 10.0,
    "points_avg_last_10": 10.0,
    "points_avg_season": 10.0,
    "points_std_last_10": 5.0,
    "games_in_last_7_days": 3.0,
    "fatigue_score": 50.0,
    "shot_zone_mismatch_score": 0.0,
    "pace_score": 0.0,
    "usage_spike_score": 0.0,
    "rest_advantage": 0.0,
    "injury_risk": 0.0,
    "recent_trend": 0.0,
    "minutes_change": 0.0,
    "opponent_def_rating": 112.0,
    "opponent_pace": 100.0,
    "home_away": 0.0,
    "back_to_back": 0.0,
    "playoff_game": 0.0,
    "pct_paint": 0.30,
    "pct_mid_range": 0.20,
    "pct_three": 0.35,
    "pct_free_throw": 0.15,
    "team_pace": 100.0,
    "team_off_rating": 112.0,
    "team_win_pct": 0.5,
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURE_DEFAULTS)

# Columns predict_table reads from each input frame (universal_player_id and line_bookmaker may be absent).
FEATURE_INPUT_COLUMNS: tuple[str, ...] = (
    "game_date", "player_lookup", "game_id", "team_abbr", "opponent_team_abbr", "season_year", "is_home",
    "days_rest", "feature_quality_score", "current_points_line", *FEATURE_NAMES,
)  # fmt: skip
OPTIONAL_FEATURE_COLUMNS: tuple[str, ...] = ("universal_player_id", "line_bookmaker")
HISTORY_COLUMNS: tuple[str, ...] = (
    "player_lookup", "game_date", "points", "is_home", "days_rest", "opponent_def_rating", "is_dnp",
)  # fmt: skip
TRAINING_COLUMNS: tuple[str, ...] = ("game_date", "player_lookup", *FEATURE_NAMES, "actual_points")

# nba_predictions.player_prop_predictions, in schema order (a test checks it against the schema file).
PREDICTION_COLUMNS: tuple[str, ...] = (
    "prediction_id", "system_id", "player_lookup", "universal_player_id", "game_date", "game_id", "team_abbr",
    "opponent_team_abbr", "season_year", "predicted_points", "confidence_score", "recommendation",
    "has_prop_line", "current_points_line", "line_bookmaker", "line_source", "line_margin",
    "fatigue_adjustment", "shot_zone_adjustment", "pace_adjustment", "usage_spike_adjustment",
    "home_away_adjustment", "similar_games_count", "avg_similarity_score", "ml_model_id",
    "contributing_systems", "prediction_variance", "feature_quality_score", "season_avg_points",
    "scoring_tier", "tier_adjustment", "adjusted_points", "tier_as_of_date",
)  # fmt: skip
_INT_COLUMNS = ("season_year", "similar_games_count", "contributing_systems")
_FLOAT_COLUMNS = (
    "predicted_points", "confidence_score", "current_points_line", "line_margin", "fatigue_adjustment",
    "shot_zone_adjustment", "pace_adjustment", "usage_spike_adjustment", "home_away_adjustment",
    "avg_similarity_score", "prediction_variance", "feature_quality_score", "season_avg_points",
    "tier_adjustment", "adjusted_points",
)  # fmt: skip
# Columns a system's result may carry besides predicted_points / confidence_score / recommendation.
RESULT_EXTRAS = (
    "fatigue_adjustment", "shot_zone_adjustment", "pace_adjustment", "usage_spike_adjustment",
    "home_away_adjustment", "similar_games_count", "avg_similarity_score", "ml_model_id",
    "contributing_systems", "prediction_variance",
)  # fmt: skip

_DATE_COLUMNS = ("game_date", "tier_as_of_date")


def _arrow_type(name: str) -> pa.DataType:
    if name in _FLOAT_COLUMNS:
        return pa.float64()
    if name in _INT_COLUMNS:
        return pa.int64()
    if name in _DATE_COLUMNS:
        return pa.date32()
    return pa.bool_() if name == "has_prop_line" else pa.string()


PREDICTION_SCHEMA = pa.schema([(name, _arrow_type(name)) for name in PREDICTION_COLUMNS])
# Output columns copied from the feature rows (universal_player_id and line_bookmaker may be absent: NULL).
_PASSTHROUGH_STRINGS = (
    "player_lookup", "universal_player_id", "game_id", "team_abbr", "opponent_team_abbr", "line_bookmaker",
)  # fmt: skip

MIN_POINTS, MAX_POINTS = 0.0, 60.0

OVER, UNDER, PASS, NO_LINE = "OVER", "UNDER", "PASS", "NO_LINE"


@dataclass(frozen=True)
class Chunk:
    """The chunk's feature rows, prepared once for every system (row i of each array = row i of `rows`)."""

    rows: pd.DataFrame  # the input features, index reset to 0..n-1
    dates: pd.Series  # game_date as Timestamp (midnight)
    raw: pd.DataFrame  # the 25 features as float, NULL kept
    filled: pd.DataFrame  # the 25 features as float, NULL → the feature store's default
    is_home: np.ndarray  # bool
    days_rest: np.ndarray  # float, NaN when unknown
    line: np.ndarray  # float, NaN when there is no pre-tip-off line
    passthrough: dict[str, pa.Array]  # output columns copied from the feature rows, in the output's types

    def __len__(self) -> int:
        return len(self.rows)


def require_columns(frame: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}")


def as_float(values) -> np.ndarray:
    """Any column (nullable ints/bools, objects holding None) as a float array with NaN for NULL."""
    if isinstance(values, (pd.Series, np.ndarray)) and values.dtype == np.float64:
        return np.asarray(values, dtype="float64")
    return pd.to_numeric(pd.Series(values), errors="coerce").astype("float64").to_numpy()


def as_bool(values) -> np.ndarray:
    """A boolean-ish column as a bool array; NULL counts as False."""
    return as_float(values) == 1.0


def prepare(features: pd.DataFrame) -> Chunk:
    require_columns(features, FEATURE_INPUT_COLUMNS, "features")
    rows = features.reset_index(drop=True)
    dates = pd.to_datetime(rows["game_date"]).dt.normalize()
    if pd.DataFrame({"d": dates, "p": rows["player_lookup"]}).duplicated().any():
        raise ValueError("features has more than one row for a (game_date, player_lookup)")
    values = np.column_stack([as_float(rows[name]) for name in FEATURE_NAMES]).reshape(len(rows), len(FEATURE_NAMES))
    defaults = np.array([FEATURE_DEFAULTS[name] for name in FEATURE_NAMES])
    raw = pd.DataFrame(values, columns=list(FEATURE_NAMES))
    filled = pd.DataFrame(np.where(np.isnan(values), defaults, values), columns=list(FEATURE_NAMES))
    is_home = as_float(rows["is_home"])
    # The row's is_home comes from the game id and is always known; the home_away feature is the fallback.
    is_home = np.where(np.isnan(is_home), filled["home_away"].to_numpy(), is_home) == 1.0
    passthrough = {
        name: to_arrow(rows[name] if name in rows.columns else None, pa.string(), len(rows))
        for name in _PASSTHROUGH_STRINGS
    }
    passthrough["game_date"] = pa.array(dates.to_numpy().astype("datetime64[D]"), pa.date32(), from_pandas=True)
    for name in ("season_year", "feature_quality_score"):
        passthrough[name] = to_arrow(as_float(rows[name]), _arrow_type(name), len(rows))
    return Chunk(
        rows=rows,
        dates=dates,
        raw=raw,
        filled=filled,
        is_home=is_home,
        days_rest=as_float(rows["days_rest"]),
        line=as_float(rows["current_points_line"]),
        passthrough=passthrough,
    )


def to_arrow(values, type_: pa.DataType, n: int) -> pa.Array:
    """A column (numpy, Series or None for all-NULL) as an Arrow array of `type_`; NaN and None are NULL."""
    if values is None:
        return pa.nulls(n, type_)
    if isinstance(values, pa.Array):
        return values.cast(type_)
    if type_ == pa.float64():
        return pa.array(as_float(values), type_, from_pandas=True)
    if type_ == pa.int64():
        rounded = np.round(as_float(values))
        return pa.array(rounded, mask=np.isnan(rounded)).cast(type_)
    return pa.array(values, type_, from_pandas=True)


def clamp_points(values) -> np.ndarray:
    """Clamp to [0, 60] and round to 0.1 point, as stored (NUMERIC(5,1) upstream)."""
    return np.round(np.clip(np.asarray(values, dtype="float64"), MIN_POINTS, MAX_POINTS), 1)


def round_confidence(values) -> np.ndarray:
    return np.round(np.asarray(values, dtype="float64"), 4)


def margin(predicted, line) -> np.ndarray:
    """predicted − line, rounded so that float noise never moves a recommendation across a threshold."""
    return np.round(np.asarray(predicted, dtype="float64") - np.asarray(line, dtype="float64"), 2)


def rule_based_confidence(points_std_last_10, games_in_last_7_days) -> np.ndarray:
    """Facts §4.1 (MA, ZM): 0.5, −0.15 if std > 6 / −0.08 if > 4; +0.10 if ≥ 3 games in 7 days, +0.05 if 2,
    −0.10 otherwise; clamp [0.2, 0.8]. Real data, so the mock-data factor is 1."""
    std = np.asarray(points_std_last_10, dtype="float64")
    games = np.asarray(games_in_last_7_days, dtype="float64")
    conf = 0.5 + np.where(std > 6, -0.15, np.where(std > 4, -0.08, 0.0))
    conf = conf + np.where(games >= 3, 0.10, np.where(games == 2, 0.05, -0.10))
    return round_confidence(np.clip(conf, 0.2, 0.8))


def rule_based_recommendation(predicted, confidence, line) -> np.ndarray:
    """Facts §4.1: PASS if |pred − line| ≤ 2.0 or confidence ≤ 0.45, else OVER/UNDER; no line → NO_LINE."""
    m = margin(predicted, line)
    rec = np.where(m > 0, OVER, UNDER).astype(object)
    rec[(np.abs(m) <= 2.0) | (np.asarray(confidence) <= 0.45)] = PASS
    rec[np.isnan(np.asarray(line, dtype="float64"))] = NO_LINE
    return rec


def edge_recommendation(predicted, confidence, line, min_confidence: float, min_edge: float) -> np.ndarray:
    """Similarity / xgboost (facts §4.4, §4.5): PASS if confidence < min_confidence; OVER if pred − line ≥
    min_edge, UNDER if ≤ −min_edge, else PASS; no line → NO_LINE."""
    m = margin(predicted, line)
    rec = np.full(len(m), PASS, dtype=object)
    confident = np.asarray(confidence) >= min_confidence
    rec[confident & (m >= min_edge)] = OVER
    rec[confident & (m <= -min_edge)] = UNDER
    rec[np.isnan(np.asarray(line, dtype="float64"))] = NO_LINE
    return rec


def result_frame(index, predicted, confidence, recommendation, **extras) -> pd.DataFrame:
    """A system's result: one row per chunk row it predicts (index = chunk row numbers)."""
    frame = pd.DataFrame(
        {"predicted_points": predicted, "confidence_score": confidence, "recommendation": recommendation},
        index=pd.Index(index, dtype="int64"),
    )
    for name, values in extras.items():
        if name not in RESULT_EXTRAS:
            raise ValueError(f"unknown result column {name}")
        frame[name] = values
    return frame


def assemble(chunk: Chunk, results: dict[str, pd.DataFrame]) -> pa.Table:
    """Rows of player_prop_predictions for every system's result (system_id → result): an Arrow table of
    PREDICTION_SCHEMA sorted by game_date, player_lookup, system_id."""
    systems = sorted(results)
    idx = np.concatenate([results[s].index.to_numpy(dtype="int64") for s in systems])
    system = np.repeat(np.arange(len(systems)), [len(results[s]) for s in systems])
    # (game_date, player_lookup) is unique per chunk row, so its rank and then the system's name give the order.
    keys = ["game_date", "player_lookup"]
    by_key = pc.sort_indices(pa.table({k: chunk.passthrough[k] for k in keys}), [(k, "ascending") for k in keys])
    row_rank = np.empty(len(chunk), dtype="int64")
    row_rank[by_key.to_numpy()] = np.arange(len(chunk))
    order = np.lexsort((system, row_rank[idx]))
    idx, system = idx[order], system[order]

    def result_column(name: str) -> np.ndarray:
        fill = None if _arrow_type(name) == pa.string() else np.nan
        parts = [results[s][name].to_numpy() if name in results[s] else np.full(len(results[s]), fill) for s in systems]
        return np.concatenate(parts)[order]

    indices = pa.array(idx)  # converted once for every take
    take = {name: values.take(indices) for name, values in chunk.passthrough.items()}
    system_id = pa.array(systems, pa.string()).take(system)
    date_iso = chunk.passthrough["game_date"].cast(pa.string()).take(indices)  # each chunk row's date written once
    line = chunk.line[idx]
    has_line = ~np.isnan(line)
    lined = pa.array(has_line)
    predicted = as_float(result_column("predicted_points"))
    columns = {
        **take,
        "prediction_id": pc.binary_join_element_wise(date_iso, take["player_lookup"], system_id, "_"),
        "system_id": system_id,
        "predicted_points": predicted,
        "confidence_score": result_column("confidence_score"),
        "recommendation": result_column("recommendation"),
        "has_prop_line": has_line,
        "current_points_line": line,
        "line_bookmaker": pc.if_else(lined, take["line_bookmaker"], pa.scalar(None, pa.string())),
        "line_source": pc.if_else(lined, "ACTUAL_PROP", "NO_PROP_LINE"),
        "line_margin": np.where(has_line, margin(predicted, np.where(has_line, line, 0.0)), np.nan),
        "season_avg_points": chunk.raw["points_avg_season"].to_numpy()[idx],
        **{name: result_column(name) for name in RESULT_EXTRAS},
    }
    arrays = [to_arrow(columns.get(f.name), f.type, len(idx)) for f in PREDICTION_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=PREDICTION_SCHEMA)
