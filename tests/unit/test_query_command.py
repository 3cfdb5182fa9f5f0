"""`nba-backfill query` runs read-only statements only: on the embedded warehouse anything else is one line,
exit 2, and nothing runs (a `COPY ... TO` writes no file, a DELETE leaves the rows)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from helpers import d, write_rows
from nba_backfill.cli import main
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

SCHEDULE = "nba_reference.nba_schedule"


@pytest.fixture
def configfile(write_config, tmp_path):
    path = write_config({"warehouse": {"backend": "duckdb", "path": str(tmp_path / "warehouse")}})
    warehouse = DuckDBWarehouse(str(tmp_path / "warehouse"))
    write_rows(warehouse, SCHEDULE, [{"game_id": "g1", "game_date": d("2023-11-01")}])
    return str(path)


def _query(configfile: str, sql: str):
    return CliRunner().invoke(main, ["--configfile", configfile, "query", "--", sql])


def test_a_select_runs(configfile):
    result = _query(configfile, f"-- how many games\nWITH g AS (SELECT * FROM {SCHEDULE}) SELECT COUNT(*) AS n FROM g")
    assert result.exit_code == 0, result.output
    assert "| n |\n+---+\n| 1 |" in result.output, result.output


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("DELETE FROM nba_reference.nba_schedule WHERE TRUE", "statement 1 is DELETE, not a SELECT"),
        ("CREATE TABLE nba_reference.x AS SELECT 1 AS a", "statement 1 is CREATE, not a SELECT"),
        ("SELECT 1 AS a;\nDROP TABLE nba_reference.nba_schedule", "statement 2 is DROP, not a SELECT"),
        (
            "WITH gone AS (DELETE FROM nba_reference.nba_schedule WHERE TRUE) SELECT * FROM gone",
            "statement 1 hides DELETE inside its SELECT",
        ),
        ("/* just a comment */ ;", "no statement"),
        ("SELECT FROM WHERE (", "cannot parse 'SELECT FROM WHERE (': "),
    ],
    ids=["delete", "create", "select-then-drop", "delete-in-a-cte", "empty", "unparsable"],
)
def test_anything_but_a_select_is_refused_and_nothing_runs(configfile, tmp_path, sql, reason):
    result = _query(configfile, sql)

    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: query runs read-only SELECT statements only: {reason}")
    assert result.output.count("\n") == 1
    rows = DuckDBWarehouse(str(tmp_path / "warehouse")).query(f"SELECT game_id FROM {SCHEDULE}").rows
    assert rows == [("g1",)]


def test_copy_to_a_file_is_refused_and_writes_nothing(configfile, tmp_path):
    target = tmp_path / "warehouse" / "nba_reference" / "nba_schedule" / "2023-11.parquet"
    before = target.read_bytes()

    result = _query(configfile, f"COPY (SELECT 'x' AS game_id) TO '{target}' (FORMAT parquet)")

    assert result.exit_code == 2, result.output
    assert result.output == (
        "error: query runs read-only SELECT statements only: statement 1 is COPY, not a SELECT; nothing was run\n"
    )
    assert target.read_bytes() == before
