"""The multi-statement scripts that replace a table's partitions in one job, and put the kept rows back after a
failed check (see the package docstring)."""

from __future__ import annotations

from ...tables import table_schema
from ..base import Owned, describe_owned, owned_filter

FIRST, LAST = "__first", "__last"


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


def replace_script(
    project: str, table: str, source_sql: str, owned: Owned | None = None, kept: str | None = None
) -> str:
    """The one multi-statement job that replaces `table`'s rows in @__first..@__last (only the `owned` ones,
    see owned_filter) with `source_sql`; with `kept` (dataset.table), the replaced rows are first copied
    there (a table that expires in a day) so that restore_script can put them back."""
    schema = table_schema(table)
    target = f"`{project}.{schema.name}`"
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
            f"CREATE TABLE IF NOT EXISTS `{project}.{kept}`\n"
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


def restore_script(project: str, table: str, kept: str, owned: Owned | None = None) -> str:
    """The one transaction that puts the rows replace_script kept back in place of the ones it wrote."""
    schema = table_schema(table)
    target = f"`{project}.{schema.name}`"
    columns = ", ".join(f"`{f.name}`" for f in schema.fields)
    owns, _ = owned_filter(owned)
    replaced = f"`{schema.partition_by}` BETWEEN @{FIRST} AND @{LAST}" + (f" AND {owns}" if owned else "")
    return (
        f"-- nba-backfill: restore the partitions @{FIRST}..@{LAST} of {schema.name} after a failed check\n"
        "BEGIN TRANSACTION;\n"
        f"DELETE FROM {target} WHERE {replaced};\n"
        f"INSERT INTO {target} ({columns})\nSELECT {columns} FROM `{project}.{kept}`;\n"
        "COMMIT TRANSACTION;\n"
    )
