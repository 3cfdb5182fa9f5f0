"""The BigQuery warehouse: the same BigQuery-dialect SQL as the embedded backend, run as labelled, capped jobs.

- Every value is a named query parameter (types inferred from the Python values), never text in the SQL.
- Every job carries `labels` (sanitised to BigQuery's label rules), `maximum_bytes_billed` (not dry runs: an
  estimate must work even above the cap) and the configured location.
- A backticked or explicit project in a table name (`nba-props-platform.nba_analytics.x`) maps to the
  configured project; only those tokens change, the rest of the text is sent as written. A text that names a
  project (or could) but that sqlglot cannot parse is refused, never sent as is: it could point at production.
- `replace_partitions` runs ONE multi-statement job (see `replace_script`):
    1. `CREATE TEMP TABLE _incoming` from the source, each column cast to the table's type;
    2. a range check: any row whose partition column is NULL or outside `@__first..@__last` raises ERROR()
       (so the script stops before the target is touched); with an `owned` filter, likewise any row it does
       not describe (`system_id IN UNNEST(@__owned_system_id)`);
    3. for `replacing`, the rows about to be replaced are copied to `<dataset>._kept_<table>_<random>` (expires
       in a day; dropped once the job's checks pass, or used by `restore_script` when they fail);
    4. `BEGIN TRANSACTION; DELETE ... WHERE <part> BETWEEN @__first AND @__last [AND <owned>]; INSERT ... FROM
       _incoming; COMMIT TRANSACTION;` -- readers see all the old rows or all the new ones; a failure anywhere
       rolls the transaction back; other writers' rows on those dates are never deleted;
    5. rows per date of the replaced (owned) rows for the range, after the commit (the script's result).
  A pyarrow source is first LOADed (Parquet, WRITE_TRUNCATE) into `<dataset>._staging_<table>_<random>`
  (created with a one-day expiration, dropped afterwards), then the same script reads from it.
  Never streaming inserts, partition decorators, or WRITE_APPEND into a target table.
- Transient failures (HTTP 429/500/502/503/504, rateLimitExceeded, backendError, internalError,
  jobRateLimitExceeded, aborted concurrent transactions) are retried: each HTTP call by the client's retry
  (exponential, from `retry_base_delay`), each failed job by re-running the whole (idempotent) job, up to
  `max_attempts` times with jittered exponential backoff.
  BigQuery cancels a transaction that mutates a table another transaction is mutating, and each re-run bills
  the source query again: the Snakemake profiles give every table one writer at a time (`writes_<processor>`),
  so a retry is left for another system's writes. Re-runs are counted (`warehouse_retries`, in the timing file).
- A missing dataset/table is created from `schemas/<table>.json` (DAY partitions on `partition_by`, no
  expiration, clustered on `cluster_by`); an existing table whose partitions or whole table would expire the
  dates being written is refused, and so is one whose columns, types, modes, partitioning or clustering
  differ from the schema file in a way that would lose or misplace rows (`schema_drift`): one line naming
  the table and every difference, before any statement is sent.
- Credential problems become one line: WarehouseError("BigQuery credentials: ...").

google.cloud.bigquery is imported inside methods: it costs ~0.7 s and the embedded path must not pay it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import io
import random
import re
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..errors import WarehouseError
from ..statements import UnparsableSQL, first_line, parse
from ..tables import TableSchema, table_schema
from .base import Owned, QueryResult, Warehouse, describe_owned, owned_filter

T = TypeVar("T")

DEFAULT_PROJECT = "nba-props-platform"
DEFAULT_LOCATION = "US"
DEFAULT_MAXIMUM_BYTES_BILLED = 100 * 1024**3

CREDENTIALS_HINT = "run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS"

# Error reasons (and HTTP codes) worth another try; see google.cloud.bigquery.retry.
TRANSIENT_REASONS = frozenset(
    {
        "rateLimitExceeded",
        "backendError",
        "internalError",
        "badGateway",
        "jobRateLimitExceeded",
        "jobBackendError",
        "jobInternalError",
    }
)
TRANSIENT_MESSAGES = (
    "aborted due to concurrent update",  # two transactions mutating the same table
    "could not serialize access",
    "too many dml statements outstanding",
)
# 403s that are about quota or billing, not about who is calling.
FORBIDDEN_NOT_CREDENTIALS = frozenset(
    {"quotaExceeded", "billingNotEnabled", "billingTierLimitExceeded", "responseTooLarge", "rateLimitExceeded"}
)

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PROJECT_HINT = re.compile(r"`|\b[A-Za-z_][\w-]*\.[A-Za-z_]\w*\.[A-Za-z_]\w*")
FIRST, LAST = "__first", "__last"


# -- pure helpers (no client) --------------------------------------------------------------------------------


def sanitize_labels(labels: Mapping[str, Any] | None) -> dict[str, str]:
    """BigQuery label rules: keys and values lowercase [a-z0-9_-], at most 63 characters, keys start with a
    letter, at most 64 labels."""

    def text(value: Any) -> str:
        return re.sub(r"[^a-z0-9_-]", "_", str(value).lower())[:63]

    out: dict[str, str] = {}
    for key, value in (labels or {}).items():
        clean = text(key)
        if not re.match(r"[a-z]", clean):
            clean = ("l_" + clean)[:63]
        out[clean] = text("" if value is None else value)
    return dict(list(out.items())[:64])


def _scalar_type(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int):
        return "INT64"
    if isinstance(value, decimal.Decimal):
        return "NUMERIC"
    if isinstance(value, float):
        return "FLOAT64"
    if isinstance(value, dt.datetime):  # before date: a datetime is a date
        return "TIMESTAMP"
    if isinstance(value, dt.date):
        return "DATE"
    if isinstance(value, str):
        return "STRING"
    if isinstance(value, bytes):
        return "BYTES"
    raise WarehouseError(f"query parameter @{name}: cannot pass a {type(value).__name__} to BigQuery")


def _plain(value: Any) -> Any:
    """numpy scalars -> Python values (they carry .item()); everything else unchanged."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    return value


def query_parameters(params: Mapping[str, Any] | None) -> list:
    """ScalarQueryParameter / ArrayQueryParameter for each value, with the type inferred from Python:
    date -> DATE, datetime -> TIMESTAMP, int -> INT64, float -> FLOAT64, str -> STRING, bool -> BOOL,
    list/tuple/set -> ARRAY of the element type; None -> a NULL STRING."""
    from google.cloud import bigquery

    out = []
    for name, raw in (params or {}).items():
        if not _NAME.match(name):
            raise WarehouseError(f"query parameter {name!r}: not a valid parameter name")
        value = _plain(raw)
        if isinstance(value, (list, tuple, set, frozenset)):
            values = [_plain(v) for v in (sorted(value) if isinstance(value, (set, frozenset)) else value)]
            types = {_scalar_type(name, v) for v in values if v is not None}
            if types == {"INT64", "FLOAT64"}:
                types = {"FLOAT64"}
            if len(types) > 1:
                raise WarehouseError(f"query parameter @{name}: mixed element types {sorted(types)}")
            out.append(bigquery.ArrayQueryParameter(name, types.pop() if types else "STRING", values))
        elif value is None:
            out.append(bigquery.ScalarQueryParameter(name, "STRING", None))
        else:
            out.append(bigquery.ScalarQueryParameter(name, _scalar_type(name, value), value))
    return out


@functools.lru_cache(maxsize=256)
def map_project(sql: str, project: str) -> str:
    """Point every table with an explicit project at `project`, changing only those tokens of the text."""
    if not _PROJECT_HINT.search(sql):
        return sql  # no backtick and no a.b.c path: nothing can name a project (and sqlglot stays unloaded)
    from sqlglot import exp
    from sqlglot.dialects.bigquery import BigQuery
    from sqlglot.tokens import TokenType

    try:
        trees = parse(sql)
    except UnparsableSQL as err:  # sent as written, it could still name the production project: never send it
        raise WarehouseError(f"cannot map the project of {err} (nothing was sent)") from None
    for tree in trees:
        if tree.find(exp.Command):  # sqlglot kept it as opaque text: the tables inside are unknown
            raise WarehouseError(
                f"cannot map the project of {first_line(tree.sql('bigquery'))!r}: sqlglot does not parse this "
                "statement (nothing was sent)"
            )
    catalogs = {t.catalog for tree in trees for t in tree.find_all(exp.Table) if t.catalog}
    catalogs.discard(project)
    if not catalogs:
        return sql
    tokens = BigQuery().tokenize(sql)
    edits = []  # (start, end inclusive, replacement)
    for i, token in enumerate(tokens):
        text = token.text
        if token.token_type == TokenType.IDENTIFIER:  # `proj` or `proj.dataset.table`
            for cat in catalogs:
                if text == cat or text.startswith(cat + "."):
                    edits.append((token.start, token.end, f"`{project}{text[len(cat) :]}`"))
                    break
        elif (
            token.token_type == TokenType.VAR
            and text in catalogs
            and i + 1 < len(tokens)
            and tokens[i + 1].token_type == TokenType.DOT
            and (i == 0 or tokens[i - 1].token_type != TokenType.DOT)
        ):
            edits.append((token.start, token.end, f"`{project}`"))
    out = sql
    for start, end, replacement in sorted(edits, reverse=True):
        out = out[:start] + replacement + out[end + 1 :]
    try:
        remaining = {
            t.catalog for tree in parse(out) for t in tree.find_all(exp.Table) if t.catalog and t.catalog != project
        }
    except UnparsableSQL:
        remaining = catalogs
    if remaining:  # a spelling the token rewrite missed: fall back to regenerating the statements
        for tree in trees:
            for table in tree.find_all(exp.Table):
                if table.catalog:
                    table.set("catalog", exp.to_identifier(project, quoted=True))
        out = ";\n".join(tree.sql("bigquery") for tree in trees)
    return out


def _cast(field) -> str:
    column = f"`{field.name}`"
    if field.mode == "REPEATED" or field.type == "JSON":
        return f"{column} AS {column}"
    return f"CAST({column} AS {field.type}) AS {column}"


def _source_text(source: str) -> str:
    text = source.strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    return text


# -- the warehouse -------------------------------------------------------------------------------------------


class BigQueryWarehouse(Warehouse):
    """Tables `dataset.table` of the configured project; see the module docstring for the guarantees.

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
                raise self._error(exc) from None
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
                if not _is_google_error(exc):
                    raise
                if attempt >= self.max_attempts or not _is_transient(exc):
                    raise self._error(exc) from None
                delay = min(self.retry_max_delay, self.retry_base_delay * 2 ** (attempt - 1))
                time.sleep(delay * random.uniform(0.5, 1.0))
                attempt += 1
                self.warehouse_retries += 1  # reported in the job's timing file

    def _error(self, exc: BaseException) -> WarehouseError:
        from google.api_core import exceptions as api
        from google.auth import exceptions as auth

        reason = _reason(exc)
        job = getattr(getattr(exc, "query_job", None), "job_id", None)
        where = f" (job {job})" if job else ""
        if isinstance(exc, (auth.DefaultCredentialsError, auth.RefreshError)):
            return WarehouseError(f"BigQuery credentials: {_detail(exc)}; {CREDENTIALS_HINT}")
        if isinstance(exc, api.Unauthorized) or (
            isinstance(exc, api.Forbidden) and reason not in FORBIDDEN_NOT_CREDENTIALS
        ):
            return WarehouseError(f"BigQuery credentials: {_detail(exc)}; {CREDENTIALS_HINT}")
        if reason == "bytesBilledLimitExceeded":
            return WarehouseError(
                f"BigQuery: the query would bill more than maximum_bytes_billed ({self.maximum_bytes_billed} "
                f"bytes){where}; raise warehouse.maximum_bytes_billed if that is expected"
            )
        if isinstance(exc, api.RetryError):
            cause = exc.cause
            return WarehouseError(f"BigQuery: gave up retrying: {_detail(cause) if cause else _detail(exc)}")
        return WarehouseError(f"BigQuery{' ' + reason if reason else ''}: {_detail(exc)}{where}")

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
                script = self.replace_script(table, source, owned, kept)
                return self._run(lambda: self._replace(script, values)), kept
            arrow = self._arrow_source(schema, source, first, last)
            staging = f"{schema.dataset}._staging_{schema.name.split('.')[1]}_{uuid.uuid4().hex[:12]}"
            try:
                self._run(lambda: self._load(schema, staging, arrow))
                script = self.replace_script(table, f"SELECT * FROM `{self.project}.{staging}`", owned, kept)
                return self._run(lambda: self._replace(script, values)), kept
            finally:
                self._drop(staging)
        except BaseException:
            if kept:
                self._drop(kept)
            raise

    def _restore(self, table, first, last, owned, kept) -> None:
        _, owned_params = owned_filter(owned)
        script = self.restore_script(table, kept, owned)
        self._run(lambda: self._rows(script, {**owned_params, FIRST: first, LAST: last}))

    def _discard(self, kept) -> None:
        if kept:
            self._drop(kept)

    # -- replace parts ---------------------------------------------------------------------------------------
    def replace_script(self, table: str, source_sql: str, owned: Owned | None = None, kept: str | None = None) -> str:
        """The one multi-statement job that replaces `table`'s rows in @__first..@__last (only the `owned` ones,
        see owned_filter) with `source_sql`; with `kept` (dataset.table), the replaced rows are first copied
        there (a table that expires in a day) so that restore_script can put them back."""
        schema = table_schema(table)
        target = f"`{self.project}.{schema.name}`"
        part = f"`{schema.partition_by}`"
        columns = ", ".join(f"`{f.name}`" for f in schema.fields)
        casts = ",\n  ".join(_cast(f) for f in schema.fields)
        outside = f"COUNTIF({part} IS NULL OR {part} NOT BETWEEN @{FIRST} AND @{LAST})"
        owns, _ = owned_filter(owned)
        replaced = f"{part} BETWEEN @{FIRST} AND @{LAST}" + (f" AND {owns}" if owned else "")
        script = (
            f"-- nba-backfill: replace the partitions @{FIRST}..@{LAST} of {schema.name}\n"
            f"CREATE TEMP TABLE _incoming AS\nSELECT\n  {casts}\nFROM (\n{_source_text(source_sql)}\n);\n"
            f"SELECT IF({outside} > 0, ERROR(FORMAT('{schema.name}: %d row(s) fall outside the partitions %t..%t "
            f"being replaced', {outside}, @{FIRST}, @{LAST})), 0) AS rows_outside FROM _incoming;\n"
        )
        if owned:
            foreign = f"COUNTIF(NOT COALESCE({owns}, FALSE))"
            script += (
                f"SELECT IF({foreign} > 0, ERROR(FORMAT('{schema.name}: %d row(s) are not owned by the backfill "
                f"({describe_owned(owned).replace(chr(39), '')})', {foreign})), 0) AS rows_not_owned FROM _incoming;\n"
            )
        if kept:  # IF NOT EXISTS: a re-run of this job after its commit must not copy its own new rows
            script += (
                f"CREATE TABLE IF NOT EXISTS `{self.project}.{kept}`\n"
                "OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS\n"
                f"SELECT * FROM {target} WHERE {replaced};\n"
            )
        return script + (
            "BEGIN TRANSACTION;\n"
            f"DELETE FROM {target} WHERE {replaced};\n"
            f"INSERT INTO {target} ({columns})\nSELECT {columns} FROM _incoming;\n"
            "COMMIT TRANSACTION;\n"
            f"SELECT {part} AS partition_date, COUNT(*) AS row_count FROM {target}\n"
            f"WHERE {replaced} GROUP BY 1 ORDER BY 1;\n"
        )

    def restore_script(self, table: str, kept: str, owned: Owned | None = None) -> str:
        """The one transaction that puts the rows replace_script kept back in place of the ones it wrote."""
        schema = table_schema(table)
        target = f"`{self.project}.{schema.name}`"
        columns = ", ".join(f"`{f.name}`" for f in schema.fields)
        owns, _ = owned_filter(owned)
        replaced = f"`{schema.partition_by}` BETWEEN @{FIRST} AND @{LAST}" + (f" AND {owns}" if owned else "")
        return (
            f"-- nba-backfill: restore the partitions @{FIRST}..@{LAST} of {schema.name} after a failed check\n"
            "BEGIN TRANSACTION;\n"
            f"DELETE FROM {target} WHERE {replaced};\n"
            f"INSERT INTO {target} ({columns})\nSELECT {columns} FROM `{self.project}.{kept}`;\n"
            "COMMIT TRANSACTION;\n"
        )

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
                new = bigquery.Table(table_ref, schema=_bq_schema(schema, staging=False))
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

    def _arrow_source(self, schema: TableSchema, source, first: dt.date, last: dt.date):
        import pyarrow as pa
        import pyarrow.compute as pc

        if type(source).__name__ == "DataFrame" and hasattr(source, "to_records"):  # pandas, without importing it
            source = pa.Table.from_pandas(source, preserve_index=False)
        if not isinstance(source, pa.Table):
            raise WarehouseError(f"{schema.name}: a source must be SQL text or a pyarrow Table, not {type(source)}")
        missing = set(schema.column_names) - set(source.column_names)
        if missing:
            raise WarehouseError(f"{schema.name}: the source does not produce column(s) {', '.join(sorted(missing))}")
        try:
            typed = source.select(schema.column_names).cast(schema.arrow_schema())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
            raise WarehouseError(f"{schema.name}: the source's columns do not fit the table: {err}") from None
        part = typed.column(schema.partition_by)
        inside = pc.and_(pc.greater_equal(part, pa.scalar(first)), pc.less_equal(part, pa.scalar(last)))
        outside = len(typed) - pc.sum(pc.fill_null(inside, False).cast("int64")).as_py() if len(typed) else 0
        if outside:
            raise WarehouseError(
                f"{schema.name}: {outside} row(s) fall outside the partitions {first}..{last} being replaced"
            )
        return typed

    def _load(self, schema: TableSchema, staging: str, arrow) -> None:
        """LOAD `arrow` as Parquet into the staging table (WRITE_TRUNCATE; created with a one-day expiration)."""
        import pyarrow.parquet as pq
        from google.cloud import bigquery
        from google.cloud.bigquery.format_options import ParquetOptions

        ref = bigquery.TableReference.from_string(f"{self.project}.{staging}")
        table = bigquery.Table(ref, schema=_bq_schema(schema, staging=True))
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
            schema=_bq_schema(schema, staging=True),
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
            if not _is_google_error(exc):
                raise


# -- module helpers ------------------------------------------------------------------------------------------


def _split(table: str) -> tuple[str, str]:
    parts = table.split(".")
    if len(parts) != 2 or not all(_NAME.match(p) for p in parts):
        raise WarehouseError(f"table {table!r}: expected dataset.table")
    return parts[0], parts[1]


def _bq_schema(schema: TableSchema, staging: bool) -> list:
    """The table's fields; a staging table keeps every non-REPEATED field NULLABLE (the INSERT enforces
    REQUIRED, with BigQuery's own message)."""
    from google.cloud import bigquery

    return [
        bigquery.SchemaField(f.name, f.type, mode=f.mode if not staging or f.mode == "REPEATED" else "NULLABLE")
        for f in schema.fields
    ]


# The API may answer a table's types in legacy SQL names.
_STANDARD_TYPES = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL", "RECORD": "STRUCT"}


def schema_drift(schema: TableSchema, table) -> list[str]:
    """How a live table (google.cloud.bigquery.Table) differs from the repo's schema file, where it would lose
    or misplace what a job writes: a missing column, another type or repetition, a REQUIRED column the repo
    allows NULL in (or one the repo lacks: our INSERT leaves it NULL), other partitioning or clustering.

    Allowed: a NULLABLE column the repo lacks (other systems of the platform write these tables and may
    keep columns of their own; our rows leave it NULL, nothing of ours is lost), and a NULLABLE column the
    repo declares REQUIRED (the table is only looser than our rows)."""
    live = {f.name: f for f in table.schema}
    out = []
    for field in schema.fields:
        found = live.get(field.name)
        if found is None:
            out.append(f"column {field.name} is missing")
            continue
        kind = _STANDARD_TYPES.get(found.field_type, found.field_type)
        if kind != field.type or (found.mode == "REPEATED") != (field.mode == "REPEATED"):
            out.append(f"column {field.name} is {kind} {found.mode} there, {field.type} {field.mode} in the repo")
        elif found.mode == "REQUIRED" and field.mode == "NULLABLE":
            out.append(f"column {field.name} is REQUIRED there, NULLABLE in the repo")
    for name in sorted(live.keys() - set(schema.column_names)):
        if live[name].mode == "REQUIRED":
            out.append(f"column {name} is REQUIRED there and not in the repo")
    partitioning = table.time_partitioning
    if partitioning is None:
        out.append(f"not partitioned by a date there, by {schema.partition_by} (DAY) in the repo")
    elif (partitioning.field, partitioning.type_) != (schema.partition_by, "DAY"):
        there = f"{partitioning.field or '_PARTITIONTIME'} ({partitioning.type_})"
        out.append(f"partitioned by {there} there, by {schema.partition_by} (DAY) in the repo")
    clustering = list(table.clustering_fields or [])
    if clustering != list(schema.cluster_by):
        out.append(f"clustered by {clustering} there, by {list(schema.cluster_by)} in the repo")
    return out


def _is_google_error(exc: BaseException) -> bool:
    module = type(exc).__module__
    return module.startswith(("google.", "requests.", "urllib3.")) or isinstance(exc, ConnectionError)


def _reason(exc: BaseException) -> str | None:
    errors = getattr(exc, "errors", None)
    try:
        return errors[0]["reason"]
    except (TypeError, IndexError, KeyError):
        return None


def _is_transient(exc: BaseException) -> bool:
    from google.api_core import exceptions as api

    if isinstance(exc, api.RetryError):  # one call kept failing (e.g. results of a job that failed): re-run it
        return exc.cause is not None and _is_transient(exc.cause)
    if isinstance(
        exc,
        (api.TooManyRequests, api.InternalServerError, api.BadGateway, api.ServiceUnavailable, api.GatewayTimeout),
    ):
        return True
    if _reason(exc) in TRANSIENT_REASONS:
        return True
    message = str(getattr(exc, "message", None) or exc).lower()
    if any(text in message for text in TRANSIENT_MESSAGES):
        return True
    import requests

    return isinstance(exc, (requests.ConnectionError, requests.Timeout))


def _detail(exc: BaseException) -> str:
    """One line: the server's first error message, or the exception's first line."""
    errors = getattr(exc, "errors", None)
    message = None
    if errors and isinstance(errors, list) and isinstance(errors[0], dict):
        message = errors[0].get("message")
    if not message:
        message = getattr(exc, "message", None)
    if not message:
        arg = exc.args[0] if getattr(exc, "args", None) else exc
        message = arg if isinstance(arg, str) else str(exc)
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    return " ".join(lines[:1]) or type(exc).__name__
