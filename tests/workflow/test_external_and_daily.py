"""Issue 6 through the real Snakemake: a processor run by an external command is checked and marked like the
built-in one (and refused when its output is bad); the `daily` target runs one date end to end."""

from __future__ import annotations

import datetime as dt
import sys

import pytest
from workflow_helpers import PREDICTIONS, SEASON, by_key

from nba_backfill.markers import read_marker
from nba_backfill.plan import daily_targets, season_chunks

# A team's own backfill script, standing in for backfill_jobs/precompute/...: it writes PSZA for the dates it is
# given (here with our SQL; BAD=True keeps only the first ten days, as a broken script might).
SCRIPT = """
import argparse, datetime as dt
from nba_backfill.processors import PHASE4
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

BAD = {bad}
parser = argparse.ArgumentParser()
parser.add_argument("--start-date"); parser.add_argument("--end-date"); parser.add_argument("--season")
args = parser.parse_args()
start, end = dt.date.fromisoformat(args.start_date), dt.date.fromisoformat(args.end_date)
warehouse = DuckDBWarehouse("warehouse")
opener = warehouse.query(
    "SELECT MIN(game_date) FROM nba_reference.nba_schedule WHERE game_date >= @d",
    {{"d": dt.date(int(args.season[:4]), 10, 1)}},
).scalar()
sql = PHASE4["psza"].sql()
if BAD:
    sql = f"SELECT * FROM ({{sql}}) WHERE analysis_date <= DATE_ADD(@start_date, INTERVAL 10 DAY)"
table = PHASE4["psza"].table
warehouse.replace_partitions(table, sql, start, end, {{"start_date": start, "end_date": end, "season_start": opener}})
print("wrote", table, start, end)
"""


def use_script(workflow, tmp_path, bad: bool) -> str:
    script = tmp_path / f"psza_backfill_{'bad' if bad else 'good'}.py"
    script.write_text(SCRIPT.format(bad=bad))
    raw = workflow.raw_config()
    raw["external_processors"] = {
        "psza": f"{sys.executable} {script} --start-date {{start}} --end-date {{end}} --season {{season}}"
    }
    workflow.write_config(raw)
    return str(script)


def test_an_external_processor_is_checked_and_marked_like_the_built_in_one(season_run, tmp_path):
    workflow = season_run.clone(tmp_path / "run")
    chunk = season_chunks(workflow.config().season(SEASON), workflow.config().chunk_days)[1]
    marker = f"markers/phase4/psza/{SEASON}/{chunk.name}.done"
    built_in = read_marker(workflow.marker(marker))
    workflow.marker(marker).unlink()
    script = use_script(workflow, tmp_path, bad=False)

    workflow.run(marker)

    body = read_marker(workflow.marker(marker))
    assert script in body["external_command"]
    assert all(check["ok"] for check in body["checks"])
    # the same rows as the built-in SQL wrote, by the marker's own per-date counts and fingerprint
    assert body["rows_per_date"] == built_in["rows_per_date"]
    assert body["fingerprint"] == built_in["fingerprint"]
    # the command's output is in the job's log
    log = (workflow.workdir / f"logs/phase4/psza/{SEASON}/{chunk.name}.log").read_text()
    assert f"wrote nba_precompute.player_shot_zone_analysis {chunk.first}" in log


def test_an_external_processor_writing_bad_output_is_refused(season_run, tmp_path):
    workflow = season_run.clone(tmp_path / "run")
    chunk = season_chunks(workflow.config().season(SEASON), workflow.config().chunk_days)[1]
    marker = f"markers/phase4/psza/{SEASON}/{chunk.name}.done"
    workflow.marker(marker).unlink()
    use_script(workflow, tmp_path, bad=True)

    proc = workflow.run(marker, check=False)

    assert proc.returncode != 0
    assert not workflow.marker(marker).exists()
    log = (workflow.workdir / f"logs/phase4/psza/{SEASON}/{chunk.name}.log").read_text()
    assert f"error: CHECK_FAILED psza {SEASON} {chunk.name}: coverage:" in log


PSZA = "nba_precompute.player_shot_zone_analysis"


def external(workflow, command: str, **settings) -> tuple[str, list[str]]:
    """psza under `command`; its second chunk's marker removed; the table's rows (repr) as they are."""
    raw = workflow.raw_config()
    raw["external_processors"] = {"psza": command}
    raw.update(settings)
    workflow.write_config(raw)
    chunk = season_chunks(workflow.config().season(SEASON), workflow.config().chunk_days)[1]
    marker = f"markers/phase4/psza/{SEASON}/{chunk.name}.done"
    workflow.marker(marker).unlink()
    return marker, sorted(map(repr, workflow.read_rows(PSZA)))


def test_an_external_true_over_old_rows_is_refused_and_the_rows_put_back(season_run, tmp_path):
    """`true` exits 0 without writing: the chunk was cleared before it ran, so the checks fail on an empty chunk
    (not pass on the old rows), and the old rows are put back."""
    workflow = season_run.clone(tmp_path / "run")
    marker, before = external(workflow, "true --start {start} --end {end}")

    proc = workflow.run(marker, check=False)

    assert proc.returncode != 0
    assert not workflow.marker(marker).exists()
    chunk = marker.rsplit("/", 1)[1].removesuffix(".done")
    log = (workflow.workdir / f"logs/phase4/psza/{SEASON}/{chunk}.log").read_text()
    assert f"error: CHECK_FAILED psza {SEASON} {chunk}: coverage: 0/" in log
    assert sorted(map(repr, workflow.read_rows(PSZA))) == before


def test_an_external_command_that_runs_too_long_is_stopped_and_the_rows_put_back(season_run, tmp_path):
    workflow = season_run.clone(tmp_path / "run")
    marker, before = external(
        workflow,
        f"{sys.executable} -c 'import time; print(\"started\", flush=True); time.sleep(60)'",
        external_timeout_seconds=2,
    )
    chunk = marker.rsplit("/", 1)[1].removesuffix(".done")

    proc = workflow.nba("run", "psza", "--season", SEASON, "--chunk", chunk)

    assert proc.returncode == 1
    assert proc.stdout.splitlines() == ["started"]
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"error: EXTERNAL_TIMEOUT psza {SEASON} {chunk}: ") and "longer than 2 s" in line, line
    assert sorted(map(repr, workflow.read_rows(PSZA))) == before
    assert not workflow.marker(marker).exists()


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            "no-such-backfill-script --start {start}",
            "external_processors.psza: program 'no-such-backfill-script' not found",
        ),
    ],
)
def test_a_bad_external_command_is_one_line_before_anything_is_cleared(season_run, tmp_path, command, message):
    workflow = season_run.clone(tmp_path / "run")
    marker, before = external(workflow, command)
    chunk = marker.rsplit("/", 1)[1].removesuffix(".done")
    files = {p: p.stat().st_ino for p in workflow.table_files(PSZA)}

    proc = workflow.nba("run", "psza", "--season", SEASON, "--chunk", chunk)

    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"error: {message}"), line
    assert {p: p.stat().st_ino for p in workflow.table_files(PSZA)} == files  # not even rewritten
    assert not workflow.marker(marker).exists()


def test_daily_runs_one_date_end_to_end_and_then_nothing_is_left(season_run, tmp_path):
    workflow = season_run.clone(tmp_path / "daily")
    config = workflow.config()
    day = next(d for d in workflow.game_dates(dt.date(2024, 1, 10), dt.date(2024, 1, 31)))

    workflow.run("daily", "--config", f"date={day.isoformat()}")

    for marker in daily_targets(config, day):
        assert workflow.marker(marker).exists(), marker
    assert workflow.dry_run_jobs("daily", "--config", f"date={day.isoformat()}") == {}
    # The rule-based systems see the same inputs as in the backfill: the day's rows are the backfill's.
    key = ("player_lookup", "system_id")
    daily = by_key(
        [
            r
            for r in workflow.read_rows(PREDICTIONS, day, day)
            if r["system_id"] in ("moving_average_baseline_v1", "zone_matchup_v1")
        ],
        key,
    )
    backfill = by_key(
        [
            r
            for r in season_run.workflow.read_rows(PREDICTIONS, day, day)
            if r["system_id"] in ("moving_average_baseline_v1", "zone_matchup_v1")
        ],
        key,
    )
    assert daily and daily.keys() == backfill.keys()
    assert all(daily[k]["predicted_points"] == backfill[k]["predicted_points"] for k in daily)
