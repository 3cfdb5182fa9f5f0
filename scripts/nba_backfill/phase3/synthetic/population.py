"""The league's 30 teams and its players (names, depth, skills), drawn once from the seed, and how they change
each offseason (aging, trades, team styles)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TEAMS = (
    "ATL", "BOS", "BKN", "CHA", "CHI", "CLE", "DAL", "DEN", "DET", "GSW",
    "HOU", "IND", "LAC", "LAL", "MEM", "MIA", "MIL", "MIN", "NOP", "NYK",
    "OKC", "ORL", "PHI", "PHX", "POR", "SAC", "SAS", "TOR", "UTA", "WAS",
)  # fmt: skip
N_TEAMS = len(TEAMS)
TEAM_ABBR = np.array(TEAMS, dtype=object)
# Alphabetical rank of each team, to order a day's games by game_id.
TEAM_RANK = np.argsort(np.argsort(TEAMS))


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

# Archetypes: big, wing, guard. Zone mix means, make skill means (paint, mid, three), free-throw percentage.
ARCHETYPE_PROBS = np.array([0.25, 0.45, 0.30])
ARCHETYPE_MIX = np.array([[0.68, 0.20, 0.12], [0.40, 0.16, 0.44], [0.33, 0.19, 0.48]])
ARCHETYPE_SKILL = np.array([[0.62, 0.41, 0.33], [0.55, 0.42, 0.36], [0.53, 0.43, 0.365]])
ARCHETYPE_FT_PCT = np.array([0.70, 0.78, 0.82])

TRADE_SHARE = 0.06  # swaps per player each offseason


@dataclass
class Players:
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
class Teams:
    pace: np.ndarray  # (30,)
    defence: np.ndarray  # (30, 3) multipliers on the opponent's make probability per zone


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


def draw_players(rng: np.random.Generator, roster: int) -> Players:
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
    return Players(
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


def draw_teams(rng: np.random.Generator) -> Teams:
    return Teams(pace=rng.normal(1.0, 0.03, N_TEAMS), defence=rng.normal(1.0, 0.04, (N_TEAMS, 3)))


def offseason(rng: np.random.Generator, players: Players, teams: Teams) -> None:
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


def rosters(players: Players) -> np.ndarray:
    """(30, roster) player indices per team, deepest-minutes first (the depth chart)."""
    order = np.lexsort((-players.minutes, players.team))
    return order.reshape(N_TEAMS, -1)
