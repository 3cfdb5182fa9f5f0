"""Checks on exactly the partitions a job wrote: coverage, keys, ranges, row share. Write, check, then mark.

Each check is tagged `fail` (blocks the marker) or `warn` (recorded in it); its detail gives expected, actual
and the dates. Identifiers come from the registry; values are always query parameters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from .audit import check_params
from .errors import CheckFailed, format_dates
from .processors import Processor
from .tables import table_schema
from .warehouse import Warehouse
from .warehouse.base import Owned, owned_filter


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    severity: str = "fail"
    rows: int = 0  # offending rows (keys, dates)
    reason: str | None = None  # the config's, for a check it made a warning

    def as_dict(self) -> dict:
        """A passing check's entry as before; a failed or warned one also gives its rows (and reason)."""
        body = asdict(self)
        if self.ok:
            del body["rows"]
        if self.reason is None:
            del body["reason"]
        return body


def coverage_offenders(
    written: dict[dt.date, int], expected: dict[dt.date, int], min_share: float
) -> dict[str, dict[dt.date, tuple[int, int]]]:
    """The dates failing `coverage` (expected rows, none written) and `row_share` (fewer than `min_share` of the
    expected count): date -> (rows written, rows expected)."""
    counts = {d: (written.get(d, 0), n) for d, n in expected.items()}
    return {
        "coverage": {d: (got, n) for d, (got, n) in counts.items() if n > 0 and got == 0},
        "row_share": {d: (got, n) for d, (got, n) in counts.items() if got < min_share * n},
    }


def coverage_checks(written: dict[dt.date, int], expected: dict[dt.date, int], min_share: float) -> list[CheckResult]:
    """Every date expected to have rows has them, and at least `min_share` of the expected count."""
    offenders = coverage_offenders(written, expected, min_share)
    missing, thin = sorted(offenders["coverage"]), offenders["row_share"]
    thin_text = "; ".join(f"{d}: {got} < {min_share:g}x{n}" for d, (got, n) in sorted(thin.items())[:5])
    return [
        CheckResult(
            "coverage",
            not missing,
            f"{len(expected) - len(missing)}/{len(expected)} expected dates have rows"
            + (f"; missing {format_dates(missing)}" if missing else ""),
            rows=len(missing),
        ),
        CheckResult(
            "row_share",
            not thin,
            f"rows >= {min_share:g} x expected on every date" if not thin else f"{len(thin)} thin date(s): {thin_text}",
            rows=len(thin),
        ),
    ]


def fingerprinted_columns(processor: Processor) -> str:
    """The columns a fingerprint covers: floats rounded to 9 decimals, so the last bit of a parallel float sum
    (BigQuery's order of addition varies) does not change it; float arrays are covered by their named twins;
    columns a later step fills in are left out, so the fingerprint still holds after that step."""
    fields = table_schema(processor.table).fields
    return ", ".join(
        f"ROUND({f.name}, 9) AS {f.name}" if f.type == "FLOAT64" else f.name
        for f in fields
        if not (f.type == "FLOAT64" and f.mode == "REPEATED") and f.name not in processor.later_columns
    )


def fingerprint_sql(processor: Processor, group_by_date: bool = False, owned: Owned | None = None) -> tuple[str, dict]:
    """Rows and the order-independent fingerprint of `first..last` (per date with `group_by_date`: the fingerprint
    of a range is the BIT_XOR of its dates' fingerprints), of the `owned` rows only; with the owned filter's
    parameters (add @first and @last)."""
    date_col = processor.date_column
    owns, owned_params = owned_filter(owned)
    sql = f"""SELECT {f"{date_col}, " if group_by_date else ""}COUNT(*) AS row_count,
  BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(t))) AS fingerprint
FROM (SELECT {fingerprinted_columns(processor)} FROM {processor.table}
  WHERE {date_col} BETWEEN @first AND @last AND {owns}) AS t{f" GROUP BY {date_col}" if group_by_date else ""}"""
    return sql, owned_params


def format_fingerprint(value) -> str | None:
    return None if value is None else format(int(value) & (2**64 - 1), "016x")


def violation_column(check: str) -> str:
    """The stats query's column counting a value check's offending rows (`range:x` -> `range__x`)."""
    return check.replace(":", "__")


def table_check_queries(
    processor: Processor, first: dt.date, last: dt.date, season_start: dt.date, owned: Owned | None = None
) -> list[tuple[str, dict]]:
    """The statements `table_checks` runs, with their parameters (`plan --cost` prices them too): the row stats
    with the fingerprint, then the duplicated keys; only the `owned` rows of a shared table (another system's rows
    on those dates are not this job's to judge). `season_start` is the opener the bounds count days from."""
    date_col, table = processor.date_column, processor.table
    owns, owned_params = owned_filter(owned)
    where = f"{date_col} BETWEEN @first AND @last AND {owns}"
    keys = ", ".join(processor.key)
    null_keys = " OR ".join(f"{k} IS NULL" for k in processor.key)
    ranges = ",\n  ".join(
        f"COUNTIF({predicate}) AS {violation_column(name)}" for name, (predicate, _) in processor.violations().items()
    )
    params = {"first": first, "last": last, **owned_params}
    stats = f"""SELECT
  COUNT(*) AS row_count,
  COUNTIF({null_keys}) AS null_keys,
  BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(t))) AS fingerprint{"," if ranges else ""}
  {ranges}
FROM (SELECT {fingerprinted_columns(processor)} FROM {table} WHERE {where}) AS t"""
    duplicates = f"SELECT COUNT(*) FROM (SELECT {keys} FROM {table} WHERE {where} GROUP BY {keys} HAVING COUNT(*) > 1)"
    return [(stats, check_params(stats, params, season_start)), (duplicates, params)]


def table_checks(
    warehouse: Warehouse,
    processor: Processor,
    first: dt.date,
    last: dt.date,
    season_start: dt.date,
    owned: Owned | None = None,
) -> tuple[list[CheckResult], str | None]:
    """Unique and non-null key, documented value ranges, and the rows' fingerprint, for `first..last` (the `owned`
    rows)."""
    (stats_sql, stats_params), (duplicates_sql, params) = table_check_queries(
        processor, first, last, season_start, owned
    )
    stats = warehouse.query(stats_sql, stats_params).dicts()[0]
    duplicates = warehouse.query(duplicates_sql, params).scalar()
    keys = ", ".join(processor.key)
    results = [
        CheckResult("unique_key", duplicates == 0, f"{duplicates} duplicated ({keys}) value(s)", rows=duplicates),
        CheckResult(
            "non_null_key",
            stats["null_keys"] == 0,
            f"{stats['null_keys']} row(s) with a NULL key column",
            rows=stats["null_keys"],
        ),
    ]
    for name, (_, offending) in processor.violations().items():
        bad = stats[violation_column(name)]
        results.append(CheckResult(name, bad == 0, f"{bad} row(s) {offending}", rows=bad))
    return results, format_fingerprint(stats["fingerprint"])


def raise_on_failure(where: str, results: list[CheckResult]) -> None:
    failed = [r for r in results if not r.ok and r.severity == "fail"]
    if failed:
        raise CheckFailed(f"CHECK_FAILED {where}: " + " | ".join(f"{r.name}: {r.detail}" for r in failed))
