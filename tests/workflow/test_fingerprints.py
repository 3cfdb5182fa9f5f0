"""Every output of a small backfill is what it was when `fingerprints.json` was recorded: this guards refactors
and speed work, which must not change a single row or byte.

The backfill is the session's `season_run` (one season, chunk_days 60, the real Snakemake). Compared with the
recorded values: every marker's output fields (each chunk's `fingerprint`, `row_count` and `rows_per_date`, the
league's rows per table, preflight's rows per date, the rollups' totals, 5C's MAEs, each published file's sha256),
and a SHA-256 of every Phase 3 table's rows at full precision, read back from the warehouse with plain DuckDB
(a marker's fingerprint rounds floats; the synthetic league must not change at all). What a marker records
about code and config (`inputs`, `sql_sha256`, `code_version`) is left out: a refactor changes those on purpose.

A deliberate change of output re-records the file in the same commit, saying in its message why the output
changed:

    python tests/workflow/test_fingerprints.py --record
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/helpers.py, when run as a script to record

from workflow_helpers import CHUNK_DAYS, ONE_SEASON, Workflow, make_workflow  # noqa: E402

from nba_backfill.phase3 import TABLES as PHASE3_TABLES  # noqa: E402

EXPECTED = Path(__file__).with_name("fingerprints.json")

# The marker fields that describe what a job wrote (any marker kind has some of them).
OUTPUT_FIELDS = (
    "fingerprint",
    "row_count",
    "rows_per_date",
    "rows",  # league: rows per table and season
    "game_dates",  # preflight
    "processors",  # rollups: chunks, dates and rows per processor
    "mae_raw",
    "mae_adjusted",
    "n",
    "status",
    "counts",  # publish: files per kind
    "files",  # publish: sha256 per file
    "sha256",
    "shared",
)


def table_digest(workflow: Workflow, table: str) -> str:
    """SHA-256 of the table's rows, each as the repr of its values in column order, sorted: order-independent,
    every float at full precision."""
    lines = sorted(repr(tuple(row.values())) for row in workflow.read_rows(table))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def observed(workflow: Workflow) -> dict:
    markers = {}
    for path in sorted((workflow.workdir / "markers").rglob("*.done")):
        body = json.loads(path.read_text())
        markers[path.relative_to(workflow.workdir).as_posix()] = {k: body[k] for k in OUTPUT_FIELDS if k in body}
    return {"markers": markers, "phase3_tables": {t: table_digest(workflow, t) for t in PHASE3_TABLES}}


def differences(expected: dict, actual: dict) -> list[str]:
    """One line per marker or table whose recorded values differ (naming the fields), is missing or is new."""
    out = []
    for group in ("markers", "phase3_tables"):
        want, got = expected[group], actual[group]
        for name in sorted(want.keys() | got.keys()):
            if name not in got:
                out.append(f"{name}: missing")
            elif name not in want:
                out.append(f"{name}: not in {EXPECTED.name}")
            elif group == "phase3_tables" and want[name] != got[name]:
                out.append(f"{name}: rows differ")
            elif want[name] != got[name]:
                fields = [k for k in sorted(want[name] | got[name]) if want[name].get(k) != got[name].get(k)]
                out.append(f"{name}: {', '.join(fields)} differ")
    return out


def test_every_output_is_as_recorded(season_run):
    assert season_run.proc.returncode == 0, season_run.proc.stderr[-2000:]
    expected = json.loads(EXPECTED.read_text())
    assert differences(expected, observed(season_run.workflow)) == []


def record() -> None:
    """The same backfill as `season_run`, in a temp dir; its outputs become fingerprints.json."""
    with tempfile.TemporaryDirectory() as tmp:
        cache = {"NBA_BACKFILL_CACHE": str(Path(tmp) / "sql-cache")}
        workflow = make_workflow(Path(tmp) / "run", ONE_SEASON, cache, chunk_days=CHUNK_DAYS)
        workflow.run("all_seasons")
        EXPECTED.write_text(json.dumps(observed(workflow), indent=1, sort_keys=True) + "\n")
    print(f"wrote {EXPECTED}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit(f"usage: python {sys.argv[0]} --record")
    record()
