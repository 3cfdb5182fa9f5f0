"""One mutating job per table at a time: every job that writes a table holds that table's one slot (read from the
real Snakemake's dry run on a BigQuery config), and a concurrent-update abort that still happens is retried and
counted in the job's timing file."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from fake_bigquery import PROJECT

from helpers import REPO, base_config
from nba_backfill.markers import write_marker

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))

# What each rule's command writes (read from the commands: run -> the processor's table, predictions -> the
# predictions table, tiers -> scoring_tier_adjustments and the predictions it adjusts, grading -> its table).
# Every rule of the DAG is listed, so a new rule must say whether it writes.
WRITES = {
    "run_chunk": None,  # the `processor` wildcard
    "predict_chunk": {"predictions"},
    "adjust_tiers": {"tiers", "predictions"},
    "adjust_tiers_daily": {"tiers", "predictions"},
    "grade_chunk": {"grading"},
}
READ_ONLY = {
    "check_preflight",
    "check_daily_preflight",
    "rollup_phase4",
    "rollup_grading",
    "check_tiers",
    "publish_season",
    "publish_daily",
    "plot_coverage",
    "all_seasons",
    "daily",
}
CONCURRENT = "Transaction is aborted due to concurrent update against table test-project.nba_predictions.x."


def _dry_run_jobs(workdir: Path, *args: str) -> list[dict]:
    """Each job of a real `snakemake -n`: its rule, wildcards and resources, from Snakemake's own listing."""
    proc = subprocess.run(
        [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "-n", "--cores", "2", *args],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs: list[dict] = []
    for line in proc.stdout.splitlines():
        text = line.strip()
        if line.startswith(("rule ", "localrule ")) and text.endswith(":"):
            jobs.append({"rule": text.split()[1].rstrip(":"), "wildcards": {}, "resources": {}})
        elif jobs and text.startswith(("wildcards:", "resources:")):
            key, _, items = text.partition(": ")
            jobs[-1][key.rstrip(":")] = dict(item.split("=", 1) for item in items.split(", "))
    return jobs


def _caps(profile: str) -> dict[str, int]:
    raw = yaml.safe_load((REPO / "profiles" / profile / "config.yaml").read_text())
    return {name: int(value) for name, value in (item.split("=") for item in raw["resources"])}


@pytest.fixture
def bigquery_workdir(tmp_path) -> Path:
    raw = base_config()
    raw["warehouse"] = {"backend": "bigquery", "project": PROJECT}
    raw["seasons"] = {"2023-24": raw["seasons"]["2023-24"]}
    raw["chunk_days"] = 60
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "seasons.yaml").write_text(yaml.safe_dump(raw))
    return tmp_path


def test_every_job_that_writes_a_table_holds_its_one_slot(bigquery_workdir):
    jobs = _dry_run_jobs(bigquery_workdir, "all_seasons") + _dry_run_jobs(
        bigquery_workdir, "daily", "--config", "date=2024-01-15"
    )
    assert {j["rule"] for j in jobs} >= {"run_chunk", "predict_chunk", "adjust_tiers", "adjust_tiers_daily"}
    slots = {"writes_tdza", "writes_psza", "writes_pcf", "writes_pdc", "writes_mlfs"}
    for job in jobs:
        assert job["rule"] in WRITES.keys() | READ_ONLY, f"rule {job['rule']}: say whether it writes a table"
        written = WRITES.get(job["rule"]) or set()
        if job["rule"] == "run_chunk":
            written = {job["wildcards"]["processor"]}
        held = {name.removeprefix("writes_") for name, n in job["resources"].items() if name.startswith("writes_")}
        taken = {name for name in held if job["resources"][f"writes_{name}"] == "1"}
        assert taken == written, (job["rule"], job["wildcards"], job["resources"])
        slots |= {f"writes_{name}" for name in held}
    for profile in ("default", "gcp"):
        caps = _caps(profile)
        assert {name: caps.get(name) for name in slots} == dict.fromkeys(slots, 1), profile


def test_embedded_jobs_take_no_slot(tmp_path):
    raw = base_config()
    raw["seasons"] = {"2023-24": raw["seasons"]["2023-24"]}
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "seasons.yaml").write_text(yaml.safe_dump(raw))
    for job in _dry_run_jobs(tmp_path, "all_seasons"):
        assert all(n == "0" for name, n in job["resources"].items() if name.startswith("writes_")), job


def test_a_concurrent_update_abort_is_retried_and_counted_in_the_timing_file(fake, warehouse, tmp_path, monkeypatch):
    fake.on_query(
        "COMMIT TRANSACTION",
        schema=[("partition_date", "DATE"), ("row_count", "INT64")],
        rows=[[dt.date(2022, 11, 1), 3]],
    )
    fake.on_query("COMMIT TRANSACTION", error={"reason": "invalidQuery", "message": CONCURRENT}, times=1)
    monkeypatch.chdir(tmp_path)
    started = dt.datetime.now(dt.UTC)

    written = warehouse.replace_partitions(
        "nba_predictions.player_prop_predictions", "SELECT 1", dt.date(2022, 11, 1), dt.date(2022, 11, 30)
    )
    write_marker("markers/phase5b/2022-23/c.done", started, warehouse, phase="phase5b")

    assert written == {dt.date(2022, 11, 1): 3}
    assert sum("COMMIT TRANSACTION" in sql for sql in fake.sql_texts()) == 2  # the aborted job, then its re-run
    timing = json.loads((tmp_path / "logs/phase5b/2022-23/c.timing.json").read_text())
    assert timing["warehouse_retries"] == 1
