"""Real prop lines: flat rows of The Odds API's player-points market -> nba_raw.odds_api_player_points_props.

Columns (case-insensitive): event_id, commence_time (UTC), home_team, away_team (full names), bookmaker, market,
player, line, over_price, under_price, and optionally snapshot_time (UTC). An event is matched to the imported
game with the same home and away teams on its US Eastern date; a player to the player_lookup of someone on
either team in that game (normalised name, then the alias table). Nothing unmatched is guessed: the import
report lists unmatched events and players with their row counts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pyarrow as pa

from ..errors import BadFile
from . import PLAYER_GAMES, PROPS, SCHEDULE
from .files import cast_to_schema, read_text_table, sql
from .names import TEAM_TRICODES, lookup_variants, player_lookup

REQUIRED = (
    "event_id", "commence_time", "home_team", "away_team", "bookmaker", "market", "player", "line",
    "over_price", "under_price",
)  # fmt: skip
EASTERN = ZoneInfo("America/New_York")


def game_date(commence_time: dt.datetime) -> dt.date:
    """NBA game dates are US Eastern: a 7:30 pm ET tip-off is 00:30 UTC the next day."""
    return commence_time.astimezone(EASTERN).date()


def read_lines(paths: Sequence[str], tables: dict[str, pa.Table]) -> tuple[pa.Table, dict]:
    """The props table for the imported games, and the lines part of the import report."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    raw = pa.concat_tables([read_text_table(con, p, [c.upper() for c in REQUIRED], ("SNAPSHOT_TIME",)) for p in paths])
    con.register("raw", raw)
    problem = con.execute(sql("line_problems")).fetchone()
    if problem:
        path, row, column, message = problem
        raise BadFile(f"{path}: row {row}: column {column}: {message}")

    events, unmatched_events = _match_events(con, tables[SCHEDULE])
    con.register(
        "events",
        pa.Table.from_pylist(
            events, pa.schema([("event_id", pa.string()), ("game_id", pa.string()), ("game_date", pa.date32())])
        ),
    )
    players, unmatched_players = _match_players(con, tables[PLAYER_GAMES])
    con.register(
        "players",
        pa.Table.from_pylist(
            players, pa.schema([("game_id", pa.string()), ("player", pa.string()), ("player_lookup", pa.string())])
        ),
    )
    quotes = con.sql(sql("lines")).to_arrow_table()
    _check_duplicates(quotes)
    counts = con.execute(sql("line_counts")).fetchone()
    report = {
        "rows": counts[0],
        "imported": quotes.num_rows,
        "other_markets": counts[1],
        "without_snapshot": counts[2],
        "unmatched_events": dict(sorted(unmatched_events.items())),
        "unmatched_players": dict(sorted(unmatched_players.items())),
    }
    return cast_to_schema(PROPS, quotes), report


def _match_events(con, schedule: pa.Table) -> tuple[list[dict], Counter]:
    games = {(g["game_date"], g["home_team_abbr"], g["away_team_abbr"]): g["game_id"] for g in schedule.to_pylist()}
    matched, unmatched = [], Counter()
    for event_id, commence, home, away, rows in con.execute(sql("line_events")).fetchall():
        day = game_date(commence)
        key = (day, TEAM_TRICODES.get(home.strip()), TEAM_TRICODES.get(away.strip()))
        if key in games:
            matched.append({"event_id": event_id, "game_id": games[key], "game_date": day})
        else:
            unmatched[f"{away} @ {home} {day} (event {event_id})"] += rows
    return matched, unmatched


def _match_players(con, player_games: pa.Table) -> tuple[list[dict], Counter]:
    in_game: dict[str, set[str]] = {}
    for game_id, lookup in zip(player_games["game_id"].to_pylist(), player_games["player_lookup"].to_pylist()):
        in_game.setdefault(game_id, set()).add(lookup)
    matched, unmatched = [], Counter()
    for game_id, name, rows in con.execute(sql("line_players")).fetchall():
        found = [v for v in lookup_variants(player_lookup(name)) if v in in_game.get(game_id, ())]
        if found:
            matched.append({"game_id": game_id, "player": name, "player_lookup": found[0]})
        else:
            unmatched[name] += rows
    return matched, unmatched


def _check_duplicates(quotes: pa.Table) -> None:
    seen: dict[tuple, int] = {}
    keys = zip(*(quotes[c].to_pylist() for c in ("game_id", "player_lookup", "bookmaker", "snapshot_timestamp")))
    for key, path, row in zip(keys, quotes["_file"].to_pylist(), quotes["_row"].to_pylist()):
        if key in seen:
            raise BadFile(
                f"{path}: row {row}: column player: a second {key[2]} line for {key[1]} in game {key[0]} at "
                f"{key[3]:%Y-%m-%dT%H:%M:%SZ} (first at row {seen[key]})"
            )
        seen[key] = row
