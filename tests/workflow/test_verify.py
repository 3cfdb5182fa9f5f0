"""Issue 12: `nba-backfill verify` sees drift between the markers and the warehouse or the published files, and
`--fix` + `snakemake all_seasons` puts back exactly what a clean run has."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter

import pytest
from workflow_helpers import CHUNK_DAYS, PHASE4_TABLES, PREDICTIONS, SEASON, Workflow

from nba_backfill import plan

pytestmark = pytest.mark.slow

PCF = PHASE4_TABLES["pcf"]
MLFS = PHASE4_TABLES["mlfs"]
GRADING = "nba_predictions.prediction_accuracy"


@pytest.fixture
def wf(season_run, tmp_path) -> Workflow:
    return season_run.clone(tmp_path / "run")


def chunks(wf: Workflow) -> list[plan.Chunk]:
    return plan.season_chunks(wf.config().season(SEASON), CHUNK_DAYS)


def chunk_of(wf: Workflow, day: dt.date) -> plan.Chunk:
    return next(c for c in chunks(wf) if c.first <= day <= c.last)


def verify(wf: Workflow, *args: str) -> tuple[int, list[str], str]:
    proc = wf.nba("verify", *args)
    assert "Traceback" not in proc.stderr
    return proc.returncode, proc.stdout.splitlines(), proc.stderr.strip()


def rows_by_date(wf: Workflow, table: str, day: dt.date) -> int:
    return len(wf.read_rows(table, day, day))


def test_an_untouched_run_verifies(season_run):
    code, lines, err = verify(season_run.workflow)
    assert code == 0, (lines, err)
    assert len(lines) == 1 and lines[0].startswith("ok: ") and "markers match" in lines[0]
    n_chunk_markers = 7 * len(chunks(season_run.workflow))  # five Phase 4 processors, predictions, grading
    assert int(lines[0].split()[1]) == n_chunk_markers + 2  # + the tier step and the publish marker
    status = season_run.workflow.nba("status", "--verify")
    assert f"  {SEASON}: all {n_chunk_markers + 2} markers match" in status.stdout.splitlines()


def test_a_deleted_month_file(wf):
    month = wf.table_dir(PCF) / "2023-12.parquet"
    december = sorted({r["game_date"] for r in wf.read_rows(PCF, dt.date(2023, 12, 1), dt.date(2023, 12, 31))})
    month.unlink()
    code, lines, err = verify(wf)
    assert code == 1 and err.startswith("error: ") and "no longer match" in err
    touched = sorted({chunk_of(wf, d).name for d in december})
    assert len(lines) == len(touched)
    for line, name in zip(lines, touched, strict=True):
        assert line.startswith(f"{plan.phase4_marker('pcf', SEASON, name)}: {PCF}: rows differ on "), line
        assert f"{december[0]}: " in "".join(lines) and ", 0 found" in line


def test_rows_of_one_date_deleted(wf):
    day = wf.game_dates(dt.date(2024, 1, 1), dt.date(2024, 1, 31))[5]
    n = rows_by_date(wf, MLFS, day)
    assert n > 0
    wf.drop_partition(MLFS, day)
    code, lines, _ = verify(wf)
    assert code == 1
    marker = plan.phase4_marker("mlfs", SEASON, chunk_of(wf, day).name)
    assert lines == [f"{marker}: {MLFS}: rows differ on 1 date(s) {day}: {day}: {n} expected, 0 found"]
    status = json.loads(wf.nba("status", "--json", "--verify").stdout)
    assert status["seasons"][0]["verified"]["mismatches"] == lines


def edit_one_value(wf: Workflow, table: str, day: dt.date, column: str) -> None:
    """Add 1 to `column` of one row dated `day`, rewriting its month file with plain DuckDB (beside it, renamed)."""
    import duckdb

    path = wf.table_dir(table) / f"{day:%Y-%m}.parquet"
    tmp = path.with_suffix(".rewrite")
    con = duckdb.connect()
    try:
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{path}')")
        con.execute(
            f"UPDATE t SET {column} = {column} + 1 WHERE rowid = "
            f"(SELECT MIN(rowid) FROM t WHERE game_date = ? AND {column} IS NOT NULL)",
            [day],
        )
        con.execute(f"COPY t TO '{tmp}' (FORMAT parquet)")
    finally:
        con.close()
    os.replace(tmp, path)


def test_an_edited_value(wf):
    day = wf.game_dates(dt.date(2024, 2, 1), dt.date(2024, 2, 29))[3]
    before = all_rows(wf, GRADING)
    edit_one_value(wf, GRADING, day, "absolute_error")
    assert sum((all_rows(wf, GRADING) - before).values()) == 1  # one row changed, as the test meant
    code, lines, _ = verify(wf)
    assert code == 1
    chunk = chunk_of(wf, day)
    assert len(lines) == 1
    assert lines[0].startswith(f"{plan.grading_marker(SEASON, chunk.name)}: {GRADING}: fingerprint "), lines[0]
    assert lines[0].endswith(f"({chunk.first}..{chunk.last}: values changed)")


def test_a_deleted_published_file(wf):
    day = wf.game_dates(dt.date(2024, 3, 1), dt.date(2024, 3, 31))[0]
    (wf.workdir / "published" / "v1" / "results" / f"{day}.json").unlink()
    code, lines, _ = verify(wf)
    assert code == 1
    assert lines == [f"{plan.phase6_marker(SEASON)}: published: 1 of " + lines[0].split(" of ")[1]]
    assert lines[0].endswith(f"published file(s): v1/results/{day}.json missing")


def all_rows(wf: Workflow, table: str) -> Counter:
    """Every row of the table as a tuple, floats to 9 decimals (the fingerprint's rounding), as a multiset."""
    rows = wf.read_rows(table)
    return Counter(tuple(round(v, 9) if isinstance(v, float) else repr(v) for v in r.values()) for r in rows)


def test_fix_then_snakemake_restores_a_clean_run(season_run, wf):
    (wf.table_dir(PCF) / "2024-01.parquet").unlink()
    day = wf.game_dates(dt.date(2024, 3, 1), dt.date(2024, 3, 31))[0]
    (wf.workdir / "published" / "v1" / "best-bets" / f"{day}.json").unlink()

    code, lines, err = verify(wf, "--fix")
    assert code == 1 and "deleted" in err
    broken = {line.split(": ")[0] for line in lines}
    assert broken and all(not wf.marker(m).exists() for m in broken)
    assert not wf.marker(plan.phase4_season_marker(SEASON)).exists()  # the rollup above the pcf chunk

    planned = set(Workflow.job_outputs(wf.dry_run("all_seasons")))
    assert broken <= planned and plan.phase4_marker("tdza", SEASON, chunks(wf)[0].name) not in planned
    wf.run("all_seasons")

    assert verify(wf)[0] == 0
    clean = season_run.workflow
    for table in (PCF, PHASE4_TABLES["pdc"], MLFS, PREDICTIONS, GRADING):
        assert all_rows(wf, table) == all_rows(clean, table), table
    assert (wf.workdir / "published" / "v1" / "best-bets" / f"{day}.json").read_bytes() == (
        clean.workdir / "published" / "v1" / "best-bets" / f"{day}.json"
    ).read_bytes()
