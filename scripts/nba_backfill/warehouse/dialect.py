"""BigQuery SQL -> DuckDB SQL, with sqlglot, cached on disk so jobs rarely import sqlglot at all.

The few BigQuery functions that DuckDB answers with a different type are fixed here, in one place:
DATE_ADD / DATE_SUB / DATE_TRUNC on a DATE return DATE in BigQuery but TIMESTAMP in DuckDB, so they are cast
back. COUNTIF over no rows is 0 in BigQuery but NULL in DuckDB, so it is wrapped in COALESCE(..., 0).
FARM_FINGERPRINT (row fingerprints in markers) becomes DuckDB's HASH: another function, but as
deterministic, which is all a fingerprint needs. Project ids are dropped from table names
(`project.dataset.table` -> `dataset.table`). EXTRACT(DAYOFWEEK) counts Sunday as 1 in BigQuery and 0 in DuckDB,
so 1 is added.

Refused, because sqlglot's DuckDB text would run and answer differently (tests/zetasql compares the two engines):
`UNNEST ... WITH OFFSET` (DuckDB numbers from 1, BigQuery from 0) and `/` or DIV by anything but a non-zero
number (BigQuery stops on a zero divisor, DuckDB returns inf, NaN or NULL): write SAFE_DIVIDE(x, y).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

# Bump when the rewrite rules below change, so cached translations are redone.
RULES_VERSION = "6"


@dataclass(frozen=True)
class Translation:
    sql: str
    tables: tuple[str, ...]  # dataset.table names the statement reads
    params: tuple[str, ...]  # @parameters it uses (a job passes its whole set; DuckDB wants exactly these)


def cache_dir() -> Path:
    base = os.environ.get("NBA_BACKFILL_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "nba-backfill"
    )
    return Path(base) / "sql"


def _transpile(bigquery_sql: str) -> Translation:
    import sqlglot
    from sqlglot import exp

    from ..errors import WarehouseError

    try:
        statements = sqlglot.parse(bigquery_sql, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.ParseError as err:
        raise WarehouseError(f"SQL does not parse as BigQuery: {str(err).splitlines()[0]}") from None
    out, tables, params = [], set(), set()
    cte_names = set()
    for tree in statements:
        if tree is None:
            continue
        cte_names |= {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
        params |= {p.name for p in tree.find_all(exp.Parameter)}
        for table in tree.find_all(exp.Table):
            if table.args.get("catalog") is not None:
                table.set("catalog", None)
            if table.db:
                tables.add(f"{table.db}.{table.name}")
        for node in list(tree.find_all(exp.DateAdd, exp.DateSub, exp.DateTrunc)):
            if not isinstance(node.parent, exp.Cast):
                node.replace(exp.cast(node.copy(), "DATE"))
        for node in list(tree.find_all(exp.CountIf)):
            if not isinstance(node.parent, (exp.Coalesce, exp.Window)):  # a window always has a row
                node.replace(exp.Coalesce(this=node.copy(), expressions=[exp.Literal.number(0)]))
        for node in list(tree.find_all(exp.FarmFingerprint)):
            node.replace(exp.func("HASH", *node.expressions))
        for node in list(tree.find_all(exp.Extract)):
            if node.name.upper() == "DAYOFWEEK":
                node.replace(exp.paren(exp.Add(this=node.copy(), expression=exp.Literal.number(1))))
        _refuse_mistranslations(tree)
        try:
            out.append(tree.sql("duckdb", unsupported_level=sqlglot.ErrorLevel.RAISE))
        except sqlglot.errors.UnsupportedError as err:
            raise WarehouseError(f"SQL uses BigQuery features DuckDB cannot run: {err}") from None
    return Translation(";\n".join(out), tuple(sorted(tables - cte_names)), tuple(sorted(params)))


def _refuse_mistranslations(tree) -> None:
    from sqlglot import exp

    from ..errors import WarehouseError

    for node in tree.find_all(exp.Unnest):
        if node.args.get("offset"):
            raise WarehouseError(
                "SQL uses UNNEST ... WITH OFFSET, which DuckDB would number from 1 (BigQuery from 0): "
                "use the array's elements without their offsets, or number them with ROW_NUMBER() - 1"
            )
    for node in tree.find_all(exp.Div, exp.IntDiv):
        divisor = node.expression
        while isinstance(divisor, (exp.Paren, exp.Neg)):
            divisor = divisor.this
        if not (isinstance(divisor, exp.Literal) and divisor.is_number and float(divisor.this) != 0):
            text = node.expression.sql("bigquery")[:60]
            operator, fix = ("/", f"SAFE_DIVIDE(x, {text})")
            if isinstance(node, exp.IntDiv):
                operator, fix = ("DIV", f"CAST(TRUNC(SAFE_DIVIDE(x, {text})) AS INT64)")
            raise WarehouseError(
                f"SQL divides by {text} with {operator}: BigQuery stops on a zero divisor where DuckDB returns "
                f"inf, NaN or NULL; write {fix}"
            )


@functools.cache
def _sqlglot_version() -> str:
    """The installed sqlglot's version file (read once a process), found without importing sqlglot (~135 ms) or asking
    importlib.metadata (~80 ms: it scans every installed distribution)."""
    from importlib.util import find_spec

    return (Path(find_spec("sqlglot").origin).parent / "_version.py").read_text()


def to_duckdb(bigquery_sql: str) -> Translation:
    key = hashlib.sha256(f"{RULES_VERSION}\0{_sqlglot_version()}\0{bigquery_sql}".encode()).hexdigest()
    path = cache_dir() / f"{key}.json"
    try:
        raw = json.loads(path.read_text())
        return Translation(raw["sql"], tuple(raw["tables"]), tuple(raw["params"]))
    except (OSError, ValueError, KeyError):
        pass
    translation = _transpile(bigquery_sql)
    try:
        from ..markers import atomic_write_text

        atomic_write_text(
            path,
            json.dumps(
                {"sql": translation.sql, "tables": list(translation.tables), "params": list(translation.params)}
            ),
        )
    except OSError:
        pass  # a read-only cache only costs speed
    return translation
