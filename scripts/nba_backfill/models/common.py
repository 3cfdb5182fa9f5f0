"""What the prediction systems share: feature names and defaults, the chunk's prepared rows, confidence and
recommendation rules, and the assembly of `nba_predictions.player_prop_predictions` rows.

Pure: frames in, frames out; no warehouse or file I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MA = "moving_average_baseline_v1"
ZM = "zone_matchup_v1"
SIM = "similarity_balanced_v1"
XGB = "xgboost_v1"
ENS = "ensemble_v1"
SYSTEM_IDS = (MA, ZM, SIM, XGB, ENS)

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

# Columns predict_chunk reads from each input frame (universal_player_id and line_bookmaker may be absent).
FEATURE_INPUT_COLUMNS: tuple[str, ...] = (
    "game_date", "player_lookup", "game_id", "team_abbr", "opponent_team_abbr", "season_year", "is_home",
    "days_rest", "feature_quality_score", "current_points_line", *FEATURE_NAMES,
)  # fmt: skip
OPTIONAL_FEATURE_COLUMNS: tuple[str, ...] = ("universal_player_id", "line_bookmaker")
HISTORY_COLUMNS: tuple[str, ...] = (
    "player_lookup", "game_date", "points", "is_home", "days_rest", "opponent_def_rating", "is_dnp",
)  # fmt: skip
TRAINING_COLUMNS: tuple[str, ...] = ("game_date", *FEATURE_NAMES, "actual_points")

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
    passthrough: dict[str, np.ndarray]  # output columns copied from the feature rows (objects, None for NULL)

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
        name: _nullable_objects(rows[name]) if name in rows.columns else np.full(len(rows), None, dtype=object)
        for name in (
            "player_lookup",
            "universal_player_id",
            "game_id",
            "team_abbr",
            "opponent_team_abbr",
            "line_bookmaker",
        )
    }
    passthrough["date_iso"] = dates.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    passthrough["game_date"] = np.asarray(dates.dt.date.to_numpy(), dtype=object)
    passthrough["season_year"] = as_float(rows["season_year"])
    passthrough["feature_quality_score"] = as_float(rows["feature_quality_score"])
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


def _nullable_objects(values: pd.Series) -> np.ndarray:
    out = values.to_numpy(dtype=object).copy()
    out[pd.isna(out)] = None
    return out


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


def assemble(chunk: Chunk, system_id: str, result: pd.DataFrame) -> pd.DataFrame:
    """Rows of player_prop_predictions for one system's result, in PREDICTION_COLUMNS order and types."""
    idx = result.index.to_numpy()
    n = len(idx)
    take = {name: values[idx] for name, values in chunk.passthrough.items()}
    line = chunk.line[idx]
    has_line = ~np.isnan(line)
    predicted = result["predicted_points"].to_numpy(dtype="float64")
    out = {
        "prediction_id": take["date_iso"] + "_" + take["player_lookup"].astype(str) + f"_{system_id}",
        "system_id": np.full(n, system_id, dtype=object),
        "player_lookup": take["player_lookup"],
        "universal_player_id": take["universal_player_id"],
        "game_date": take["game_date"],
        "game_id": take["game_id"],
        "team_abbr": take["team_abbr"],
        "opponent_team_abbr": take["opponent_team_abbr"],
        "season_year": take["season_year"],
        "predicted_points": predicted,
        "confidence_score": result["confidence_score"].to_numpy(dtype="float64"),
        "recommendation": result["recommendation"].to_numpy(dtype=object),
        "has_prop_line": has_line,
        "current_points_line": line,
        "line_bookmaker": np.where(has_line, take["line_bookmaker"], None),
        "line_source": np.where(has_line, "ACTUAL_PROP", "NO_PROP_LINE").astype(object),
        "line_margin": np.where(has_line, margin(predicted, np.where(has_line, line, 0.0)), np.nan),
        "feature_quality_score": take["feature_quality_score"],
        "season_avg_points": chunk.raw["points_avg_season"].to_numpy()[idx],
    }
    for name in RESULT_EXTRAS:
        out[name] = result[name].to_numpy() if name in result.columns else np.full(n, None, dtype=object)
    for name in ("scoring_tier", "tier_adjustment", "adjusted_points", "tier_as_of_date"):
        out[name] = np.full(n, None, dtype=object)
    return pd.DataFrame({name: _typed(name, out[name]) for name in PREDICTION_COLUMNS})


def _typed(name: str, values) -> pd.Series | np.ndarray:
    """A column with its type: floats float64, ints nullable Int64, the flag bool, the rest objects."""
    if name in _FLOAT_COLUMNS:
        return as_float(values)
    if name in _INT_COLUMNS:
        return pd.array(np.round(as_float(values)), dtype="Int64")
    if name == "has_prop_line":
        return np.asarray(values, dtype=bool)
    return np.asarray(values, dtype=object)


def empty_predictions() -> pd.DataFrame:
    return pd.DataFrame({name: _typed(name, np.zeros(0, dtype=object)) for name in PREDICTION_COLUMNS})
