"""Real prop lines: flat rows of The Odds API's player-points market -> nba_raw.odds_api_player_points_props.

Columns (case-insensitive): event_id, commence_time (UTC), home_team, away_team (full names), bookmaker, market,
player, line, over_price, under_price, and optionally snapshot_time (UTC). An event is matched to the imported
game with the same home and away teams on its US Eastern date; a player to the player_lookup of someone on
either team in that game (normalised name, then the built-in and the user's aliases), else, where one side writes
a generational suffix the other drops ("Derrick Jones" / "Derrick Jones Jr."), of the one player of that game whose
name without it is the same (listed in the report). Nothing else is guessed: a line that matches no game, names no
known player (an alias is needed; the nearest known names are suggested), is for a known player without a
box-score row in that game (scratched: the prop is void), or names two players (ambiguous) is left out and counted
in the import report.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pyarrow as pa

from ..errors import BadFile
from . import PLAYER_GAMES, PROPS, SCHEDULE
from .aliases import check_targets, read_aliases
from .files import cast_to_schema, read_text_table, sql
from .names import TEAM_TRICODES, base_lookup, lookup_variants, player_lookup

REQUIRED = (
    "event_id", "commence_time", "home_team", "away_team", "bookmaker", "market", "player", "line",
    "over_price", "under_price",
)  # fmt: skip
EASTERN = ZoneInfo("America/New_York")


def game_date(commence_time: dt.datetime) -> dt.date:
    """NBA game dates are US Eastern: a 7:30 pm ET tip-off is 00:30 UTC the next day."""
    return commence_time.astimezone(EASTERN).date()


def read_lines(paths: Sequence[str], tables: dict[str, pa.Table], aliases: str | None = None) -> tuple[pa.Table, dict]:
    """The props table for the imported games, and the lines part of the import report; `aliases` the user's
    alias file (phase3.aliases)."""
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
    players, unmatched = _match_players(con, tables[PLAYER_GAMES], aliases)
    con.register(
        "players",
        pa.Table.from_pylist(
            players, pa.schema([("game_id", pa.string()), ("player", pa.string()), ("player_lookup", pa.string())])
        ),
    )
    quotes = con.sql(sql("lines")).to_arrow_table()
    _check_duplicates(quotes)
    counts = con.execute(sql("line_counts")).fetchone()
    points_rows = counts[0] - counts[1]
    report = {
        "rows": counts[0],
        "imported": quotes.num_rows,
        "other_markets": counts[1],
        "without_snapshot": counts[2],
        "matched_share": round(quotes.num_rows / points_rows, 4) if points_rows else None,
        "no_game": dict(sorted(unmatched_events.items())),
        **unmatched,
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


def _match_players(con, player_games: pa.Table, alias_file: str | None) -> tuple[list[dict], dict]:
    """Each (game, name) to the one player of that game it names, and the rest by why: need_alias (name -> rows
    and the nearest known names), scratched and ambiguous ("name, game" -> rows); without_suffix lists the names
    matched only once a generational suffix was set aside (name -> the NBA name and rows)."""
    # A player's rows share his player_lookup (his latest name's) but keep the name of their day: each name a
    # player has, as a lookup, leads to him, so a line or an alias may use any of them.
    in_game: dict[str, dict[str, str]] = {}  # game -> the lookup of a name its player has there -> the player
    by_base: dict[str, dict[str, set[str]]] = {}  # game -> name without suffix -> the players of that game
    player_of: dict[str, str] = {}  # the lookup of every name in the box scores -> its player
    names: dict[str, str] = {}  # player -> a name of his, for the report
    for game_id, lookup, name in zip(
        *(player_games[c].to_pylist() for c in ("game_id", "player_lookup", "player_full_name"))
    ):
        own = player_lookup(name)
        in_game.setdefault(game_id, {}).update({own: lookup, lookup: lookup})
        by_base.setdefault(game_id, {}).setdefault(base_lookup(name), set()).add(lookup)
        player_of[own] = player_of[lookup] = lookup
        names[lookup] = name
    known_bases = {base for game in by_base.values() for base in game}
    user = {}
    if alias_file:
        user = read_aliases(alias_file)
        check_targets(alias_file, user, set(player_of))
    matched, scratched, ambiguous = [], Counter(), Counter()
    need_alias: dict[str, dict] = {}
    without_suffix: dict[str, dict] = {}
    for game_id, name, rows in con.execute(sql("line_players")).fetchall():
        lookup = player_lookup(name)
        variants = [*lookup_variants(lookup), *([user[lookup][0]] if lookup in user else [])]
        bases = lookup_variants(base_lookup(name))
        found = {in_game[game_id][v] for v in variants if v in in_game.get(game_id, {})}
        by_suffix = not found
        if by_suffix:
            found = set().union(*(by_base.get(game_id, {}).get(base, set()) for base in bases))
        if len(found) == 1:
            player = found.pop()
            matched.append({"game_id": game_id, "player": name, "player_lookup": player})
            if by_suffix:
                entry = without_suffix.setdefault(name, {"player": names[player], "rows": 0})
                entry["rows"] += rows
        elif found:
            ambiguous[f"{name}, game {game_id}"] += rows
        elif any(v in player_of for v in variants) or any(base in known_bases for base in bases):
            scratched[f"{name}, game {game_id}"] += rows
        else:
            entry = need_alias.setdefault(name, {"rows": 0, "suggestions": _nearest(lookup, names)})
            entry["rows"] += rows
    unmatched = {
        "without_suffix": dict(sorted(without_suffix.items())),
        "need_alias": dict(sorted(need_alias.items())),
        "scratched": dict(sorted(scratched.items())),
        "ambiguous": dict(sorted(ambiguous.items())),
    }
    return matched, unmatched


def _nearest(lookup: str, names: dict[str, str]) -> list[str]:
    """The known players whose lookup is nearest this one: candidates for an alias, never applied."""
    return [names[m] for m in difflib.get_close_matches(lookup, names, n=3, cutoff=0.6)]


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
