"""`nba-backfill plan --cost`: every remaining job's statements are dry-run, and the estimate sums what the
server reported, per phase and in total."""

from __future__ import annotations

import datetime as dt

import yaml
from fake_bigquery import CONFIG

from helpers import base_config
from nba_backfill.config import validate_config
from nba_backfill.cost import TIB, plan_table
from nba_backfill.plan import season_chunks

BYTES = 1_000_000


def bigquery_config(chunk_days: int = 60):
    raw = base_config()
    raw["seasons"] = {"2023-24": {"start": "2023-10-24", "end": "2024-04-14"}}
    raw["chunk_days"] = chunk_days
    raw["warehouse"] = {"backend": "bigquery", "project": CONFIG["project"], "location": CONFIG["location"]}
    return validate_config(raw)


def test_cost_sums_the_dry_run_bytes_of_every_remaining_statement(fake, make_warehouse, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no markers: everything is left
    config = bigquery_config()
    fake.on_query("SELECT", bytes_processed=BYTES)  # every dry run reports 1 MB
    fake.on_query(
        "SELECT DISTINCT game_date FROM nba_reference.nba_schedule", [("game_date", "DATE")], [[dt.date(2023, 10, 24)]]
    )
    columns, rows = plan_table(config, make_warehouse(), with_cost=True)

    chunks = len(season_chunks(config.seasons[0], config.chunk_days))
    # statements per job, each chunk job's checks included (expected rows per date, row stats, duplicate keys):
    # Phase 4 its SQL + 3 checks (5 jobs per chunk); predictions 4 reads (inputs, history, training, past
    # predictions) + 3 checks;
    # the tier step learn, apply, its checks and 2 table checks; grading 1 + 3 per chunk; 5C 1; none for
    # preflight and rollups.
    statements = 5 * chunks * 4 + chunks * 7 + 5 + chunks * 4 + 1
    total = dict(zip(columns, rows[-1]))
    assert total["bytes"] == statements * BYTES
    # on-demand pricing bills each statement at least 10 MB: 1 MB scanned is billed as 10 MB
    assert total["usd (on-demand)"] == round(statements * 10 * 2**20 / TIB * 6.25, 4)
    assert total["unpriced jobs"] == 0
    dry_runs = [q for q in fake.queries() if q.get("dryRun")]
    assert len(dry_runs) == statements
    assert all(q["query"].get("queryParameters") for q in dry_runs)  # run with the job's own parameters
    texts = [q["query"]["query"] for q in dry_runs]
    assert sum("BIT_XOR(FARM_FINGERPRINT" in text for text in texts) == 7 * chunks + 1  # a table check per job
    by_phase = {row[1]: row for row in rows[:-1]}
    assert by_phase["phase4"][3] == 5 * chunks * 4 * BYTES and by_phase["phase4"][2] == 5 * chunks + 1


def test_plan_cost_says_what_it_leaves_out(emulated, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from nba_backfill.cli import main
    from nba_backfill.cost import LEFT_OUT

    monkeypatch.chdir(tmp_path)
    (tmp_path / "seasons.yaml").write_text(yaml.safe_dump(bigquery_config().raw))
    emulated.on_query("SELECT", bytes_processed=BYTES)

    result = CliRunner().invoke(main, ["--configfile", "seasons.yaml", "plan", "--cost"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == LEFT_OUT
    assert "DELETE of the replaced partitions" in LEFT_OUT and "publishing" in LEFT_OUT


def test_a_statement_that_cannot_be_dry_run_is_counted_unpriced(fake, make_warehouse, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = bigquery_config()
    fake.on_query("SELECT", bytes_processed=BYTES)
    fake.on_query("nba_precompute.player_daily_cache", error={"reason": "notFound", "message": "Not found: Table"})
    columns, rows = plan_table(config, make_warehouse(), with_cost=True)
    total = dict(zip(columns, rows[-1]))
    assert total["unpriced jobs"] > 0
