"""BigQueryWarehouse: the same BigQuery-dialect SQL as the embedded backend, run as labelled, capped jobs; see the
package docstring for the guarantees. Everything here talks to the API; what it sends is built by the other
modules of the package."""

from __future__ import annotations

import datetime as dt
import functools
import io
import random
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ...errors import WarehouseError
from ...tables import TableSchema, table_schema
from ..base import QueryResult, Warehouse, owned_filter
from .failures import is_google_error, is_transient, warehouse_error
from .parameters import NAME, query_parameters, sanitize_labels
from .projects import map_project
from .schemas import arrow_source, bq_schema, schema_drift
from .scripts import FIRST, LAST, replace_script, restore_script

T = TypeVar("T")

DEFAULT_PROJECT = "nba-props-platform"
DEFAULT_LOCATION = "US"
DEFAULT_MAXIMUM_BYTES_BILLED = 100 * 1024**3


class BigQueryWarehouse(Warehouse):
    """Tables `dataset.table` of the configured project; the package docstring has the guarantees.

    `client` is a ready google.cloud.bigquery.Client (tests point one at a local server); without it, one is
    made on first use from Application Default Credentials. `retry_base_delay` (seconds) is the first
    backoff; `max_attempts` bounds the re-runs of a failed job; `api_timeout` bounds the retries of one call.
    """

    def __init__(
        self,
        config: Mapping[str, Any],
        client: Any = None,
        *,
        retry_base_delay: float = 1.0,
        retry_max_delay: float = 60.0,
        max_attempts: int = 8,
        api_timeout: float = 120.0,
    ):
        config = dict(config or {})
        self.project: str = config.get("project") or getattr(client, "project", None) or DEFAULT_PROJECT
        self.location: str = config.get("location") or getattr(client, "location", None) or DEFAULT_LOCATION
        self.maximum_bytes_billed = int(config.get("maximum_bytes_billed") or DEFAULT_MAXIMUM_BYTES_BILLED)
        self.retry_base_delay = retry_base_delay
        self.retry_max_delay = retry_max_delay
        self.max_attempts = max(1, max_attempts)
        self.api_timeout = api_timeout
        self._client = client
        self._ready: set[str] = set()  # tables known to exist (with their dataset)
        self.labels = {}

    # -- client, retries, errors -----------------------------------------------------------------------------
    @property
    def client(self):
        if self._client is None:
            from google.auth.exceptions import GoogleAuthError
            from google.cloud import bigquery

            try:
                self._client = bigquery.Client(project=self.project, location=self.location)
            except (GoogleAuthError, OSError) as exc:  # DefaultCredentialsError: no ADC
                raise warehouse_error(exc, self.maximum_bytes_billed) from None
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    @functools.cached_property
    def _api_retry(self):
        from google.cloud.bigquery.retry import DEFAULT_RETRY

        return DEFAULT_RETRY.with_delay(
            initial=self.retry_base_delay, maximum=self.retry_max_delay, multiplier=2.0
        ).with_timeout(self.api_timeout)

    def _run(self, operation: Callable[[], T]) -> T:
        """Run `operation` (one whole, idempotent job), again after a transient failure; errors -> one line."""
        attempt = 1
        while True:
            try:
                return operation()
            except WarehouseError:
                raise
            except Exception as exc:
                if not is_google_error(exc):
                    raise
                if attempt >= self.max_attempts or not is_transient(exc):
                    raise warehouse_error(exc, self.maximum_bytes_billed) from None
                delay = min(self.retry_max_delay, self.retry_base_delay * 2 ** (attempt - 1))
                time.sleep(delay * random.uniform(0.5, 1.0))
                attempt += 1
                self.warehouse_retries += 1  # reported in the job's timing file

    # -- jobs ------------------------------------------------------------------------------------------------
    def _job_config(self, params: Mapping[str, Any] | None, dry_run: bool = False):
        from google.cloud import bigquery

        config = bigquery.QueryJobConfig(
            labels=sanitize_labels(self.labels), query_parameters=query_parameters(params), use_legacy_sql=False
        )
        if dry_run:
            config.dry_run = True
            config.use_query_cache = False
        else:
            config.maximum_bytes_billed = self.maximum_bytes_billed
        return config

    def _start(self, sql: str, params: Mapping[str, Any] | None, dry_run: bool = False):
        return self.client.query(
            sql,
            job_config=self._job_config(params, dry_run),
            location=self.location,
            project=self.project,
            job_id_prefix="nba_backfill_",
            retry=self._api_retry,
            job_retry=None,  # failed jobs are re-run by _run
        )

    def _rows(self, sql: str, params: Mapping[str, Any] | None):
        return self._start(sql, params).result(retry=self._api_retry, job_retry=None)

    # -- interface -------------------------------------------------------------------------------------------
    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> QueryResult:
        text = map_project(sql, self.project)

        def run() -> QueryResult:
            rows = self._rows(text, params)
            return QueryResult([f.name for f in rows.schema], [tuple(row.values()) for row in rows])

        return self._run(run)

    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None):
        text = map_project(sql, self.project)
        return self._run(lambda: self._rows(text, params).to_arrow(create_bqstorage_client=False))

    def dry_run_bytes(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        """Bytes the query would scan (a dry-run job: nothing runs, nothing is billed)."""
        text = map_project(sql, self.project)
        return self._run(lambda: int(self._start(text, params, dry_run=True).total_bytes_processed or 0))

    def partitions(self, table: str, first: dt.date | None = None, last: dt.date | None = None) -> dict[dt.date, int]:
        from google.api_core.exceptions import NotFound

        dataset, name = _split(table)
        sql = (
            f"SELECT partition_id, total_rows FROM `{self.project}.{dataset}.INFORMATION_SCHEMA.PARTITIONS` "
            "WHERE table_name = @t"
        )

        def run() -> list:
            try:
                return list(self._rows(sql, {"t": name}))
            except NotFound:  # no such dataset (a missing table in an existing dataset gives no rows)
                return []

        out = {}
        rows = self._run(run)
        for partition_id, total_rows in (tuple(r.values()) for r in rows):
            if partition_id and partition_id.isdigit() and len(partition_id) == 8 and total_rows:
                out[dt.date(int(partition_id[:4]), int(partition_id[4:6]), int(partition_id[6:]))] = int(total_rows)
        low, high = first or dt.date.min, last or dt.date.max
        return {d: n for d, n in sorted(out.items()) if low <= d <= high}

    def _swap(self, table, source, first, last, params, owned, keep) -> tuple[dict[dt.date, int], str | None]:
        schema = table_schema(table)
        for name in params or {}:
            if name.startswith("__"):
                raise WarehouseError(f"query parameter @{name}: names starting with __ are reserved for the replace")
        if isinstance(source, str):
            source = map_project(source, self.project)  # before anything is sent: it may refuse the text
        self._ensure_table(schema, first)
        _, owned_params = owned_filter(owned)
        values = {**(params or {}), **owned_params, FIRST: first, LAST: last}
        kept = f"{schema.dataset}._kept_{schema.name.split('.')[1]}_{uuid.uuid4().hex[:12]}" if keep else None
        try:
            if isinstance(source, str):
                script = replace_script(self.project, table, source, owned, kept)
                return self._run(lambda: self._replace(script, values)), kept
            arrow = arrow_source(schema, source, first, last)
            staging = f"{schema.dataset}._staging_{schema.name.split('.')[1]}_{uuid.uuid4().hex[:12]}"
            try:
                self._run(lambda: self._load(schema, staging, arrow))
                script = replace_script(self.project, table, f"SELECT * FROM `{self.project}.{staging}`", owned, kept)
                return self._run(lambda: self._replace(script, values)), kept
            finally:
                self._drop(staging)
        except BaseException:
            if kept:
                self._drop(kept)
            raise

    def _restore(self, table, first, last, owned, kept) -> None:
        _, owned_params = owned_filter(owned)
        script = restore_script(self.project, table, kept, owned)
        self._run(lambda: self._rows(script, {**owned_params, FIRST: first, LAST: last}))

    def _discard(self, kept) -> None:
        if kept:
            self._drop(kept)

    def _replace(self, script: str, values: Mapping[str, Any]) -> dict[dt.date, int]:
        return {row[0]: int(row[1]) for row in (tuple(r.values()) for r in self._rows(script, values))}

    def _ensure_table(self, schema: TableSchema, first: dt.date) -> None:
        """Create the dataset and the table (from the repo's schema file) if missing; refuse an existing table
        whose expiration would delete the dates being written, or whose schema differs from the repo's in a
        way that would lose or misplace rows (see `schema_drift`)."""
        if schema.name in self._ready:
            return
        from google.api_core.exceptions import NotFound
        from google.cloud import bigquery

        dataset_ref = bigquery.DatasetReference(self.project, schema.dataset)
        table_ref = dataset_ref.table(schema.name.split(".")[1])

        def ensure():
            """(the table, whether it was there before)"""
            try:
                self.client.get_dataset(dataset_ref, retry=self._api_retry)
            except NotFound:
                dataset = bigquery.Dataset(dataset_ref)
                dataset.location = self.location
                self.client.create_dataset(dataset, exists_ok=True, retry=self._api_retry)
            try:
                return self.client.get_table(table_ref, retry=self._api_retry), True
            except NotFound:
                new = bigquery.Table(table_ref, schema=bq_schema(schema, staging=False))
                new.time_partitioning = bigquery.TimePartitioning(
                    type_=bigquery.TimePartitioningType.DAY, field=schema.partition_by
                )
                new.clustering_fields = list(schema.cluster_by) or None
                new.description = schema.grain
                return self.client.create_table(new, exists_ok=True, retry=self._api_retry), False

        existing, was_there = self._run(ensure)
        partitioning = existing.time_partitioning
        if partitioning is not None and partitioning.expiration_ms:
            keep = dt.timedelta(milliseconds=partitioning.expiration_ms)
            if first + keep < dt.date.today():
                raise WarehouseError(
                    f"{schema.name}: its partitions expire after {keep.days} days, so BigQuery would delete "
                    f"the backfilled dates from {first}; remove the partition expiration first"
                )
        if existing.expires is not None:
            raise WarehouseError(
                f"{schema.name}: the table expires at {existing.expires:%Y-%m-%d %H:%M} UTC (a dataset default?); "
                "remove its expiration before backfilling into it"
            )
        differences = schema_drift(schema, existing) if was_there else []
        if differences:
            raise WarehouseError(
                f"{schema.name} in {self.project} differs from schemas/{schema.name}.json: "
                f"{'; '.join(differences)}; nothing was written"
            )
        self._ready.add(schema.name)

    def _load(self, schema: TableSchema, staging: str, arrow) -> None:
        """LOAD `arrow` as Parquet into the staging table (WRITE_TRUNCATE; created with a one-day expiration)."""
        import pyarrow.parquet as pq
        from google.cloud import bigquery
        from google.cloud.bigquery.format_options import ParquetOptions

        ref = bigquery.TableReference.from_string(f"{self.project}.{staging}")
        table = bigquery.Table(ref, schema=bq_schema(schema, staging=True))
        table.expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        self.client.create_table(table, exists_ok=True, retry=self._api_retry)
        buffer = io.BytesIO()
        pq.write_table(arrow, buffer, compression="snappy")
        size = buffer.tell()
        buffer.seek(0)
        parquet = ParquetOptions()
        parquet.enable_list_inference = True
        config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.PARQUET,
            write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
            create_disposition=bigquery.CreateDisposition.CREATE_IF_NEEDED,
            schema=bq_schema(schema, staging=True),
            labels=sanitize_labels(self.labels),
        )
        config.parquet_options = parquet
        job = self.client.load_table_from_file(
            buffer,
            ref,
            size=size,
            job_config=config,
            location=self.location,
            project=self.project,
            job_id_prefix="nba_backfill_load_",
        )
        job.result(retry=self._api_retry)

    def _drop(self, staging: str) -> None:
        try:
            self.client.delete_table(f"{self.project}.{staging}", not_found_ok=True, retry=self._api_retry)
        except Exception as exc:  # the table expires by itself within a day; never hide the real error
            if not is_google_error(exc):
                raise


def _split(table: str) -> tuple[str, str]:
    parts = table.split(".")
    if len(parts) != 2 or not all(NAME.match(p) for p in parts):
        raise WarehouseError(f"table {table!r}: expected dataset.table")
    return parts[0], parts[1]
