"""A deterministic synthetic NBA league: the Phase 3 input tables of a backfill on the embedded warehouse.

`generate_league(seasons, seed, scale)` returns one pyarrow Table per input table (schedule, player and team box
scores, bookmaker points lines) plus the oracle table of true expected points. Everything is drawn from random
streams of `seed` (the population; each offseason by its year; each season by its start year), so a seed always
gives byte-identical tables, and a season's do not depend on the other seasons generated. No I/O happens here.

The generative model, in short:
- 30 teams, each with a pace factor and a zone defence (make-probability multipliers for paint / mid-range /
  three) that drift a little between seasons. 82 games a team in the season window, no three days running,
  a six-day All-Star break.
- Players with healthy minutes, a usage (share of the team's shots), a zone mix, make skills per zone, a
  free-throw rate and percentage, a form that random-walks through the season, aging between seasons and the odd
  trade; injuries keep them out for 1-15 games.
- Per team-game: a minutes plan over the healthy rotation (240 minutes), realised minutes around it; the team's
  shot volume (both teams' pace) is shared out by usage x minutes over the zones; makes ~ Binomial(attempts,
  skill x opponent zone defence x home edge x back-to-back fatigue x form); free throws alike, without defence.
  The oracle's expected points are the exact expectation of points given the pre-game plan: realised minutes
  are a zero-mean perturbation of the plan, and attempt means are linear in minutes.
- Bookmaker lines follow the player's recent actual points with a tier-dependent bias (stars low, bench high),
  and ~30% of the (player-game, bookmaker) pairs carry an in-game snapshot that leans towards the actual result
  (a leakage trap for consumers: only minutes_before_tipoff > 0 is usable).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..config import Season
from ..tables import table_schema
from . import ORACLE, PLAYER_GAMES, PROPS, SCHEDULE, TABLES, TEAM_DEFENSE, TEAM_OFFENSE

TEAMS = (
    "ATL", "BOS", "BKN", "CHA", "CHI", "CLE", "DAL", "DEN", "DET", "GSW",
    "HOU", "IND", "LAC", "LAL", "MEM", "MIA", "MIL", "MIN", "NOP", "NYK",
    "OKC", "ORL", "PHI", "PHX", "POR", "SAC", "SAS", "TOR", "UTA", "WAS",
)  # fmt: skip
N_TEAMS = len(TEAMS)
TEAM_ABBR = np.array(TEAMS, dtype=object)
# Alphabetical rank of each team, to order a day's games by game_id.
TEAM_RANK = np.argsort(np.argsort(TEAMS))
GAMES_PER_TEAM = 82
BOOKMAKERS = ("draftkings", "fanduel")


FIRST_NAMES = (
    "Aaron", "Alonzo", "Amari", "Andre", "Anthony", "Bennett", "Brandon", "Bryce", "Caleb", "Cameron",
    "Cedric", "Chris", "Cole", "Corey", "Dalton", "Damon", "Dante", "Darius", "Davion", "Desmond",
    "Devin", "Dillon", "Elijah", "Emeka", "Evan", "Felix", "Franklin", "Gabriel", "Gordon", "Grant",
    "Hakeem", "Harrison", "Immanuel", "Isaiah", "Ivan", "Jalen", "Jamal", "Jaylen", "Jerome", "Jordan",
    "Keegan", "Kendall", "Kevin", "Lamar", "Landon", "Lonnie", "Malik", "Marcus", "Miles", "Nate",
    "Nolan", "Olivier", "Omari", "Oscar", "Pascal", "Preston", "Quentin", "Rashad", "Reggie", "Roman",
    "Rudy", "Santi", "Shawn", "Stephen", "Terrence", "Theo", "Tobias", "Trey", "Tristan", "Tyrese",
    "Uriah", "Victor", "Vince", "Walker", "Wendell", "Wesley", "Xavier", "Yusuf", "Zach", "Zion",
)  # fmt: skip
LAST_NAMES = (
    "Abernathy", "Ashford", "Bellamy", "Blackwell", "Bradshaw", "Calloway", "Carver", "Chandler", "Coleman",
    "Dawson", "Dunbar", "Easley", "Ellison", "Everett", "Fairchild", "Fletcher",
    "Forsythe", "Gaines", "Garrison", "Goodwin", "Granger", "Hargrove", "Hawthorne", "Holloway", "Hollis",
    "Huxley", "Jennings", "Kendrick", "Kingsley", "Lancaster", "Langford", "Lockhart", "Mayfield",
    "Merritt", "Monroe", "Norwood", "Oakley", "Ogden", "Pemberton", "Prescott", "Quarles",
    "Radcliffe", "Randolph", "Redmond", "Rutherford", "Sheffield", "Sinclair", "Sterling", "Stroud",
    "Sutton", "Thornton", "Townsend", "Underwood", "Upshaw", "Valentine", "Vance", "Wakefield",
    "Whitaker", "Whitfield", "Winslow", "Yates", "Youngblood", "Ziegler", "Ashby", "Barlow", "Beckett",
    "Boone", "Brantley", "Caldwell", "Dorsey", "Eldridge", "Faulkner", "Fenwick", "Gentry", "Hadley",
    "Harlow", "Lawson", "Maddox", "Mercer", "Nwosu", "Osei", "Pryor", "Rhodes", "Sampson",
    "Shelton", "Stanton", "Whitlock", "Wilder", "Yarbrough", "Adeyemi", "Bishop", "Crowder", "Delaney",
)  # fmt: skip
NAME_SUFFIXES = ("", "Jr", "II", "III", "IV", "V")

# Players per team at scale 1 and the fewest a team can field at any scale.
ROSTER_SIZE = 14
MIN_ROSTER = 10
# Healthy minutes by depth-chart slot (scale 1); a game's rotation is normalised to 240 minutes.
SLOT_MINUTES = np.array([35, 33, 31, 29, 27, 25, 22, 19, 16, 13, 10, 7, 5, 3], dtype=float)
ROTATION_SIZES = np.array([9, 10, 11, 12])
ROTATION_PROBS = np.array([0.1, 0.4, 0.35, 0.15])
TEAM_MINUTES = 240.0
MAX_PLAN = 39.0

ZONE_POINTS = np.array([2, 2, 3])  # paint, mid-range, three
# Archetypes: big, wing, guard. Zone mix means, make skill means (paint, mid, three), per-minute box rates.
ARCHETYPE_PROBS = np.array([0.25, 0.45, 0.30])
ARCHETYPE_MIX = np.array([[0.68, 0.20, 0.12], [0.40, 0.16, 0.44], [0.33, 0.19, 0.48]])
ARCHETYPE_SKILL = np.array([[0.62, 0.41, 0.33], [0.55, 0.42, 0.36], [0.53, 0.43, 0.365]])
ARCHETYPE_FT_PCT = np.array([0.70, 0.78, 0.82])
BOX_RATES = {  # per minute, by archetype
    "oreb": np.array([0.085, 0.030, 0.020]),
    "dreb": np.array([0.200, 0.120, 0.090]),
    "ast": np.array([0.060, 0.080, 0.160]),  # relative: a team's assists are its assisted makes
    "stl": np.array([0.025, 0.030, 0.035]),
    "blk": np.array([0.050, 0.014, 0.010]),
}
FOUL_RATE = 0.075
TEAM_FGA = 88.0  # a team's expected field-goal attempts at league-average pace
TEAM_ATTEMPT_DISPERSION = 0.25  # variance / mean of a team's attempts (independent Poissons would give 1)

TRADE_SHARE = 0.06  # swaps per player each offseason

HOME_EDGE = 1.015
BACK_TO_BACK = 0.97
FORM_RHO = 0.95
FORM_SD = 0.02
MINUTES_SD = (0.12, 0.35)  # relative minutes noise for heavy and light plans

INJURY_SPELLS_PER_TEAM = 3.5
INJURY_MAX_GAMES = 15
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

# Relative weight of games per weekday (Monday first): the schedule is denser midweek and on Fridays.
WEEKDAY_WEIGHTS = np.array([0.95, 1.0, 1.15, 0.8, 1.15, 1.0, 0.95])
B2B_PENALTY = 0.4
SCHEDULE_NOISE = 0.5
SCHEDULE_ATTEMPTS = 40


@dataclass
class _Players:
    """League-wide player state; rows are players, updated in place between seasons."""

    lookup: np.ndarray
    full_name: np.ndarray
    team: np.ndarray
    age: np.ndarray
    archetype: np.ndarray
    minutes: np.ndarray  # healthy minutes before the rotation is normalised
    usage: np.ndarray  # shot-taking weight: a team's attempts are shared in proportion to usage x minutes
    mix: np.ndarray  # (n, 3) zone shares of attempts
    skill: np.ndarray  # (n, 3) make probability per zone
    ft_rate: np.ndarray  # free-throw attempts per field-goal attempt
    ft_pct: np.ndarray
    assisted: np.ndarray  # share of made field goals that are assisted

    def __len__(self) -> int:
        return len(self.lookup)


@dataclass
class _Teams:
    pace: np.ndarray  # (30,)
    defence: np.ndarray  # (30, 3) multipliers on the opponent's make probability per zone


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
    players = _draw_players(rng, _roster_size(scale))
    teams = _draw_teams(rng)
    parts: dict[str, list[dict[str, np.ndarray]]] = {name: [] for name in TABLES}
    year = LEAGUE_EPOCH
    for season in sorted(seasons, key=lambda s: s.start):
        while year < season.start.year:  # every offseason since the epoch, configured seasons or not
            _offseason(np.random.default_rng([seed, year]), players, teams)
            year += 1
        simulated = _simulate_season(np.random.default_rng([seed, season.start.year, 1]), season, players, teams)
        for name, columns in simulated.items():
            parts[name].append(columns)
    return {name: _to_table(name, parts[name]) for name in TABLES}


def _roster_size(scale: float) -> int:
    """14 players a team at scale 1; scale multiplies it (benchmarks), never below what a game needs."""
    return max(MIN_ROSTER, round(ROSTER_SIZE * scale))


# --- players and teams ------------------------------------------------------------------------------------------


def _names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Unique synthetic names; a suffix (Jr, II, ...) only once every first/last combination is taken."""
    combos = len(FIRST_NAMES) * len(LAST_NAMES)
    generations = -(-n // combos)
    if generations > len(NAME_SUFFIXES):
        raise ValueError(f"scale too large: {n} players exceed the {combos * len(NAME_SUFFIXES)} synthetic names")
    picks = rng.choice(combos * generations, size=n, replace=False)
    generation, combo = np.divmod(picks, combos)
    first, last = np.divmod(combo, len(LAST_NAMES))
    full = [
        " ".join(filter(None, (FIRST_NAMES[f], LAST_NAMES[la], NAME_SUFFIXES[g])))
        for f, la, g in zip(first.tolist(), last.tolist(), generation.tolist())
    ]
    lookup = [name.replace(" ", "").lower() for name in full]
    return np.array(lookup, dtype=object), np.array(full, dtype=object)


def _draw_players(rng: np.random.Generator, roster: int) -> _Players:
    n = N_TEAMS * roster
    lookup, full_name = _names(rng, n)
    # Slot = depth-chart position on the initial team; at scale > 1 each slot is repeated, so the league keeps
    # the same mix of stars and bench players, just more of them.
    slot = np.tile(np.arange(roster), N_TEAMS) * (ROSTER_SIZE / roster)
    team = np.repeat(np.arange(N_TEAMS), roster)
    archetype = rng.choice(3, size=n, p=ARCHETYPE_PROBS)
    minutes = np.interp(slot, np.arange(ROSTER_SIZE), SLOT_MINUTES) + rng.normal(0, 1.5, n)
    usage = (0.30 + 0.26 * np.exp(-slot / 2.2)) * rng.lognormal(0, 0.18, n)
    mix = np.array([rng.dirichlet(30 * ARCHETYPE_MIX[a]) for a in archetype])
    skill = ARCHETYPE_SKILL[archetype] + rng.normal(0, [0.035, 0.035, 0.025], (n, 3))
    # Stars and bigs get to the line more often.
    ft_rate = 0.20 * rng.lognormal(0, 0.3, n) * (1 + 0.5 * (archetype == 0)) * (usage / usage.mean()) ** 0.5
    ft_pct = ARCHETYPE_FT_PCT[archetype] + rng.normal(0, 0.06, n)
    assisted = 0.66 - 0.6 * (usage - 0.3) + rng.normal(0, 0.05, n)
    age = np.clip(np.round(19 + rng.gamma(3.0, 2.3, n)), 19, 38).astype(int)
    return _Players(
        lookup=lookup,
        full_name=full_name,
        team=team,
        age=age,
        archetype=archetype,
        minutes=np.clip(minutes, 1.0, 38.0),
        usage=usage,
        mix=mix,
        skill=np.clip(skill, 0.2, 0.75),
        ft_rate=np.clip(ft_rate, 0.05, 0.6),
        ft_pct=np.clip(ft_pct, 0.45, 0.93),
        assisted=np.clip(assisted, 0.2, 0.9),
    )


def _draw_teams(rng: np.random.Generator) -> _Teams:
    return _Teams(pace=rng.normal(1.0, 0.03, N_TEAMS), defence=rng.normal(1.0, 0.04, (N_TEAMS, 3)))


def _offseason(rng: np.random.Generator, players: _Players, teams: _Teams) -> None:
    """Age players (young improve, old decline), swap some between teams, let team styles drift."""
    players.age += 1
    growth = np.select(
        [players.age <= 22, players.age <= 25, players.age <= 29, players.age <= 32], [0.06, 0.03, 0.0, -0.03], -0.07
    ) + rng.normal(0, 0.03, len(players))
    players.minutes = np.clip(players.minutes * (1 + growth), 1.0, 38.0)
    players.usage = players.usage * (1 + growth / 2)
    players.skill = np.clip(players.skill * (1 + growth / 4)[:, None], 0.2, 0.75)
    # Trades swap two players of similar standing (neighbours by minutes), so rosters keep their size and
    # teams their balance.
    by_minutes = np.argsort(players.minutes, kind="stable")
    picks = rng.choice(len(players) - 1, size=round(TRADE_SHARE * len(players)), replace=False)
    for a, b in zip(by_minutes[picks].tolist(), by_minutes[picks + 1].tolist()):
        players.team[a], players.team[b] = players.team[b], players.team[a]
    teams.pace = teams.pace * rng.lognormal(0, 0.01, N_TEAMS)
    teams.defence = teams.defence * rng.lognormal(0, 0.015, (N_TEAMS, 3))


def _rosters(players: _Players) -> np.ndarray:
    """(30, roster) player indices per team, deepest-minutes first (the depth chart)."""
    order = np.lexsort((-players.minutes, players.team))
    return order.reshape(N_TEAMS, -1)


# --- schedule ---------------------------------------------------------------------------------------------------


def _all_star_break(start: dt.date, end: dt.date) -> np.ndarray:
    """Six game-free days, Friday to Wednesday around the third Sunday of February (All-Star Sunday).

    A window without a usable February gets the same break about two thirds of the way through."""
    n_days = (end - start).days + 1
    first_off = None
    for year in range(start.year, end.year + 1):
        feb1 = dt.date(year, 2, 1)
        sunday = feb1 + dt.timedelta(days=(6 - feb1.weekday()) % 7 + 14)
        friday = (sunday - start).days - 2
        if 30 <= friday and friday + 6 <= n_days - 30:
            first_off = friday
    if first_off is None:
        first_off = round(n_days * 0.65) - 2
    off = np.zeros(n_days, dtype=bool)
    off[first_off : first_off + 6] = True
    return off


def _capacity(off: np.ndarray) -> np.ndarray:
    """cap[d, s]: most games a team can still play from day d on, having played the last s days in a row.

    No team plays three days running, and break days reset the streak."""
    n_days = len(off)
    cap = np.zeros((n_days + 1, 3), dtype=int)
    for d in range(n_days - 1, -1, -1):
        rest = cap[d + 1, 0]
        if off[d]:
            cap[d] = rest
        else:
            cap[d] = [max(rest, 1 + cap[d + 1, 1]), max(rest, 1 + cap[d + 1, 2]), rest]
    return cap


def _matchups(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """1230 (home, away) pairs: a double round robin (58 games) plus 24 of its rounds once more.

    The extra games are oriented along an Euler circuit, so every team ends with exactly 41 home games."""
    order = rng.permutation(N_TEAMS)
    rounds = []
    ring = list(order[1:])
    for _ in range(N_TEAMS - 1):  # circle method: team order[0] fixed, the rest rotate
        seats = [order[0], *ring]
        rounds.append([(seats[i], seats[-1 - i]) for i in range(N_TEAMS // 2)])
        ring = ring[-1:] + ring[:-1]
    pairs = [pair for games in rounds for pair in games]
    flip = rng.random(len(pairs)) < 0.5
    first_leg = [(b, a) if f else (a, b) for (a, b), f in zip(pairs, flip)]
    second_leg = [(a, b) for b, a in first_leg]
    extra_rounds = rng.choice(len(rounds), size=GAMES_PER_TEAM - 2 * (N_TEAMS - 1), replace=False)
    extra = _euler_orient([pair for r in sorted(extra_rounds.tolist()) for pair in rounds[r]])
    games = np.array(first_leg + second_leg + extra)
    return games[:, 0], games[:, 1]


def _euler_orient(edges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Orient the edges of a graph whose degrees are all even so that every vertex has in-degree = out-degree."""
    adjacency: dict[int, list[int]] = {}
    for i, (a, b) in enumerate(edges):
        adjacency.setdefault(a, []).append(i)
        adjacency.setdefault(b, []).append(i)
    used = [False] * len(edges)
    oriented = []
    for start in sorted(adjacency):
        stack = [start]
        while stack:  # Hierholzer walk; each edge is oriented in the direction it is walked
            v = stack[-1]
            while adjacency[v] and used[adjacency[v][-1]]:
                adjacency[v].pop()
            if not adjacency[v]:
                stack.pop()
                continue
            i = adjacency[v].pop()
            used[i] = True
            a, b = edges[i]
            w = b if a == v else a
            oriented.append((v, w))
            stack.append(w)
    return oriented


def _assign_days(
    rng: np.random.Generator, home: np.ndarray, away: np.ndarray, off: np.ndarray, cap: np.ndarray, start: dt.date
) -> np.ndarray | None:
    """Day offset of every game, or None when this random pass paints itself into a corner.

    Day by day, the games of the teams furthest behind an even pace are played first, teams coming off a game
    yesterday are held back (so back-to-backs stay occasional), and a team whose remaining games only just fit
    the remaining days (three in a row never allowed) must play."""
    n_days = len(off)
    game_days_through = np.cumsum(~off)
    total_game_days = game_days_through[-1]
    weekday = (start.weekday() + np.arange(n_days)) % 7
    day_of = np.full(len(home), -1)
    left = np.full(N_TEAMS, GAMES_PER_TEAM)
    streak = np.zeros(N_TEAMS, dtype=int)
    for d in range(n_days):
        if off[d]:
            streak[:] = 0
            continue
        must = left > cap[d + 1, 0]
        may = (left > 0) & (streak < 2) & (left - 1 <= cap[d + 1, np.minimum(streak + 1, 2)])
        if (must & ~may).any():
            return None
        open_games = np.flatnonzero((day_of < 0) & may[home] & may[away])
        h, a = home[open_games], away[open_games]
        behind = GAMES_PER_TEAM * game_days_through[d] / total_game_days - (GAMES_PER_TEAM - left)
        score = (
            behind[h]
            + behind[a]
            - B2B_PENALTY * ((streak[h] > 0).astype(int) + (streak[a] > 0))
            + rng.normal(0, SCHEDULE_NOISE, len(open_games))
            + 1000 * (must[h] | must[a])
        )
        remaining_games = int((day_of < 0).sum())
        remaining_days = total_game_days - game_days_through[d] + 1
        pace = remaining_games / remaining_days * WEEKDAY_WEIGHTS[weekday[d]] * rng.uniform(0.75, 1.25)
        target = max(1, round(pace))
        busy = np.zeros(N_TEAMS, dtype=bool)
        played = 0
        for g in open_games[np.argsort(-score, kind="stable")].tolist():
            hg, ag = home[g], away[g]
            if busy[hg] or busy[ag]:
                continue
            if played >= target and not (must[hg] or must[ag]):
                break
            day_of[g] = d
            busy[hg] = busy[ag] = True
            played += 1
        if (must & ~busy).any():
            return None
        streak = np.where(busy, streak + 1, 0)
        left -= busy
    if (day_of < 0).any() or not (day_of == 0).any() or not (day_of == n_days - 1).any():
        return None
    return day_of


def _schedule(rng: np.random.Generator, season: Season) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(day offset, home team, away team) per game, ordered by day then game_id."""
    off = _all_star_break(season.start, season.end)
    cap = _capacity(off)
    if cap[0, 0] < GAMES_PER_TEAM:
        raise ValueError(
            f"season {season.name}: {season.start}..{season.end} is too short for {GAMES_PER_TEAM} games a team "
            f"(at most {cap[0, 0]} fit without three days in a row and the six-day All-Star break)"
        )
    home, away = _matchups(rng)
    for _ in range(SCHEDULE_ATTEMPTS):
        day = _assign_days(rng, home, away, off, cap, season.start)
        if day is not None:
            order = np.lexsort((TEAM_RANK[home], TEAM_RANK[away], day))  # game_id order: date, away, home
            return day[order], home[order], away[order]
    raise ValueError(
        f"season {season.name}: could not fit {GAMES_PER_TEAM} games a team into {season.start}..{season.end}; "
        "use a longer season window"
    )


def _team_game_numbers(day: np.ndarray, team: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(G, 2) number of each game in its team's season (0..81) and whether the team also played the day before."""
    flat_team = team.ravel()
    flat_day = np.repeat(day, 2)
    order = np.lexsort((flat_day, flat_team))  # every team has exactly 82 games, so blocks of 82
    sorted_day = flat_day[order]
    previous = np.r_[-2, sorted_day[:-1]]
    previous[::GAMES_PER_TEAM] = -2
    number = np.empty(len(order), dtype=int)
    number[order] = np.arange(len(order)) % GAMES_PER_TEAM
    b2b = np.empty(len(order), dtype=bool)
    b2b[order] = sorted_day - previous == 1
    return number.reshape(team.shape), b2b.reshape(team.shape)


# --- one season -------------------------------------------------------------------------------------------------


def _injuries(rng: np.random.Generator, roster: np.ndarray, n_players: int) -> np.ndarray:
    """(players, 82): out injured for that team game. A few spells of 1-15 games per team."""
    spells = rng.poisson(INJURY_SPELLS_PER_TEAM, N_TEAMS)
    spell_team = np.repeat(np.arange(N_TEAMS), spells)
    who = roster[spell_team, rng.integers(0, roster.shape[1], len(spell_team))]
    first = rng.integers(0, GAMES_PER_TEAM, len(who))
    length = np.minimum(rng.geometric(0.22, len(who)), INJURY_MAX_GAMES)
    out = np.zeros((n_players, GAMES_PER_TEAM), dtype=bool)
    for p, f, n in zip(who.tolist(), first.tolist(), length.tolist()):
        if not out[p, max(f - 1, 0) : f + n + 1].any():  # spells never merge, so every absence is 1-15 games
            out[p, f : f + n] = True
    return out


def _form(rng: np.random.Generator, n_players: int) -> np.ndarray:
    """(players, 82) multiplicative shooting form: a mean-reverting random walk in log space."""
    log_form = np.empty((n_players, GAMES_PER_TEAM))
    log_form[:, 0] = rng.normal(0, FORM_SD / np.sqrt(1 - FORM_RHO**2), n_players)
    for k in range(1, GAMES_PER_TEAM):
        log_form[:, k] = FORM_RHO * log_form[:, k - 1] + rng.normal(0, FORM_SD, n_players)
    return np.exp(log_form)


def _minutes_plan(rng: np.random.Generator, base: np.ndarray, out: np.ndarray) -> np.ndarray:
    """(G, 2, R) pre-game minutes: the top available players by depth share 240 minutes, 0 for the rest.

    Rotations run 9-12 deep (times the roster scale); an injury moves the next man up."""
    roster = base.shape[2]
    size = np.round(rng.choice(ROTATION_SIZES, size=base.shape[:2], p=ROTATION_PROBS) * roster / ROSTER_SIZE)
    available = ~out
    depth = np.cumsum(available, axis=2) - 1
    weight = np.where(available & (depth < size[:, :, None]), base, 0.0)
    plan = TEAM_MINUTES * weight / weight.sum(axis=2, keepdims=True)
    # Nobody is planned for more than MAX_PLAN minutes; the excess goes to the rest of the rotation.
    for _ in range(4):
        plan = np.minimum(plan, MAX_PLAN)
        room = np.where(plan < MAX_PLAN, plan, 0.0)
        spare = TEAM_MINUTES - plan.sum(axis=2, keepdims=True)
        plan = plan + room * spare / np.maximum(room.sum(axis=2, keepdims=True), 1e-9)
    return plan


def _realised_minutes(rng: np.random.Generator, plan: np.ndarray) -> np.ndarray:
    """Plan times (1 + noise), the noise re-centred so each team still totals ~240 and E[minutes] = plan."""
    sd = np.clip(MINUTES_SD[0] + 0.01 * (30 - plan), *MINUTES_SD)
    noise = rng.normal(0, 1, plan.shape) * sd
    noise -= (plan * noise).sum(axis=2, keepdims=True) / TEAM_MINUTES
    minutes = np.where(plan > 0, np.clip(plan * (1 + noise), 0.5, 48.0), 0.0)
    return np.round(minutes, 1)


def _simulate_season(
    rng: np.random.Generator, season: Season, players: _Players, teams: _Teams
) -> dict[str, dict[str, np.ndarray]]:
    day, home, away = _schedule(rng, season)
    dates = np.datetime64(season.start, "D") + day
    team = np.stack([home, away], axis=1)  # (G, 2): side 0 is the home team
    opponent = team[:, ::-1]
    game_no, b2b = _team_game_numbers(day, team)
    roster = _rosters(players)
    pid = roster[team]  # (G, 2, R)
    k = np.broadcast_to(game_no[:, :, None], pid.shape)
    injured = _injuries(rng, roster, len(players))
    out = injured[pid, k]
    form = _form(rng, len(players))[pid, k]

    plan = _minutes_plan(rng, players.minutes[pid], out)
    minutes = _realised_minutes(rng, plan)
    edge = np.where(np.arange(2) == 0, HOME_EDGE, 1.0)[None, :] * np.where(b2b, BACK_TO_BACK, 1.0)
    edge = edge[:, :, None] * form
    # A team's shot volume is set by the two paces; usage x planned minutes shares it out, so an absent star's
    # shots go to his teammates. The denominator is pre-game, so attempt means stay linear in minutes.
    volume = TEAM_FGA * teams.pace[team] * teams.pace[opponent]
    share = players.usage[pid] / (players.usage[pid] * plan).sum(axis=2, keepdims=True)
    shot_rate = volume[:, :, None] * share  # field-goal attempts per minute
    zone_rate = shot_rate[..., None] * players.mix[pid]
    zone_p = np.clip(players.skill[pid] * teams.defence[opponent][:, :, None, :] * edge[..., None], 0.01, 0.95)
    ft_rate = shot_rate * players.ft_rate[pid]
    ft_p = np.clip(players.ft_pct[pid] * edge, 0.05, 0.98)
    # Attempt means are linear in minutes and E[minutes] = plan, so this is the exact pre-game expectation.
    expected = plan * ((zone_rate * zone_p * ZONE_POINTS).sum(axis=3) + ft_rate * ft_p)

    zone_att = _attempts(rng, zone_rate * minutes[..., None])
    zone_made = rng.binomial(zone_att, zone_p)
    ft_att = rng.poisson(ft_rate * minutes)
    ft_made = rng.binomial(ft_att, ft_p)
    _break_ties(rng, zone_att, zone_made, ft_made, minutes)
    box = _box_score(rng, players, pid, minutes, shot_rate, zone_att, zone_made, ft_att, ft_made)

    game_ids = np.array(
        [f"{d.strftime('%Y%m%d')}_{TEAMS[a]}_{TEAMS[h]}" for d, h, a in zip(dates.tolist(), home, away)],
        dtype=object,
    )
    games = {
        "game_id": game_ids,
        "game_date": dates,
        "season_year": np.full(len(day), season.start.year),
        "team": team,
        "opponent": opponent,
    }
    offense = _team_offense(box)
    return {
        SCHEDULE: _schedule_columns(games),
        PLAYER_GAMES: _player_columns(rng, games, players, pid, out, box, offense),
        TEAM_OFFENSE: _offense_columns(games, offense),
        TEAM_DEFENSE: _defense_columns(rng, games, box, offense),
        PROPS: _props_columns(rng, games, players, roster, pid, k, out, injured, box),
        ORACLE: _oracle_columns(games, players, pid, box["minutes"], expected),
    }


def _attempts(rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
    """(G, 2, R, 3) attempts with the given means, drawn per team: a binomial team total (less spread than
    independent Poisson counts, as possessions cap a team's shots) shared out multinomially."""
    per_team = mean.reshape(*mean.shape[:2], -1)
    total = per_team.sum(axis=2)
    trials = np.ceil(total / (1 - TEAM_ATTEMPT_DISPERSION))
    count = rng.binomial(trials.astype(np.int64), total / trials)
    return rng.multinomial(count, per_team / total[:, :, None]).reshape(mean.shape)


def _break_ties(
    rng: np.random.Generator, zone_att: np.ndarray, zone_made: np.ndarray, ft_made: np.ndarray, minutes: np.ndarray
) -> None:
    """No ties in the NBA: in a tied game one side (a coin flip) gets an overtime paint basket.

    It goes to that side's player with the most minutes, so points still equal the sum of player points."""
    points = ((zone_made * ZONE_POINTS).sum(axis=3) + ft_made).sum(axis=2)
    tied = np.flatnonzero(points[:, 0] == points[:, 1])
    side = rng.integers(0, 2, len(tied))
    scorer = minutes[tied, side].argmax(axis=1)
    zone_att[tied, side, scorer, 0] += 1
    zone_made[tied, side, scorer, 0] += 1


def _box_score(
    rng: np.random.Generator,
    players: _Players,
    pid: np.ndarray,
    minutes: np.ndarray,
    shot_rate: np.ndarray,
    zone_att: np.ndarray,
    zone_made: np.ndarray,
    ft_att: np.ndarray,
    ft_made: np.ndarray,
) -> dict[str, np.ndarray]:
    """(G, 2, R) counting stats; rows with 0 minutes come out all zero because every rate scales with minutes."""
    archetype = players.archetype[pid]
    fg_made = zone_made.sum(axis=3)
    assisted = rng.binomial(fg_made, players.assisted[pid])
    # Every assisted make is some teammate's assist: share the team's out by playmaking x minutes.
    playmaking = minutes * BOX_RATES["ast"][archetype] * np.sqrt(players.usage[pid])
    assists = rng.multinomial(assisted.sum(axis=2), playmaking / playmaking.sum(axis=2, keepdims=True))
    return {
        "minutes": minutes,
        "points": (zone_made * ZONE_POINTS).sum(axis=3) + ft_made,
        "fg_attempts": zone_att.sum(axis=3),
        "fg_makes": fg_made,
        "paint_attempts": zone_att[..., 0],
        "paint_makes": zone_made[..., 0],
        "mid_range_attempts": zone_att[..., 1],
        "mid_range_makes": zone_made[..., 1],
        "three_attempts": zone_att[..., 2],
        "three_makes": zone_made[..., 2],
        "ft_attempts": ft_att,
        "ft_makes": ft_made,
        "assisted_fg_makes": assisted,
        "unassisted_fg_makes": fg_made - assisted,
        "offensive_rebounds": rng.poisson(minutes * BOX_RATES["oreb"][archetype]),
        "defensive_rebounds": rng.poisson(minutes * BOX_RATES["dreb"][archetype]),
        "assists": assists,
        "steals": rng.poisson(minutes * BOX_RATES["stl"][archetype]),
        "blocks": rng.poisson(minutes * BOX_RATES["blk"][archetype]),
        "turnovers": rng.poisson(0.16 * shot_rate * minutes),
        "personal_fouls": np.minimum(rng.poisson(minutes * FOUL_RATE), 6),
    }


def _team_offense(box: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """(G, 2) team sums of the player rows, plus possessions."""
    sums = {name: values.sum(axis=2) for name, values in box.items() if name != "minutes"}
    sums["possessions"] = (
        sums["fg_attempts"] + 0.44 * sums["ft_attempts"] + sums["turnovers"] - sums["offensive_rebounds"]
    )
    return sums


# --- tables -----------------------------------------------------------------------------------------------------


def _per_row(values: np.ndarray, roster: int) -> np.ndarray:
    """A (G, 2) per-team-game value repeated for each of the team's R player rows."""
    return np.repeat(values.ravel(), roster)


def _schedule_columns(games: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    n = len(games["game_id"])
    return {
        "game_id": games["game_id"],
        "game_date": games["game_date"],
        "season_year": games["season_year"],
        "home_team_abbr": TEAM_ABBR[games["team"][:, 0]],
        "away_team_abbr": TEAM_ABBR[games["team"][:, 1]],
        "game_status": np.full(n, 3),  # final
        "is_regular_season": np.ones(n, dtype=bool),
    }


def _player_columns(
    rng: np.random.Generator,
    games: dict[str, np.ndarray],
    players: _Players,
    pid: np.ndarray,
    out: np.ndarray,
    box: dict[str, np.ndarray],
    offense: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    roster = pid.shape[2]
    flat = {name: values.ravel() for name, values in box.items()}
    minutes = flat["minutes"]
    played = minutes > 0
    out = out.ravel()
    margin = _per_row(offense["points"] - offense["points"][:, ::-1], roster)
    plus_minus = np.round(margin * minutes / 48 + rng.normal(0, 4, len(minutes)) * np.sqrt(minutes / 48))
    team_load = _per_row(offense["fg_attempts"] + 0.44 * offense["ft_attempts"] + offense["turnovers"], roster)
    load = flat["fg_attempts"] + 0.44 * flat["ft_attempts"] + flat["turnovers"]
    usage_rate = _ratio(100 * load * 48, minutes * team_load)
    ts_pct = _ratio(flat["points"], 2 * (flat["fg_attempts"] + 0.44 * flat["ft_attempts"]))
    row_game = np.repeat(np.arange(len(games["game_id"])), 2 * roster)
    return {
        "player_lookup": players.lookup[pid.ravel()],
        "universal_player_id": players.lookup[pid.ravel()] + "_001",
        "player_full_name": players.full_name[pid.ravel()],
        "game_id": games["game_id"][row_game],
        "game_date": games["game_date"][row_game],
        "team_abbr": TEAM_ABBR[_per_row(games["team"], roster)],
        "opponent_team_abbr": TEAM_ABBR[_per_row(games["opponent"], roster)],
        "season_year": games["season_year"][row_game],
        "home_game": _per_row(_home_side(games), roster),
        "points": flat["points"],
        "minutes_played": minutes,
        "assists": flat["assists"],
        "offensive_rebounds": flat["offensive_rebounds"],
        "defensive_rebounds": flat["defensive_rebounds"],
        "steals": flat["steals"],
        "blocks": flat["blocks"],
        "turnovers": flat["turnovers"],
        "personal_fouls": flat["personal_fouls"],
        "plus_minus": np.where(played, plus_minus, 0).astype(np.int64),
        "fg_attempts": flat["fg_attempts"],
        "fg_makes": flat["fg_makes"],
        "three_pt_attempts": flat["three_attempts"],
        "three_pt_makes": flat["three_makes"],
        "ft_attempts": flat["ft_attempts"],
        "ft_makes": flat["ft_makes"],
        "paint_attempts": flat["paint_attempts"],
        "paint_makes": flat["paint_makes"],
        "mid_range_attempts": flat["mid_range_attempts"],
        "mid_range_makes": flat["mid_range_makes"],
        "three_attempts_pbp": flat["three_attempts"],
        "three_makes_pbp": flat["three_makes"],
        "assisted_fg_makes": flat["assisted_fg_makes"],
        "unassisted_fg_makes": flat["unassisted_fg_makes"],
        "usage_rate": usage_rate,
        "ts_pct": ts_pct,
        # Injured players are inactive; healthy players outside the rotation are active but did not play.
        "is_active": ~out,
        "is_dnp": ~played,
        "player_status": np.where(out, "out", "active").astype(object),
        "dnp_reason": np.where(out, "injury", np.where(played, None, "coach_decision")).astype(object),
    }


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ma.MaskedArray:
    """numerator / denominator, NULL (masked) where the denominator is 0."""
    zero = denominator == 0
    return np.ma.masked_array(numerator / np.where(zero, 1, denominator), mask=zero)


def _home_side(games: dict[str, np.ndarray]) -> np.ndarray:
    return np.broadcast_to(np.array([True, False]), games["team"].shape)


def _team_rows(games: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The key columns shared by the two team tables, one row per (game, side)."""
    return {
        "game_id": np.repeat(games["game_id"], 2),
        "game_date": np.repeat(games["game_date"], 2),
        "season_year": np.repeat(games["season_year"], 2),
        "home_game": _home_side(games).ravel(),
    }


def _offense_columns(games: dict[str, np.ndarray], offense: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    points = offense["points"]
    possessions = offense["possessions"]
    keys = _team_rows(games)
    return {
        "game_id": keys["game_id"],
        "game_date": keys["game_date"],
        "team_abbr": TEAM_ABBR[games["team"].ravel()],
        "opponent_team_abbr": TEAM_ABBR[games["opponent"].ravel()],
        "season_year": keys["season_year"],
        "home_game": keys["home_game"],
        "win_flag": (points > points[:, ::-1]).ravel(),
        "points_scored": points.ravel(),
        "opponent_points": points[:, ::-1].ravel(),
        "fg_attempts": offense["fg_attempts"].ravel(),
        "fg_makes": offense["fg_makes"].ravel(),
        "three_pt_attempts": offense["three_attempts"].ravel(),
        "three_pt_makes": offense["three_makes"].ravel(),
        "ft_attempts": offense["ft_attempts"].ravel(),
        "ft_makes": offense["ft_makes"].ravel(),
        "offensive_rebounds": offense["offensive_rebounds"].ravel(),
        "turnovers": offense["turnovers"].ravel(),
        "assists": offense["assists"].ravel(),
        "team_paint_attempts": offense["paint_attempts"].ravel(),
        "team_paint_makes": offense["paint_makes"].ravel(),
        "team_mid_range_attempts": offense["mid_range_attempts"].ravel(),
        "team_mid_range_makes": offense["mid_range_makes"].ravel(),
        "possessions": possessions.ravel(),
        "pace": possessions.ravel(),  # 48-minute games: possessions per 48 minutes
        "offensive_rating": (100 * points / possessions).ravel(),
    }


def _defense_columns(
    rng: np.random.Generator, games: dict[str, np.ndarray], box: dict[str, np.ndarray], offense: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Row (game, side) = what the other side's players did against this side."""
    opp = {name: values[:, ::-1] for name, values in offense.items()}
    misses = np.stack(
        [opp[f"{zone}_attempts"] - opp[f"{zone}_makes"] for zone in ("paint", "mid_range", "three")], axis=2
    )
    # The defenders' blocks, split over the zones where the opponent missed (paint shots get blocked most).
    weight = misses * np.array([0.15, 0.05, 0.02]) + 1e-9
    zone_blocks = rng.multinomial(box["blocks"].sum(axis=2), weight / weight.sum(axis=2, keepdims=True))
    keys = _team_rows(games)
    return {
        "game_id": keys["game_id"],
        "game_date": keys["game_date"],
        "defending_team_abbr": TEAM_ABBR[games["team"].ravel()],
        "opponent_team_abbr": TEAM_ABBR[games["opponent"].ravel()],
        "season_year": keys["season_year"],
        "home_game": keys["home_game"],
        "win_flag": (offense["points"] > opp["points"]).ravel(),
        "points_allowed": opp["points"].ravel(),
        "opp_fg_attempts": opp["fg_attempts"].ravel(),
        "opp_fg_makes": opp["fg_makes"].ravel(),
        "opp_three_pt_attempts": opp["three_attempts"].ravel(),
        "opp_three_pt_makes": opp["three_makes"].ravel(),
        "opp_ft_attempts": opp["ft_attempts"].ravel(),
        "opp_ft_makes": opp["ft_makes"].ravel(),
        "opp_offensive_rebounds": opp["offensive_rebounds"].ravel(),
        "turnovers_forced": opp["turnovers"].ravel(),
        "opp_paint_attempts": opp["paint_attempts"].ravel(),
        "opp_paint_makes": opp["paint_makes"].ravel(),
        "opp_mid_range_attempts": opp["mid_range_attempts"].ravel(),
        "opp_mid_range_makes": opp["mid_range_makes"].ravel(),
        "points_in_paint_allowed": 2 * opp["paint_makes"].ravel(),
        "mid_range_points_allowed": 2 * opp["mid_range_makes"].ravel(),
        "three_pt_points_allowed": 3 * opp["three_makes"].ravel(),
        "blocks_paint": zone_blocks[..., 0].ravel(),
        "blocks_mid_range": zone_blocks[..., 1].ravel(),
        "blocks_three_pt": zone_blocks[..., 2].ravel(),
        "defensive_rating": (100 * opp["points"] / opp["possessions"]).ravel(),
        "opponent_pace": opp["possessions"].ravel(),
    }


def _oracle_columns(
    games: dict[str, np.ndarray], players: _Players, pid: np.ndarray, minutes: np.ndarray, expected: np.ndarray
) -> dict[str, np.ndarray]:
    played = (minutes > 0).ravel()
    row_game = np.repeat(np.arange(len(games["game_id"])), pid.shape[1] * pid.shape[2])[played]
    return {
        "player_lookup": players.lookup[pid.ravel()[played]],
        "game_id": games["game_id"][row_game],
        "game_date": games["game_date"][row_game],
        "expected_points": expected.ravel()[played],
    }


# --- bookmaker lines --------------------------------------------------------------------------------------------


def _preseason_projection(
    rng: np.random.Generator, players: _Players, roster: np.ndarray
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


def _props_columns(
    rng: np.random.Generator,
    games: dict[str, np.ndarray],
    players: _Players,
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
    players: _Players,
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


def _to_table(name: str, parts: list[dict[str, np.ndarray]]) -> pa.Table:
    """Concatenate the seasons' columns into one table with exactly the schema kept in the repo."""
    schema = table_schema(name).arrow_schema()
    arrays = []
    for field in schema:
        values = [part[field.name] for part in parts]
        if any(np.ma.isMaskedArray(v) for v in values):
            merged = np.ma.concatenate(values)
            arrays.append(pa.array(merged.data, type=field.type, mask=np.ma.getmaskarray(merged)))
        else:
            arrays.append(pa.array(np.concatenate(values), type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)
