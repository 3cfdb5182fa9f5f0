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

Modules: `backend` (BigQueryWarehouse: the client, jobs and retries, the interface, table creation, load jobs),
`parameters` (labels, query parameters), `projects` (map_project), `scripts` (the replace and restore scripts),
`schemas` (the repo's schemas as BigQuery fields, schema drift, a pyarrow source fitted to its table),
`failures` (transient or not, and the one line a user sees).
"""
