"""The warehouse interface both backends implement.

SQL is BigQuery dialect everywhere; values are always named parameters (`@start_date`), never interpolated.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The interface calls whose time counts as warehouse time (the rest of a job is orchestration overhead).
TIMED = ("query", "query_arrow", "replace_partitions", "partitions", "missing_partitions", "dry_run_bytes")


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

    @abstractmethod
    def replace_partitions(
        self,
        table: str,
        source: Any,
        first: dt.date,
        last: dt.date,
        params: Mapping[str, Any] | None = None,
    ) -> dict[dt.date, int]:
        """Make the partitions `first..last` of `table` hold exactly the rows of `source` (a SELECT, or a
        pyarrow Table); partitions in the range that `source` leaves empty are removed. Rows outside the range
        are an error. Each partition is replaced whole: readers see the old one or the new one. Returns
        rows per written date."""

    @abstractmethod
    def partitions(self, table: str, first: dt.date | None = None, last: dt.date | None = None) -> dict[dt.date, int]:
        """Rows per date partition of `table` ({} for a missing table), only `first..last` if given."""

    def missing_partitions(self, table: str, dates) -> list[dt.date]:
        """Which of `dates` have no partition (no rows) in `table`."""
        dates = list(dates)
        present = self.partitions(table, min(dates), max(dates)) if dates else {}
        return [d for d in dates if not present.get(d)]
