"""The hand-made season shared by the PDC and MLFS known-answer tests: its calendar, the chunk's parameters,
and the plain-Python pieces both references use (what counts as a played game, each player's rows before D)."""

from __future__ import annotations

import datetime as dt

from helpers import write_rows
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

S = dt.date(2024, 10, 22)  # the season's actual opener
START, END = 14, 45  # chunk as day offsets: the first date is the bootstrap-clamped one


def day(n: int) -> dt.date:
    return S + dt.timedelta(days=n)


def params(start: int = START, end: int = END) -> dict:
    return {"start_date": day(start), "end_date": day(end), "season_start": S}


def pairings(n: int) -> list[tuple[str, str]]:
    """(away, home) games of day n: a four-day cycle (each team plays 3 days of 4), no games on days 20-22."""
    if 20 <= n <= 22:
        return []
    games = (
        [("AAA", "BBB"), ("CCC", "DDD")] if n % 4 in (0, 1) else [("AAA", "CCC")] if n % 4 == 2 else [("BBB", "DDD")]
    )
    return [(h, a) for a, h in games] if n % 2 else games


def write_league(warehouse: DuckDBWarehouse, league: dict[str, list[dict]]) -> None:
    for table, rows in league.items():
        write_rows(warehouse, table, rows)


def played(row: dict) -> bool:
    return (
        bool(row.get("is_active"))
        and not row.get("is_dnp")
        and row.get("points") is not None
        and ((row.get("minutes_played") or 0) > 0 or row["points"] > 0)
    )


def mean(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def rows_by_player(league: dict, d: dt.date) -> dict[str, list[dict]]:
    """Each player's PGS rows this season before d, oldest first."""
    out: dict[str, list[dict]] = {}
    for row in sorted(league["nba_analytics.player_game_summary"], key=lambda r: r["game_date"]):
        if S <= row["game_date"] < d:
            out.setdefault(row["player_lookup"], []).append(row)
    return out


def team_on(league: dict, player: str, d: dt.date) -> str | None:
    """The team he plays for on d: his row dated d names it (a trade shows there first), else his latest row before."""
    today = [
        r["team_abbr"]
        for r in league["nba_analytics.player_game_summary"]
        if (r["player_lookup"], r["game_date"]) == (player, d)
    ]
    before = rows_by_player(league, d).get(player)
    return today[0] if today else before[-1]["team_abbr"] if before else None


def game_days(league: dict, first: int = START, last: int = END) -> list[dt.date]:
    return sorted(
        {g["game_date"] for g in league["nba_reference.nba_schedule"] if day(first) <= g["game_date"] <= day(last)}
    )
