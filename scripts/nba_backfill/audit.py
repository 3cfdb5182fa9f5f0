"""The rows behind a failed or warned check: shown in the job's log (the first SHOWN) and all of them written to
the audit table `nba_backfill_audit.check_failures`, as dbt's `--store-failures`.

The failing-rows SQL comes from the same check definitions as the stats query (`Processor.violations()`, the key)
and takes the same parameters, so both backends run it through the same dialect layer. Writing the audit rows
replaces only this job's rows of today's partition: a same-day rerun that fails again replaces them, a rerun that
passes leaves them; no marker depends on them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from .processors import Processor
from .tables import table_schema
from .warehouse import Warehouse
from .warehouse.base import Owned, owned_filter

AUDIT_TABLE = "nba_backfill_audit.check_failures"
SHOWN = 10  # offending rows per check in the job's log

# (keys, checked values) of one offending row, as JSON objects
FailingRow = tuple[str, str]


def check_params(sql: str, params: dict[str, Any], season_start: dt.date) -> dict[str, Any]:
    """`params`, with @season_start where the statement reads it (only a bound counting from the opener does)."""
    return {**params, "season_start": season_start} if "@season_start" in sql else params


def checked_columns(processor: Processor, check: str) -> list[str]:
    """The columns a value check judges: the range's column, or the table's columns a bound's predicate names."""
    predicate, _ = processor.violations()[check]
    names = set(re.findall(r"(?<!@)\b([a-z_][a-z0-9_]*)\b", predicate))
    return [f.name for f in table_schema(processor.table).fields if f.name in names]


def failing_rows_sql(processor: Processor, check: str, owned: Owned | None = None) -> tuple[str, dict]:
    """SELECT keys, checked_values (JSON strings) of every row of @first..@last (the `owned` ones) that fails
    table check `check` (unique_key: one row per duplicated key with its row count), ordered by keys; with the
    owned filter's parameters."""
    owns, owned_params = owned_filter(owned)
    where = f"{processor.date_column} BETWEEN @first AND @last AND {owns}"
    columns = ", ".join(processor.key)
    keys = f"TO_JSON_STRING(STRUCT({columns})) AS keys"
    if check == "unique_key":
        sql = (
            f"SELECT {keys}, TO_JSON_STRING(STRUCT(COUNT(*) AS row_count)) AS checked_values FROM {processor.table} "
            f"WHERE {where} GROUP BY {columns} HAVING COUNT(*) > 1"
        )
    elif check == "non_null_key":
        nulls = " OR ".join(f"{k} IS NULL" for k in processor.key)
        sql = f"SELECT {keys}, TO_JSON_STRING(STRUCT({columns})) AS checked_values FROM {processor.table} "
        sql += f"WHERE {where} AND ({nulls})"
    else:
        predicate, _ = processor.violations()[check]
        values = ", ".join(checked_columns(processor, check))
        sql = f"SELECT {keys}, TO_JSON_STRING(STRUCT({values})) AS checked_values FROM {processor.table} "
        sql += f"WHERE {where} AND ({predicate})"
    return sql + " ORDER BY 1", owned_params


def failing_rows(
    warehouse: Warehouse,
    processor: Processor,
    check: str,
    first: dt.date,
    last: dt.date,
    season_start: dt.date,
    owned: Owned | None = None,
) -> list[FailingRow]:
    """Every offending row of `check` on first..last, with the parameters the stats query gets."""
    sql, owned_params = failing_rows_sql(processor, check, owned)
    params = check_params(sql, {"first": first, "last": last, **owned_params}, season_start)
    return [tuple(row) for row in warehouse.query(sql, params).rows]


def date_rows(date_column: str, dates: dict[dt.date, tuple[int, int]]) -> list[FailingRow]:
    """Coverage and row-share offenders (computed from rows per date, not by a query): date -> (rows, expected)."""
    return [
        (json.dumps({date_column: d.isoformat()}), json.dumps({"rows": got, "expected": n}))
        for d, (got, n) in sorted(dates.items())
    ]


def format_failing_rows(check: str, rows: list[FailingRow]) -> str:
    """The log's lines for one check: its first SHOWN offending rows (keys, then the values checked)."""
    lines = [f"{check}: {len(rows)} offending row(s){f', the first {SHOWN}' if len(rows) > SHOWN else ''}:"]
    lines += [f"  {keys} {values}" for keys, values in rows[:SHOWN]]
    return "\n".join(lines)


def write_failing_rows(
    warehouse: Warehouse, job: str, recorded_at: dt.datetime, failures: dict[str, tuple[str, list[FailingRow]]]
) -> None:
    """All offending rows of `failures` (check -> (severity, rows)) into the audit table, replacing this job's rows
    of the day."""
    import pyarrow as pa

    day = recorded_at.date()
    rows = [
        {
            "recorded_date": day,
            "recorded_at": recorded_at,
            "job": job,
            "check_name": check,
            "severity": severity,
            "keys": keys,
            "checked_values": values,
        }
        for check, (severity, offending) in failures.items()
        for keys, values in offending
    ]
    table = pa.Table.from_pylist(rows, schema=table_schema(AUDIT_TABLE).arrow_schema())
    warehouse.replace_partitions(AUDIT_TABLE, table, day, day, owned={"job": (job,)})


def recorded_rows(warehouse: Warehouse, job: str) -> dict[str, list[FailingRow]]:
    """The audit table's rows of `job`'s last recorded failure or warning, check -> its first SHOWN rows."""
    if not warehouse.partitions(AUDIT_TABLE):
        return {}
    sql = f"""SELECT check_name, keys, checked_values FROM {AUDIT_TABLE}
WHERE job = @job AND recorded_at = (SELECT MAX(recorded_at) FROM {AUDIT_TABLE} WHERE job = @job)
ORDER BY check_name, keys"""
    out: dict[str, list[FailingRow]] = {}
    for check, keys, values in warehouse.query(sql, {"job": job}).rows:
        out.setdefault(check, []).append((keys, values))
    return {check: rows[:SHOWN] for check, rows in out.items()}
