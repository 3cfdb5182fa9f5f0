"""One season's games, player by player: injuries, shooting form, the minutes plan and realised minutes, shot
attempts and makes, ties broken in overtime, the box score and the teams' sums."""

from __future__ import annotations

import numpy as np

from .calendar import GAMES_PER_TEAM
from .population import N_TEAMS, ROSTER_SIZE, Players

ROTATION_SIZES = np.array([9, 10, 11, 12])
ROTATION_PROBS = np.array([0.1, 0.4, 0.35, 0.15])
TEAM_MINUTES = 240.0
MAX_PLAN = 39.0

ZONE_POINTS = np.array([2, 2, 3])  # paint, mid-range, three

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

HOME_EDGE = 1.015
BACK_TO_BACK = 0.97
FORM_RHO = 0.95
FORM_SD = 0.02
MINUTES_SD = (0.12, 0.35)  # relative minutes noise for heavy and light plans

INJURY_SPELLS_PER_TEAM = 3.5
INJURY_MAX_GAMES = 15


def injuries(rng: np.random.Generator, roster: np.ndarray, n_players: int) -> np.ndarray:
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


def shooting_form(rng: np.random.Generator, n_players: int) -> np.ndarray:
    """(players, 82) multiplicative shooting form: a mean-reverting random walk in log space."""
    log_form = np.empty((n_players, GAMES_PER_TEAM))
    log_form[:, 0] = rng.normal(0, FORM_SD / np.sqrt(1 - FORM_RHO**2), n_players)
    for k in range(1, GAMES_PER_TEAM):
        log_form[:, k] = FORM_RHO * log_form[:, k - 1] + rng.normal(0, FORM_SD, n_players)
    return np.exp(log_form)


def minutes_plan(rng: np.random.Generator, base: np.ndarray, out: np.ndarray) -> np.ndarray:
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


def realised_minutes(rng: np.random.Generator, plan: np.ndarray) -> np.ndarray:
    """Plan times (1 + noise), the noise re-centred so each team still totals ~240 and E[minutes] = plan."""
    sd = np.clip(MINUTES_SD[0] + 0.01 * (30 - plan), *MINUTES_SD)
    noise = rng.normal(0, 1, plan.shape) * sd
    noise -= (plan * noise).sum(axis=2, keepdims=True) / TEAM_MINUTES
    minutes = np.where(plan > 0, np.clip(plan * (1 + noise), 0.5, 48.0), 0.0)
    return np.round(minutes, 1)


def attempts(rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
    """(G, 2, R, 3) attempts with the given means, drawn per team: a binomial team total (less spread than
    independent Poisson counts, as possessions cap a team's shots) shared out multinomially."""
    per_team = mean.reshape(*mean.shape[:2], -1)
    total = per_team.sum(axis=2)
    trials = np.ceil(total / (1 - TEAM_ATTEMPT_DISPERSION))
    count = rng.binomial(trials.astype(np.int64), total / trials)
    return rng.multinomial(count, per_team / total[:, :, None]).reshape(mean.shape)


def break_ties(
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


def box_score(
    rng: np.random.Generator,
    players: Players,
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


def team_offense(box: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """(G, 2) team sums of the player rows, plus possessions."""
    sums = {name: values.sum(axis=2) for name, values in box.items() if name != "minutes"}
    sums["possessions"] = (
        sums["fg_attempts"] + 0.44 * sums["ft_attempts"] + sums["turnovers"] - sums["offensive_rebounds"]
    )
    return sums
