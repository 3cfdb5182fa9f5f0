"""Known-answer tests for sql/pdc.sql (player_daily_cache) on a hand-made league.

The expected rows come from `reference_pdc`, plain loops over the same hand-made rows (facts §2.4 with the
brief's entity set and SPEC's strict "< D"); the named scenarios below pin the cases that matter one by one.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import statistics

import hand_made_season
import pytest
import sqlglot
from hand_made_season import END, START, S, day, game_days, mean, pairings, params, played, rows_by_player, write_league

from helpers import minutes_weighted, true_shooting, write_rows
from nba_backfill.processors import PHASE4
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

OUTLIER_DAY = 25  # ann scores 70 on this AAA game date
PDC = PHASE4["pdc"]


# -- the league -------------------------------------------------------------------------------------------
ROSTERS = {
    "AAA": ["ann", "bob", "abe"],
    "BBB": ["cal", "dee", "bea"],
    "CCC": ["eli", "cid"],
    "DDD": ["fin", "dot", "abe"],
}
TRADE_DAY = 35  # abe moves from AAA to DDD; his first DDD row is a DNP


def plays(player: str, team: str, n: int) -> str:
    """'play', 'dnp' or 'none' (no row) for a player of a team that plays on day n."""
    if player == "abe":
        if (team == "AAA") != (n < TRADE_DAY):
            return "none"
        return "dnp" if n == TRADE_DAY else "play"
    if player == "bob" and 8 <= n <= 18:
        return "dnp"  # injured: DNP rows, which still name his team
    if player == "cal":
        return "play" if n <= 1 else "dnp"  # two games, then never again: always < 3 games
    if player == "dee":
        return "play" if n >= 29 else "none"  # debuts on day 29, with no prior appearance and no line
    if player == "eli":
        return "play" if n <= 5 else "none"  # gone after day 5: stale (> 30 days) from day 36
    if player == "fin":
        return "play" if n <= 24 else "none"
    return "play"


def build_league() -> dict[str, list[dict]]:
    rng = random.Random(20241022)
    schedule, pgs, togs, psza, props = [], [], [], [], []
    for n in range(END + 1):
        for away, home in pairings(n):
            game_id = f"{day(n):%Y%m%d}_{away}_{home}"
            schedule.append(
                {
                    "game_id": game_id,
                    "game_date": day(n),
                    "season_year": 2024,
                    "home_team_abbr": home,
                    "away_team_abbr": away,
                    "game_status": 3,
                    "is_regular_season": True,
                }
            )
            for team, opp in ((away, home), (home, away)):
                togs.append(
                    {
                        "game_id": game_id,
                        "game_date": day(n),
                        "team_abbr": team,
                        "opponent_team_abbr": opp,
                        "season_year": 2024,
                        "home_game": team == home,
                        "win_flag": rng.random() < 0.5,
                        "pace": round(rng.uniform(94, 106), 1),
                        "offensive_rating": round(rng.uniform(100, 125), 1),
                    }
                )
                for player in ROSTERS[team]:
                    status = plays(player, team, n)
                    if status == "none":
                        continue
                    row = {
                        "player_lookup": player,
                        "universal_player_id": f"{player}_001",
                        "game_id": game_id,
                        "game_date": day(n),
                        "team_abbr": team,
                        "opponent_team_abbr": opp,
                        "season_year": 2024,
                        "home_game": team == home,
                    }
                    if status == "dnp":
                        row.update(points=0, minutes_played=0.0, is_active=False, is_dnp=True, player_status="inactive")
                        if player == "bob" and n == 10:  # a DNP-flagged row is never history, whatever its box says
                            row.update(points=4, minutes_played=5.0, fg_makes=2, assisted_fg_makes=1, ts_pct=0.5)
                    else:
                        fg = rng.randint(1, 12)
                        row.update(
                            points=rng.randint(2, 34),
                            minutes_played=round(rng.uniform(12, 40), 1),
                            usage_rate=None if player == "abe" and n % 5 == 0 else round(rng.uniform(12, 32), 2),
                            fg_attempts=fg + rng.randint(0, 10),
                            ft_attempts=rng.randint(0, 8),
                            fg_makes=fg,
                            assisted_fg_makes=rng.randint(0, fg),
                            ft_makes=rng.randint(0, 6),
                            is_active=True,
                            is_dnp=False,
                            player_status="active",
                        )
                        if player == "ann" and n == OUTLIER_DAY:
                            row["points"] = 70
                    pgs.append(row)
    # a previous-season game far before the opener, for another team: must count for nothing
    pgs.append(
        {
            "player_lookup": "ann",
            "universal_player_id": "ann_001",
            "game_id": "20240410_ZZZ_YYY",
            "game_date": S - dt.timedelta(days=195),
            "team_abbr": "ZZZ",
            "season_year": 2023,
            "points": 99,
            "minutes_played": 48.0,
            "usage_rate": 50.0,
            "ts_pct": 0.9,
            "fg_makes": 40,
            "assisted_fg_makes": 40,
            "is_active": True,
            "is_dnp": False,
        }
    )
    # shot zones exist for ann only (everyone else takes the NULL path)
    for n in range(START, END + 1):
        psza.append(
            {
                "analysis_date": day(n),
                "player_lookup": "ann",
                "season_year": 2024,
                "paint_rate_last_10": 0.45 + n / 1000,
                "mid_range_rate_last_10": 0.2,
                "three_pt_rate_last_10": 0.35 - n / 1000,
                "primary_scoring_zone": "paint",
            }
        )
    # lines: fin on day 26 (DDD is idle that day), eli on day 40 (stale); in-game snapshots do not count
    props.append(_prop("fin", day(26), "20241117_AAA_CCC", 30))
    props.append(_prop("eli", day(40), "20241201_CCC_DDD", 45))
    props.append(_prop("abe", day(26), "20241117_AAA_CCC", -10))
    return {
        "nba_reference.nba_schedule": schedule,
        "nba_analytics.player_game_summary": pgs,
        "nba_analytics.team_offense_game_summary": togs,
        "nba_precompute.player_shot_zone_analysis": psza,
        "nba_raw.odds_api_player_points_props": props,
    }


def _prop(player: str, date: dt.date, game_id: str, minutes_before: int) -> dict:
    snapshot = dt.datetime.combine(date, dt.time(23), tzinfo=dt.UTC) - dt.timedelta(minutes=minutes_before)
    return {
        "player_lookup": player,
        "game_id": game_id,
        "game_date": date,
        "bookmaker": "draftkings",
        "points_line": 14.5,
        "snapshot_timestamp": snapshot,
        "minutes_before_tipoff": minutes_before,
    }


# -- the plain-Python reference -----------------------------------------------------------------------------


def entity_set(league: dict, d: dt.date) -> set[str]:
    teams = {
        t
        for g in league["nba_reference.nba_schedule"]
        if g["game_date"] == d
        for t in (g["home_team_abbr"], g["away_team_abbr"])
    }
    lines = {
        p["player_lookup"]
        for p in league["nba_raw.odds_api_player_points_props"]
        if p["game_date"] == d and p["minutes_before_tipoff"] >= 0
    }
    members = set(lines)
    for player, rows in rows_by_player(league, d).items():
        appeared = [r["game_date"] for r in rows if not r["is_dnp"]]
        if (
            hand_made_season.team_on(league, player, d) in teams
            and appeared
            and max(appeared) >= d - dt.timedelta(days=30)
        ):
            members.add(player)
    return members


def reference_pdc(league: dict, d: dt.date) -> dict[str, dict]:
    by_player = rows_by_player(league, d)
    psza = {
        p["player_lookup"]: p for p in league["nba_precompute.player_shot_zone_analysis"] if p["analysis_date"] == d
    }
    out = {}
    for player in entity_set(league, d):
        history = [r for r in reversed(by_player.get(player, [])) if played(r)]  # newest first
        if len(history) < 3 or (d - history[0]["game_date"]).days > 30:
            continue
        team = hand_made_season.team_on(league, player, d)
        team_games = sorted(
            (
                t
                for t in league["nba_analytics.team_offense_game_summary"]
                if t["team_abbr"] == team and S <= t["game_date"] < d
            ),
            key=lambda t: t["game_date"],
        )[-10:]
        last10 = history[:10]
        week = [r for r in history if r["game_date"] > d - dt.timedelta(days=7)]
        fortnight = [r for r in history if r["game_date"] > d - dt.timedelta(days=14)]
        fortnight_dates = {r["game_date"] for r in fortnight}
        zone = psza.get(player, {})
        out[player] = {
            "cache_date": d,
            "player_lookup": player,
            "universal_player_id": f"{player}_001",
            "team_abbr": team,
            "season_year": 2024,
            "points_avg_last_5": mean([r["points"] for r in history[:5]]),
            "points_avg_last_10": mean([r["points"] for r in last10]),
            "points_avg_season": mean([r["points"] for r in history]),
            "points_std_last_10": statistics.stdev([r["points"] for r in last10]),
            "minutes_avg_last_10": mean([r["minutes_played"] for r in last10]),
            "usage_rate_last_10": minutes_weighted(last10, "usage_rate"),
            "ts_pct_last_10": true_shooting(last10),
            "games_played_season": len(history),
            "player_usage_rate_season": minutes_weighted(history, "usage_rate"),
            "assisted_rate_last_10": sum(r["assisted_fg_makes"] for r in last10) / sum(r["fg_makes"] for r in last10),
            "team_pace_last_10": mean([t["pace"] for t in team_games]),
            "team_off_rating_last_10": mean([t["offensive_rating"] for t in team_games]),
            "games_in_last_7_days": len(week),
            "games_in_last_14_days": len(fortnight),
            "minutes_in_last_7_days": sum(r["minutes_played"] for r in week),
            "minutes_in_last_14_days": sum(r["minutes_played"] for r in fortnight),
            "back_to_backs_last_14_days": sum(
                1 for g in fortnight_dates if g - dt.timedelta(days=1) in fortnight_dates
            ),
            "avg_minutes_per_game_last_7": sum(r["minutes_played"] for r in week) / len(week) if week else None,
            "primary_scoring_zone": zone.get("primary_scoring_zone"),
            "paint_rate_last_10": zone.get("paint_rate_last_10"),
            "three_pt_rate_last_10": zone.get("three_pt_rate_last_10"),
            "early_season_flag": len(history) < 10,
        }
    return out


# -- fixtures ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def league() -> dict[str, list[dict]]:
    return build_league()


@pytest.fixture(scope="module")
def warehouse(league, tmp_path_factory) -> DuckDBWarehouse:
    wh = DuckDBWarehouse(tmp_path_factory.mktemp("pdc"))
    write_league(wh, league)
    return wh


@pytest.fixture(scope="module")
def rows(warehouse) -> dict[tuple[dt.date, str], dict]:
    return {(r["cache_date"], r["player_lookup"]): r for r in warehouse.query(PDC.sql(), params()).dicts()}


def assert_same(actual: dict, expected: dict) -> None:
    for column, value in expected.items():
        if isinstance(value, float):
            assert actual[column] == pytest.approx(value, rel=1e-9), column
        else:
            assert actual[column] == value, column


# -- tests ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("statement", ["sql", "checks_sql"])
def test_sql_parses_as_bigquery(statement):
    assert sqlglot.parse(getattr(PDC, statement)(), read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)


def test_output_has_exactly_the_table_columns(warehouse):
    from nba_backfill.tables import table_schema

    result = warehouse.query(PDC.sql(), params())
    assert sorted(result.columns) == sorted(table_schema(PDC.table).column_names)


def test_every_row_matches_the_plain_python_reference(league, rows):
    expected = {(d, p): row for d in game_days(league) for p, row in reference_pdc(league, d).items()}
    assert sorted(rows) == sorted(expected)
    for key, row in expected.items():
        assert_same(rows[key], row)


def test_a_game_on_d_itself_does_not_count(league, rows):
    d = day(OUTLIER_DAY)
    before, after = rows[(d, "ann")], rows[(day(OUTLIER_DAY + 1), "ann")]
    assert after["games_played_season"] == before["games_played_season"] + 1
    assert before["points_avg_last_5"] < 40  # the 70 is not in it yet
    history = [r["points"] for r in rows_by_player(league, day(OUTLIER_DAY + 1))["ann"] if played(r)][-5:]
    assert 70 in history and after["points_avg_last_5"] == pytest.approx(mean(history))


def test_windows_last_5_last_10_and_season_differ(league, rows):
    d = day(END)
    ann = rows[(d, "ann")]
    points = [r["points"] for r in rows_by_player(league, d)["ann"] if played(r)]
    assert ann["games_played_season"] == len(points) > 10
    assert ann["points_avg_last_5"] == pytest.approx(mean(points[-5:]))
    assert ann["points_avg_last_10"] == pytest.approx(mean(points[-10:]))
    assert ann["points_avg_season"] == pytest.approx(mean(points))
    assert ann["points_std_last_10"] == pytest.approx(statistics.stdev(points[-10:]))
    assert len({ann["points_avg_last_5"], ann["points_avg_last_10"], ann["points_avg_season"]}) == 3


def test_dnp_rows_are_not_history_but_still_give_the_team(league, rows):
    d = day(17)  # bob has been DNP since day 8 (his last game: day 6)
    bob = rows[(d, "bob")]
    assert bob["games_in_last_7_days"] == 0 and bob["avg_minutes_per_game_last_7"] is None
    assert bob["games_played_season"] == len([r for r in rows_by_player(league, d)["bob"] if played(r)])
    assert not any(p == "cal" for _, p in rows)  # two games, then only DNPs: never 3 games


def test_first_date_and_previous_season(league, warehouse, rows):
    assert min(d for d, _ in rows) == day(START)
    ann = rows[(day(START), "ann")]
    assert ann["team_abbr"] == "AAA"  # not the previous season's ZZZ row
    aaa_games = [
        g
        for g in league["nba_reference.nba_schedule"]
        if g["game_date"] < day(START) and "AAA" in (g["home_team_abbr"], g["away_team_abbr"])
    ]
    assert ann["games_played_season"] == len(aaa_games) == 11  # last season's game is not counted
    assert ann["points_avg_season"] <= 34 and ann["early_season_flag"] is False  # nor its 99 points
    # no rows on days without games (20-22) and none before the first date even when asked for a wider range
    assert not [d for d, _ in rows if 20 <= (d - S).days <= 22]
    later = warehouse.query(PDC.sql(), params(START + 10, START + 12)).dicts()
    assert {r["cache_date"] for r in later} == set(game_days(league, START + 10, START + 12))


def test_null_paths(rows):
    for (_d, player), row in rows.items():
        if player != "ann":
            assert row["primary_scoring_zone"] is None and row["paint_rate_last_10"] is None
    assert rows[(day(START), "ann")]["paint_rate_last_10"] == pytest.approx(0.45 + START / 1000)
    # abe has NULL usage on some games: averaged over the games that have one
    assert all(r["usage_rate_last_10"] is not None for (_, p), r in rows.items() if p == "abe")


def test_entity_set(league, rows):
    assert (day(29), "dee") not in rows  # plays on 29 without a prior appearance and without a line
    assert (day(33), "dee") in rows and rows[(day(33), "dee")]["games_played_season"] == 3
    assert (day(26), "fin") in rows  # DDD is idle on day 26; fin is in the set by his line alone
    assert rows[(day(26), "fin")]["team_abbr"] == "DDD"
    assert (day(26), "dot") not in rows  # his team is idle and he has no line
    assert (day(26), "abe") in rows  # AAA plays; abe's in-game snapshot changes nothing
    assert (day(40), "eli") not in rows  # a line, but his last game is 35 days old: stale
    # traded: on D his team is the one his row for D names (a DNP for DDD), not AAA, his team before D
    assert rows[(day(TRADE_DAY), "abe")]["team_abbr"] == "DDD"
    assert rows[(day(TRADE_DAY + 1), "abe")]["team_abbr"] == "DDD"
    assert not any(p == "eli" and (d - S).days > 35 for d, p in rows)


def test_outcomes_on_d_change_nothing_dated_up_to_d(league, warehouse, rows, tmp_path):
    changed_day = day(30)
    shutil.copytree(warehouse.root, tmp_path / "changed")
    changed = DuckDBWarehouse(tmp_path / "changed")
    for table in ("nba_analytics.player_game_summary", "nba_analytics.team_offense_game_summary"):
        on_day = [dict(r) for r in league[table] if r["game_date"] == changed_day]
        for r in on_day:
            if table.endswith("player_game_summary"):
                r.update(points=0, minutes_played=0.0, is_dnp=True, is_active=False, usage_rate=99.0)
            else:
                r.update(pace=150.0, offensive_rating=60.0)
        write_rows(changed, table, on_day)  # replaces that one partition
    after = {(r["cache_date"], r["player_lookup"]): r for r in changed.query(PDC.sql(), params()).dicts()}
    before = {key: row for key, row in rows.items() if key[0] <= changed_day}
    assert before and before == {key: row for key, row in after.items() if key[0] <= changed_day}
    assert any(after[key] != row for key, row in rows.items() if key[0] > changed_day and key in after)


def test_checks_count_rostered_players_with_three_recent_games(league, warehouse, rows):
    checks = {r["check_date"]: r["expected_rows"] for r in warehouse.query(PDC.checks_sql(), params()).dicts()}
    assert sorted(checks) == game_days(league)
    for d in game_days(league):
        on_roster = {r["player_lookup"] for r in league["nba_analytics.player_game_summary"] if r["game_date"] == d}
        expected = 0
        for player in on_roster:  # DNP rows on D count: the player was expected
            prior = [r["game_date"] for r in rows_by_player(league, d).get(player, []) if played(r)]
            expected += len(prior) >= 3 and max(prior) >= d - dt.timedelta(days=30)
        assert checks[d] == expected, d
        produced = {p for (rd, p) in rows if rd == d}
        # the processor covers every expected player; on top: fin (listed by his line alone) and eli (he left
        # the roster after day 5 but was still seen in the 30 days before)
        assert len(produced) >= checks[d] and (checks[d] == 0 or produced), d
        assert produced - on_roster <= {"fin", "eli"}, d
