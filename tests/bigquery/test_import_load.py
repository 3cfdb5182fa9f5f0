"""`nba-backfill import` on BigQuery: the imported Phase 3 goes into the project with load jobs and the same
partition-replacing transaction as the synthetic league; never streaming, never appending."""

from __future__ import annotations

from pathlib import Path

from fake_bigquery import CONFIG

from helpers import base_config
from nba_backfill.config import validate_config
from nba_backfill.phase3 import TABLES
from nba_backfill.phase3.write import write_phase3

DATA = Path(__file__).parents[1] / "phase3" / "data"


def test_the_imported_files_are_loaded_with_load_jobs(fake, make_warehouse):
    raw = base_config()
    raw["seasons"] = {"2023-24": {"start": "2023-10-24", "end": "2024-04-14"}}
    raw["warehouse"] = {"backend": "bigquery", "project": CONFIG["project"], "location": CONFIG["location"]}
    raw["phase3"] = {"source": "files", "boxscores": [str(DATA / "boxscores_2023-24.csv")], "lines": []}

    summary = write_phase3(validate_config(raw), warehouse=make_warehouse())

    assert summary.startswith("imported 5 games, 21 player rows")
    loads = [body["configuration"]["load"] for body in fake.job_inserts() if "load" in body["configuration"]]
    assert sorted(load["destinationTable"]["tableId"].rsplit("_", 1)[0] for load in loads) == sorted(
        f"_staging_{name.split('.')[1]}" for name in TABLES
    )
    assert all(load["writeDisposition"] == "WRITE_TRUNCATE" and load["sourceFormat"] == "PARQUET" for load in loads)
    scripts = [sql for sql in fake.sql_texts() if "BEGIN TRANSACTION" in sql]
    assert len(scripts) == len(TABLES)  # one replace per table over the seasons' range
