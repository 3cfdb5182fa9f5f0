"""One warehouse interface, two backends: embedded DuckDB over Parquet (default) and BigQuery."""

from __future__ import annotations

from ..config import Config
from .base import QueryResult, Warehouse

__all__ = ["QueryResult", "Warehouse", "open_warehouse"]


def open_warehouse(config: Config, labels: dict[str, str] | None = None, scope=None) -> Warehouse:
    """The configured warehouse. `scope` (first, last dates) tells the embedded one which partition files a job
    can need; BigQuery prunes partitions from the queries' own filters."""
    if config.backend == "bigquery":
        from .bigquery.backend import BigQueryWarehouse

        warehouse: Warehouse = BigQueryWarehouse(config.warehouse)
    else:
        from .duckdb import DuckDBWarehouse

        warehouse = DuckDBWarehouse(config.warehouse["path"], scope)
    warehouse.labels = dict(labels or {})
    return warehouse
