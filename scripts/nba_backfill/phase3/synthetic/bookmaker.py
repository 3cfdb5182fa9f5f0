"""Bookmaker points lines: from each player's recent actual points before the game (shaded by tier), per
bookmaker and snapshot, with an in-game snapshot on some pairs that leans towards the result (a leakage trap)."""

from __future__ import annotations

import numpy as np

from .calendar import GAMES_PER_TEAM
from .games import MAX_PLAN, ROTATION_PROBS, ROTATION_SIZES, TEAM_FGA, TEAM_MINUTES, ZONE_POINTS
from .population import ROSTER_SIZE, Players

BOOKMAKERS = ("draftkings", "fanduel")
LATE_SCRATCH_LINE = 0.2

TIPOFF_UTC = np.timedelta64(19 * 60, "m")  # every game tips off at 19:00 UTC on its date
LINE_NOISE_SD = 1.4
BOOK_NOISE_SD = 0.5
BOOK_OFFSET = np.array([0.1, -0.1])
# Tier bias by line centre (recent points): bookmakers shade stars low and bench players high.
TIER_EDGES = np.array([10.0, 18.0, 25.0])
TIER_BIAS = np.array([0.7, 0.2, -0.5, -1.5])
RECENT_GAMES = 10
PRIOR_WEIGHT = 3.0
DATE_COVERAGE = 0.96
DRAFTKINGS_COVERAGE = 0.9
IN_GAME_SHARE = 0.3
IN_GAME_PULL = 0.7


def _preseason_projection(
    rng: np.random.Generator, players: Players, roster: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each player's projected minutes and points a game, as a bookmaker would see them before the season."""
    rotation = round(ROTATION_SIZES @ ROTATION_PROBS * roster.shape[1] / ROSTER_SIZE)
    team_minutes = players.minutes[roster[:, :rotation]].sum(axis=1)
    minutes = TEAM_MINUTES * players.minutes / team_minutes[players.team]
    team_weight = np.bincount(players.team, weights=players.usage * np.minimum(minutes, MAX_PLAN))
    attempts = TEAM_FGA * players.usage * minutes / team_weight[players.team]
    per_attempt = (players.mix * players.skill * ZONE_POINTS).sum(axis=1) + players.ft_rate * players.ft_pct
    points = attempts * per_attempt * rng.lognormal(0, 0.1, len(players))
    return minutes, points


def _recent_mean(values: np.ndarray, played: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """(players, 82): mean of the last RECENT_GAMES played games before each team game, shrunk to the prior.

    Only earlier games count, so a line never sees the game it is for."""
    order = np.argsort(~played, axis=1, kind="stable")  # played games first, in season order
    packed = np.take_along_axis(np.where(played, values, 0.0), order, axis=1)
    cumulative = np.concatenate([np.zeros((len(values), 1)), np.cumsum(packed, axis=1)], axis=1)
    before = np.cumsum(played, axis=1) - played
    window = np.minimum(before, RECENT_GAMES)
    total = np.take_along_axis(cumulative, before, axis=1) - np.take_along_axis(cumulative, before - window, axis=1)
    return (total + PRIOR_WEIGHT * prior[:, None]) / (window + PRIOR_WEIGHT)


def _half_point(x: np.ndarray) -> np.ndarray:
    """Props lines end in .5 (no pushes); the lowest is 0.5."""
    return np.floor(np.maximum(x, 0.0)) + 0.5


def props_columns(
    rng: np.random.Generator,
    games: dict[str, np.ndarray],
    players: Players,
    roster: np.ndarray,
    pid: np.ndarray,
    k: np.ndarray,
    out: np.ndarray,
    injured: np.ndarray,
    box: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Points lines per (player-game, bookmaker, snapshot), from information before the game date only.

    Exception, on purpose: some pairs get an in-game snapshot that leans towards the actual points."""
    recent_points, recent_minutes = _recent_form(rng, players, roster, pid, k, box)
    rows = _quoted_rows(rng, games, pid, k, out, injured, recent_minutes)
    tier = np.searchsorted(TIER_EDGES, recent_points[rows], side="right")
    consensus = recent_points[rows] + TIER_BIAS[tier] + rng.normal(0, LINE_NOISE_SD, len(rows))
    quoted = np.stack([rng.random(len(rows)) < DRAFTKINGS_COVERAGE, np.ones(len(rows), dtype=bool)], axis=1)
    quote_of = np.repeat(np.arange(len(rows)), len(BOOKMAKERS))[quoted.ravel()]
    book = np.tile(np.arange(len(BOOKMAKERS)), len(rows))[quoted.ravel()]
    quote_row = rows[quote_of]
    closing = _half_point(consensus[quote_of] + BOOK_OFFSET[book] + rng.normal(0, BOOK_NOISE_SD, len(book)))
    in_game_line = _half_point(closing + IN_GAME_PULL * (box["points"].ravel()[quote_row] - closing))
    with_in_game = ~out.ravel()[quote_row] & (rng.random(len(book)) < IN_GAME_SHARE)
    snap_of, minutes_before, points_line = _snapshots(rng, closing, in_game_line, with_in_game)

    player_row = quote_row[snap_of]
    row_game = player_row // (pid.shape[1] * pid.shape[2])
    tipoff = games["game_date"][row_game].astype("datetime64[us]") + TIPOFF_UTC
    price_shift = 5 * rng.integers(-2, 3, len(snap_of))
    return {
        "player_lookup": players.lookup[pid.ravel()[player_row]],
        "game_id": games["game_id"][row_game],
        "game_date": games["game_date"][row_game],
        "bookmaker": np.array(BOOKMAKERS, dtype=object)[book[snap_of]],
        "points_line": points_line,
        "over_price_american": -110 - price_shift,
        "under_price_american": -110 + price_shift,
        "snapshot_timestamp": tipoff - minutes_before.astype("timedelta64[m]"),
        "minutes_before_tipoff": minutes_before,
    }


def _recent_form(
    rng: np.random.Generator,
    players: Players,
    roster: np.ndarray,
    pid: np.ndarray,
    k: np.ndarray,
    box: dict[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Per player row: the recent points and minutes a bookmaker knows before the game (earlier games only)."""
    shape = (len(players), GAMES_PER_TEAM)
    points, minutes, played = np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=bool)
    points[pid, k] = box["points"]
    minutes[pid, k] = box["minutes"]
    played[pid, k] = box["minutes"] > 0
    prior_minutes, prior_points = _preseason_projection(rng, players, roster)
    recent_points = _recent_mean(points, played, prior_points)[pid, k].ravel()
    recent_minutes = _recent_mean(minutes, played, prior_minutes)[pid, k].ravel()
    return recent_points, recent_minutes


def _quoted_rows(
    rng: np.random.Generator,
    games: dict[str, np.ndarray],
    pid: np.ndarray,
    k: np.ndarray,
    out: np.ndarray,
    injured: np.ndarray,
    recent_minutes: np.ndarray,
) -> np.ndarray:
    """Player rows that get a line: rotation players (by recent minutes) on dates the odds feed covered, plus
    some late scratches (the first game of an injury, announced after the line went up)."""
    _, date_index = np.unique(games["game_date"], return_inverse=True)
    covered = rng.random(date_index.max() + 1) < DATE_COVERAGE
    covered = np.repeat(covered[date_index], pid.shape[1] * pid.shape[2])
    # At scale != 1 rotations are deeper or shallower, so minutes are compared as at scale 1.
    minutes = recent_minutes * pid.shape[2] / ROSTER_SIZE
    chance = np.select([minutes >= 20, minutes >= 15, minutes >= 10], [0.98, 0.85, 0.15], 0.0)
    out = out.ravel()
    first_out = out & ~np.where(k > 0, injured[pid, np.maximum(k - 1, 0)], False).ravel()
    late_scratch = first_out & (minutes >= 15) & (rng.random(len(out)) < LATE_SCRATCH_LINE)
    return np.flatnonzero(covered & ((~out & (rng.random(len(out)) < chance)) | late_scratch))


def _snapshots(
    rng: np.random.Generator, closing: np.ndarray, in_game_line: np.ndarray, with_in_game: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expand each quote into 2-3 pre-game snapshots, earliest first, moving by whole points towards the
    closing line, plus the in-game snapshot where `with_in_game`.

    Returns (quote index, minutes before tip-off, line) per snapshot."""
    n = len(closing)
    n_pre = rng.integers(2, 4, n)
    n_snap = n_pre + with_in_game
    snap_of = np.repeat(np.arange(n), n_snap)
    position = np.arange(len(snap_of)) - np.repeat(np.cumsum(n_snap) - n_snap, n_snap)
    steps_to_close = n_pre[snap_of] - 1 - position  # 0 = closing snapshot, -1 = in-game
    pre_game = steps_to_close >= 0
    step = np.maximum(steps_to_close, 0)
    minutes_back = np.cumsum(np.c_[rng.integers(5, 46, n), rng.integers(60, 301, (n, 2))], axis=1)
    drift = np.cumsum(np.c_[np.zeros(n), rng.choice([-1.0, 0.0, 0.0, 1.0], (n, 2))], axis=1)
    minutes_before = np.where(pre_game, minutes_back[snap_of, step], -rng.integers(15, 151, len(snap_of)))
    line = np.where(pre_game, np.maximum(closing[snap_of] + drift[snap_of, step], 0.5), in_game_line[snap_of])
    return snap_of, minutes_before, line
