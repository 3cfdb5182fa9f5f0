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


def minutes_weighted(rows: list[dict], column: str) -> float | None:
    """A window's rate weighted by each game's minutes, over the games that have one (usage, in plain Python)."""
    rated = [r for r in rows if r[column] is not None]
    minutes = sum(r["minutes_played"] for r in rated)
    return sum(r[column] * r["minutes_played"] for r in rated) / minutes if minutes else None


def true_shooting(rows: list[dict]) -> float | None:
    """PTS / (2 (FGA + 0.44 FTA)) of the window's totals."""
    attempts = sum(r["fg_attempts"] for r in rows) + 0.44 * sum(r["ft_attempts"] for r in rows)
    return sum(r["points"] for r in rows) / (2 * attempts) if attempts else None
