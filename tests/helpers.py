"""Small helpers shared by tests: put hand-made rows into an embedded warehouse table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from nba_backfill.tables import table_schema
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

REPO = Path(__file__).resolve().parents[1]


def base_config() -> dict:
    """The repo's config/seasons.yaml as a dict, for tests to change."""
    return yaml.safe_load((REPO / "config" / "seasons.yaml").read_text())


def write_rows(warehouse: DuckDBWarehouse, table: str, rows: list[dict]) -> None:
    """Write `rows` (dicts; missing columns are NULL) as the table's partitions, replacing what was there."""
    import pyarrow as pa

    schema = table_schema(table)
    arrow = pa.Table.from_pylist(
        [{name: row.get(name) for name in schema.column_names} for row in rows], schema=schema.arrow_schema()
    )
    days = [row[schema.partition_by] for row in rows]
    warehouse.replace_partitions(table, arrow, min(days), max(days))


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
