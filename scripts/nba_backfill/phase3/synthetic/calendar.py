"""A season's schedule: 82 games a team inside the season window, no three days running, a six-day All-Star
break, denser midweek; and each game's number in its team's season."""

from __future__ import annotations

import datetime as dt

import numpy as np

from ...config import Season
from .population import N_TEAMS, TEAM_RANK

GAMES_PER_TEAM = 82

# Relative weight of games per weekday (Monday first): the schedule is denser midweek and on Fridays.
WEEKDAY_WEIGHTS = np.array([0.95, 1.0, 1.15, 0.8, 1.15, 1.0, 0.95])
B2B_PENALTY = 0.4
SCHEDULE_NOISE = 0.5
SCHEDULE_ATTEMPTS = 40


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


def schedule(rng: np.random.Generator, season: Season) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def team_game_numbers(day: np.ndarray, team: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
