"""`similarity_balanced_v1` (facts §4.4), on the player's real game history.

For a player's game on D, the candidates are his played games (not DNP) in the 90 days before D — only
`game_date < D` — at most the 30 most recent. Each is described like the game to predict:
- opponent tier from the opponent's defensive rating (D's row: the opponent_def_rating feature; a past game:
  history.opponent_def_rating, the opponent's defensive_rating_last_15 on that date; NULL → 112):
  < 110 elite, < 115 average, else weak;
- rest bucket from days_rest (days since the player's previous game): 1 back-to-back, 2 one day off,
  3 two days off, more (or unknown) well-rested;
- venue (is_home);
- form: (mean of his 5 games before it) − (his season mean before it), from points_avg_last_5 −
  points_avg_season for D: ≥ 3 hot, ≤ −3 cold, else normal (normal when fewer than 5 earlier games).
Similarity 0–100: opponent tier same 40 / adjacent 20; rest same 30 / adjacent 15; venue same 15; form same
15 else 5. Games scoring ≥ 70 are kept, the 20 best (then most recent); fewer than 5 → the system abstains.
Prediction = similarity-weighted mean of their points + 0.015·(fatigue − 70) + 0.4·shot zone + 0.8·pace
+ 0.8·usage + venue (+0.8 home, −0.5 away), clamped to [0, 60].
Confidence (facts §4.4, the recalibrated scale, stored /100): 35; n ≥ 15 +12, ≥ 10 +9, ≥ 7 +6, else −10;
mean similarity ≥ 85 +12, ≥ 75 +9, ≥ 70 +6; std of their points < 4 +10, < 6 +6, < 8 +2, else −5.
Recommendation: confidence ≥ 0.65 and |pred − line| ≥ 2.0, else PASS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import (
    HISTORY_COLUMNS,
    Chunk,
    as_bool,
    as_float,
    clamp_points,
    edge_recommendation,
    require_columns,
    result_frame,
    round_confidence,
)

SYSTEM_ID = "similarity_balanced_v1"
WINDOW_DAYS = 90
MAX_CANDIDATES = 30
MIN_SIMILARITY = 70
TOP_N = 20
MIN_GAMES = 5
MIN_CONFIDENCE = 0.65
MIN_EDGE = 2.0
# Similarity points by the gap between the game's and a candidate's opponent tier (0–2) and rest bucket (0–3).
TIER_POINTS = np.array([40, 20, 0])
REST_POINTS = np.array([30, 15, 0, 0])


def opponent_tier(def_rating) -> np.ndarray:
    """0 elite (< 110), 1 average (< 115), 2 weak; NULL counts as 112."""
    rating = np.nan_to_num(np.asarray(def_rating, dtype="float64"), nan=112.0)
    return np.select([rating < 110, rating < 115], [0, 1], 2)


def rest_bucket(days_rest) -> np.ndarray:
    """0 back-to-back (1 day since the previous game), 1 one day off, 2 two days off, 3 well rested/unknown."""
    days = np.asarray(days_rest, dtype="float64")
    return np.select([days <= 1, days == 2, days == 3], [0, 1, 2], 3)


def form_bucket(recent_minus_season) -> np.ndarray:
    """0 cold (≤ −3), 1 normal (or unknown), 2 hot (≥ 3)."""
    diff = np.asarray(recent_minus_season, dtype="float64")
    return np.select([diff >= 3, diff <= -3], [2, 0], 1)


def _days(values) -> np.ndarray:
    """Dates as whole days since the epoch (int64)."""
    return pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[D]").astype("int64")


def played_games(history: pd.DataFrame) -> pd.DataFrame:
    """The history's played games, sorted by player then date, each with its context as it stood before tip-off."""
    require_columns(history, HISTORY_COLUMNS, "history")
    points = as_float(history["points"])
    keep = ~as_bool(history["is_dnp"]) & ~np.isnan(points)
    games = pd.DataFrame(
        {
            "player_lookup": history["player_lookup"].to_numpy(dtype=object),
            "day": _days(history["game_date"]),
            "points": points,
            "tier": opponent_tier(as_float(history["opponent_def_rating"])),
            "rest": rest_bucket(as_float(history["days_rest"])),
            "home": as_bool(history["is_home"]),
        }
    )[keep]
    games = games.sort_values(["player_lookup", "day"], kind="stable").reset_index(drop=True)
    by_player = games.groupby("player_lookup", sort=False)["points"]
    through = by_player.cumsum()  # his points up to and including this game
    before = through - games["points"]
    n_before = by_player.cumcount()
    # The 5 games before this one = points through the previous game − points through the game 6 back.
    six_back = through.groupby(games["player_lookup"], sort=False).shift(6).fillna(0.0)
    last5 = (before - six_back) / 5.0
    season = before / n_before.where(n_before > 0)
    games["form"] = form_bucket(np.where(n_before >= 5, last5 - season, np.nan))
    return games


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated aranges: start[i], start[i]+1, ..., start[i]+lengths[i]-1 for every i."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype="int64")
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return offsets + np.arange(total)


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal values of a sorted `groups` array."""
    if len(groups) == 0:
        return np.zeros(0, dtype="int64")
    first = np.r_[True, groups[1:] != groups[:-1]]
    starts = np.flatnonzero(first)
    return np.arange(len(groups)) - np.repeat(starts, np.diff(np.r_[starts, len(groups)]))


def predict(chunk: Chunk, history: pd.DataFrame) -> pd.DataFrame:
    games = played_games(history)
    f = chunk.filled
    # Players numbered in the chunk's order of appearance; the games of anyone else get -1 and are dropped.
    codes, _ = pd.factorize(pd.concat([chunk.rows["player_lookup"], games["player_lookup"]], ignore_index=True))
    row_code, game_code = codes[: len(chunk)].astype("int64"), codes[len(chunk) :].astype("int64")
    game_code[game_code > row_code.max(initial=-1)] = -1
    games = games[game_code >= 0]
    game_code = game_code[game_code >= 0]
    # Games sorted by (player, day); one key per game so that a player's window is a slice found by search.
    span = 1 << 32
    key = game_code * span + games["day"].to_numpy()
    order = np.argsort(key, kind="stable")
    key = key[order]
    g_points = games["points"].to_numpy()[order]
    g_tier = games["tier"].to_numpy()[order]
    g_rest = games["rest"].to_numpy()[order]
    g_home = games["home"].to_numpy()[order]
    g_form = games["form"].to_numpy()[order]

    day = _days(chunk.dates)
    hi = np.searchsorted(key, row_code * span + day, side="left")  # games strictly before D
    lo = np.searchsorted(key, row_code * span + day - WINDOW_DAYS, side="left")
    lo = np.maximum(lo, hi - MAX_CANDIDATES)  # the 30 most recent
    lengths = hi - lo
    pair_row = np.repeat(np.arange(len(chunk)), lengths)
    pair_game = _ranges(lo, lengths)
    recency = np.repeat(hi, lengths) - 1 - pair_game  # 0 = the latest game before D

    tier = opponent_tier(chunk.raw["opponent_def_rating"])[pair_row]
    rest = rest_bucket(chunk.days_rest)[pair_row]
    home = chunk.is_home[pair_row]
    form = form_bucket(chunk.raw["points_avg_last_5"] - chunk.raw["points_avg_season"])[pair_row]
    score = (
        TIER_POINTS[np.abs(tier - g_tier[pair_game])]
        + REST_POINTS[np.abs(rest - g_rest[pair_game])]
        + np.where(home == g_home[pair_game], 15, 0)
        + np.where(form == g_form[pair_game], 15, 5)
    )

    kept = score >= MIN_SIMILARITY
    pair_row, pair_game, recency, score = pair_row[kept], pair_game[kept], recency[kept], score[kept]
    # Per row: best score (≤ 100) first, then the most recent (recency < MAX_CANDIDATES, unique within a row),
    # as one unique integer key: a single sort.
    best = np.argsort((pair_row * 101 + 100 - score) * MAX_CANDIDATES + recency, kind="stable")
    pair_row, pair_game, score = pair_row[best], pair_game[best], score[best].astype("float64")
    top = _rank_within(pair_row) < TOP_N
    pair_row, points, score = pair_row[top], g_points[pair_game[top]], score[top]

    size = len(chunk)
    n = np.bincount(pair_row, minlength=size)
    weight = np.bincount(pair_row, weights=score / 100.0, minlength=size)
    weighted = np.bincount(pair_row, weights=points * score / 100.0, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.bincount(pair_row, weights=score, minlength=size) / n
        mean_points = np.bincount(pair_row, weights=points, minlength=size) / n
        std = np.sqrt(np.bincount(pair_row, weights=(points - mean_points[pair_row]) ** 2, minlength=size) / n)
    rows = np.flatnonzero(n >= MIN_GAMES)
    n, sim, std = n[rows], sim[rows], std[rows]

    fatigue = chunk.raw["fatigue_score"].fillna(70.0).to_numpy()[rows]
    fatigue_adj = 0.015 * (fatigue - 70.0)
    zone_adj = 0.4 * f["shot_zone_mismatch_score"].to_numpy()[rows]
    pace_adj = 0.8 * f["pace_score"].to_numpy()[rows]
    usage_adj = 0.8 * f["usage_spike_score"].to_numpy()[rows]
    venue_adj = np.where(chunk.is_home[rows], 0.8, -0.5)
    baseline = weighted[rows] / weight[rows]
    predicted = clamp_points(baseline + fatigue_adj + zone_adj + pace_adj + usage_adj + venue_adj)

    confidence = (
        35
        + np.select([n >= 15, n >= 10, n >= 7], [12, 9, 6], -10)
        + np.select([sim >= 85, sim >= 75, sim >= 70], [12, 9, 6], 0)
        + np.select([std < 4, std < 6, std < 8], [10, 6, 2], -5)
    )
    confidence = round_confidence(np.clip(confidence, 0, 100) / 100.0)
    return result_frame(
        rows,
        predicted,
        confidence,
        edge_recommendation(predicted, confidence, chunk.line[rows], MIN_CONFIDENCE, MIN_EDGE),
        fatigue_adjustment=fatigue_adj,
        shot_zone_adjustment=zone_adj,
        pace_adjustment=pace_adj,
        usage_spike_adjustment=usage_adj,
        home_away_adjustment=venue_adj,
        similar_games_count=n,
        avg_similarity_score=np.round(sim, 2),
    )
