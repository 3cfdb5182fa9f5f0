"""Job labels and named query parameters, as BigQuery takes them (types inferred from the Python values)."""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Mapping
from typing import Any

from ...errors import WarehouseError

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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
        if not NAME.match(name):
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
