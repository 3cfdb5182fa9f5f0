"""A differential test of the dialect layer: each processor's SQL runs on the hand-made known-answer leagues of
tests/sql through ZetaSQL's reference evaluator (BigQuery's semantics, on the BigQuery text) and through the
embedded warehouse (the same text transpiled to DuckDB by sqlglot); the rows must be the same, floats to a
relative 1e-9, in any order. Both engines read the same rows: the tables as the embedded warehouse holds them."""

from __future__ import annotations

import datetime as dt
import math
import random

import hand_made_season
import pytest
import test_mlfs
import test_pcf
import test_pdc
import test_phase5_sql
import test_psza
import test_tdza
from tiny_league import TinyLeague

from helpers import write_rows
from nba_backfill.processors import PHASE4, PROCESSORS, sql_text
from nba_backfill.runner import owned_params
from nba_backfill.warehouse.dialect import to_duckdb
from nba_backfill.warehouse.duckdb import DuckDBWarehouse


# -- the leagues: each writes its rows and returns the job's parameters -------------------------------------------
def tdza(warehouse: DuckDBWarehouse) -> dict:
    """Ten teams playing daily for 20 days (test_tdza's league, shorter): rows from day 15 on."""
    league = TinyLeague(test_tdza.OPENER)
    ids = league.round_robin([f"T{i}" for i in range(10)], list(range(20)))
    test_tdza.add_defense(league, ids, random.Random(7), no_mid_range={"T9"})
    league.write(warehouse)
    return league.params(14, 19)


def psza(warehouse: DuckDBWarehouse) -> dict:
    league = test_psza.build_league()
    league.write(warehouse)
    return league.params(14, 40)


def pcf(warehouse: DuckDBWarehouse) -> dict:
    league, shot_zones, zone_defense = test_pcf.build()
    league.write(warehouse)
    write_rows(warehouse, PHASE4["psza"].table, shot_zones)
    write_rows(warehouse, PHASE4["tdza"].table, zone_defense)
    return league.params(test_pcf.FIRST, test_pcf.LAST)


def pdc(warehouse: DuckDBWarehouse) -> dict:
    hand_made_season.write_league(warehouse, test_pdc.build_league())
    return hand_made_season.params()


def mlfs(warehouse: DuckDBWarehouse) -> dict:
    hand_made_season.write_league(warehouse, test_mlfs.build_league())
    return hand_made_season.params()


def grading(warehouse: DuckDBWarehouse) -> dict:
    cases = test_phase5_sql.GRADING_CASES.values()
    write_rows(warehouse, PROCESSORS["predictions"].table, [p for p, _ in cases])
    write_rows(warehouse, "nba_analytics.player_game_summary", [b for _, b in cases if b is not None])
    day = dt.date.fromisoformat(test_phase5_sql.DAY)
    return {"start_date": day, "end_date": day, "season_start": day - dt.timedelta(days=50), **owned_params("grading")}


LEAGUES = {f.__name__: f for f in (tdza, psza, pcf, pdc, mlfs, grading)}


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize("name", LEAGUES)
def test_zetasql_and_duckdb_give_the_same_rows(zetasql, name, tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    params = LEAGUES[name](warehouse)
    sql = sql_text(name)
    tables = {table: warehouse.query_arrow(f"SELECT * FROM {table}").to_pylist() for table in to_duckdb(sql).tables}

    duckdb = warehouse.query(sql, params)
    columns, rows = zetasql.evaluate(sql, params, tables)

    assert columns == duckdb.columns
    assert len(rows) == len(duckdb.rows) > 0
    key = [columns.index(k) for k in PROCESSORS[name].key]
    expected = {tuple(r[i] for i in key): r for r in duckdb.rows}
    got = {tuple(r[i] for i in key): r for r in rows}
    assert len(got) == len(rows) and got.keys() == expected.keys()
    for k, row in got.items():
        differ = [(c, x, y) for c, x, y in zip(columns, row, expected[k]) if not same(x, y)]
        assert not differ, f"{name} {k}: (column, ZetaSQL, DuckDB) {differ[:5]}"
