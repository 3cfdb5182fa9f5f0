"""Known answers for sql/tdza.sql (team defense zone analysis) on hand-made leagues.

Expected values come from `expected_tdza`, plain loops over the team-defense rows written to the warehouse.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
import sqlglot
from tiny_league import TinyLeague

from nba_backfill.processors import PHASE4
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

TDZA = PHASE4["tdza"]
OPENER = dt.date(2024, 10, 22)
# zone name in the output, makes column, attempts column, league default
ZONES = {
    "paint": ("opp_paint_makes", "opp_paint_attempts", 0.580),
    "mid_range": ("opp_mid_range_makes", "opp_mid_range_attempts", 0.410),
    "three_pt": ("opp_three_pt_makes", "opp_three_pt_attempts", 0.355),
}
ZONE_LABEL = {"paint": "paint", "mid_range": "mid_range", "three_pt": "perimeter"}


def add_defense(league: TinyLeague, game_ids: list[str], rng: random.Random, no_mid_range: set[str] = frozenset()):
    """Both teams' TDGS rows for each game; teams in `no_mid_range` have no mid-range zone data (NULL)."""
    for gid in game_ids:
        game = league.games[gid]
        for team in (game["home_team_abbr"], game["away_team_abbr"]):
            paint, mid, three = rng.randint(25, 45), rng.randint(8, 22), rng.randint(25, 45)
            paint_makes = rng.randint(paint * 4 // 10, paint * 7 // 10)
            league.team_defense(
                gid,
                team,
                opp_paint_attempts=paint,
                opp_paint_makes=paint_makes,
                opp_mid_range_attempts=None if team in no_mid_range else mid,
                opp_mid_range_makes=None if team in no_mid_range else rng.randint(mid * 3 // 10, mid // 2),
                opp_three_pt_attempts=three,
                opp_three_pt_makes=rng.randint(three * 3 // 10, three * 4 // 10),
                points_in_paint_allowed=2 * paint_makes,
                blocks_paint=rng.randint(0, 7),
                blocks_mid_range=rng.randint(0, 2),
                blocks_three_pt=None if rng.random() < 0.2 else rng.randint(0, 2),
                points_allowed=rng.randint(90, 130),
                defensive_rating=rng.uniform(95, 125),
                opponent_pace=rng.uniform(94, 104),
            )


# -- plain-Python reference -----------------------------------------------------------------------------
def _sum(rows, key):
    values = [r[key] for r in rows if r.get(key) is not None]
    return sum(values) if values else None


def _pct(rows, makes, attempts):
    m, a = _sum(rows, makes), _sum(rows, attempts)
    return None if m is None or not a else m / a


def expected_tdza(league: TinyLeague, d: dt.date) -> dict[str, dict]:
    """{team: row} for analysis date d."""
    by_team: dict[str, list[dict]] = {}
    for r in league.team_defenses:
        if league.season_start <= r["game_date"] < d:
            by_team.setdefault(r["defending_team_abbr"], []).append(r)

    # league: teams with >= 10 games in [d - 30, d), per-team pct, unweighted mean; defaults under 10 teams
    window = [t for t, rows in by_team.items() if sum(r["game_date"] >= d - dt.timedelta(days=30) for r in rows) >= 10]
    league_pct = {}
    for zone, (makes, attempts, default) in ZONES.items():
        if len(window) < 10:
            league_pct[zone] = default
            continue
        pcts = []
        for team in window:
            recent = [r for r in by_team[team] if r["game_date"] >= d - dt.timedelta(days=30)]
            if (p := _pct(recent, makes, attempts)) is not None:
                pcts.append(p)
        league_pct[zone] = sum(pcts) / len(pcts) if pcts else None

    out = {}
    for team, rows in by_team.items():
        if len(rows) < 15:
            continue
        last = sorted(rows, key=lambda r: (r["game_date"], r["game_id"]), reverse=True)[:15]
        row = {"games_in_sample": 15, "data_quality_tier": "high", "season_year": league.season_year}
        vs = {}
        for zone, (makes, attempts, _) in ZONES.items():
            pct = _pct(last, makes, attempts)
            row[f"{zone}_pct_allowed_last_15"] = pct
            total = _sum(last, attempts)
            row[f"{zone}_attempts_allowed_per_game"] = None if total is None else total / 15
            row[f"league_{zone}_pct"] = league_pct[zone]
            vs[zone] = None if pct is None or league_pct[zone] is None else (pct - league_pct[zone]) * 100
            row[f"{zone}_defense_vs_league_avg"] = vs[zone]
        row["paint_points_allowed_per_game"] = _sum(last, "points_in_paint_allowed") / 15
        for zone in ZONES:
            row[f"{zone}_blocks_per_game"] = (_sum(last, f"blocks_{zone}") or 0) / 15
        row["opponent_points_per_game"] = _sum(last, "points_allowed") / 15
        row["defensive_rating_last_15"] = _sum(last, "defensive_rating") / 15
        row["opponent_pace"] = _sum(last, "opponent_pace") / 15
        present = [z for z in ZONES if vs[z] is not None]  # dict order = tie order: paint, mid_range, three_pt
        row["strongest_zone"] = ZONE_LABEL[min(present, key=lambda z: vs[z])] if present else None
        row["weakest_zone"] = ZONE_LABEL[max(present, key=lambda z: vs[z])] if present else None
        out[team] = row
    return out


# -- helpers --------------------------------------------------------------------------------------------
def run(league: TinyLeague, tmp_path, first: int, last: int) -> dict[tuple[dt.date, str], dict]:
    warehouse = DuckDBWarehouse(tmp_path / "wh")
    league.write(warehouse)
    rows = warehouse.query(TDZA.sql(), league.params(first, last)).dicts()
    keyed = {(r["analysis_date"], r["team_abbr"]): r for r in rows}
    assert len(keyed) == len(rows), "duplicate (analysis_date, team_abbr)"
    return keyed


def assert_matches_reference(league: TinyLeague, got: dict, first: int, last: int) -> None:
    expected = {
        (d, team): row for d in league.game_dates(first, last) for team, row in expected_tdza(league, d).items()
    }
    assert sorted(got) == sorted(expected)
    for key, row in expected.items():
        assert set(got[key]) == set(row) | {"analysis_date", "team_abbr"}
        for column, value in row.items():
            assert got[key][column] == (value if value is None or isinstance(value, str) else pytest.approx(value)), (
                key,
                column,
            )


@pytest.fixture
def league_a() -> TinyLeague:
    """10 teams playing daily on days 0-39, minus one T0 game on day 3 (T0 and that opponent have one game
    fewer); T9 has no mid-range zone data; then single games on days 41 (T2-T3) and 43 (T4-T5)."""
    league = TinyLeague(OPENER)
    teams = [f"T{i}" for i in range(10)]
    ids = league.round_robin(teams, list(range(40)))
    dropped = next(g for g in ids if g.startswith(f"{league.date(3):%Y%m%d}") and "T0" in g)
    league.drop_game(dropped)
    ids.remove(dropped)
    ids += [league.game(41, "T2", "T3"), league.game(43, "T4", "T5")]
    add_defense(league, ids, random.Random(7), no_mid_range={"T9"})
    return league


# -- tests ----------------------------------------------------------------------------------------------
def test_matches_reference_over_a_chunk(league_a, tmp_path):
    got = run(league_a, tmp_path, 14, 43)
    assert_matches_reference(league_a, got, 14, 43)

    dates = sorted({d for d, _ in got})
    # first chunk date (day 14): every team has 14 games -> no rows; day 15: all but the two short a game
    assert dates[0] == league_a.date(15)
    day15 = {t for d, t in got if d == league_a.date(15)}
    assert len(day15) == 8 and "T0" not in day15
    # dates with one game still get every team (not only the teams playing); no rows on non-game days
    for day in (41, 43):
        assert len([t for d, t in got if d == league_a.date(day)]) == 10
    assert league_a.date(40) not in dates and league_a.date(42) not in dates
    # last 15 only: day 20 averages days 5-19, so day 20's own game and days 0-4 are out
    row = got[(league_a.date(20), "T1")]
    window = [
        r
        for r in league_a.team_defenses
        if r["defending_team_abbr"] == "T1" and 5 <= (r["game_date"] - OPENER).days < 20
    ]
    assert len(window) == 15
    assert row["opponent_pace"] == pytest.approx(sum(r["opponent_pace"] for r in window) / 15)
    # a team without mid-range data: NULL there, its other zones still ranked
    t9 = got[(league_a.date(30), "T9")]
    assert t9["mid_range_pct_allowed_last_15"] is None and t9["mid_range_defense_vs_league_avg"] is None
    assert {t9["strongest_zone"], t9["weakest_zone"]} <= {"paint", "perimeter"}
    assert all(r["league_paint_pct"] != 0.580 for r in got.values())  # 10 teams qualify throughout


def test_league_defaults_and_30_day_window(tmp_path):
    """T0-T9 play daily on days 0-14 (15 games each); T8-T10 on day 20; T0-T7 on day 35; T2-T3 on day 36.
    Day 35: [day 5, day 35) holds exactly 10 games for T0-T9 (day 5 = D - 30 counts) -> 10 teams -> computed.
    Day 36: [day 6, day 36) leaves 10 games only to T0-T7 (day 35) and T8 (day 20) -> 9 teams -> the fixed
    defaults."""
    league = TinyLeague(OPENER)
    ids = league.round_robin([f"T{i}" for i in range(10)], list(range(15)))
    ids += [league.game(20, "T8", "T10"), league.game(36, "T2", "T3")]
    ids += [league.game(35, f"T{i}", f"T{i + 1}") for i in range(0, 8, 2)]
    add_defense(league, ids, random.Random(3))
    got = run(league, tmp_path, 14, 36)
    assert_matches_reference(league, got, 14, 36)

    day35 = got[(league.date(35), "T5")]
    own = [
        r
        for r in league.team_defenses
        if 5 <= (r["game_date"] - OPENER).days < 35 and r["defending_team_abbr"] != "T10"
    ]
    per_team = {}
    for r in own:
        m, a = per_team.get(r["defending_team_abbr"], (0, 0))
        per_team[r["defending_team_abbr"]] = (m + r["opp_paint_makes"], a + r["opp_paint_attempts"])
    assert day35["league_paint_pct"] == pytest.approx(sum(m / a for m, a in per_team.values()) / 10)
    day36 = got[(league.date(36), "T5")]
    assert (day36["league_paint_pct"], day36["league_mid_range_pct"], day36["league_three_pt_pct"]) == (
        0.580,
        0.410,
        0.355,
    )
    assert day36["paint_defense_vs_league_avg"] == pytest.approx((day36["paint_pct_allowed_last_15"] - 0.580) * 100)
    assert len([k for k in got if k[0] == league.date(36)]) == 10


def test_outcomes_on_or_after_d_change_nothing(league_a, tmp_path):
    before = run(league_a, tmp_path / "a", 20, 20)
    league_a.scramble_outcomes(20)
    after = run(league_a, tmp_path / "b", 20, 20)
    assert before and before == after


def test_checks_count_teams_from_the_schedule(league_a, tmp_path):
    # T5 loses its team-defense rows from day 10 on: TDZA drops it, the checks still expect it
    league_a.team_defenses = [
        r
        for r in league_a.team_defenses
        if not (r["defending_team_abbr"] == "T5" and r["game_date"] >= league_a.date(10))
    ]
    warehouse = DuckDBWarehouse(tmp_path / "wh")
    league_a.write(warehouse)
    params = league_a.params(14, 43)
    checks = dict(warehouse.query(TDZA.checks_sql(), params).rows)
    expected = {}
    for d in league_a.game_dates(14, 43):
        games: dict[str, int] = {}
        for g in league_a.schedule:
            if g["game_date"] < d:
                for team in (g["home_team_abbr"], g["away_team_abbr"]):
                    games[team] = games.get(team, 0) + 1
        expected[d] = sum(n >= 15 for n in games.values())
    assert checks == expected
    assert checks[league_a.date(14)] == 0 and checks[league_a.date(15)] == 8 and checks[league_a.date(16)] == 10
    produced = {}
    for r in warehouse.query(TDZA.sql(), params).dicts():
        produced[r["analysis_date"]] = produced.get(r["analysis_date"], 0) + 1
    assert produced[league_a.date(16)] == 9 < checks[league_a.date(16)]


def test_sql_parses_as_bigquery():
    for text in (TDZA.sql(), TDZA.checks_sql()):
        sqlglot.parse(text, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)
