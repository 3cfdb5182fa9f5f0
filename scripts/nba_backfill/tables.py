"""Table schemas kept in the repo (`schemas/<dataset>.<table>.json`), shared by both warehouse backends.

Each file is BigQuery's schema JSON plus the partition column, the clustering columns and the table's grain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SCHEMA_DIR = Path(__file__).parent / "schemas"

# BigQuery type -> DuckDB type; the Arrow types follow from DuckDB's.
DUCKDB_TYPES = {
    "STRING": "VARCHAR",
    "INT64": "BIGINT",
    "FLOAT64": "DOUBLE",
    "BOOL": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMPTZ",
    "JSON": "VARCHAR",
}


def _quoted(name: str) -> str:
    return f'"{name}"'


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    mode: str = "NULLABLE"

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type] + ("[]" if self.mode == "REPEATED" else "")


@dataclass(frozen=True)
class TableSchema:
    name: str  # dataset.table
    grain: str
    partition_by: str
    cluster_by: tuple[str, ...]
    fields: tuple[Field, ...]

    @property
    def dataset(self) -> str:
        return self.name.split(".")[0]

    @property
    def column_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def duckdb_casts(self, from_columns: bool) -> str:
        """A select list casting each column (or, for an empty view, NULL) to the table's type, in order."""
        return ", ".join(
            f"CAST({_quoted(f.name) if from_columns else 'NULL'} AS {f.duckdb_type}) AS {_quoted(f.name)}"
            for f in self.fields
        )

    def arrow_schema(self):
        import pyarrow as pa

        scalar = {
            "STRING": pa.string(),
            "INT64": pa.int64(),
            "FLOAT64": pa.float64(),
            "BOOL": pa.bool_(),
            "DATE": pa.date32(),
            "TIMESTAMP": pa.timestamp("us", tz="UTC"),
            "JSON": pa.string(),
        }
        return pa.schema(
            [
                pa.field(f.name, pa.list_(scalar[f.type]) if f.mode == "REPEATED" else scalar[f.type])
                for f in self.fields
            ]
        )


@cache
def table_schema(name: str) -> TableSchema:
    path = SCHEMA_DIR / f"{name}.json"
    if not path.exists():
        raise KeyError(f"no schema file for table {name} ({path})")
    raw = json.loads(path.read_text())
    return TableSchema(
        name=raw["table"],
        grain=raw["grain"],
        partition_by=raw["partition_by"],
        cluster_by=tuple(raw["cluster_by"]),
        fields=tuple(Field(**f) for f in raw["fields"]),
    )


def all_tables() -> list[str]:
    return sorted(p.stem for p in SCHEMA_DIR.glob("*.json"))
