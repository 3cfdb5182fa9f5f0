"""The warehouse interface both backends implement.

SQL is BigQuery dialect everywhere; values are always named parameters (`@start_date`), never interpolated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..tables import table_schema

# The interface calls whose time counts as warehouse time (the rest of a job is orchestration overhead).
TIMED = ("query", "query_arrow", "_swap", "_restore", "partitions", "missing_partitions", "dry_run_bytes")

#: The rows of a shared table that the backfill owns: column -> the values it writes, e.g.
#: {"system_id": ("moving_average_baseline_v1", ...)}. A replace with it deletes only those rows of its dates.
Owned = Mapping[str, tuple[Any, ...]]
Params = Mapping[str, Any] | None


def _timed(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        self._depth += 1
        start = time.perf_counter()
        try:
            return method(self, *args, **kwargs)
        finally:
            self._depth -= 1
            if self._depth == 0:  # a call made inside another is already counted
                self.warehouse_seconds += time.perf_counter() - start

    return wrapper


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None


class Warehouse(ABC):
    """Run queries, replace date partitions atomically, list partitions with their row counts."""

    #: labels attached to every job of this process (processor, season, chunk); BigQuery records them.
    labels: Mapping[str, str] = {}
    #: seconds spent inside the interface's calls so far (reported beside each marker, for the benchmark)
    warehouse_seconds: float = 0.0
    #: statements re-run after a transient failure so far (BigQuery's concurrent-update aborts among them)
    warehouse_retries: int = 0
    _depth: int = 0

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in TIMED:
            if name in cls.__dict__:
                setattr(cls, name, _timed(cls.__dict__[name]))

    @abstractmethod
    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> QueryResult:
        """Run one BigQuery-dialect SELECT and return its rows."""

    @abstractmethod
    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None):
        """Run one BigQuery-dialect SELECT and return a pyarrow Table (for Python-side processors)."""

    def replace_partitions(
        self, table: str, source: Any, first: dt.date, last: dt.date, params: Params = None, owned: Owned | None = None
    ) -> dict[dt.date, int]:
        """Make the partitions `first..last` of `table` hold exactly the rows of `source` (a SELECT, or a
        pyarrow Table); partitions in the range that `source` leaves empty are removed. With `owned`, only the
        rows it describes are replaced: every other row of those dates stays as it is, and a source row outside
        it is an error, as is a row outside the range. Readers see the old rows or the new ones. Returns rows per
        written date."""
        written, _ = self._swap(table, source, first, last, params, owned, keep=False)
        return written

    @contextlib.contextmanager
    def replacing(
        self, table: str, source: Any, first: dt.date, last: dt.date, params: Params = None, owned: Owned | None = None
    ) -> Iterator[dict[dt.date, int]]:
        """replace_partitions, whose new rows stay only if the block inside (the job's checks) ends normally:
        an exception puts back exactly the rows it replaced (first..last, `owned`) and goes on."""
        written, kept = self._swap(table, source, first, last, params, owned, keep=True)
        try:
            yield written
        except BaseException:
            self._restore(table, first, last, owned, kept)
            raise
        finally:
            self._discard(kept)

    @abstractmethod
    def _swap(self, table, source, first, last, params, owned, keep) -> tuple[dict[dt.date, int], Any]:
        """Replace the rows (see replace_partitions); with `keep`, also keep the replaced rows for `_restore`.
        Returns the rows per written date and what was kept."""

    @abstractmethod
    def _restore(self, table, first, last, owned, kept) -> None:
        """Put the rows `_swap` kept back in place of the ones it wrote."""

    @abstractmethod
    def _discard(self, kept) -> None:
        """Drop what `_swap` kept (after a restore, or once the new rows have passed their checks)."""

    @abstractmethod
    def partitions(self, table: str, first: dt.date | None = None, last: dt.date | None = None) -> dict[dt.date, int]:
        """Rows per date partition of `table` ({} for a missing table), only `first..last` if given."""

    def owned_rows(self, table: str, first: dt.date, last: dt.date, owned: Owned | None) -> dict[dt.date, int]:
        """Rows per date of first..last that `owned` describes (all of them without it)."""
        if not owned:
            return self.partitions(table, first, last)
        part = table_schema(table).partition_by
        where, params = owned_filter(owned)
        result = self.query(
            f"SELECT {part}, COUNT(*) FROM {table} WHERE {part} BETWEEN @__first AND @__last AND {where} "
            "GROUP BY 1 ORDER BY 1",
            {**params, "__first": first, "__last": last},
        )
        return dict(result.rows)

    def missing_partitions(self, table: str, dates) -> list[dt.date]:
        """Which of `dates` have no partition (no rows) in `table`."""
        dates = list(dates)
        present = self.partitions(table, min(dates), max(dates)) if dates else {}
        return [d for d in dates if not present.get(d)]


def owned_filter(owned: Owned | None) -> tuple[str, dict[str, list]]:
    """A BigQuery-SQL condition true for the rows `owned` describes, and its parameters (`@__owned_<column>`)."""
    if not owned:
        return "TRUE", {}
    return (
        " AND ".join(f"{column} IN UNNEST(@__owned_{column})" for column in owned),
        {f"__owned_{column}": list(values) for column, values in owned.items()},
    )


def describe_owned(owned: Owned) -> str:
    """The owned filter in words, for messages: `system_id in a, b`."""
    return "; ".join(f"{column} in {', '.join(map(str, values))}" for column, values in owned.items())
