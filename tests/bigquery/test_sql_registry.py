"""Every SQL text that can reach BigQuery parses as BigQuery: the processors' files (globbed, so new ones are
covered) and every statement BigQueryWarehouse generates. The replace script's logic is also run on DuckDB
(transpiled by sqlglot, test-only) to check what it does, not just that it parses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlglot

from nba_backfill.processors import SQL_DIR
from nba_backfill.tables import all_tables, table_schema
from nba_backfill.warehouse.bigquery.projects import map_project
from nba_backfill.warehouse.bigquery.scripts import replace_script

SQL_FILES = sorted(Path(SQL_DIR).glob("*.sql"))
PROJECT = "nba-props-platform"


def parse(text: str) -> list:
    statements = [s for s in sqlglot.parse(text, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE) if s]
    assert statements
    return statements


def test_there_are_sql_files():
    assert SQL_FILES, f"no .sql files in {SQL_DIR}"


@pytest.mark.parametrize("path", SQL_FILES, ids=[p.name for p in SQL_FILES])
def test_sql_file_parses_as_bigquery(path):
    parse(path.read_text())
    parse(map_project(path.read_text(), "some-other-project"))  # ... also once its projects are mapped


PARTITION_COLUMNS = {table_schema(t).partition_by for t in all_tables()}


@pytest.mark.parametrize("path", SQL_FILES, ids=[p.name for p in SQL_FILES])
def test_partition_filters_are_direct_so_bigquery_can_prune(path):
    # BigQuery prunes partitions only on a filter it can evaluate before reading: constants and parameters, not
    # a subquery (tier_adjustments.sql once bounded its reads by (SELECT MIN(as_of_date) FROM key_dates))
    from sqlglot import exp

    comparisons = (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.EQ, exp.Between, exp.In)
    through_subqueries = [
        node.sql("bigquery")
        for statement in parse(path.read_text())
        for where in statement.find_all(exp.Where)
        for node in where.find_all(*comparisons)
        if any(c.name in PARTITION_COLUMNS for c in node.find_all(exp.Column)) and node.find(exp.Select)
    ]
    assert through_subqueries == []


@pytest.mark.parametrize("path", [p for p in SQL_FILES if not p.name.endswith(".checks.sql")], ids=lambda p: p.name)
def test_replace_script_around_each_processor_parses(path):
    from nba_backfill.processors import PHASE4

    processor = PHASE4.get(path.stem)
    table = processor.table if processor else "nba_precompute.player_daily_cache"
    statements = parse(replace_script(PROJECT, table, path.read_text()))
    # one SELECT per processor file, embedded whole: the script keeps its seven statements
    assert [type(s).__name__ for s in statements] == [
        "Create",
        "Select",
        "Transaction",
        "Delete",
        "Insert",
        "Commit",
        "Select",
    ]


@pytest.mark.parametrize("table", all_tables())
def test_generated_statements_parse_for_every_table(table):
    parse(replace_script(PROJECT, table, f"SELECT * FROM {table} WHERE FALSE"))
    parse(replace_script(PROJECT, table, f"SELECT * FROM `nba-props-platform.{table}_staging_abc`"))
    dataset = table.split(".")[0]
    parse(
        f"SELECT partition_id, total_rows FROM `nba-props-platform.{dataset}.INFORMATION_SCHEMA.PARTITIONS` "
        "WHERE table_name = @t"
    )


# -- what the replace script does (DuckDB stands in for BigQuery here) ----------------------------------------

SCHEDULE = "nba_reference.nba_schedule"


def _run_script(con, first, last):
    result = None
    for statement in parse(replace_script(PROJECT, SCHEDULE, "SELECT * FROM src")):
        sql = statement.sql("duckdb")
        values = {k: v for k, v in {"__first": first, "__last": last}.items() if f"${k}" in sql}
        result = con.execute(sql, values).fetchall()
    return result


@pytest.fixture
def con():
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    columns = ", ".join(
        f'"{f.name}" {f.duckdb_type}{" NOT NULL" if f.mode == "REQUIRED" else ""}'
        for f in table_schema(SCHEDULE).fields
    )
    con.execute("ATTACH ':memory:' AS \"nba-props-platform\"")
    con.execute('CREATE SCHEMA "nba-props-platform".nba_reference')
    con.execute(f'CREATE TABLE "nba-props-platform".nba_reference.nba_schedule ({columns})')
    con.execute(
        'INSERT INTO "nba-props-platform".nba_reference.nba_schedule (game_id, game_date, season_year, '
        "home_team_abbr, away_team_abbr, game_status, is_regular_season) VALUES "
        "('before', DATE '2022-10-31', 2022, 'A', 'B', 3, TRUE), ('old', DATE '2022-11-02', 2022, 'A', 'B', 3, TRUE), "
        "('after', DATE '2022-12-01', 2022, 'A', 'B', 3, TRUE)"
    )
    # the source: columns in another order, an extra column, an integer where the table wants a bool
    con.execute(
        "CREATE TABLE src AS SELECT * FROM (VALUES (1, 'new1', DATE '2022-11-01', 'C', 'D', 2022, 3, 1), "
        "(2, 'new2', DATE '2022-11-01', 'E', 'F', 2022, 3, 0), (3, 'new3', DATE '2022-11-03', 'G', 'H', 2022, 3, 1)) "
        "AS t(extra, game_id, game_date, home_team_abbr, away_team_abbr, season_year, game_status, is_regular_season)"
    )
    yield con
    con.close()


def _ids(con):
    return con.execute('SELECT game_id FROM "nba-props-platform".nba_reference.nba_schedule ORDER BY ALL').fetchall()


def test_replace_script_replaces_exactly_the_range(con):
    counts = _run_script(con, dt.date(2022, 11, 1), dt.date(2022, 11, 30))

    assert counts == [(dt.date(2022, 11, 1), 2), (dt.date(2022, 11, 3), 1)]
    assert _ids(con) == [("after",), ("before",), ("new1",), ("new2",), ("new3",)]


def test_replace_script_refuses_rows_outside_the_range_and_changes_nothing(con):
    import duckdb

    with pytest.raises(duckdb.Error, match="nba_reference.nba_schedule: .* fall outside the partitions"):
        _run_script(con, dt.date(2022, 11, 2), dt.date(2022, 11, 30))
    assert _ids(con) == [("after",), ("before",), ("old",)]
