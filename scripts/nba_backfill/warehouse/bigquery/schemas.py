"""The repo's table schemas as BigQuery sees them: field lists, how a live table drifts from the repo, and a pyarrow
source fitted to its table."""

from __future__ import annotations

import datetime as dt

from ...errors import WarehouseError
from ...tables import TableSchema


def bq_schema(schema: TableSchema, staging: bool) -> list:
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


def arrow_source(schema: TableSchema, source, first: dt.date, last: dt.date):
    """`source` (a pyarrow Table, or a pandas DataFrame) as the table's columns and types, all inside first..last."""
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
