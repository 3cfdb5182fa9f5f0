"""Generate the league: draw the players and teams, then season by season live through every offseason since the
epoch and simulate the season."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from ...config import Season
from .. import TABLES
from .columns import to_table
from .population import MIN_ROSTER, ROSTER_SIZE, draw_players, draw_teams, offseason
from .season import simulate_season

# The players and teams are drawn as of this season's start year; a later season's are them after one offseason a
# year (aging, trades, style drift), whatever seasons are configured, and each season is simulated from its own
# random stream: a season's tables depend only on (its bounds, seed, scale), so adding or removing another season
# changes none of them. (The season simulation never changes the players or teams: offseasons alone do.)
LEAGUE_EPOCH = 2021


def generate_league(seasons: Sequence[Season], seed: int, scale: float = 1.0) -> dict[str, pa.Table]:
    """Generate every season's tables; a season's tables are the same for the same (its bounds, seed, scale),
    whichever other seasons are generated with it."""
    if not seasons:
        raise ValueError("generate_league needs at least one season")
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    rng = np.random.default_rng(seed)
    players = draw_players(rng, _roster_size(scale))
    teams = draw_teams(rng)
    parts: dict[str, list[dict[str, np.ndarray]]] = {name: [] for name in TABLES}
    year = LEAGUE_EPOCH
    for season in sorted(seasons, key=lambda s: s.start):
        while year < season.start.year:  # every offseason since the epoch, configured seasons or not
            offseason(np.random.default_rng([seed, year]), players, teams)
            year += 1
        simulated = simulate_season(np.random.default_rng([seed, season.start.year, 1]), season, players, teams)
        for name, columns in simulated.items():
            parts[name].append(columns)
    return {name: to_table(name, parts[name]) for name in TABLES}


def _roster_size(scale: float) -> int:
    """14 players a team at scale 1; scale multiplies it (benchmarks), never below what a game needs."""
    return max(MIN_ROSTER, round(ROSTER_SIZE * scale))
