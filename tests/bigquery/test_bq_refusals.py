"""Statements that could go wrong on a shared production project are refused before anything is sent: a text
the project remap cannot parse, and a non-SELECT given to `nba-backfill query` (through the CLI, whose warehouse
makes its real client from Application Default Credentials and reaches the local server as an emulator)."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from click.testing import CliRunner
from fake_bigquery import PROJECT

from helpers import base_config
from nba_backfill.cli import main
from nba_backfill.errors import WarehouseError

PRODUCTION = "nba-props-platform"
# BigQuery runs the string as SQL; sqlglot keeps the statement as opaque text, so its table is out of reach
OPAQUE = f"EXECUTE IMMEDIATE 'DELETE FROM `{PRODUCTION}.nba_analytics.player_game_summary` WHERE TRUE'"


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            f"SELECT * FROM `{PRODUCTION}.nba_analytics.player_game_summary` WHERE (",
            f"cannot map the project of 'SELECT * FROM `{PRODUCTION}.nba_analytics.player_game_summary` WHERE (': "
            "Expecting ) at line 1:76 (nothing was sent)",
        ),
        (
            OPAQUE,
            f"cannot map the project of {OPAQUE[:77] + '...'!r}: sqlglot does not parse this statement "
            "(nothing was sent)",
        ),
    ],
    ids=["syntax-error", "opaque-command"],
)
def test_a_statement_the_remap_cannot_parse_is_refused_and_never_sent(fake, warehouse, sql, message):
    with pytest.raises(WarehouseError) as err:
        warehouse.query(sql)
    assert str(err.value) == message
    assert fake.requests == []


def test_a_replace_whose_source_the_remap_cannot_parse_sends_nothing(fake, warehouse):
    with pytest.raises(WarehouseError, match="^cannot map the project of 'SELECT 1 AS x FROM `nba-props-platform"):
        warehouse.replace_partitions(
            "nba_precompute.player_daily_cache",
            f"SELECT 1 AS x FROM `{PRODUCTION}.nba_precompute.player_daily_cache` WHERE ((",
            dt.date(2022, 11, 1),
            dt.date(2022, 11, 1),
        )
    assert fake.requests == []  # not even the table's metadata


@pytest.fixture
def bigquery_cli(emulated, tmp_path):
    """`nba-backfill --configfile ... query SQL` on a BigQuery config whose client reaches the fake server."""
    raw = base_config()
    raw["warehouse"] = {"backend": "bigquery", "project": PROJECT, "location": "EU"}
    (tmp_path / "seasons.yaml").write_text(yaml.safe_dump(raw))

    def query(sql: str):
        return CliRunner().invoke(main, ["--configfile", str(tmp_path / "seasons.yaml"), "query", "--", sql])

    return query


def test_query_runs_a_select_on_bigquery(fake, bigquery_cli):
    fake.on_query("SELECT 41 + 1", schema=[("answer", "INT64")], rows=[[42]])

    result = bigquery_cli("SELECT 41 + 1 AS answer")

    assert result.exit_code == 0, result.output
    assert "| answer |\n+--------+\n| 42     |" in result.output
    assert fake.sql_texts() == ["SELECT 41 + 1 AS answer"]


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("DELETE FROM nba_predictions.prediction_accuracy WHERE TRUE", "statement 1 is DELETE, not a SELECT"),
        ("SELECT 1 AS a; DROP TABLE nba_predictions.prediction_accuracy", "statement 2 is DROP, not a SELECT"),
        (
            "EXPORT DATA OPTIONS (uri = 'gs://b/x-*.csv', format = 'CSV') AS SELECT 1",
            "statement 1 is EXPORT, not a SELECT",
        ),
        ("CALL nba_predictions.cleanup()", "statement 1 is CALL, not a SELECT"),
    ],
    ids=["delete", "select-then-drop", "export", "call"],
)
def test_query_refuses_anything_but_a_select_on_bigquery_and_sends_nothing(fake, bigquery_cli, sql, reason):
    result = bigquery_cli(sql)

    assert result.exit_code == 2, result.output
    assert result.output == f"error: query runs read-only SELECT statements only: {reason}; nothing was run\n"
    assert fake.requests == []
