"""Issue 16 through the real Snakemake: a failed check prints its offending rows and stores all of them in the
audit table; a check the config warns (with a reason) lets the job pass, says so in its marker and in status, and
changing it reruns the job."""

from __future__ import annotations

import json
import sys

from workflow_helpers import SEASON

from nba_backfill.audit import AUDIT_TABLE
from nba_backfill.markers import read_marker
from nba_backfill.plan import season_chunks

PSZA = "nba_precompute.player_shot_zone_analysis"
BAD_ROWS = 12  # more than the log shows (10)

# psza by our own SQL, with the first BAD_ROWS rows (by date and player) given 11 games of the last 10: a known
# set of rows breaking range:games_in_sample_10 (3..10); their keys go to bad_rows.json for the test.
SCRIPT = """
import argparse, datetime as dt, json
import pyarrow as pa
from nba_backfill.processors import PHASE4
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

parser = argparse.ArgumentParser()
parser.add_argument("--start-date"); parser.add_argument("--end-date"); parser.add_argument("--season")
args = parser.parse_args()
start, end = dt.date.fromisoformat(args.start_date), dt.date.fromisoformat(args.end_date)
warehouse = DuckDBWarehouse("warehouse")
opener = warehouse.query(
    "SELECT MIN(game_date) FROM nba_reference.nba_schedule WHERE game_date >= @d",
    {"d": dt.date(int(args.season[:4]), 10, 1)},
).scalar()
params = {"start_date": start, "end_date": end, "season_start": opener}
rows = warehouse.query_arrow(PHASE4["psza"].sql(), params).sort_by(
    [("analysis_date", "ascending"), ("player_lookup", "ascending")]
)
i = rows.schema.get_field_index("games_in_sample_10")
games = rows.column(i).to_pylist()
games[:BAD] = [11] * BAD
rows = rows.set_column(i, rows.schema.field(i), pa.array(games, rows.schema.field(i).type))
keys = [
    {"analysis_date": d.isoformat(), "player_lookup": p}
    for d, p in zip(rows.column("analysis_date").to_pylist()[:BAD], rows.column("player_lookup").to_pylist()[:BAD])
]
open("bad_rows.json", "w").write(json.dumps(keys))
warehouse.replace_partitions(PHASE4["psza"].table, rows, start, end)
"""


def bad_psza(workflow, tmp_path, severity: list | None = None) -> tuple[str, str]:
    """psza's second chunk under the script (its marker removed), with `severity` entries; (marker, log)."""
    script = tmp_path / "psza_bad_rows.py"
    script.write_text(SCRIPT.replace("BAD", str(BAD_ROWS)))
    raw = workflow.raw_config()
    raw["external_processors"] = {
        "psza": f"{sys.executable} {script} --start-date {{start}} --end-date {{end}} --season {{season}}"
    }
    if severity is not None:
        raw["checks"]["severity"] = severity
    workflow.write_config(raw)
    chunk = season_chunks(workflow.config().season(SEASON), workflow.config().chunk_days)[1].name
    marker = f"markers/phase4/psza/{SEASON}/{chunk}.done"
    workflow.marker(marker).unlink()
    return marker, f"logs/phase4/psza/{SEASON}/{chunk}.log"


def expected_rows(workflow) -> list[tuple[str, str]]:
    keys = json.loads((workflow.workdir / "bad_rows.json").read_text())
    return [(json.dumps(k, separators=(",", ":")), '{"games_in_sample_10":11}') for k in keys]


def audit_rows(workflow) -> list[dict]:
    return workflow.query(f"SELECT job, check_name, severity, keys, checked_values FROM {AUDIT_TABLE} ORDER BY keys")


def test_a_failed_check_prints_its_rows_and_stores_all_of_them(season_run, tmp_path):
    workflow = season_run.clone(tmp_path / "run")
    marker, log_path = bad_psza(workflow, tmp_path)
    job = f"psza {SEASON} {marker.rsplit('/', 1)[1].removesuffix('.done')}"

    proc = workflow.run(marker, check=False)

    assert proc.returncode != 0 and not workflow.marker(marker).exists()
    log = (workflow.workdir / log_path).read_text()
    assert f"error: CHECK_FAILED {job}: range:games_in_sample_10: {BAD_ROWS} row(s) outside [3, 10]" in log
    rows = expected_rows(workflow)
    assert f"range:games_in_sample_10: {BAD_ROWS} offending row(s), the first 10:" in log
    for keys, values in rows[:10]:
        assert f"  {keys} {values}" in log
    assert rows[10][0] not in log  # only the first 10 in the log
    stored = audit_rows(workflow)
    assert [(r["keys"], r["checked_values"]) for r in stored] == rows  # all of them
    assert {(r["job"], r["check_name"], r["severity"]) for r in stored} == {(job, "range:games_in_sample_10", "fail")}
    status = workflow.nba("status").stdout
    assert f"  range:games_in_sample_10: {rows[0][0]} {rows[0][1]}" in status

    # a same-day rerun that fails again replaces the job's rows of the day: still the same 12, not 24
    workflow.run(marker, check=False)
    assert len(audit_rows(workflow)) == BAD_ROWS


def test_a_warned_check_passes_is_recorded_and_its_change_reruns_the_job(season_run, tmp_path):
    workflow = season_run.clone(tmp_path / "run")
    reason = "the script's window counts a doubleheader twice; ticket 42"
    entry = {"processor": "psza", "check": "range:games_in_sample_10", "severity": "warn", "reason": reason}
    marker, _ = bad_psza(workflow, tmp_path, [entry])

    workflow.run(marker)

    body = read_marker(workflow.marker(marker))
    assert body["warnings"] == [{"check": "range:games_in_sample_10", "rows": BAD_ROWS, "reason": reason}]
    check = next(c for c in body["checks"] if c["name"] == "range:games_in_sample_10")
    assert (check["ok"], check["severity"], check["rows"], check["reason"]) == (False, "warn", BAD_ROWS, reason)
    assert len(audit_rows(workflow)) == BAD_ROWS
    status = workflow.nba("status").stdout
    assert "Warned (1):" in status
    assert f"range:games_in_sample_10: {BAD_ROWS} row(s), warned: {reason}" in status

    # with an error_if the rows now exceed, the same config otherwise: the job is out of date, and fails
    raw = workflow.raw_config()
    raw["checks"]["severity"] = [{**entry, "error_if": f">{BAD_ROWS - 1}"}]
    workflow.write_config(raw)
    assert marker in workflow.dry_run(marker)
    assert workflow.run(marker, check=False).returncode != 0
