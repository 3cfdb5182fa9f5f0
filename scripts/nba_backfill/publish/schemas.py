"""The published documents' JSON Schemas (publish_schemas/) and their one serialisation."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).parents[1] / "publish_schemas"


@cache
def validator(schema: str):
    import jsonschema

    document = json.loads((SCHEMA_DIR / f"{schema}.json").read_text())
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(document)


@cache
def fast_validator(schema: str):
    """The same schema compiled in Rust (jsonschema-rs): a season's ~700 files validate in well under a second, where
    the interpreting validator takes a minute. Both implement draft 2020-12, the schemas' `$schema`."""
    import jsonschema_rs

    return jsonschema_rs.validator_for(json.loads((SCHEMA_DIR / f"{schema}.json").read_text()))


def schema_problem(schema: str, document: Any) -> str | None:
    """The first schema violation (by path), or None. The compiled validator answers; the interpreting one
    explains a failure."""
    fast = fast_validator(schema)
    if fast.is_valid(document):
        return None
    errors = sorted(validator(schema).iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return f"does not match schema {schema}.json: {next(fast.iter_errors(document)).message[:200]}"
    where = "/".join(str(p) for p in errors[0].absolute_path) or "(top level)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"does not match schema {schema}.json at {where}: {errors[0].message[:200]}{more}"


def dump(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False) + "\n"
