"""The embedded warehouse: whole-partition replacement, crash safety, BigQuery SQL on DuckDB."""

from __future__ import annotations

import os

import pytest

from helpers import d, write_rows
from nba_backfill.errors import WarehouseError
from nba_backfill.warehouse import duckdb as embedded
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


def test_a_query_sees_month_files_another_writer_replaced_or_added_since_its_last_query(tmp_path):
    reader, writer = DuckDBWarehouse(tmp_path), DuckDBWarehouse(tmp_path)
    write_rows(writer, SCHEDULE, GAMES)
    games = f"SELECT game_date, game_id FROM {SCHEDULE} ORDER BY 1, 2"
    assert reader.query(games).rows == [(d("2022-11-01"), "a"), (d("2022-11-01"), "b"), (d("2022-11-03"), "c")]
    write_rows(writer, SCHEDULE, [game("d", "2022-11-03")])  # the same month file, rewritten: 11-03 is now "d"
    assert reader.query(games).rows[-1] == (d("2022-11-03"), "d")
    write_rows(writer, SCHEDULE, [game("e", "2022-12-01")])  # a new month file
    assert reader.query(games).rows[-2:] == [(d("2022-11-03"), "d"), (d("2022-12-01"), "e")]


def in_a_fork(job) -> str:
    """`job()`'s answer (a str), computed in a fork of this process, as the job server runs a job."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            answer = job()
        except BaseException as err:  # the test reads it, the fork must not run pytest on
            answer = f"{type(err).__name__}: {err}"
        os.write(write, answer.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        text = answer.read()
    os.waitpid(pid, 0)
    return text


def test_each_fork_starts_from_its_own_copy_of_the_connection_opened_before_it(tmp_path, monkeypatch):
    """The job server opens one connection before it forks (connect_before_fork). A fork copies only the forking
    thread, so the connection must run none; each fork's first warehouse must take it; and what one fork makes in
    it (here a table) must stay in that fork."""
    write_rows(DuckDBWarehouse(tmp_path), SCHEDULE, GAMES)
    monkeypatch.setattr(embedded, "_opened", None)
    threads, files = len(os.listdir("/proc/self/task")), len(os.listdir("/proc/self/fd"))
    embedded.connect_before_fork()
    assert len(os.listdir("/proc/self/task")) == threads
    opened = embedded._opened
    # its warm-up (a Parquet file written and read, a temp table) leaves no table, no open file
    assert opened.execute("SELECT COUNT(*) FROM duckdb_tables()").fetchall() == [(0,)]
    assert len(os.listdir("/proc/self/fd")) == files

    def job(make: bool) -> str:
        warehouse = DuckDBWarehouse(tmp_path)
        con = warehouse.con
        before = con.execute("SELECT COUNT(*) FROM duckdb_tables() WHERE table_name = 'made_in_a_fork'").fetchall()
        if make:
            con.execute("CREATE TABLE made_in_a_fork AS SELECT 1 AS x")
        games = warehouse.query(f"SELECT COUNT(*) FROM {SCHEDULE}").rows
        return f"{con is opened} {before} {games}"

    assert in_a_fork(lambda: job(make=True)) == "True [(0,)] [(3,)]"
    assert in_a_fork(lambda: job(make=False)) == "True [(0,)] [(3,)]"  # the first fork's table is not here


def test_replace_removes_partitions_left_empty_and_keeps_others(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    write_rows(warehouse, SCHEDULE, GAMES + [game("z", "2022-11-20")])
    warehouse.replace_partitions(
        SCHEDULE, f"SELECT * FROM {SCHEDULE} WHERE game_id = 'a'", d("2022-11-01"), d("2022-11-03")
    )
    assert warehouse.partitions(SCHEDULE) == {d("2022-11-01"): 1, d("2022-11-20"): 1}


def file_order(warehouse: DuckDBWarehouse, table: str, month: str, *columns: str) -> list[tuple]:
    """The month file's rows as stored, in the order a reader gets them."""
    path = warehouse.table_dir(table) / f"{month}.parquet"
    return warehouse.con.execute(f"SELECT {', '.join(columns)} FROM read_parquet('{path}')").fetchall()


def test_a_rewritten_month_keeps_its_file_sorted_by_date_and_cluster_columns(tmp_path):
    """A month's other dates go before and after the new rows unsorted (each run is sorted already), and rows
    another writer keeps on the replaced dates are sorted in: either way the file is in (date, cluster) order."""
    warehouse = DuckDBWarehouse(tmp_path)
    write_rows(warehouse, SCHEDULE, [game("a", "2022-11-01", "NYK"), game("b", "2022-11-01", "BOS")])
    write_rows(warehouse, SCHEDULE, [game("z", "2022-11-20", "MIA"), game("y", "2022-11-20", "ATL")])
    new = [game("c", "2022-11-05", "PHX"), game("d", "2022-11-03", "UTA"), game("e", "2022-11-03", "DEN")]
    write_rows(warehouse, SCHEDULE, new)
    stored = file_order(warehouse, SCHEDULE, "2022-11", "game_date", "home_team_abbr", "game_id")
    assert [row[2] for row in stored] == ["b", "a", "e", "d", "c", "y", "z"]  # by date, then home team

    warehouse = tiers_warehouse(tmp_path / "tiers")  # a foreign system's rows on the dates replaced below
    ours = f"SELECT * REPLACE ('BENCH_0_9' AS scoring_tier) FROM {TIERS} WHERE system_id = 'ensemble_v1'"
    warehouse.replace_partitions(TIERS, ours, d("2022-11-01"), d("2022-11-30"), owned=OURS)
    stored = file_order(warehouse, TIERS, "2022-11", "as_of_date", "system_id", "scoring_tier")
    assert len(stored) == 5 and stored == sorted(stored)


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


# -- owned rows, restore after a failed check, stale staging files, corrupt files ------------------------------

TIERS = "nba_predictions.scoring_tier_adjustments"
OURS = {"system_id": ("ensemble_v1",)}


def tier(day: str, system: str, adjustment: float, tier_name: str = "STAR_30PLUS") -> dict:
    return dict(
        as_of_date=d(day),
        system_id=system,
        scoring_tier=tier_name,
        sample_size=12,
        lookback_days=30,
        recommended_adjustment=adjustment,
        scale_factor=0.5,
    )


def tiers_warehouse(tmp_path) -> DuckDBWarehouse:
    """November: ours and a foreign system's rows on the 1st and 15th, ours alone on the 30th."""
    warehouse = DuckDBWarehouse(tmp_path)
    write_rows(
        warehouse,
        TIERS,
        [
            tier("2022-11-01", "ensemble_v1", 1.0),
            tier("2022-11-01", "live_system_v7", 0.1 + 0.2),  # a float that must keep its last bit
            tier("2022-11-15", "ensemble_v1", 2.0),
            tier("2022-11-15", "live_system_v7", -3.25, "BENCH_0_9"),
            tier("2022-11-30", "ensemble_v1", 4.0),
        ],
    )
    return warehouse


def rows(warehouse: DuckDBWarehouse, where: str = "TRUE") -> list[tuple]:
    return sorted(warehouse.query(f"SELECT * FROM {TIERS} WHERE {where}").rows)


def test_an_owned_replace_keeps_other_systems_rows_on_its_dates(tmp_path):
    warehouse = tiers_warehouse(tmp_path)
    foreign = rows(warehouse, "system_id = 'live_system_v7'")
    new = (
        f"SELECT * REPLACE (9.0 AS recommended_adjustment) FROM {TIERS} "
        "WHERE system_id = 'ensemble_v1' AND as_of_date = '2022-11-15'"
    )

    written = warehouse.replace_partitions(TIERS, new, d("2022-11-01"), d("2022-11-15"), owned=OURS)

    assert written == {d("2022-11-15"): 1}
    assert rows(warehouse, "system_id = 'live_system_v7'") == foreign  # the same values, to the last bit
    ours = warehouse.query(f"SELECT as_of_date, recommended_adjustment FROM {TIERS} WHERE system_id = 'ensemble_v1'")
    assert sorted(ours.rows) == [(d("2022-11-15"), 9.0), (d("2022-11-30"), 4.0)]  # the 1st was ours: removed
    # without the filter, the same replace removes every row of those dates
    warehouse.replace_partitions(TIERS, new, d("2022-11-01"), d("2022-11-15"))
    assert rows(warehouse, "system_id = 'live_system_v7'") == []


def test_an_owned_replace_refuses_rows_it_does_not_own(tmp_path):
    warehouse = tiers_warehouse(tmp_path)
    before = rows(warehouse)
    with pytest.raises(WarehouseError, match=r"^nba_predictions.scoring_tier_adjustments: 2 row\(s\) are not owned "):
        warehouse.replace_partitions(
            TIERS,
            f"SELECT * FROM {TIERS} WHERE as_of_date < '2022-11-30'",
            d("2022-11-01"),
            d("2022-11-15"),
            owned=OURS,
        )
    assert rows(warehouse) == before


@pytest.mark.parametrize("owned", [None, OURS])
def test_a_failed_check_inside_replacing_restores_exactly_the_replaced_rows(tmp_path, owned):
    warehouse = tiers_warehouse(tmp_path)
    before = rows(warehouse)
    folder = tmp_path / "nba_predictions" / "scoring_tier_adjustments"
    new = f"SELECT * REPLACE (DATE '2022-12-02' AS as_of_date) FROM {TIERS} WHERE system_id = 'ensemble_v1'"

    with pytest.raises(RuntimeError, match="check failed"):
        with warehouse.replacing(TIERS, new, d("2022-11-15"), d("2022-12-31"), owned=owned) as written:
            assert written == {d("2022-12-02"): 3}
            assert len(rows(warehouse, "as_of_date = '2022-12-02'")) == 3  # the checks see the new rows
            # meanwhile another job rewrites a date of the same month outside the range: its write must survive
            DuckDBWarehouse(tmp_path).replace_partitions(
                TIERS,
                f"SELECT * REPLACE (8.0 AS recommended_adjustment) FROM {TIERS} "
                "WHERE as_of_date = '2022-11-01' AND system_id = 'ensemble_v1'",
                d("2022-11-01"),
                d("2022-11-01"),
                owned=OURS,
            )
            raise RuntimeError("check failed")

    other_job = [r for r in rows(warehouse) if r[0] == d("2022-11-01") and r[1] == "ensemble_v1"]
    assert [r[8] for r in other_job] == [8.0]
    assert rows(warehouse) == sorted([r for r in before if r[:2] != (d("2022-11-01"), "ensemble_v1")] + other_job)
    assert sorted(p.name for p in folder.glob("*.parquet")) == ["2022-11.parquet"]  # December's new file is gone
    assert list((folder / "_staging").iterdir()) == []  # nothing kept behind


def test_rows_that_pass_their_checks_stay_and_nothing_is_kept(tmp_path):
    warehouse = tiers_warehouse(tmp_path)
    new = f"SELECT * REPLACE (7.0 AS recommended_adjustment) FROM {TIERS} WHERE as_of_date = '2022-11-30'"
    with warehouse.replacing(TIERS, new, d("2022-11-30"), d("2022-11-30"), owned=OURS):
        pass
    assert warehouse.query(f"SELECT recommended_adjustment FROM {TIERS} WHERE as_of_date = '2022-11-30'").rows == [
        (7.0,)
    ]
    assert list((tmp_path / "nba_predictions" / "scoring_tier_adjustments" / "_staging").iterdir()) == []


def test_the_next_write_removes_what_a_killed_writer_left_in_staging(tmp_path):
    import subprocess
    import sys

    warehouse = tiers_warehouse(tmp_path)
    staging = tmp_path / "nba_predictions" / "scoring_tier_adjustments" / "_staging"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    left = [staging / f"2022-11.{dead_pid}.3.tmp", staging / f"2022-11.{dead_pid}.4.old"]
    alive = staging / f"2022-11.{os.getpid()}.5.old"  # a job still running its checks keeps its months
    for path in (*left, alive):
        path.write_bytes(b"half a parquet file")

    write_rows(warehouse, TIERS, [tier("2022-11-30", "ensemble_v1", 5.0)])

    assert sorted(staging.iterdir()) == [alive]


@pytest.mark.parametrize("damage", ["truncated", "empty"])
def test_a_corrupt_month_file_is_one_line_naming_it(tmp_path, damage):
    tiers_warehouse(tmp_path)
    path = tmp_path / "nba_predictions" / "scoring_tier_adjustments" / "2022-11.parquet"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"")
    fresh = DuckDBWarehouse(tmp_path)
    for call in (
        lambda: fresh.partitions(TIERS),
        lambda: fresh.query(f"SELECT COUNT(*) FROM {TIERS}"),
        lambda: write_rows(fresh, TIERS, [tier("2022-11-30", "ensemble_v1", 5.0)]),
    ):
        with pytest.raises(WarehouseError) as err:
            call()
        assert "\n" not in str(err.value) and str(path) in str(err.value), str(err.value)
