"""The embedded warehouse: whole-partition replacement, crash safety, BigQuery SQL on DuckDB."""

from __future__ import annotations

import os

import pytest

from helpers import d, write_rows
from nba_backfill.errors import WarehouseError
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

SCHEDULE = "nba_reference.nba_schedule"


def game(game_id: str, day: str, home: str = "BOS", away: str = "NYK") -> dict:
    return dict(
        game_id=game_id,
        game_date=d(day),
        season_year=2022,
        home_team_abbr=home,
        away_team_abbr=away,
        game_status=3,
        is_regular_season=True,
    )


GAMES = [game("a", "2022-11-01"), game("b", "2022-11-01", "LAL", "GSW"), game("c", "2022-11-03")]


def test_replacing_twice_gives_identical_data_and_no_duplicates(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    write_rows(warehouse, SCHEDULE, GAMES)
    first = sorted(warehouse.query(f"SELECT * FROM {SCHEDULE}").rows)
    files = {p: p.read_bytes() for p in (tmp_path / "nba_reference" / "nba_schedule").glob("*.parquet")}
    write_rows(warehouse, SCHEDULE, GAMES)
    assert sorted(warehouse.query(f"SELECT * FROM {SCHEDULE}").rows) == first
    assert {p: p.read_bytes() for p in files} == files  # byte-identical partition files
    dupes = warehouse.query(f"SELECT game_id FROM {SCHEDULE} GROUP BY game_id HAVING COUNT(*) > 1").rows
    assert dupes == []
    assert warehouse.partitions(SCHEDULE) == {d("2022-11-01"): 2, d("2022-11-03"): 1}


def test_replace_removes_partitions_left_empty_and_keeps_others(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    write_rows(warehouse, SCHEDULE, GAMES + [game("z", "2022-11-20")])
    warehouse.replace_partitions(
        SCHEDULE, f"SELECT * FROM {SCHEDULE} WHERE game_id = 'a'", d("2022-11-01"), d("2022-11-03")
    )
    assert warehouse.partitions(SCHEDULE) == {d("2022-11-01"): 1, d("2022-11-20"): 1}


def _write_dates_one_by_one(root: str, days: list[str], start) -> None:
    warehouse = DuckDBWarehouse(root)
    warehouse.query(f"SELECT COUNT(*) FROM {SCHEDULE}")  # imports and connection done before the race
    start.wait()
    for day in days:
        write_rows(warehouse, SCHEDULE, [game(f"g{day}", day)])


def test_writers_of_different_dates_in_one_month_keep_each_others_rows(tmp_path):
    """Two processes adding dates to the same month file at once: no write loses the other's (table lock)."""
    import multiprocessing

    odd = [f"2022-11-{n:02d}" for n in range(1, 31, 2)]
    even = [f"2022-11-{n:02d}" for n in range(2, 31, 2)]
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(2)
    workers = [spawn.Process(target=_write_dates_one_by_one, args=(str(tmp_path), days, start)) for days in (odd, even)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [w.exitcode for w in workers] == [0, 0]
    assert DuckDBWarehouse(tmp_path).partitions(SCHEDULE) == {d(day): 1 for day in sorted(odd + even)}


# a month file big enough that reading it takes a while
MANY = [game(f"g{i}", f"2022-11-{1 + i % 28:02d}") for i in range(20000) if 1 + i % 28 != 2]


def _rewrite_one_date(root: str, start, done, times: int) -> None:
    warehouse = DuckDBWarehouse(root)
    start.wait()
    for i in range(times):
        write_rows(warehouse, SCHEDULE, [game("w", "2022-11-02", home=f"H{i % 3}")])
    done.set()


def _read_other_dates(root: str, start, done) -> None:
    warehouse = DuckDBWarehouse(root)
    start.wait()
    while not done.is_set():  # reading all the time the writer writes
        rows = warehouse.query(f"SELECT COUNT(*) FROM {SCHEDULE} WHERE game_date <> DATE '2022-11-02'").rows
        assert rows == [(len(MANY),)]


def test_a_query_never_reads_a_month_file_while_it_is_replaced(tmp_path):
    """One process rewrites a date while another reads the month's other dates: every read sees whole files."""
    import multiprocessing

    write_rows(DuckDBWarehouse(tmp_path), SCHEDULE, MANY)
    spawn = multiprocessing.get_context("spawn")
    start, done = spawn.Barrier(2), spawn.Event()
    workers = [
        spawn.Process(target=_rewrite_one_date, args=(str(tmp_path), start, done, 200)),
        spawn.Process(target=_read_other_dates, args=(str(tmp_path), start, done)),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [w.exitcode for w in workers] == [0, 0]


def test_rows_outside_the_replaced_range_are_refused(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    write_rows(warehouse, SCHEDULE, GAMES)
    with pytest.raises(WarehouseError, match="1 row\\(s\\) fall outside the partitions 2022-11-01..2022-11-02"):
        warehouse.replace_partitions(SCHEDULE, f"SELECT * FROM {SCHEDULE}", d("2022-11-01"), d("2022-11-02"))
    assert warehouse.partitions(SCHEDULE) == {d("2022-11-01"): 2, d("2022-11-03"): 1}


def test_crash_between_write_and_rename_leaves_previous_partition_readable(tmp_path, monkeypatch):
    warehouse = DuckDBWarehouse(tmp_path)
    write_rows(warehouse, SCHEDULE, GAMES)

    def crash(src, dst):
        raise KeyboardInterrupt("killed between write and rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        warehouse.replace_partitions(
            SCHEDULE, f"SELECT * REPLACE ('x' AS home_team_abbr) FROM {SCHEDULE}", d("2022-11-01"), d("2022-11-03")
        )
    monkeypatch.undo()
    fresh = DuckDBWarehouse(tmp_path)
    assert sorted(r[0] for r in fresh.query(f"SELECT home_team_abbr FROM {SCHEDULE}").rows) == ["BOS", "BOS", "LAL"]
    assert list((tmp_path / "nba_reference" / "nba_schedule" / "_staging").iterdir()) == []


def test_missing_columns_are_an_error_not_nulls(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    with pytest.raises(WarehouseError, match="does not produce column\\(s\\) away_team_abbr"):
        warehouse.replace_partitions(
            SCHEDULE,
            "SELECT 'g' AS game_id, DATE '2022-11-01' AS game_date, 2022 AS season_year, 'BOS' AS home_team_abbr, "
            "3 AS game_status, TRUE AS is_regular_season",
            d("2022-11-01"),
            d("2022-11-01"),
        )


def test_bigquery_sql_runs_with_project_ids_params_and_date_functions(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    write_rows(warehouse, SCHEDULE, GAMES)
    result = warehouse.query(
        "SELECT COUNT(DISTINCT game_date) AS dates, MIN(DATE_SUB(game_date, INTERVAL 1 DAY)) AS day_before "
        "FROM `nba-props-platform.nba_reference.nba_schedule` WHERE game_date BETWEEN @start AND '2022-11-30'",
        {"start": d("2022-11-01")},
    )
    assert result.dicts() == [{"dates": 2, "day_before": d("2022-10-31")}]


def test_an_absent_table_reads_as_empty_with_its_schema(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    result = warehouse.query("SELECT COUNT(*) AS n, MAX(points) AS most FROM nba_analytics.player_game_summary")
    assert result.dicts() == [{"n": 0, "most": None}]
    assert warehouse.partitions("nba_analytics.player_game_summary") == {}


def test_countif_over_no_rows_is_zero_as_in_bigquery(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    result = warehouse.query(f"SELECT COUNTIF(game_status = 3) AS finals FROM {SCHEDULE} WHERE FALSE")
    assert result.dicts() == [{"finals": 0}]
