"""The embedded warehouse: DuckDB over a folder of Parquet files, one file per calendar month.

Layout: `<path>/<dataset>/<table>/<YYYY-MM>.parquet`, rows sorted by the partition date. The partitions are
still dates (every interface call speaks of dates); a month file only stores them together, because on these
machines opening or writing a Parquet file costs ~4-6 ms whatever its size, and a file per date made the
backfill spend most of its time there. A write rewrites each month it touches: the month's rows outside the
replaced dates (and, with an `owned` filter, the rows of those dates it does not own) are kept, the new rows
added, the file written to `<table>/_staging/` and renamed into place, so a crash leaves each date's old rows or
its new rows, never a torn file. `replacing` keeps the old month files aside in `_staging/` (hard links, named
with the writer's pid) until the job's checks pass; on failure it writes their replaced rows back the same way,
so another job's write to other dates of the same month in between is kept. The next writer of a table removes
what a killed writer left there. A writer holds the table's lock file
(`<table>/.lock`) exclusively for that read-modify-write and a query holds the tables it reads shared, so
readers never see a month file change under them; jobs on other tables never wait.

A job can give a `scope` (first, last): its views then list only the month files that overlap it and keep only
its dates, so a job never opens another season's files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import itertools
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import WarehouseError
from ..tables import table_schema
from .base import Owned, QueryResult, Warehouse, describe_owned
from .dialect import to_duckdb

_sequence = itertools.count()
# One thread: jobs already run in parallel as processes, and a single-threaded aggregate adds floats in the same
# order every run, so an unchanged rerun writes byte-identical rows and markers. No async I/O threads (DuckDB
# starts 8 at every connect, even with one thread): a connection then runs no thread of its own, which is what
# lets the job server open one before it forks (`connect_before_fork`).
_SETTINGS = {"threads": 1, "async_threads": 0}
_opened = None  # the connection opened before this process was forked, until a warehouse takes it


def connect_before_fork() -> None:
    """Open the connection that each fork of this process starts with (the job server calls this once).

    A connect costs a job ~28 ms of CPU (DuckDB builds its catalog of built-in functions and loads its built-in
    extensions), the largest fixed cost of a small job: paid once here instead of in each of a monthly backfill's
    245 jobs. A fork copies the idle connection whole (it holds no thread and no file), and what a job then
    creates in it (views, temp tables) stays in that job's copy."""
    global _opened
    _opened = _connection()
    _warm_up(_opened)


def _warm_up(con) -> None:
    """Run once, before the forks, the kinds of statement every job runs: write and read a Parquet file, a window,
    a temp table, a grouped count. DuckDB builds what each needs at its first use (the first statement of a fresh
    connection cost a job ~10 ms), and each fork then finds it built. Leaves nothing behind: no table, no file."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="nba-backfill-warm-") as folder:
        path = os.path.join(folder, "warm.parquet")
        con.execute(
            f"COPY (SELECT range AS n, DATE '2000-01-01' + CAST(range AS INTEGER) AS day, 'p' || range AS name "
            f"FROM range(2048)) TO '{path}' (FORMAT parquet)"
        )
        con.execute(
            "CREATE TEMP TABLE _warm AS SELECT *, ROW_NUMBER() OVER (PARTITION BY n % 7 ORDER BY day DESC) AS k "
            f"FROM read_parquet(['{path}']) WHERE day BETWEEN ? AND ? ORDER BY day, name",
            [dt.date(2000, 1, 5), dt.date(2009, 12, 31)],
        )
        con.execute("SELECT n % 5, COUNT(*), COUNT_IF(day > ?), AVG(k) FROM _warm GROUP BY 1", [dt.date(2000, 2, 1)])
        con.execute("DROP TABLE _warm")


def _connection():
    """The connection opened before the fork (to the first warehouse that asks), else a new one."""
    global _opened
    con, _opened = _opened, None
    if con is None:
        import duckdb

        con = duckdb.connect(config=_SETTINGS)
    return con


def _months(first: dt.date, last: dt.date) -> Iterator[tuple[str, dt.date, dt.date]]:
    """Each calendar month overlapping first..last: its file stem and the part of first..last inside it."""
    day = first
    while day <= last:
        following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        yield day.strftime("%Y-%m"), day, min(last, following - dt.timedelta(days=1))
        day = following


class DuckDBWarehouse(Warehouse):
    def __init__(self, path: str | Path, scope: tuple[dt.date, dt.date] | None = None):
        self.root = Path(path)
        self.scope = None if scope is None else (scope[0].isoformat(), scope[1].isoformat())
        self._con = None
        self._views: dict[str, str] = {}  # table -> the body its view has now

    # -- files -------------------------------------------------------------------------------------------
    def table_dir(self, table: str) -> Path:
        dataset, name = table.split(".")
        return self.root / dataset / name

    def _files(self, table: str, first: str | None = None, last: str | None = None) -> list[Path]:
        """The table's month files overlapping first..last (ISO dates; default: the scope), oldest first; names
        only, no stat calls."""
        folder = self.table_dir(table)
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".parquet"))
        except FileNotFoundError:
            return []
        if first is None and self.scope:
            first, last = self.scope
        if first is not None:
            names = [n for n in names if first[:7] <= n[:7] <= last[:7]]
        return [folder / n for n in names]

    @contextlib.contextmanager
    def _lock(self, table: str, exclusive: bool) -> Iterator[None]:
        """A writer holds its table exclusively for its read-modify-write of month files; a query holds the
        tables it reads shared, from listing their files to fetching its result (DuckDB may open a file more
        than once, and a rename between two opens would tear the read). Released by the kernel if the process
        dies. A table without a folder has nothing to read yet."""
        folder = self.table_dir(table)
        if exclusive:
            folder.mkdir(parents=True, exist_ok=True)
        elif not folder.exists():
            yield
            return
        with open(folder / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield

    @contextlib.contextmanager
    def _reading(self, tables) -> Iterator[None]:
        with contextlib.ExitStack() as stack:
            for table in sorted(tables):
                stack.enter_context(self._lock(table, exclusive=False))
            yield

    # -- connection and views ----------------------------------------------------------------------------
    @property
    def con(self):
        if self._con is None:
            self._con = _connection()
        return self._con

    def _ensure_view(self, table: str) -> None:
        """(Re)create the view for `table` over its partition files, or an empty typed view if it has none. A view
        that already lists the same files stays: it reads them anew in every query (DuckDB re-binds a view each
        time), and a job's statements read the same tables again and again (~1 ms a view)."""
        dataset, name = table.split(".")
        files = self._files(table)
        try:
            schema = table_schema(table)
        except KeyError:
            schema = None
        if files:
            listing = ", ".join(f"'{f}'" for f in files)
            body = f"SELECT * FROM read_parquet([{listing}])"
            if self.scope and schema is not None:  # a month file can hold dates on both sides of the scope
                body += f" WHERE \"{schema.partition_by}\" BETWEEN DATE '{self.scope[0]}' AND DATE '{self.scope[1]}'"
        elif schema is not None:
            body = f"SELECT {schema.duckdb_casts(from_columns=False)} WHERE FALSE"
        else:
            raise WarehouseError(f"table {table} does not exist in {self.root}")
        if self._views.get(table) == body:
            return
        self.con.execute(f'CREATE SCHEMA IF NOT EXISTS "{dataset}"')
        with _errors(table):  # DuckDB reads the files' footers here
            self.con.execute(f'CREATE OR REPLACE VIEW "{dataset}"."{name}" AS {body}')
        self._views[table] = body

    def _execute(self, sql: str, params: Mapping[str, Any] | None, run: Callable[[str, dict], Any] | None = None):
        """Run BigQuery SQL: views for the tables it reads, exactly the parameters it uses. `run` (default: the
        connection's execute) runs the DuckDB SQL and takes its result while the tables are locked for reading."""
        import duckdb

        translation = to_duckdb(sql)
        params = params or {}
        missing = [p for p in translation.params if p not in params]
        if missing:
            raise WarehouseError(f"query parameter(s) @{', @'.join(missing)} not given")
        values = {p: params[p] for p in translation.params}
        with self._reading(translation.tables):
            for table in translation.tables:
                self._ensure_view(table)
            try:
                return (run or self.con.execute)(translation.sql, values)
            except duckdb.Error as err:
                raise WarehouseError(f"query failed: {str(err).splitlines()[0]}") from None

    # -- interface ---------------------------------------------------------------------------------------
    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> QueryResult:
        def rows(duckdb_sql: str, values: dict) -> QueryResult:
            cursor = self.con.execute(duckdb_sql, values)
            return QueryResult([d[0] for d in cursor.description], cursor.fetchall())

        return self._execute(sql, params, rows)

    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None):
        # a relation hands Arrow over without the extra copy of a cursor
        return self._execute(
            sql, params, lambda duckdb_sql, values: self.con.sql(duckdb_sql, params=values).to_arrow_table()
        )

    def _swap(self, table, source, first, last, params, owned, keep) -> tuple[dict[dt.date, int], Any]:
        schema = table_schema(table)
        part = schema.partition_by
        # typed and sorted as the files are (a month's rows are then a contiguous, ordered run of row groups),
        # straight from the statement: its rows are materialized once
        casts, order = schema.duckdb_casts(from_columns=True), _order(schema)

        def typed(select: str) -> str:
            return f"CREATE OR REPLACE TEMP TABLE _typed AS SELECT {casts} FROM ({select}) ORDER BY {order}"

        def refuse_missing(columns) -> None:
            missing = set(schema.column_names) - set(columns)
            if missing:
                raise WarehouseError(f"{table}: the statement does not produce column(s) {', '.join(sorted(missing))}")

        def create(duckdb_sql: str, values: dict) -> None:
            import duckdb

            try:
                self.con.execute(typed(duckdb_sql), values)
            except duckdb.BinderException:  # a column the casts name is missing, or another binding error
                refuse_missing(self.con.sql(duckdb_sql, params=values).columns)
                raise

        if isinstance(source, str):
            self._execute(source, params, create)
        else:
            refuse_missing(source.schema.names)
            self.con.register("_incoming", source)  # a view on the Arrow table: read once, here
            self.con.execute(typed("SELECT * FROM _incoming"))
            self.con.unregister("_incoming")
        owns, values = _owns(owned)
        counts, outside, foreign = {}, 0, 0
        for day, rows, out, theirs in self.con.execute(
            f'SELECT "{part}", COUNT(*), COUNT_IF("{part}" IS NULL OR "{part}" NOT BETWEEN ? AND ?), '
            f"COUNT_IF(NOT ({owns})) FROM _typed GROUP BY 1",
            [first, last, *values],
        ).fetchall():
            counts[day], outside, foreign = rows, outside + out, foreign + theirs
        if outside:
            raise WarehouseError(
                f"{table}: {outside} row(s) fall outside the partitions {first}..{last} being replaced"
            )
        if foreign:
            raise WarehouseError(f"{table}: {foreign} row(s) are not owned by the backfill ({describe_owned(owned)})")
        kept = self._write_months(table, first, last, owned, keep)
        return {d: counts[d] for d in sorted(counts)}, kept

    def _restore(self, table, first, last, owned, kept) -> None:
        """Put back the rows of first..last (and `owned`) that the month files in `kept` held before the swap."""
        schema = table_schema(table)
        owns, values = _owns(owned)
        files = [str(f) for f in kept.values() if f is not None]
        rows, args = f"SELECT {schema.duckdb_casts(from_columns=False)} WHERE FALSE", []
        if files:
            rows = f'SELECT * FROM read_parquet(?) WHERE "{schema.partition_by}" BETWEEN ? AND ? AND {owns}'
            args = [files, first, last, *values]
        with _errors(table):
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE _typed AS SELECT * FROM ({rows}) ORDER BY {_order(schema)}", args
            )
        self._write_months(table, first, last, owned, keep=False)

    def _discard(self, kept) -> None:
        for path in kept.values():
            if path is not None:
                path.unlink(missing_ok=True)

    def _write_months(self, table, first, last, owned, keep) -> dict[str, Path | None]:
        """Rewrite each month file of first..last: its rows outside the replaced set (other dates, or rows that
        `owned` leaves to other writers) stay as they are, the rows of `_typed` come in. With `keep`, the old
        month files are kept aside in `_staging/` (hard links) and returned by month, None for a month that had
        no file."""
        schema = table_schema(table)
        part, columns, order = schema.partition_by, schema.duckdb_casts(from_columns=True), _order(schema)
        owns, values = _owns(owned)
        folder = self.table_dir(table)
        staging = folder / "_staging"
        kept: dict[str, Path | None] = {}
        with self._lock(table, exclusive=True), _errors(table):
            staging.mkdir(exist_ok=True)
            _remove_stale(staging)
            for stem, low, high in _months(first, last):
                target = folder / f"{stem}.parquet"
                rows, args = self._month_rows(target, part, columns, order, low, high, owns, values)
                if keep:
                    kept[stem] = None
                    if target.exists():
                        kept[stem] = staging / f"{stem}.{os.getpid()}.{next(_sequence)}.old"
                        os.link(target, kept[stem])
                # Write beside the table, then rename: a reader sees the old month or the new one, never half.
                tmp = staging / f"{stem}.{os.getpid()}.{next(_sequence)}.tmp"
                try:
                    written = self.con.execute(f"COPY ({rows}) TO '{tmp}' (FORMAT parquet)", args).fetchone()[0]
                    if written:
                        os.replace(tmp, target)
                    else:
                        target.unlink(missing_ok=True)
                finally:
                    tmp.unlink(missing_ok=True)
        self.con.execute("DROP TABLE _typed")
        return kept

    def _month_rows(self, target, part, columns, order, low, high, owns, values) -> tuple[str, list]:
        """The SELECT (and its parameters) of a month file's new content, in file order: the rows of `_typed` on
        low..high (the month's part of the replaced dates) and the month's rows that stay. Those on other dates sit
        wholly before or after the new ones, and every file is sorted by date first, so the three runs only need
        putting one after the other (UNION ALL keeps its inputs' order); a sort, the costly part of a rewrite, is
        left for rows of other writers on the replaced dates themselves."""
        new = (f'SELECT * FROM _typed WHERE "{part}" BETWEEN ? AND ?', [low, high])  # in file order
        if not target.exists():
            return new
        old = f"SELECT {columns} FROM read_parquet('{target}')"
        before, after, foreign = self.con.execute(
            f'SELECT COUNT_IF("{part}" < ?), COUNT_IF("{part}" > ?), '
            f'COUNT_IF("{part}" BETWEEN ? AND ? AND NOT ({owns})) FROM ({old})',
            [low, high, low, high, *values],
        ).fetchone()
        if foreign:
            others = f'{old} WHERE NOT ("{part}" BETWEEN ? AND ? AND {owns})'
            return f"SELECT * FROM ({new[0]} UNION ALL {others}) ORDER BY {order}", [*new[1], low, high, *values]
        runs = [(f'{old} WHERE "{part}" < ?', [low])] if before else []
        runs.append(new)
        if after:
            runs.append((f'{old} WHERE "{part}" > ?', [high]))
        return " UNION ALL ".join(sql for sql, _ in runs), [arg for _, args in runs for arg in args]

    def partitions(self, table: str, first: dt.date | None = None, last: dt.date | None = None) -> dict[dt.date, int]:
        low, high = first or dt.date.min, last or dt.date.max
        with self._reading([table]):
            files = self._files(table, low.isoformat(), high.isoformat())  # by file name, before opening any file
            if not files:
                return {}
            part = table_schema(table).partition_by
            listing = ", ".join(f"'{f}'" for f in files)
            with _errors(table):
                return dict(
                    self.con.execute(
                        f'SELECT "{part}", COUNT(*) FROM read_parquet([{listing}]) WHERE "{part}" BETWEEN ? AND ? '
                        "GROUP BY 1 ORDER BY 1",
                        [low, high],
                    ).fetchall()
                )


def _order(schema) -> str:
    return ", ".join(f'"{c}"' for c in (schema.partition_by, *schema.cluster_by))


def _owns(owned: Owned | None) -> tuple[str, list]:
    """SQL true for the rows `owned` describes (NULL counts as not owned), and its parameters."""
    if not owned:
        return "TRUE", []
    return " AND ".join(f'COALESCE(list_contains(?, "{c}"), FALSE)' for c in owned), [list(v) for v in owned.values()]


def _remove_stale(staging: Path) -> None:
    """Files a killed writer left in `_staging/` (called under the table's exclusive lock, so no live writer is
    between its write and its rename): every `.tmp`, and the kept `.old` months of processes that are gone."""
    for path in staging.iterdir():
        pid = path.name.split(".")[1] if path.name.count(".") == 3 else ""
        if path.suffix == ".old" and pid.isdigit() and _alive(int(pid)):
            continue  # a job still running its checks keeps the months it may have to restore
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


@contextlib.contextmanager
def _errors(table: str) -> Iterator[None]:
    """DuckDB's error (a corrupt or truncated month file names itself) as one line."""
    import duckdb

    try:
        yield
    except duckdb.Error as err:
        raise WarehouseError(f"{table}: {str(err).splitlines()[0]}") from None
