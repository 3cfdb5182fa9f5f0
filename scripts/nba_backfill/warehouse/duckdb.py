"""The embedded warehouse: DuckDB over a folder of Parquet files, one file per date partition.

Layout: `<path>/<dataset>/<table>/<YYYY-MM-DD>.parquet`. A write goes to `<table>/_staging/` and is renamed into
place, so a reader (or a crash) sees the old partition or the new one, never a torn file; jobs writing disjoint
partitions need no lock. Each connection is in-memory, with a view per table the statement reads.

A job can give a `scope` (first, last): its views then list only the partition files dated inside it. Every
processor reads one season at most, and opening 170 files instead of 850 is most of a job's run time here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import WarehouseError
from ..tables import table_schema
from .base import QueryResult, Warehouse
from .dialect import to_duckdb

_sequence = itertools.count()


class DuckDBWarehouse(Warehouse):
    def __init__(self, path: str | Path, scope: tuple[dt.date, dt.date] | None = None):
        self.root = Path(path)
        self.scope = None if scope is None else (scope[0].isoformat(), scope[1].isoformat())
        self._con = None

    # -- files -------------------------------------------------------------------------------------------
    def table_dir(self, table: str) -> Path:
        dataset, name = table.split(".")
        return self.root / dataset / name

    def _files(self, table: str) -> list[Path]:
        """The table's partition files (inside the scope, if any), oldest first; names only, no stat calls."""
        folder = self.table_dir(table)
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".parquet"))
        except FileNotFoundError:
            return []
        if self.scope:
            names = [n for n in names if self.scope[0] <= n[:10] <= self.scope[1]]
        return [folder / n for n in names]

    # -- connection and views ----------------------------------------------------------------------------
    @property
    def con(self):
        if self._con is None:
            import duckdb

            # One thread: jobs already run in parallel as processes, and a single-threaded aggregate adds floats
            # in the same order every run, so an unchanged rerun writes byte-identical rows and markers.
            self._con = duckdb.connect(config={"threads": 1})
        return self._con

    def _ensure_view(self, table: str) -> None:
        """(Re)create the view for `table` over its partition files, or an empty typed view if it has none."""
        dataset, name = table.split(".")
        self.con.execute(f'CREATE SCHEMA IF NOT EXISTS "{dataset}"')
        files = self._files(table)
        try:
            schema = table_schema(table)
        except KeyError:
            schema = None
        if files:
            listing = ", ".join(f"'{f}'" for f in files)
            body = f"SELECT * FROM read_parquet([{listing}])"
        elif schema is not None:
            body = f"SELECT {schema.duckdb_casts(from_columns=False)} WHERE FALSE"
        else:
            raise WarehouseError(f"table {table} does not exist in {self.root}")
        self.con.execute(f'CREATE OR REPLACE VIEW "{dataset}"."{name}" AS {body}')

    def _execute(self, sql: str, params: Mapping[str, Any] | None, arrow: bool = False):
        """Run BigQuery SQL: views for the tables it reads, exactly the parameters it uses."""
        import duckdb

        translation = to_duckdb(sql)
        for table in translation.tables:
            self._ensure_view(table)
        params = params or {}
        missing = [p for p in translation.params if p not in params]
        if missing:
            raise WarehouseError(f"query parameter(s) @{', @'.join(missing)} not given")
        values = {p: params[p] for p in translation.params}
        try:
            if arrow:  # a relation hands Arrow over without the extra copy of a cursor
                return self.con.sql(translation.sql, params=values).to_arrow_table()
            return self.con.execute(translation.sql, values)
        except duckdb.Error as err:
            raise WarehouseError(f"query failed: {str(err).splitlines()[0]}") from None

    # -- interface ---------------------------------------------------------------------------------------
    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> QueryResult:
        cursor = self._execute(sql, params)
        columns = [d[0] for d in cursor.description]
        return QueryResult(columns, cursor.fetchall())

    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None):
        return self._execute(sql, params, arrow=True)

    def replace_partitions(self, table, source, first, last, params=None) -> dict[dt.date, int]:
        schema = table_schema(table)
        part = schema.partition_by
        if isinstance(source, str):
            self._execute(f"CREATE OR REPLACE TEMP TABLE _incoming AS {source}", params)
        else:
            self.con.register("_incoming_arrow", source)
            self.con.execute("CREATE OR REPLACE TEMP TABLE _incoming AS SELECT * FROM _incoming_arrow")
            self.con.unregister("_incoming_arrow")
        missing = set(schema.column_names) - {r[0] for r in self.con.execute("DESCRIBE _incoming").fetchall()}
        if missing:
            raise WarehouseError(f"{table}: the statement does not produce column(s) {', '.join(sorted(missing))}")
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE _typed AS SELECT {schema.duckdb_casts(from_columns=True)} FROM _incoming "
            f'ORDER BY "{part}"'  # sorted, so each partition's COPY skips the other row groups
        )
        outside = self.con.execute(
            f'SELECT COUNT(*) FROM _typed WHERE "{part}" IS NULL OR "{part}" NOT BETWEEN ? AND ?', [first, last]
        ).fetchone()[0]
        if outside:
            raise WarehouseError(
                f"{table}: {outside} row(s) fall outside the partitions {first}..{last} being replaced"
            )
        counts = dict(self.con.execute(f'SELECT "{part}", COUNT(*) FROM _typed GROUP BY 1').fetchall())
        order = ", ".join(f'"{c}"' for c in schema.cluster_by)
        folder = self.table_dir(table)
        staging = folder / "_staging"
        staging.mkdir(parents=True, exist_ok=True)
        day = first
        while day <= last:
            target = folder / f"{day.isoformat()}.parquet"
            if day in counts:
                # Write beside the table, then rename: a reader sees the old file or the new one, never half.
                tmp = staging / f"{day.isoformat()}.{os.getpid()}.{next(_sequence)}.tmp"
                try:
                    rows = f'SELECT * FROM _typed WHERE "{part}" = ? ORDER BY {order}'
                    self.con.execute(f"COPY ({rows}) TO '{tmp}' (FORMAT parquet)", [day])
                    os.replace(tmp, target)
                finally:
                    tmp.unlink(missing_ok=True)
            else:
                target.unlink(missing_ok=True)
            day += dt.timedelta(days=1)
        self.con.execute("DROP TABLE _incoming; DROP TABLE _typed")
        return {d: counts[d] for d in sorted(counts)}

    def missing_partitions(self, table: str, dates) -> list[dt.date]:
        folder = self.table_dir(table)  # an empty partition is never written, so a file means rows
        return [d for d in dates if not (folder / f"{d.isoformat()}.parquet").exists()]

    def partitions(self, table: str, first: dt.date | None = None, last: dt.date | None = None) -> dict[dt.date, int]:
        files = self._files(table)
        if first or last:  # by file name, before opening any file
            low, high = (first or dt.date.min).isoformat(), (last or dt.date.max).isoformat()
            files = [f for f in files if low <= f.stem <= high]
        if not files:
            return {}
        listing = ", ".join(f"'{f}'" for f in files)
        rows = self.con.execute(f"SELECT file_name, num_rows FROM parquet_file_metadata([{listing}])").fetchall()
        return {dt.date.fromisoformat(Path(name).stem): n for name, n in rows}
