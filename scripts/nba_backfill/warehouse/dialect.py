"""BigQuery SQL -> DuckDB SQL, with sqlglot, cached on disk so jobs rarely import sqlglot at all.

The few BigQuery functions that DuckDB answers with a different type are fixed here, in one place:
DATE_ADD / DATE_SUB / DATE_TRUNC on a DATE return DATE in BigQuery but TIMESTAMP in DuckDB, so they are cast
back. COUNTIF over no rows is 0 in BigQuery but NULL in DuckDB, so it is wrapped in COALESCE(..., 0).
FARM_FINGERPRINT (row fingerprints in markers) becomes DuckDB's HASH: another function, but as
deterministic, which is all a fingerprint needs. Project ids are dropped from table names
(`project.dataset.table` -> `dataset.table`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

# Bump when the rewrite rules below change, so cached translations are redone.
RULES_VERSION = "5"


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
        try:
            out.append(tree.sql("duckdb", unsupported_level=sqlglot.ErrorLevel.RAISE))
        except sqlglot.errors.UnsupportedError as err:
            raise WarehouseError(f"SQL uses BigQuery features DuckDB cannot run: {err}") from None
    return Translation(";\n".join(out), tuple(sorted(tables - cte_names)), tuple(sorted(params)))


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
