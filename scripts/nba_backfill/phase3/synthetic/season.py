"""One season from its own random stream: the schedule, then every game, then the tables' columns and lines. The
players and teams are only read: offseasons alone change them."""

from __future__ import annotations

import numpy as np

from ...config import Season
from .. import ORACLE, PLAYER_GAMES, PROPS, SCHEDULE, TEAM_DEFENSE, TEAM_OFFENSE
from .bookmaker import props_columns
from .calendar import schedule, team_game_numbers
from .columns import defense_columns, offense_columns, oracle_columns, player_columns, schedule_columns
from .games import (
    BACK_TO_BACK,
    HOME_EDGE,
    TEAM_FGA,
    ZONE_POINTS,
    attempts,
    box_score,
    break_ties,
    injuries,
    minutes_plan,
    realised_minutes,
    shooting_form,
    team_offense,
)
from .population import TEAMS, Players, Teams, rosters


def simulate_season(
    rng: np.random.Generator, season: Season, players: Players, teams: Teams
) -> dict[str, dict[str, np.ndarray]]:
    day, home, away = schedule(rng, season)
    dates = np.datetime64(season.start, "D") + day
    team = np.stack([home, away], axis=1)  # (G, 2): side 0 is the home team
    opponent = team[:, ::-1]
    game_no, b2b = team_game_numbers(day, team)
    roster = rosters(players)
    pid = roster[team]  # (G, 2, R)
    k = np.broadcast_to(game_no[:, :, None], pid.shape)
    injured = injuries(rng, roster, len(players))
    out = injured[pid, k]
    form = shooting_form(rng, len(players))[pid, k]

    plan = minutes_plan(rng, players.minutes[pid], out)
    minutes = realised_minutes(rng, plan)
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

    zone_att = attempts(rng, zone_rate * minutes[..., None])
    zone_made = rng.binomial(zone_att, zone_p)
    ft_att = rng.poisson(ft_rate * minutes)
    ft_made = rng.binomial(ft_att, ft_p)
    break_ties(rng, zone_att, zone_made, ft_made, minutes)
    box = box_score(rng, players, pid, minutes, shot_rate, zone_att, zone_made, ft_att, ft_made)

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
    offense = team_offense(box)
    return {
        SCHEDULE: schedule_columns(games),
        PLAYER_GAMES: player_columns(rng, games, players, pid, out, box, offense),
        TEAM_OFFENSE: offense_columns(games, offense),
        TEAM_DEFENSE: defense_columns(rng, games, box, offense),
        PROPS: props_columns(rng, games, players, roster, pid, k, out, injured, box),
        ORACLE: oracle_columns(games, players, pid, box["minutes"], expected),
    }
