"""What the BigQuery backend sends, gathered by calling the code that builds it (never copied text), with the
parameters' types as the backend declares them (`query_parameters`, the same function the jobs use).

- `sql_statements()`: every sql/*.sql (checks files included) and whatever else `plan --cost` dry-runs
  (cost.job_statements over every job of every configured season), with the parameters the jobs pass;
- `RecordingWarehouse`: the embedded warehouse, noting each statement it is asked to run, for the code paths
  that build SQL inline (validate.table_checks, the schedule and preflight queries);
- `sent_jobs(fake)`: the query jobs a BigQueryWarehouse sent to the local fake server (tests/bigquery), each
  with the parameter types it declared: the replace scripts and the partition listing exactly as sent.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers import base_config
from nba_backfill.config import validate_config
from nba_backfill.cost import job_statements
from nba_backfill.plan import season_targets
from nba_backfill.processors import SQL_DIR
from nba_backfill.tables import table_schema
from nba_backfill.warehouse.bigquery.parameters import query_parameters
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

# (BigQuery type, repeated) per parameter name
Types = dict[str, tuple[str, bool]]
# legacy names the API may use for a field's type
TYPE_NAMES = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL"}


@dataclass(frozen=True)
class Statement:
    id: str
    sql: str
    params: Types = field(default_factory=dict)
    tables: dict[str, Types] = field(default_factory=dict)  # tables the job's own earlier steps created


def param_types(params: Mapping[str, Any]) -> Types:
    """Types as the BigQuery backend declares them for these values."""
    out = {}
    for param in query_parameters(params):
        if hasattr(param, "array_type"):
            out[param.name] = (param.array_type, True)
        else:
            out[param.name] = (param.type_, False)
    return out


def _json_types(parameters: list[dict]) -> Types:
    """queryParameters of a job resource -> Types."""
    out = {}
    for p in parameters:
        kind = p["parameterType"]
        out[p["name"]] = (kind["arrayType"]["type"], True) if kind["type"] == "ARRAY" else (kind["type"], False)
    return out


def repo_config():
    return validate_config(base_config())


@functools.cache
def _job_statements() -> list[tuple[str, str, dict]]:
    """(marker, sql, params) of every statement of every job of every configured season."""
    config = repo_config()
    out = []
    for season in config.seasons:
        for marker in season_targets(config, season):
            out += [(marker, sql, params) for sql, params in job_statements(config, season, season.start, marker)]
    return out


def _stem(sql: str) -> str | None:
    """The sql/ file stem (as processors.sql_text takes it) whose text this is."""
    return next((p.name[: -len(".sql")] for p in sorted(Path(SQL_DIR).glob("*.sql")) if p.read_text() == sql), None)


def sql_statements() -> list[Statement]:
    """Each sql/*.sql, then every other statement `plan --cost` dry-runs (none today). A file a planned job
    sends is declared with that job's parameters (cost.job_statements: the values the jobs use); the others
    (checks, status, evaluate, publish) with every parameter name the jobs pass, so an unknown name fails."""
    jobs = _job_statements()
    declared: Types = {}
    for _, _, params in jobs:
        declared.update(param_types(params))
    declared["min_edge"] = ("FLOAT64", False)  # evaluate_bets.sql's own: no job passes it
    files = sorted(Path(SQL_DIR).glob("*.sql"))
    out = {p.name[: -len(".sql")]: Statement(f"sql/{p.name}", p.read_text(), declared) for p in files}
    for marker, sql, params in jobs:
        stem, types = _stem(sql), param_types(params)
        if stem and out[stem].params is declared:
            out[stem] = Statement(f"sql/{stem}.sql", sql, types)
        elif not stem or out[stem].params != types:
            key = f"dry-run/{marker.split('/')[1]}/{stem}"
            out.setdefault(key, Statement(key, sql, types))
    return list(out.values())


def job_parameters() -> dict[str, dict]:
    """sql file stem -> the parameters a job passes it (from the cost plan: the same values the jobs use)."""
    return {_stem(sql): params for _, sql, params in _job_statements()}


class RecordingWarehouse(DuckDBWarehouse):
    """The embedded warehouse, noting every BigQuery-dialect statement it is asked to run with its parameters."""

    def __init__(self, path):
        super().__init__(path)
        self.sent: list[tuple[str, dict]] = []

    def query(self, sql, params=None):
        self.sent.append((sql, dict(params or {})))
        return super().query(sql, params)

    def query_arrow(self, sql, params=None):
        self.sent.append((sql, dict(params or {})))
        return super().query_arrow(sql, params)


KEPT = re.compile(r"CREATE TABLE IF NOT EXISTS `([\w-]+\.(\w+)\._kept_(\w+)_[0-9a-f]{12})`")


def sent_jobs(fake, since: int = 0) -> list[Statement]:
    """The query jobs the fake BigQuery server received from job `since` on, each knowing the tables that load
    jobs among them created (a staging table, with the schema the load declared)."""
    jobs = fake.job_inserts()[since:]
    loaded: dict[str, Types] = {}
    for job in jobs:
        load = job["configuration"].get("load")
        if load:
            ref = load["destinationTable"]
            name = f"{ref['projectId']}.{ref['datasetId']}.{ref['tableId']}"
            loaded[name] = {
                f["name"]: (TYPE_NAMES.get(f["type"], f["type"]), f.get("mode") == "REPEATED")
                for f in load["schema"]["fields"]
            }
    queries = [(i, q) for i, job in enumerate(jobs, start=since) if (q := job["configuration"].get("query"))]
    for _, q in queries:  # a replace's copy of the rows it replaces has its target's columns (restore reads it)
        for name, dataset, table in KEPT.findall(q["query"]):
            loaded[name] = {f.name: (f.type, f.mode == "REPEATED") for f in table_schema(f"{dataset}.{table}").fields}
    return [Statement(f"job {i}", q["query"], _json_types(q.get("queryParameters", [])), loaded) for i, q in queries]
