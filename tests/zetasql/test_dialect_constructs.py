"""The BigQuery constructs sqlglot's DuckDB text answers differently: the dialect layer translates
EXTRACT(DAYOFWEEK) correctly (proven on both engines) and refuses `UNNEST ... WITH OFFSET` and `/` by anything
but a non-zero number, with one line naming the construct. Each refusal is shown to be needed: ZetaSQL (BigQuery)
and sqlglot's plain translation run on DuckDB disagree."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
import sqlglot
from zetasql_service import ZetaSQLError

from helpers import write_rows
from nba_backfill.errors import WarehouseError
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

SCHEDULE = "nba_reference.nba_schedule"
SUNDAY = dt.date(2024, 1, 7)


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """Schedule rows for nine consecutive days, Sunday 2024-01-07 among them; game_status 0 on the first."""
    rows = [
        {"game_id": f"g{i}", "game_date": SUNDAY + dt.timedelta(days=i - 3), "game_status": i, "season_year": 2023}
        for i in range(9)
    ]
    warehouse = DuckDBWarehouse(tmp_path_factory.mktemp("week"))
    write_rows(warehouse, SCHEDULE, rows)
    return warehouse, {SCHEDULE: rows}


def both(zetasql, week, sql: str, params: dict | None = None) -> tuple[list, list]:
    """(ZetaSQL's rows, the embedded warehouse's rows), each sorted."""
    warehouse, tables = week
    _, rows = zetasql.evaluate(sql, params or {}, tables)
    return sorted(rows), sorted(warehouse.query(sql, params).rows)


def plain_sqlglot_on_duckdb(sql: str, rows: list[dict]) -> list:
    """What sqlglot's translation alone answers (no dialect layer), over the same schedule rows."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA nba_reference")
    con.execute("CREATE TABLE nba_reference.nba_schedule (game_id VARCHAR, game_date DATE, game_status BIGINT)")
    con.executemany(
        "INSERT INTO nba_reference.nba_schedule VALUES (?, ?, ?)",
        [(r["game_id"], r["game_date"], r["game_status"]) for r in rows],
    )
    return sorted(con.execute(sqlglot.transpile(sql, read="bigquery", write="duckdb")[0]).fetchall())


def test_dayofweek_is_translated_to_bigquery_numbering(zetasql, week):
    sql = f"SELECT game_date, EXTRACT(DAYOFWEEK FROM game_date) AS day FROM {SCHEDULE}"
    on_zetasql, on_duckdb = both(zetasql, week, sql)
    assert on_duckdb == on_zetasql
    assert dict(on_duckdb)[SUNDAY] == 1 and dict(on_duckdb)[SUNDAY + dt.timedelta(days=-1)] == 7  # by hand
    assert plain_sqlglot_on_duckdb(sql, week[1][SCHEDULE]) != on_zetasql  # why the translation is needed


def test_safe_divide_agrees_including_zero_divisors(zetasql, week):
    sql = f"SELECT game_id, SAFE_DIVIDE(10, game_status) AS q, game_status / 4 AS r FROM {SCHEDULE}"
    on_zetasql, on_duckdb = both(zetasql, week, sql)
    assert on_duckdb == on_zetasql
    assert dict((g, q) for g, q, _ in on_duckdb)["g0"] is None


REFUSED = {
    "division by a column": (f"SELECT 10 / game_status AS q FROM {SCHEDULE}", "divides by game_status with /"),
    "division by an expression": (
        f"SELECT game_id, 1 / (game_status - 1) AS q FROM {SCHEDULE}",
        r"divides by \(game_status - 1\) with /",
    ),
    "division by zero": (f"SELECT game_status / 0.0 AS q FROM {SCHEDULE}", "divides by 0.0 with /"),
    "unnest with offset": (
        "SELECT x, i FROM UNNEST(['a', 'b', 'c']) AS x WITH OFFSET AS i",
        r"UNNEST \.\.\. WITH OFFSET",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_the_dialect_layer_refuses_in_one_line(zetasql, week, case):
    sql, message = REFUSED[case]
    with pytest.raises(WarehouseError, match=message) as refused:
        week[0].query(sql)
    assert "\n" not in str(refused.value)
    # valid BigQuery, and sqlglot alone would answer differently on DuckDB: it errors (a zero divisor) or
    # numbers from 0 where DuckDB answers inf and numbers from 1
    zetasql.analyze_script(sql, {}, case)
    try:
        _, expected = zetasql.evaluate(sql, {}, week[1])
    except ZetaSQLError as err:
        assert "division by zero" in str(err).lower()
        assert any(
            v in (float("inf"), float("-inf")) for row in plain_sqlglot_on_duckdb(sql, week[1][SCHEDULE]) for v in row
        )
    else:
        assert plain_sqlglot_on_duckdb(sql, week[1][SCHEDULE]) != sorted(expected)


def test_division_by_a_non_zero_number_is_kept(week):
    rows = week[0].query(f"SELECT game_status / 2 AS half, game_status / -0.5 AS neg FROM {SCHEDULE}").rows
    assert sorted(rows) == [(i / 2, i / -0.5) for i in range(9)]
