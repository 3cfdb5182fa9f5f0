"""One warehouse interface, two backends: embedded DuckDB over Parquet (default) and BigQuery."""

from __future__ import annotations

from ..config import Config
from .base import QueryResult, Warehouse

__all__ = ["QueryResult", "Warehouse", "open_warehouse"]


def open_warehouse(config: Config, labels: dict[str, str] | None = None) -> Warehouse:
    if config.backend == "bigquery":
        from .bigquery import BigQueryWarehouse

        warehouse: Warehouse = BigQueryWarehouse(config.warehouse)
    else:
        from .duckdb import DuckDBWarehouse

        warehouse = DuckDBWarehouse(config.warehouse["path"])
    warehouse.labels = dict(labels or {})
    return warehouse
