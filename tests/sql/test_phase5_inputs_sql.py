"""Phase 5 input queries on hand-made rows: the pre-tip-off line, player history, the walk-forward training set;
and every Phase 5 SQL file parses as one BigQuery SELECT with only its documented parameters."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlglot
from sqlglot import exp

from helpers import d, write_rows
from nba_backfill.processors import SQL_DIR
from nba_backfill.tables import table_schema
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

MLFS = "nba_predictions.ml_feature_store_v2"
PROPS = "nba_raw.odds_api_player_points_props"
PGS = "nba_analytics.player_game_summary"
TDZA = "nba_precompute.team_defense_zone_analysis"

PHASE5_PARAMS = {
    "prediction_inputs": {"start_date", "end_date"},
    "player_history": {"season_start", "end_date"},
    "training_rows": {"training_start", "before_date"},
    "past_predictions": {"training_start", "before_date"},
    "tier_adjustments": {"start_date", "end_date", "key_dates", "lookback_days", "min_sample", "system_id", "min_z"},
    "apply_tier_adjustments": {"start_date", "end_date", "season_start", "system_id", "lookback_days"},
    "grading": {"start_date", "end_date", "system_ids"},
    "tier_check": {"start_date", "end_date", "system_id"},
}


def run(warehouse: DuckDBWarehouse, name: str, **params) -> list[dict]:
    return warehouse.query((SQL_DIR / f"{name}.sql").read_text(), params).dicts()


@pytest.mark.parametrize("name", sorted(PHASE5_PARAMS))
def test_sql_file_is_one_bigquery_select_with_its_documented_parameters(name):
    sql = (SQL_DIR / f"{name}.sql").read_text()
    statements = [s for s in sqlglot.parse(sql, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE) if s]
    assert len(statements) == 1 and isinstance(statements[0], exp.Select)
    params = {p.name for p in statements[0].find_all(exp.Parameter)}
    assert params == PHASE5_PARAMS[name]
    sqlglot.transpile(sql, read="bigquery", write="duckdb", unsupported_level=sqlglot.ErrorLevel.RAISE)


# -- prediction_inputs: the latest pre-tip-off line, DraftKings first ----------------------------------------------
def snapshot(player: str, day: str, book: str, line: float, hhmm: str, minutes_before: int) -> dict:
    hour, minute = map(int, hhmm.split(":"))
    stamp = dt.datetime.combine(d(day), dt.time(hour, minute), tzinfo=dt.UTC)
    return {
        "player_lookup": player,
        "game_id": f"{d(day):%Y%m%d}_BOS_NYK",
        "game_date": d(day),
        "bookmaker": book,
        "points_line": line,
        "snapshot_timestamp": stamp,
        "minutes_before_tipoff": minutes_before,
    }


def test_prediction_inputs_take_the_latest_pre_game_line_preferring_draftkings(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    day, other_day = "2024-12-02", "2024-12-03"
    players = ["alice", "bob", "carol", "dave"]
    write_rows(
        warehouse,
        MLFS,
        [
            {
                "game_date": d(day),
                "player_lookup": p,
                "points_avg_season": 10.0 + i,
                "features": [1.0, 2.0],
                "feature_names": ["a", "b"],
                "feature_version": "v2_25features",
            }
            for i, p in enumerate(players)
        ]
        + [{"game_date": d(other_day), "player_lookup": "alice", "feature_version": "v2_25features"}],
    )
    write_rows(
        warehouse,
        PROPS,
        [
            # alice: two DraftKings pre-game snapshots (the later wins), a later FanDuel one (DraftKings still
            # preferred), and an in-game DraftKings snapshot with another line (look-ahead: ignored)
            snapshot("alice", day, "draftkings", 20.5, "10:00", 540),
            snapshot("alice", day, "draftkings", 21.5, "18:00", 60),
            snapshot("alice", day, "fanduel", 22.5, "18:30", 30),
            snapshot("alice", day, "draftkings", 26.5, "20:00", -20),
            # bob: no DraftKings; the latest pre-game snapshot among the others
            snapshot("bob", day, "betmgm", 15.0, "12:00", 420),
            snapshot("bob", day, "fanduel", 14.5, "17:00", 120),
            snapshot("bob", day, "fanduel", 18.5, "19:30", -10),
            # carol: only an in-game snapshot -> no line
            snapshot("carol", day, "draftkings", 9.5, "19:45", -5),
            # a line on another date is not this date's line
            snapshot("dave", other_day, "draftkings", 7.5, "12:00", 300),
        ],
    )

    rows = run(warehouse, "prediction_inputs", start_date=d(day), end_date=d(day))

    assert list(rows[0]) == table_schema(MLFS).column_names + ["current_points_line", "line_bookmaker"]
    got = {r["player_lookup"]: (r["current_points_line"], r["line_bookmaker"]) for r in rows}
    assert got == {
        "alice": (21.5, "draftkings"),
        "bob": (14.5, "fanduel"),
        "carol": (None, None),
        "dave": (None, None),
    }
    alice = next(r for r in rows if r["player_lookup"] == "alice")
    assert (alice["points_avg_season"], alice["features"], alice["game_date"]) == (10.0, [1.0, 2.0], d(day))


# -- player_history ------------------------------------------------------------------------------------------------
def box(
    player: str,
    day: str,
    points: int | None,
    minutes: float | None,
    opponent: str = "BOS",
    is_dnp: bool | None = False,
    home: bool = True,
    team: str = "NYK",
) -> dict:
    return {
        "player_lookup": player,
        "game_id": f"{d(day):%Y%m%d}_{opponent}_{team}",
        "game_date": d(day),
        "team_abbr": team,
        "opponent_team_abbr": opponent,
        "home_game": home,
        "points": points,
        "minutes_played": minutes,
        "is_dnp": is_dnp,
        "is_active": not is_dnp,
    }


def test_player_history_rest_days_count_from_the_previous_game_played(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    write_rows(
        warehouse,
        PGS,
        [
            box("alice", "2024-10-30", 30, 33.0, "MIA", home=False),  # before the season start: not read
            box("alice", "2024-11-01", 20, 30.0, "BOS"),
            box("alice", "2024-11-03", 25, 31.0, "MIA", home=False),
            box("alice", "2024-11-04", 0, 0.0, "LAL", is_dnp=True),
            box("alice", "2024-11-07", 0, None, "BOS", is_dnp=None),  # 0 points, no minutes: a DNP too
            box("alice", "2024-11-08", 12, 22.0, "MIA"),
            box("alice", "2024-11-12", 9, 20.0, "BOS"),  # after @end_date
            box("bob", "2024-11-03", 8, 15.0, "MIA", home=False),
        ],
    )
    write_rows(
        warehouse,
        TDZA,
        [
            {"analysis_date": d("2024-11-01"), "team_abbr": "BOS", "defensive_rating_last_15": 108.5},
            {"analysis_date": d("2024-11-01"), "team_abbr": "NYK", "defensive_rating_last_15": 999.0},  # own team
            {"analysis_date": d("2024-11-03"), "team_abbr": "MIA", "defensive_rating_last_15": 115.0},
            {"analysis_date": d("2024-11-08"), "team_abbr": "BOS", "defensive_rating_last_15": 101.0},  # wrong opponent
        ],
    )

    rows = run(warehouse, "player_history", season_start=d("2024-10-31"), end_date=d("2024-11-08"))

    got = sorted(
        (
            r["player_lookup"],
            r["game_date"].isoformat(),
            r["points"],
            r["is_home"],
            r["days_rest"],
            r["opponent_team_abbr"],
            r["opponent_def_rating"],
            r["is_dnp"],
        )
        for r in rows
    )
    assert got == [
        ("alice", "2024-11-01", 20, True, None, "BOS", 108.5, False),
        ("alice", "2024-11-03", 25, False, 2, "MIA", 115.0, False),
        ("alice", "2024-11-04", 0, True, 1, "LAL", None, True),
        ("alice", "2024-11-07", 0, True, 4, "BOS", None, True),
        ("alice", "2024-11-08", 12, True, 5, "MIA", None, False),
        ("bob", "2024-11-03", 8, False, None, "MIA", 115.0, False),
    ]
    assert {"minutes_played", "game_id", "team_abbr"} <= set(rows[0])


# -- training_rows: walk-forward, DNPs left out --------------------------------------------------------------------
def test_training_rows_stop_before_the_chunk_and_leave_out_dnps(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    days = ["2024-10-21", "2024-11-01", "2024-11-02", "2024-11-03", "2024-11-04"]
    write_rows(
        warehouse,
        MLFS,
        [{"game_date": d(x), "player_lookup": p, "points_avg_season": 11.0} for x in days for p in ("alice", "bob")],
    )
    write_rows(
        warehouse,
        PGS,
        [
            box("alice", "2024-10-21", 40, 36.0),  # before the season start
            box("alice", "2024-11-01", 21, 30.0),
            box("bob", "2024-11-01", 0, 0.0, is_dnp=True),
            box("alice", "2024-11-02", 0, 12.0),  # played, scored nothing: a real 0
            box("bob", "2024-11-02", 0, None, is_dnp=None),  # 0 points, no minutes: DNP
            box("alice", "2024-11-03", 17, 28.0),
            box("bob", "2024-11-04", 30, 35.0),  # the chunk's first date: not training data
            box("alice", "2024-11-04", 33, 35.0),
        ],
    )

    rows = run(warehouse, "training_rows", training_start=d("2024-10-22"), before_date=d("2024-11-04"))

    got = sorted((r["game_date"].isoformat(), r["player_lookup"], r["actual_points"]) for r in rows)
    assert got == [("2024-11-01", "alice", 21), ("2024-11-02", "alice", 0), ("2024-11-03", "alice", 17)]
    assert list(rows[0]) == table_schema(MLFS).column_names + ["actual_points"]


# -- past_predictions: what the systems predicted from the first training season up to the chunk ----------------
def test_past_predictions_span_the_training_seasons_and_stop_before_the_chunk(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    days = ["2023-10-23", "2023-10-24", "2024-03-01", "2024-11-03", "2024-11-04"]
    write_rows(
        warehouse,
        "nba_predictions.player_prop_predictions",
        [
            {
                "game_date": d(x),
                "player_lookup": "alice",
                "system_id": s,
                "predicted_points": 20.5,
                "current_points_line": 19.5,
            }  # fmt: skip
            for x in days
            for s in ("xgboost_v1", "ensemble_v2")
        ],
    )
    rows = run(warehouse, "past_predictions", training_start=d("2023-10-24"), before_date=d("2024-11-04"))
    got = sorted((r["game_date"].isoformat(), r["system_id"]) for r in rows)
    assert got == [(x, s) for x in days[1:4] for s in ("ensemble_v2", "xgboost_v1")]
    assert set(rows[0]) == {"game_date", "player_lookup", "system_id", "predicted_points", "current_points_line"}
    assert rows[0]["current_points_line"] == 19.5  # the line it was predicted against: line_blend_v1 fits on it
