"""`nba-backfill league --backend bigquery`: the synthetic league goes into a project with load jobs and the
same partition-replacing transaction as every job; never streaming, never appending."""

from __future__ import annotations

from fake_bigquery import CONFIG

from helpers import base_config
from nba_backfill.config import validate_config
from nba_backfill.phase3.write import write_phase3
from nba_backfill.tables import table_schema

PHASE3 = (
    "nba_reference.nba_schedule",
    "nba_analytics.player_game_summary",
    "nba_analytics.team_defense_game_summary",
    "nba_analytics.team_offense_game_summary",
    "nba_raw.odds_api_player_points_props",
    "nba_oracle.player_game_expectations",
)


def test_the_league_is_loaded_with_load_jobs_then_replaced_in_transactions(fake, make_warehouse):
    raw = base_config()
    raw["seasons"] = {"2023-24": {"start": "2023-10-24", "end": "2024-04-14"}}
    raw["warehouse"] = {"backend": "bigquery", "project": CONFIG["project"], "location": CONFIG["location"]}
    config = validate_config(raw)

    write_phase3(config, warehouse=make_warehouse())

    loads = [body["configuration"]["load"] for body in fake.job_inserts() if "load" in body["configuration"]]
    assert sorted(load["destinationTable"]["tableId"].rsplit("_", 1)[0] for load in loads) == sorted(
        f"_staging_{name.split('.')[1]}" for name in PHASE3
    )
    assert all(load["writeDisposition"] == "WRITE_TRUNCATE" for load in loads)
    assert all(load["sourceFormat"] == "PARQUET" for load in loads)
    scripts = [sql for sql in fake.sql_texts() if "BEGIN TRANSACTION" in sql]
    for name in PHASE3:
        schema = table_schema(name)
        assert any(
            f"DELETE FROM `{CONFIG['project']}.{name}` WHERE `{schema.partition_by}` BETWEEN @__first AND @__last"
            in sql
            for sql in scripts
        ), name
