"""SPEC "No look-ahead", on the synthetic league: change every outcome of one game date D in the middle of a chunk,
move every line after D and give D an in-game snapshot (after tip-off) with another line, recompute that chunk
(Phase 4, then its predictions — every system, ensemble_v2's stack and line_blend_v1 included — and the season's
tier adjustments), and nothing dated <= D may change, while rows after D do."""

from __future__ import annotations

import datetime as dt

import pytest
from workflow_helpers import (
    CHUNK_DAYS,
    PGS,
    PHASE4,
    PHASE4_TABLES,
    PREDICTIONS,
    SEASON,
    by_key,
    changed_columns,
)

from nba_backfill import plan
from nba_backfill.phase5 import run_tier_adjustments, write_predictions
from nba_backfill.processors import PROCESSORS, TIERS
from nba_backfill.runner import run_chunk_job
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

pytestmark = pytest.mark.slow

PLAYED = "COALESCE(is_dnp, FALSE)"
# Every outcome of the date, changed and kept plausible (makes never above attempts, rates inside their ranges).
PLAYER_CHANGES = {
    "points": "2 * fg_attempts + three_pt_attempts + ft_attempts",
    "minutes_played": "LEAST(minutes_played + 8, 48)",
    "assists": "assists + 3",
    "offensive_rebounds": "offensive_rebounds + 2",
    "defensive_rebounds": "defensive_rebounds + 3",
    "steals": "steals + 1",
    "blocks": "blocks + 1",
    "turnovers": "turnovers + 2",
    "plus_minus": "-plus_minus - 5",
    "fg_makes": "fg_attempts",
    "three_pt_makes": "three_pt_attempts",
    "ft_makes": "ft_attempts",
    "paint_makes": "paint_attempts",
    "mid_range_makes": "mid_range_attempts",
    "three_makes_pbp": "three_attempts_pbp",
    "assisted_fg_makes": "0",
    "unassisted_fg_makes": "fg_attempts",
    "usage_rate": "LEAST(usage_rate * 1.4, 60)",
    "ts_pct": "LEAST(ts_pct + 0.2, 1.2)",
}
OFFENSE_CHANGES = {
    "win_flag": "NOT win_flag",
    "points_scored": "points_scored + 30",
    "opponent_points": "opponent_points + 30",
    "fg_makes": "fg_attempts",
    "three_pt_makes": "three_pt_attempts",
    "ft_makes": "ft_attempts",
    "offensive_rebounds": "offensive_rebounds + 3",
    "turnovers": "turnovers + 4",
    "assists": "assists + 6",
    "team_paint_makes": "team_paint_attempts",
    "team_mid_range_makes": "team_mid_range_attempts",
    "possessions": "possessions * 1.06",
    "pace": "pace * 1.06",
    "offensive_rating": "offensive_rating * 1.12",
}
DEFENSE_CHANGES = {
    "win_flag": "NOT win_flag",
    "points_allowed": "points_allowed + 30",
    "opp_fg_makes": "opp_fg_attempts",
    "opp_three_pt_makes": "opp_three_pt_attempts",
    "opp_ft_makes": "opp_ft_attempts",
    "opp_offensive_rebounds": "opp_offensive_rebounds + 3",
    "turnovers_forced": "turnovers_forced + 4",
    "opp_paint_makes": "opp_paint_attempts",
    "opp_mid_range_makes": "opp_mid_range_attempts",
    "points_in_paint_allowed": "points_in_paint_allowed + 12",
    "mid_range_points_allowed": "mid_range_points_allowed + 6",
    "three_pt_points_allowed": "three_pt_points_allowed + 12",
    "blocks_paint": "blocks_paint + 1",
    "blocks_mid_range": "blocks_mid_range + 1",
    "blocks_three_pt": "blocks_three_pt + 1",
    "defensive_rating": "defensive_rating * 1.12",
    "opponent_pace": "opponent_pace * 1.06",
}
OUTCOMES = {
    PGS: {c: f"IF({PLAYED}, {c}, {e})" for c, e in PLAYER_CHANGES.items()},
    "nba_analytics.team_offense_game_summary": OFFENSE_CHANGES,
    "nba_analytics.team_defense_game_summary": DEFENSE_CHANGES,
}


def change_outcomes(warehouse: DuckDBWarehouse, day: dt.date) -> None:
    for table, changes in OUTCOMES.items():
        replace = ", ".join(f"{expr} AS {col}" for col, expr in changes.items())
        sql = f"SELECT * REPLACE ({replace}) FROM {table} WHERE game_date = @day"
        warehouse.replace_partitions(table, sql, day, day, {"day": day})


PROPS = "nba_raw.odds_api_player_points_props"


def change_lines(warehouse: DuckDBWarehouse, day: dt.date, last: dt.date) -> None:
    """Every line after D moved by 5 points; on D an in-game snapshot 7 points off each quote (never to be read)."""
    later = "SELECT * REPLACE (points_line + 5 AS points_line) FROM nba_raw.odds_api_player_points_props "
    later += "WHERE game_date > @day AND game_date <= @last"
    warehouse.replace_partitions(PROPS, later, day + dt.timedelta(days=1), last, {"day": day, "last": last})
    in_game = (
        "SELECT * FROM nba_raw.odds_api_player_points_props WHERE game_date = @day UNION ALL "
        "SELECT * REPLACE (points_line + 7 AS points_line, snapshot_timestamp + INTERVAL 3 HOUR AS snapshot_timestamp, "
        "-30 AS minutes_before_tipoff) FROM nba_raw.odds_api_player_points_props WHERE game_date = @day "
        "AND minutes_before_tipoff >= 0"
    )
    warehouse.replace_partitions(PROPS, in_game, day, day, {"day": day})


def snapshot(wf, chunk: plan.Chunk) -> dict[str, dict[tuple, dict]]:
    """The recomputed chunk's rows of every Phase 4 table and of the predictions; the season's tier adjustments."""
    tables = {**{t: PROCESSORS[p].key for p, t in PHASE4_TABLES.items()}, PREDICTIONS: PROCESSORS["predictions"].key}
    rows = {table: by_key(wf.read_rows(table, chunk.first, chunk.last), key) for table, key in tables.items()}
    rows[TIERS.table] = by_key(wf.read_rows(TIERS.table), TIERS.key)
    return rows


def test_changing_date_d_changes_nothing_dated_on_or_before_it(season_run, tmp_path, monkeypatch):
    wf = season_run.clone(tmp_path / "run")
    monkeypatch.chdir(wf.workdir)
    config = wf.config()
    season = config.season(SEASON)
    chunk = plan.season_chunks(season, CHUNK_DAYS)[1]
    days = wf.game_dates(chunk.first, chunk.last)
    day = days[len(days) // 2]  # D: game dates of the chunk on both sides
    before = snapshot(season_run.workflow, chunk)
    outcomes_before = wf.read_rows(PGS, day, day)

    change_outcomes(DuckDBWarehouse(wf.workdir / "warehouse"), day)
    change_lines(DuckDBWarehouse(wf.workdir / "warehouse"), day, chunk.last)
    outcomes_after = wf.read_rows(PGS, day, day)
    assert len(outcomes_after) == len(outcomes_before)
    assert sum(a["points"] != b["points"] for a, b in zip(outcomes_after, outcomes_before)) > 100

    for name in PHASE4:
        run_chunk_job(config, name, SEASON, chunk.name, plan.phase4_marker(name, SEASON, chunk.name))
    run_chunk_job(
        config, "predictions", SEASON, chunk.name, plan.predictions_marker(SEASON, chunk.name), write_predictions
    )
    run_tier_adjustments(config, SEASON)
    after = snapshot(wf, chunk)

    for table, rows in before.items():
        date_of = {k: k[0] for k in rows}  # every key starts with its date column
        early = {k for k in rows if date_of[k] <= day}
        assert early, table
        now_early = {k for k in after[table] if k[0] <= day}
        assert now_early == early, f"{table}: rows dated <= {day} appeared or vanished"
        changed = {k: changed_columns(rows[k], after[table][k]) for k in early}
        changed = {k: cols for k, cols in changed.items() if cols}
        assert not changed, f"{table}: {len(changed)} row(s) dated <= {day} changed, e.g. {next(iter(changed.items()))}"
        later = [k for k in rows if day < date_of[k] <= chunk.last and k in after[table]]
        assert any(changed_columns(rows[k], after[table][k]) for k in later), (
            f"{table}: no row after {day} changed: the test did not reach it"
        )
    # the learned systems, ensemble_v2's stack and line_blend_v1 included, are covered on both sides of D
    for system_id in ("xgboost_v1", "ensemble_v2", "line_blend_v1"):
        mine = [k for k in before[PREDICTIONS] if k[2] == system_id]
        assert any(k[0] <= day for k in mine) and any(k[0] > day for k in mine), system_id
        assert any(changed_columns(before[PREDICTIONS][k], after[PREDICTIONS][k]) for k in mine if k[0] > day)
    # the moved lines reached the rows after D (so a line read across D would have shown)
    lined = [
        k
        for k, row in before[PREDICTIONS].items()
        if k[0] > day and k in after[PREDICTIONS] and row["current_points_line"] is not None
    ]
    assert lined and all(
        after[PREDICTIONS][k]["current_points_line"] == before[PREDICTIONS][k]["current_points_line"] + 5 for k in lined
    )
