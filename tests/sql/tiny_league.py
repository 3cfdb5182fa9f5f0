"""A tiny hand-made Phase 3 league for the processors' known-answer tests.

Build the rows in plain Python, write them into an embedded warehouse, and compute expected answers with
plain loops over the same rows (never with SQL):

    league = TinyLeague(season_start=dt.date(2024, 10, 22))
    gid = league.game(0, away="BOS", home="NYK")                     # schedule row, day 0 = the opener
    league.player_game(gid, "alice", "NYK", minutes_played=30.0, points=21, usage_rate=24.0)   # PGS row
    league.team_defense(gid, "NYK", opp_paint_attempts=30, opp_paint_makes=18)                  # TDGS row
    league.team_offense(gid, "NYK", pace=99.5)                       # TOGS row
    league.prop("alice", gid, line=19.5)                             # pre-tip-off line (minutes_before_tipoff 30)
    league.write(warehouse)

Days are given as offsets from the opener (int) or as dates; `league.date(n)` converts. Game ids follow the
platform's `YYYYMMDD_AWAY_HOME`. Rows are plain dicts in `league.schedule`, `.player_games`, `.team_defenses`,
`.team_offenses`, `.props` (missing columns are written as NULL; `.games` maps game id -> schedule row), so
tests may also edit them directly.

Also: `round_robin(teams, days)` (every team plays once a day), `drop_game(game_id)`, `params(first, last)`
(the processor parameters), `game_dates(first, last)`, `scramble_outcomes(d)` + `write(warehouse, since=d)`
(for "outcomes on/after D change nothing dated D" tests; writing is the slow part, so copy a written
warehouse folder and rewrite only the changed partitions).

Plain-Python references shared by the player processors' tests: `appeared(row)` (a non-DNP PGS row) and
`entity_set(league, d)`, the pre-tip-off player set of date d: players on teams playing on d who appeared in
the 30 days before d, plus anyone with a line for d with minutes_before_tipoff >= 0.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from helpers import write_rows  # tests/ is on sys.path (tests/conftest.py)

SCHEDULE = "nba_reference.nba_schedule"
PGS = "nba_analytics.player_game_summary"
TDGS = "nba_analytics.team_defense_game_summary"
TOGS = "nba_analytics.team_offense_game_summary"
PROPS = "nba_raw.odds_api_player_points_props"

Day = int | dt.date


class TinyLeague:
    def __init__(self, season_start: dt.date):
        self.season_start = season_start
        self.season_year = season_start.year if season_start.month >= 7 else season_start.year - 1
        self.schedule: list[dict[str, Any]] = []
        self.player_games: list[dict[str, Any]] = []
        self.team_defenses: list[dict[str, Any]] = []
        self.team_offenses: list[dict[str, Any]] = []
        self.props: list[dict[str, Any]] = []
        self.games: dict[str, dict[str, Any]] = {}

    # -- dates and games -----------------------------------------------------------------------------------
    def date(self, day: Day) -> dt.date:
        return day if isinstance(day, dt.date) else self.season_start + dt.timedelta(days=day)

    def game(self, day: Day, away: str, home: str, game_status: int = 3) -> str:
        """Add a schedule row; returns its game id."""
        date = self.date(day)
        game_id = f"{date:%Y%m%d}_{away}_{home}"
        row = {
            "game_id": game_id,
            "game_date": date,
            "season_year": self.season_year,
            "home_team_abbr": home,
            "away_team_abbr": away,
            "game_status": game_status,
            "is_regular_season": True,
        }
        self.schedule.append(row)
        self.games[game_id] = row
        return game_id

    def params(self, first: Day, last: Day) -> dict[str, dt.date]:
        """The processor parameters for producing dates first..last of this season."""
        return {"start_date": self.date(first), "end_date": self.date(last), "season_start": self.season_start}

    def round_robin(self, teams: list[str], days: list[Day]) -> list[str]:
        """Every team plays once on each of `days` (len(teams) even), opponents rotating (circle method)."""
        assert len(teams) % 2 == 0
        ids, ring = [], list(teams)
        for day in days:
            half = len(ring) // 2
            for i in range(half):
                a, b = ring[i], ring[-1 - i]
                ids.append(self.game(day, away=a, home=b) if i % 2 else self.game(day, away=b, home=a))
            ring = [ring[0], ring[-1], *ring[1:-1]]
        return ids

    def drop_game(self, game_id: str) -> None:
        """Remove a game from the schedule with every row of it (e.g. to give two teams one game fewer)."""
        del self.games[game_id]
        for name in ("schedule", "player_games", "team_defenses", "team_offenses", "props"):
            setattr(self, name, [r for r in getattr(self, name) if r["game_id"] != game_id])

    def _side(self, game_id: str, team: str) -> tuple[dt.date, str, bool]:
        game = self.games[game_id]
        if team == game["home_team_abbr"]:
            return game["game_date"], game["away_team_abbr"], True
        assert team == game["away_team_abbr"], f"{team} does not play in {game_id}"
        return game["game_date"], game["home_team_abbr"], False

    # -- Phase 3 rows ------------------------------------------------------------------------------------
    def player_game(self, game_id: str, player: str, team: str, **stats: Any) -> dict[str, Any]:
        """A PGS row; defaults: active, not DNP. Pass is_dnp=True (and minutes_played=0) for a DNP row."""
        date, opponent, home = self._side(game_id, team)
        row = {
            "player_lookup": player,
            "universal_player_id": f"{player}_001",
            "player_full_name": player.title(),
            "game_id": game_id,
            "game_date": date,
            "team_abbr": team,
            "opponent_team_abbr": opponent,
            "season_year": self.season_year,
            "home_game": home,
            "is_active": True,
            "is_dnp": False,
            "player_status": "active",
            **stats,
        }
        self.player_games.append(row)
        return row

    def team_defense(self, game_id: str, team: str, **stats: Any) -> dict[str, Any]:
        date, opponent, home = self._side(game_id, team)
        row = {
            "game_id": game_id,
            "game_date": date,
            "defending_team_abbr": team,
            "opponent_team_abbr": opponent,
            "season_year": self.season_year,
            "home_game": home,
            **stats,
        }
        self.team_defenses.append(row)
        return row

    def team_offense(self, game_id: str, team: str, **stats: Any) -> dict[str, Any]:
        date, opponent, home = self._side(game_id, team)
        row = {
            "game_id": game_id,
            "game_date": date,
            "team_abbr": team,
            "opponent_team_abbr": opponent,
            "season_year": self.season_year,
            "home_game": home,
            **stats,
        }
        self.team_offenses.append(row)
        return row

    def prop(
        self,
        player: str,
        game_id: str,
        line: float = 15.5,
        minutes_before_tipoff: int = 30,
        bookmaker: str = "draftkings",
    ) -> dict[str, Any]:
        """A points line; minutes_before_tipoff < 0 is an in-game snapshot (not a pre-tip-off line)."""
        date = self.games[game_id]["game_date"]
        row = {
            "player_lookup": player,
            "game_id": game_id,
            "game_date": date,
            "bookmaker": bookmaker,
            "points_line": line,
            "over_price_american": -110,
            "under_price_american": -110,
            "snapshot_timestamp": dt.datetime.combine(date, dt.time(23, 0), tzinfo=dt.UTC)
            - dt.timedelta(minutes=minutes_before_tipoff),
            "minutes_before_tipoff": minutes_before_tipoff,
        }
        self.props.append(row)
        return row

    def write(self, warehouse, since: Day | None = None) -> None:
        """Write every non-empty table (replacing the partitions its rows span); with `since`, only the rows
        dated `since` or later (cheap rewrite after `scramble_outcomes(since)`: writing is the slow part)."""
        first = self.date(since) if since is not None else dt.date.min
        for table, rows in (
            (SCHEDULE, self.schedule),
            (PGS, self.player_games),
            (TDGS, self.team_defenses),
            (TOGS, self.team_offenses),
            (PROPS, self.props),
        ):
            rows = [r for r in rows if r["game_date"] >= first]
            if rows:
                write_rows(warehouse, table, rows)

    def scramble_outcomes(self, first: Day) -> None:
        """Change every outcome in the Phase 3 rows dated `first` or later (numbers, is_dnp, is_active), for
        look-ahead tests: features for dates <= first must not move."""
        first = self.date(first)
        for row in (*self.player_games, *self.team_defenses, *self.team_offenses):
            if row["game_date"] < first:
                continue
            for key, value in row.items():
                if key in ("is_dnp", "is_active") and value is not None:
                    row[key] = not value
                elif key != "season_year" and isinstance(value, (int, float)) and not isinstance(value, bool):
                    row[key] = type(value)(value * 2 + 7)

    # -- plain-Python references -------------------------------------------------------------------------
    def game_dates(self, first: Day, last: Day) -> list[dt.date]:
        lo, hi = self.date(first), self.date(last)
        return sorted({g["game_date"] for g in self.schedule if lo <= g["game_date"] <= hi})

    def opponent_on(self, team: str, d: dt.date) -> str | None:
        for g in self.schedule:
            if g["game_date"] == d and team in (g["home_team_abbr"], g["away_team_abbr"]):
                return g["away_team_abbr"] if team == g["home_team_abbr"] else g["home_team_abbr"]
        return None


def appeared(row: dict[str, Any]) -> bool:
    """A non-DNP PGS row (is_dnp; if NULL, active with minutes)."""
    if row.get("is_dnp") is not None:
        return not row["is_dnp"]
    return (row.get("minutes_played") or 0) > 0


def entity_set(league: TinyLeague, d: dt.date) -> dict[str, dict[str, Any]]:
    """The pre-tip-off player set for d: {player: {team, opponent, universal_player_id, has_prop_line}}.

    team = team of the player's latest PGS row this season before d (None if he has none); opponent = that
    team's opponent on d (None if it does not play on d). Members: players whose team plays on d and who have
    a non-DNP row in [d - 30 days, d), plus players with a line for d with minutes_before_tipoff >= 0.
    """
    with_line = {p["player_lookup"] for p in league.props if p["game_date"] == d and p["minutes_before_tipoff"] >= 0}
    latest: dict[str, dict[str, Any]] = {}
    last_appearance: dict[str, dt.date] = {}
    for row in league.player_games:
        if not (league.season_start <= row["game_date"] < d):
            continue
        player = row["player_lookup"]
        if player not in latest or row["game_date"] > latest[player]["game_date"]:
            latest[player] = row
        if appeared(row) and row["game_date"] > last_appearance.get(player, dt.date.min):
            last_appearance[player] = row["game_date"]
    members: dict[str, dict[str, Any]] = {}
    for player in set(latest) | with_line:
        row = latest.get(player)
        team = row["team_abbr"] if row else None
        opponent = league.opponent_on(team, d) if team else None
        recent = player in last_appearance and last_appearance[player] >= d - dt.timedelta(days=30)
        if (opponent is not None and recent) or player in with_line:
            members[player] = {
                "team": team,
                "opponent": opponent,
                "universal_player_id": row["universal_player_id"] if row else None,
                "has_prop_line": player in with_line,
            }
    return members
