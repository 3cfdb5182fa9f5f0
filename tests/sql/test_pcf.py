"""Known answers for sql/pcf.sql (player composite factors) on a hand-made league.

PCF reads PSZA and TDZA rows; here they are hand-made too (written straight into the precompute tables), so
these tests exercise PCF alone. Expected values come from `expected_pcf`, plain loops over the written rows,
and `tiny_league.entity_set` for the pre-tip-off player set.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import shutil
from itertools import pairwise

import pytest
import sqlglot
from tiny_league import TinyLeague, appeared, entity_set, write_rows

from helpers import minutes_weighted
from nba_backfill.processors import PHASE4
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

PCF = PHASE4["pcf"]
OPENER = dt.date(2024, 10, 22)
FIRST, LAST = 14, 40
PSZA_TABLE = "nba_precompute.player_shot_zone_analysis"
TDZA_TABLE = "nba_precompute.team_defense_zone_analysis"

# hand-made PSZA profile per player: (primary_scoring_zone, paint, mid_range, three_pt rates)
SHOT_PROFILES = {
    "tired": ("paint", 0.6, 0.2, 0.2),
    "fresh": ("perimeter", 0.5, 0.2, 0.3),
    "b2b": ("mid_range", 0.3, 0.4, 0.3),
    "dnpy": ("balanced", 0.2, 0.3, 0.5),
    "nullusage": (None, None, None, None),
    "lineonly": ("paint", 0.1, 0.45, 0.45),
}
# opponent TDZA vs-league values (percentage points) by day % 4: paint, mid_range, three_pt
DEFENSE = [(9.0, -3.0, 10.0), (4.5, 8.0, -2.0), (-7.0, 2.5, 6.0), (0.0, -12.0, -9.0)]


# edge plays on days 30, 32, 34 for exactly 105 minutes, 35 a game (no fatigue penalty on day 35), minutes whose
# float sum, newest first, is 105.00000000000001
EDGE_MINUTES = {30: 40.7, 32: 34.2, 34: 30.1}


def build() -> tuple[TinyLeague, list[dict], list[dict]]:
    """A and B play daily on days 0-40, C and D every third day. TOGS rows for A, B, C (none for D).
    Players: tired (A, daily, 41 min), fresh (A, every 4th day), b2b (B, days d % 5 in {0, 1}), dnpy (B,
    daily, DNP rows on days 20-26), nullusage (B, daily, no usage), pc (C) / pd (D) every C-D game, gone (A,
    days 0-5 and again on day 40), lineonly (A, days 0-3, a line for day 40), propnohist (a line for day 40,
    no rows). Lines: tired on day 20 (pre-tip-off), fresh on day 20 (in-game only).
    Returns the league, hand-made PSZA rows and hand-made TDZA rows."""
    lg = TinyLeague(OPENER)
    rng = random.Random(5)

    def play(gid, player, team, minutes, **extra):
        lg.player_game(gid, player, team, minutes_played=minutes, usage_rate=rng.uniform(14, 32), **extra)

    for day in range(LAST + 1):
        ab = lg.game(day, "A", "B") if day % 2 else lg.game(day, "B", "A")
        for team in ("A", "B"):
            lg.team_offense(ab, team, pace=rng.uniform(94, 106))
        play(ab, "tired", "A", 41.0)
        if day % 4 == 0:
            play(ab, "fresh", "A", 30.0)
        if day % 5 in (0, 1):
            play(ab, "b2b", "B", 34.0)
        if 20 <= day <= 26:
            lg.player_game(ab, "dnpy", "B", minutes_played=0.0, is_dnp=True, is_active=False)
        else:
            play(ab, "dnpy", "B", 28.0)
        lg.player_game(ab, "nullusage", "B", minutes_played=20.0, usage_rate=None)
        if day <= 5 or day == 40:
            play(ab, "gone", "A", 25.0)
        if day <= 3:
            play(ab, "lineonly", "A", 15.0)
        if day in EDGE_MINUTES:
            play(ab, "edge", "A", EDGE_MINUTES[day])
        if day == 20:
            lg.prop("tired", ab, minutes_before_tipoff=60)
            lg.prop("fresh", ab, minutes_before_tipoff=-10)
        if day == 40:
            lg.prop("lineonly", ab)
            lg.prop("propnohist", ab)
        if day % 3 == 0:
            cd = lg.game(day, "C", "D")
            lg.team_offense(cd, "C", pace=rng.uniform(94, 106))
            play(cd, "pc", "C", 30.0)
            play(cd, "pd", "D", 30.0)

    # precompute rows for days 14-30 only: later dates take the no-PSZA/no-TDZA path
    shot_zones, zone_defense = [], []
    for day in range(FIRST, 31):
        d = lg.date(day)
        for player, (zone, paint, mid, three) in SHOT_PROFILES.items():
            shot_zones.append({
                "analysis_date": d, "player_lookup": player, "season_year": lg.season_year, "games_in_sample_10": 10,
                "primary_scoring_zone": zone, "paint_rate_last_10": paint, "mid_range_rate_last_10": mid,
                "three_pt_rate_last_10": three, "paint_attempts_per_game": 0.0 if paint is None else 4.0,
            })  # fmt: skip
        for team in ("A", "B", "C"):  # none for D; none for A on day 17
            if team == "A" and day == 17:
                continue
            paint, mid, three = DEFENSE[(day + (team == "A")) % 4]
            zone_defense.append({
                "analysis_date": d, "team_abbr": team, "season_year": lg.season_year, "games_in_sample": 15,
                "paint_defense_vs_league_avg": paint, "mid_range_defense_vs_league_avg": mid,
                "three_pt_defense_vs_league_avg": three, "paint_attempts_allowed_per_game": 30.0,
            })  # fmt: skip
    return lg, shot_zones, zone_defense


# -- plain-Python reference -----------------------------------------------------------------------------
def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def _clamp(value, low, high):
    return max(low, min(high, value))


def expected_pcf(league: TinyLeague, shot_zones: list[dict], zone_defense: list[dict], d: dt.date) -> dict:
    paces = {}
    for team in {g[k] for g in league.schedule if g["game_date"] == d for k in ("home_team_abbr", "away_team_abbr")}:
        rows = [r for r in league.team_offenses if r["team_abbr"] == team and league.season_start <= r["game_date"] < d]
        rows.sort(key=lambda r: r["game_date"], reverse=True)
        paces[team] = _mean(r["pace"] for r in rows[:10])
    psza = {r["player_lookup"]: r for r in shot_zones if r["analysis_date"] == d}
    tdza = {r["team_abbr"]: r for r in zone_defense if r["analysis_date"] == d}

    out = {}
    for player, entity in entity_set(league, d).items():
        if entity["opponent"] is None:  # PCF needs the player's team to play on d
            continue
        played = sorted(
            (r for r in league.player_games
             if r["player_lookup"] == player and league.season_start <= r["game_date"] < d and appeared(r)),
            key=lambda r: r["game_date"],
        )  # fmt: skip
        dates = [r["game_date"] for r in played]
        last7 = [r for r in played if r["game_date"] > d - dt.timedelta(days=7)]
        days_rest = (d - dates[-1]).days if dates else None
        games7 = len(last7)
        seconds7 = sum(round((r["minutes_played"] or 0) * 60) for r in last7)  # exact units (SPEC: fatigue)
        minutes7 = seconds7 / 60
        avg7 = seconds7 / (60 * games7) if games7 else None
        b2b14 = sum(1 for a, b in pairwise(dates) if a > d - dt.timedelta(days=14) and (b - a).days == 1)
        usage3 = minutes_weighted(played[-3:], "usage_rate")
        season_usage = minutes_weighted(played, "usage_rate")
        own, opp = paces.get(entity["team"]), paces.get(entity["opponent"])
        pace_diff = own - opp if own is not None and opp is not None else None

        fatigue = 100
        if days_rest == 1:
            fatigue -= 15
        elif (days_rest or 1) >= 3:
            fatigue += 5
        fatigue -= 10 if games7 >= 4 else 0
        fatigue -= 10 if seconds7 > 240 * 60 else 0
        fatigue -= 8 if games7 and seconds7 > 35 * 60 * games7 else 0
        fatigue -= 12 if b2b14 >= 2 else 5 if b2b14 == 1 else 0
        fatigue = _clamp(fatigue, 0, 100)

        shot, defense = psza.get(player), tdza.get(entity["opponent"])
        zone_score = 0.0
        if shot and defense:
            zone = {"mid_range": "mid_range", "perimeter": "three_pt"}.get(shot["primary_scoring_zone"], "paint")
            rate = shot[f"{zone}_rate_last_10"] if shot[f"{zone}_rate_last_10"] is not None else 0.5
            m = (defense[f"{zone}_defense_vs_league_avg"] or 0) * min(rate / 0.5, 1)
            zone_score = _clamp(m * 1.2 if abs(m) > 5 else m, -10, 10)
        pace_score = _clamp(pace_diff / 2, -3, 3) if pace_diff is not None else 0
        usage_score = (
            _clamp(0.3 * (usage3 - season_usage), -3, 3) if usage3 is not None and season_usage is not None else 0
        )
        present = [
            days_rest is not None,
            usage3 is not None and season_usage is not None,
            pace_diff is not None,
            shot is not None,
            defense is not None,
        ]
        out[player] = {
            "analysis_date": d,
            "universal_player_id": entity["universal_player_id"],
            "team_abbr": entity["team"],
            "opponent_team_abbr": entity["opponent"],
            "season_year": league.season_year,
            "has_prop_line": entity["has_prop_line"],
            "days_rest": days_rest,
            "back_to_back": None if days_rest is None else days_rest == 1,
            "games_in_last_7_days": games7,
            "minutes_in_last_7_days": minutes7,
            "avg_minutes_per_game_last_7": avg7,
            "back_to_backs_last_14_days": b2b14,
            "avg_usage_rate_last_7_games": minutes_weighted(last7, "usage_rate"),
            "usage_rate_last_3_games": usage3,
            "season_usage_rate": season_usage,
            "pace_differential": pace_diff,
            "fatigue_score": fatigue,
            "shot_zone_mismatch_score": zone_score,
            "pace_score": pace_score,
            "usage_spike_score": usage_score,
            "total_composite_adjustment": (fatigue - 100) / 20 + zone_score + pace_score + usage_score,
            "data_completeness_pct": 20.0 * sum(present),
        }
    return out


# -- helpers --------------------------------------------------------------------------------------------
def run(warehouse: DuckDBWarehouse, league: TinyLeague, first: int, last: int) -> dict[tuple[dt.date, str], dict]:
    rows = warehouse.query(PCF.sql(), league.params(first, last)).dicts()
    keyed = {(r["game_date"], r["player_lookup"]): r for r in rows}
    assert len(keyed) == len(rows), "duplicate (game_date, player_lookup)"
    return keyed


def approx(value):
    return value if value is None or isinstance(value, (str, bool)) else pytest.approx(value)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The league and its hand-made PSZA/TDZA rows, written once per module; tests that change rows copy it."""
    league, shot_zones, zone_defense = build()
    path = tmp_path_factory.mktemp("pcf") / "wh"
    warehouse = DuckDBWarehouse(path)
    league.write(warehouse)
    write_rows(warehouse, PSZA_TABLE, shot_zones)
    write_rows(warehouse, TDZA_TABLE, zone_defense)
    return league, shot_zones, zone_defense, path


@pytest.fixture(scope="module")
def chunk(written):
    league, shot_zones, zone_defense, path = written
    return league, shot_zones, zone_defense, run(DuckDBWarehouse(path), league, FIRST, LAST)


# -- tests ----------------------------------------------------------------------------------------------
def test_matches_reference_over_a_chunk(chunk):
    league, shot_zones, zone_defense, got = chunk
    expected = {
        (d, player): row
        for d in league.game_dates(FIRST, LAST)
        for player, row in expected_pcf(league, shot_zones, zone_defense, d).items()
    }
    assert sorted(got) == sorted(expected)
    for key, row in expected.items():
        assert set(got[key]) == set(row) | {"game_date", "player_lookup"}
        for column, value in row.items():
            assert got[key][column] == approx(value), (key, column)


def test_named_cases(chunk):
    league, _, _, got = chunk
    day = league.date

    # tired plays daily (also on D itself, which must not count): rest 1, 6 games / 246 min in (D-7, D),
    # 12 back-to-backs among days 7-19 -> 100 - 15 - 10 - 10 - 8 - 12
    tired = got[(day(20), "tired")]
    assert (tired["days_rest"], tired["back_to_back"], tired["games_in_last_7_days"]) == (1, True, 6)
    assert tired["minutes_in_last_7_days"] == 246 and tired["back_to_backs_last_14_days"] == 12
    assert tired["fatigue_score"] == 45 and tired["has_prop_line"] is True
    # opponent B on day 20 (day % 4 == 0): paint +9 pp, weight 1 -> 9 * 1.2 = 10.8 -> clamped to 10
    assert tired["shot_zone_mismatch_score"] == 10
    assert got[(day(20), "fresh")]["has_prop_line"] is False  # only an in-game line
    # fresh: last game 4 days ago -> +5, clamped to 100; perimeter rate 0.3 -> weight 0.6, B's three +10 -> 7.2
    fresh = got[(day(24), "fresh")]
    assert (fresh["days_rest"], fresh["fatigue_score"]) == (4, 100)
    assert fresh["shot_zone_mismatch_score"] == pytest.approx(7.2)
    # DNP rows (days 20-26) are not games: dnpy's last game before day 26 is day 19, none in (day 19, day 26)
    dnpy = got[(day(26), "dnpy")]
    assert (dnpy["days_rest"], dnpy["games_in_last_7_days"], dnpy["avg_minutes_per_game_last_7"]) == (7, 0, None)
    # no usage history -> no spike, 80% complete
    assert got[(day(30), "nullusage")]["usage_spike_score"] == 0
    assert got[(day(30), "nullusage")]["data_completeness_pct"] == 80
    # D has no team rows -> no pace differential for C or D players; no PSZA for pc, no TDZA for D
    pc = got[(day(30), "pc")]
    assert pc["pace_differential"] is None and pc["pace_score"] == 0 and pc["shot_zone_mismatch_score"] == 0
    assert pc["data_completeness_pct"] == 40 and pc["opponent_team_abbr"] == "D"
    # A has no TDZA row on day 17 -> B players get 0 for the matchup
    assert got[(day(17), "b2b")]["shot_zone_mismatch_score"] == 0
    # pace and usage factors move for real
    assert len({round(r["pace_score"], 6) for r in got.values()}) > 5
    assert len({round(r["usage_spike_score"], 6) for r in got.values()}) > 5

    # entity set: gone last appeared on day 5 -> in on day 35, out on day 36 and on day 40 although he plays
    assert (day(35), "gone") in got and (day(36), "gone") not in got and (day(40), "gone") not in got
    # lineonly: last game day 3, but a line for day 40 -> in, fully rested
    lineonly = got[(day(40), "lineonly")]
    assert lineonly["has_prop_line"] is True and lineonly["days_rest"] == 37 and lineonly["fatigue_score"] == 100
    assert lineonly["avg_minutes_per_game_last_7"] is None and lineonly["games_in_last_7_days"] == 0
    # a line but no rows at all: his team is unknown -> no row
    assert not any(p == "propnohist" for _, p in got)
    # pd's team D plays only every third day
    assert (day(30), "pd") in got and (day(31), "pd") not in got
    # 105 minutes in 3 games is 35 a game, not more, whatever the float sum says: only the back-to-back counts
    assert 30.1 + 34.2 + 40.7 > 105  # the float sum the minutes would give
    edge = got[(day(35), "edge")]
    assert (edge["games_in_last_7_days"], edge["minutes_in_last_7_days"], edge["avg_minutes_per_game_last_7"]) == (
        3,
        105,
        35,
    )
    assert edge["fatigue_score"] == 100 - 15


def test_outcomes_on_or_after_d_change_nothing(written, tmp_path):
    league, _, _, path = written
    before = run(DuckDBWarehouse(path), league, 30, 30)
    changed = copy.deepcopy(league)
    changed.scramble_outcomes(30)
    shutil.copytree(path, tmp_path / "wh")
    warehouse = DuckDBWarehouse(tmp_path / "wh")
    changed.write(warehouse, since=30)
    after = run(warehouse, changed, 30, 30)
    assert before and before == after


def test_checks_expect_players_who_played(chunk, written):
    league, _, _, got = chunk
    checks = dict(DuckDBWarehouse(written[3]).query(PCF.checks_sql(), league.params(FIRST, LAST)).rows)
    expected = {
        d: len({r["player_lookup"] for r in league.player_games if r["game_date"] == d and appeared(r)})
        for d in league.game_dates(FIRST, LAST)
    }
    assert checks == expected
    for d, n in checks.items():
        assert len([k for k in got if k[0] == d]) >= 0.8 * n


def test_sql_parses_as_bigquery():
    for text in (PCF.sql(), PCF.checks_sql()):
        sqlglot.parse(text, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)
