"""Preflight: every game date of a season (a date with final regular-season games) has plausible rows in every
Phase 3 table.

This is the runbook's "Pre-flight Check", made strict: it names each missing or thin date per table. A season in
progress is checked through its last final game, and says so; games not played yet are not missing data.
"""

from __future__ import annotations

import datetime as dt

from .config import Config
from .errors import format_dates
from .inputs import job_inputs
from .markers import write_marker
from .plan import daily_preflight_marker, parse_chunk, preflight_marker
from .schedule import PLAYED, SCHEDULE
from .validate import CheckResult, raise_on_failure
from .warehouse import open_warehouse

PLAYER_TABLE = "nba_analytics.player_game_summary"
TEAM_TABLES = ("nba_analytics.team_defense_game_summary", "nba_analytics.team_offense_game_summary")


def expected_range(table: str, games: int, config: Config) -> tuple[int, int]:
    """Plausible rows on a date with `games` games: one row per team per game for team tables."""
    if table == PLAYER_TABLE:
        return games * config.checks["min_players_per_game"], games * config.checks["max_players_per_game"]
    return 2 * games, 2 * games


def run_preflight(config: Config, season_name: str, chunk_name: str | None = None, marker: str | None = None) -> str:
    """The whole season, or (for a daily run) the season up to and including one chunk's last day."""
    started = dt.datetime.now(dt.UTC)
    season = config.season(season_name)
    last = season.end if chunk_name is None else parse_chunk(config, season_name, chunk_name).last
    labels = {"processor": "preflight", "season": season_name, "chunk": chunk_name or "all"}
    warehouse = open_warehouse(config, labels, scope=(season.start, last))
    games = dict(
        warehouse.query(
            f"SELECT game_date, COUNT(*) FROM {SCHEDULE} WHERE game_date BETWEEN @start AND @end AND {PLAYED} "
            "GROUP BY 1",
            {"start": season.start, "end": last},
        ).rows
    )
    through = max(games, default=None)
    in_progress = f"; in progress: checked through {through}" if games and through < last else ""
    results = [CheckResult("schedule", bool(games), f"{len(games)} game dates in {season.start}..{last}{in_progress}")]
    counts = {}
    for table in (PLAYER_TABLE, *TEAM_TABLES):
        have = warehouse.partitions(table)
        missing, bad = [], []
        for day, n_games in sorted(games.items()):
            low, high = expected_range(table, n_games, config)
            rows = have.get(day, 0)
            if rows == 0:
                missing.append(day)
            elif not low <= rows <= high:
                bad.append(f"{day} ({rows} rows, expected {low}..{high})")
        counts[table] = {d.isoformat(): have.get(d, 0) for d in sorted(games)}
        detail = f"{len(games) - len(missing) - len(bad)}/{len(games)} dates ok"
        if missing:
            detail += f"; missing {format_dates(missing)}"
        if bad:
            detail += f"; implausible {', '.join(bad[:5])}" + (f" (+{len(bad) - 5} more)" if len(bad) > 5 else "")
        results.append(CheckResult(table, not missing and not bad, detail))
    raise_on_failure(f"preflight {season_name}", results)
    if marker is None:
        marker = (
            preflight_marker(season_name) if chunk_name is None else daily_preflight_marker(season_name, chunk_name)
        )
    write_marker(
        marker,
        started,
        warehouse,
        phase="preflight",
        season=season_name,
        game_dates=len(games),
        through=through,
        rows_per_date=counts,
        checks=[r.as_dict() for r in results],
        inputs=job_inputs(config, "preflight", season_name),
    )
    return marker
