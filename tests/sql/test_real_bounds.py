"""The value checks hold on what real seasons do and our synthetic league never did: a traded player who plays
more than 82 games, a 0.03-minute appearance with one shot, a 0.00-minute appearance. PDC runs on a hand-made
season, its rows go through the job's own table checks, and the window rates are recomputed in plain Python.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from helpers import minutes_weighted, true_shooting, write_rows
from nba_backfill.processors import PHASE4
from nba_backfill.validate import table_checks
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

PDC = PHASE4["pdc"]
OPENER = dt.date(2024, 10, 22)
LAST_DAY = 160
TRADE_DAY = 98  # tim leaves AAA (49 games by then) for CCC, which has played 25 and then plays every day
BLIP_DAY = 40  # sue's 0.03-minute appearance: one made three
ZERO_DAY = 41  # zed's 0.00-minute appearance: on the floor, no time, no stat


def day(n: int) -> dt.date:
    return OPENER + dt.timedelta(days=n)


def game_days(team: str) -> list[int]:
    if team in ("AAA", "BBB"):
        return list(range(0, LAST_DAY + 1, 2))  # 81 games
    return [*range(1, 98, 4), *range(99, 156)]  # CCC and DDD: 25 games, then 57 on consecutive days = 82


ROSTERS = {"AAA": ["ann"], "BBB": ["sue", "bob"], "CCC": ["cal"], "DDD": ["zed", "dee"]}


def team_of(player: str, n: int) -> str | None:
    if player == "tim":
        return "AAA" if n < TRADE_DAY else "CCC"
    return next(team for team, players in ROSTERS.items() if player in players)


def box(rng: random.Random, player: str, team: str, opponent: str, n: int) -> dict:
    row = {
        "player_lookup": player,
        "universal_player_id": f"{player}_001",
        "game_id": f"{day(n):%Y%m%d}_{min(team, opponent)}_{max(team, opponent)}",
        "game_date": day(n),
        "team_abbr": team,
        "opponent_team_abbr": opponent,
        "season_year": 2024,
        "is_active": True,
        "is_dnp": False,
    }
    if player == "sue" and n == BLIP_DAY:
        # usage 100: the most a game's usage can be (Phase 3 leaves the estimate NULL above); true shooting 1.5
        return {**row, "points": 3, "minutes_played": 0.03, "fg_attempts": 1, "fg_makes": 1, "ft_attempts": 0,
                "assisted_fg_makes": 0, "usage_rate": 100.0}  # fmt: skip
    if player == "zed" and n == ZERO_DAY:
        return {**row, "points": 0, "minutes_played": 0.0, "fg_attempts": 0, "fg_makes": 0, "ft_attempts": 0,
                "assisted_fg_makes": 0, "usage_rate": None}  # fmt: skip
    fga = rng.randint(4, 16)
    fgm = rng.randint(1, fga)
    played = {"points": 2 * fgm + rng.randint(0, 6), "minutes_played": round(rng.uniform(18, 38), 2),
              "fg_attempts": fga, "fg_makes": fgm, "ft_attempts": rng.randint(0, 8),
              "assisted_fg_makes": rng.randint(0, fgm)}  # fmt: skip
    return {**row, **played, "usage_rate": round(rng.uniform(12, 30), 2)}


def build_league(with_zero_minute_row: bool = True) -> dict[str, list[dict]]:
    rng = random.Random(7)
    schedule, pgs, togs = [], [], []
    pairs = (("AAA", "BBB"), ("CCC", "DDD"))
    for n in range(LAST_DAY + 1):
        for home, away in pairs:
            if n not in game_days(home):
                continue
            schedule.append({"game_id": f"{day(n):%Y%m%d}_{home}_{away}", "game_date": day(n), "season_year": 2024,
                             "home_team_abbr": home, "away_team_abbr": away, "game_status": 3,
                             "is_regular_season": True})  # fmt: skip
            for team, opponent in ((home, away), (away, home)):
                togs.append({"game_id": f"{day(n):%Y%m%d}_{home}_{away}", "game_date": day(n), "team_abbr": team,
                             "opponent_team_abbr": opponent, "season_year": 2024, "pace": 99.0,
                             "offensive_rating": 112.0})  # fmt: skip
                for player in (*ROSTERS[team], "tim"):
                    if team_of(player, n) != team:
                        continue
                    if player == "zed" and n == ZERO_DAY and not with_zero_minute_row:
                        continue
                    pgs.append(box(rng, player, team, opponent, n))
    return {
        "nba_reference.nba_schedule": schedule,
        "nba_analytics.player_game_summary": pgs,
        "nba_analytics.team_offense_game_summary": togs,
    }


def backfill(league: dict, path) -> tuple[DuckDBWarehouse, dict[tuple[dt.date, str], dict]]:
    """PDC over the season (bootstrap 14 days), written and checked as a job does."""
    warehouse = DuckDBWarehouse(path)
    for table, rows in league.items():
        write_rows(warehouse, table, rows)
    params = {"start_date": day(14), "end_date": day(LAST_DAY), "season_start": OPENER}
    rows = warehouse.query(PDC.sql(), params).dicts()
    write_rows(warehouse, PDC.table, rows)
    return warehouse, {(r["cache_date"], r["player_lookup"]): r for r in rows}


def value_checks(warehouse: DuckDBWarehouse) -> dict[str, bool]:
    results, _ = table_checks(warehouse, PDC, day(14), day(LAST_DAY), OPENER)
    return {r.name: r.ok for r in results}


def history(league: dict, player: str, d: dt.date) -> list[dict]:
    """His played games before d, newest first (a played game: on the floor for some time or some points)."""
    rows = [r for r in league["nba_analytics.player_game_summary"] if r["player_lookup"] == player]
    played = [r for r in rows if r["game_date"] < d and (r["minutes_played"] > 0 or r["points"] > 0)]
    return sorted(played, key=lambda r: r["game_date"], reverse=True)


@pytest.fixture(scope="module")
def league():
    return build_league()


@pytest.fixture(scope="module")
def season(league, tmp_path_factory):
    return backfill(league, tmp_path_factory.mktemp("real_bounds"))


def test_a_traded_player_plays_more_than_82_games_and_every_check_holds(league, season):
    warehouse, rows = season
    last = day(max(game_days("CCC")))
    tim = rows[(last, "tim")]
    assert tim["team_abbr"] == "CCC"
    assert tim["games_played_season"] == len(history(league, "tim", last)) == 49 + 56 > 82
    assert all(value_checks(warehouse).values()), value_checks(warehouse)


def test_two_games_a_day_break_the_one_game_a_day_bound(league, season, tmp_path):
    _, rows = season
    key = (day(max(game_days("CCC"))), "tim")
    doubled = {**rows[key], "games_played_season": (key[0] - OPENER).days + 1}  # more games than days so far
    warehouse = DuckDBWarehouse(tmp_path)
    write_rows(warehouse, PDC.table, [*(r for k, r in rows.items() if k != key), doubled])
    checks = value_checks(warehouse)
    assert not checks["bound:one_game_a_day"]
    assert [name for name, ok in checks.items() if not ok] == ["bound:one_game_a_day"]


def test_a_seconds_long_appearance_counts_for_its_seconds(league, season):
    warehouse, rows = season
    after = next(day(n) for n in game_days("BBB") if n > BLIP_DAY)
    sue = rows[(after, "sue")]
    last10 = history(league, "sue", after)[:10]
    assert last10[0]["minutes_played"] == 0.03  # the blip is in the window
    assert sue["usage_rate_last_10"] == pytest.approx(minutes_weighted(last10, "usage_rate"), rel=1e-9)
    assert sue["ts_pct_last_10"] == pytest.approx(true_shooting(last10), rel=1e-9)
    # without its 0.03 minutes the window would say nearly the same: the blip weighs its seconds, not a tenth
    others = last10[1:]
    assert abs(sue["usage_rate_last_10"] - minutes_weighted(others, "usage_rate")) < 0.05
    assert abs(sue["ts_pct_last_10"] - true_shooting(others)) < 0.03
    assert all(value_checks(warehouse).values())


def test_a_zero_minute_appearance_is_no_game_of_history(league, season, tmp_path):
    _, rows = season
    _, without = backfill(build_league(with_zero_minute_row=False), tmp_path)
    zed = {k: r for k, r in rows.items() if k[1] == "zed" and k[0] > day(ZERO_DAY)}
    assert zed and all(r == without[k] for k, r in zed.items())
    assert any(r["games_played_season"] for r in zed.values())
