"""Issue 3, Phase 4 on a real backfill of 2023-24: idempotence, missing dependencies, validation of the written
partitions, adoption of existing data, the runbook's validation query, and resuming after a lost marker."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil

import pytest
from workflow_helpers import CHUNK_DAYS, ONE_SEASON, PHASE3_DATASETS, PHASE4, PHASE4_TABLES, SEASON, make_workflow

from nba_backfill import plan, processors
from nba_backfill.errors import CheckFailed
from nba_backfill.markers import read_marker
from nba_backfill.runner import run_chunk_job
from nba_backfill.tables import table_schema
from nba_backfill.validate import table_checks
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

pytestmark = pytest.mark.slow

PHASE4_COMPLETE_VALIDATION = """
SELECT
  CASE
    WHEN game_date BETWEEN '2021-10-01' AND '2022-06-30' THEN '2021-22'
    WHEN game_date BETWEEN '2022-10-01' AND '2023-06-30' THEN '2022-23'
    WHEN game_date BETWEEN '2023-10-01' AND '2024-06-30' THEN '2023-24'
    WHEN game_date BETWEEN '2024-10-01' AND '2025-06-30' THEN '2024-25'
  END as season,
  COUNT(DISTINCT game_date) as mlfs_dates
FROM `nba-props-platform.nba_predictions.ml_feature_store_v2`
GROUP BY 1 ORDER BY 1
"""


def chunks(wf) -> list[plan.Chunk]:
    return plan.season_chunks(wf.config().season(SEASON), CHUNK_DAYS)


def processable(wf) -> list[dt.date]:
    """Schedule game dates from the actual opener + bootstrap_days on (SPEC "Bootstrap")."""
    season = wf.config().season(SEASON)
    days = wf.game_dates(season.start, season.end)
    return [d for d in days if d >= days[0] + dt.timedelta(days=wf.raw_config()["bootstrap_days"])]


def dates_text(days: list[dt.date]) -> str:
    """The one-line date list of an error: the first eight, then how many in all."""
    days = sorted(days)
    text = ",".join(d.isoformat() for d in days[:8])
    return text + (f",... ({len(days)} dates)" if len(days) > 8 else "")


def stats(wf, tables) -> dict[str, tuple[int, int, int]]:
    out = {}
    for table in tables:
        for path in wf.table_files(table):
            st = path.stat()
            out[f"{table}/{path.name}"] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def run_in_process(wf, processor, chunk, write=None):
    kwargs = {} if write is None else {"write": write}
    return run_chunk_job(
        wf.config(), processor, SEASON, chunk.name, plan.chunk_marker(processor, SEASON, chunk.name), **kwargs
    )


# -- the runbook's validation --------------------------------------------------------------------------------
def test_runbook_phase4_complete_validation_counts_processable_dates(season_run):
    wf = season_run.workflow
    expected = len(processable(wf))
    assert 140 < expected < len(wf.game_dates(*(dt.date.fromisoformat(v) for v in ONE_SEASON[SEASON].values())))
    assert wf.query(PHASE4_COMPLETE_VALIDATION) == [{"season": SEASON, "mlfs_dates": str(expected)}]


# -- idempotence ---------------------------------------------------------------------------------------------
def test_running_a_chunk_twice_writes_identical_markers_and_no_duplicates(season_run, tmp_path):
    wf = season_run.clone(tmp_path / "run")
    chunk = chunks(wf)[1]
    path = plan.phase4_marker("pcf", SEASON, chunk.name)
    bodies = []
    for _ in range(2):
        proc = wf.nba("run", "pcf", "--season", SEASON, "--chunk", chunk.name)
        assert proc.returncode == 0, proc.stderr
        bodies.append(wf.marker(path).read_text())

    rows = wf.read_rows(PHASE4_TABLES["pcf"], chunk.first, chunk.last)
    keys = [(r["game_date"], r["player_lookup"]) for r in rows]
    assert len(keys) == len(set(keys)), "duplicate (game_date, player_lookup) rows after a rerun"
    original = read_marker(season_run.workflow.marker(path))
    per_date = {}
    for day, _ in keys:
        per_date[day.isoformat()] = per_date.get(day.isoformat(), 0) + 1
    assert per_date == {d: n for d, n in original["rows_per_date"].items() if n}
    assert bodies[0] == bodies[1], "two runs of the same chunk on the same data wrote different markers"
    assert bodies[0] == season_run.workflow.marker(path).read_text(), "the rerun's marker differs from the first run's"


def test_rerunning_every_phase4_processor_reproduces_its_marker(season_run, tmp_path, monkeypatch):
    """In-process, each Phase 4 processor of the middle chunk again, in DAG order, on unchanged inputs."""
    wf = season_run.clone(tmp_path / "run")
    monkeypatch.chdir(wf.workdir)
    chunk = chunks(wf)[1]
    differ = {}
    for name in PHASE4:
        path = plan.phase4_marker(name, SEASON, chunk.name)
        before = read_marker(wf.marker(path))
        run_in_process(wf, name, chunk)
        after = read_marker(wf.marker(path))
        fields = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        if fields:
            differ[name] = fields
    assert not differ, f"reruns on unchanged inputs changed these marker fields: {differ}"


# -- a job that cannot or did not write what it should -------------------------------------------------------
def test_missing_upstream_partitions_fail_with_missing_dependency(season_run, tmp_path):
    wf = season_run.clone(tmp_path / "run")
    chunk = chunks(wf)[1]
    tdza = PHASE4_TABLES["tdza"]
    removed = [day for day in wf.partition_dates(tdza) if chunk.first <= day <= chunk.last]
    assert len(removed) > 8
    for day in removed:
        wf.drop_partition(tdza, day)
    marker = wf.marker(plan.phase4_marker("pcf", SEASON, chunk.name))
    marker.unlink()
    pcf_files = stats(wf, [PHASE4_TABLES["pcf"]])

    proc = wf.nba("run", "pcf", "--season", SEASON, "--chunk", chunk.name)

    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"error: MISSING_DEPENDENCY: {tdza} {dates_text(removed)}"]
    assert not marker.exists()
    assert stats(wf, [PHASE4_TABLES["pcf"]]) == pcf_files  # nothing written before the dependency check


def test_validation_names_a_date_missing_from_the_output(season_run, tmp_path, monkeypatch):
    """Delete one date of MLFS after it was written, then run the job's checks again (its write skipped)."""
    wf = season_run.clone(tmp_path / "run")
    monkeypatch.chdir(wf.workdir)
    chunk = chunks(wf)[1]
    mlfs = PHASE4_TABLES["mlfs"]
    day = [d for d in wf.partition_dates(mlfs) if chunk.first <= d <= chunk.last][20]
    wf.drop_partition(mlfs, day)
    marker = wf.marker(plan.phase4_marker("mlfs", SEASON, chunk.name))
    marker.unlink()

    with pytest.raises(CheckFailed) as err:
        run_in_process(wf, "mlfs", chunk, write=lambda job: contextlib.nullcontext({}))

    message = str(err.value)
    assert message.startswith(f"CHECK_FAILED mlfs {SEASON} {chunk.name}: "), message
    assert "coverage" in message and str(day) in message, message
    assert not marker.exists()


def test_a_write_that_loses_a_date_fails_validation_and_leaves_the_table_as_it_was(season_run, tmp_path, monkeypatch):
    """The MLFS statement made to produce no row for one date: the write succeeds, the checks name the date, and
    the previous rows are put back (the table's rows and fingerprint as before the job)."""
    wf = season_run.clone(tmp_path / "run")
    monkeypatch.chdir(wf.workdir)
    chunk = chunks(wf)[0]
    day = [d for d in processable(wf) if chunk.first <= d <= chunk.last][10]
    original = processors.sql_text

    def sql_text(name: str) -> str:
        text = original(name)
        if name == "mlfs":
            text = f"SELECT * FROM (\n{text.strip().rstrip(';')}\n) WHERE game_date <> DATE '{day}'"
        return text

    monkeypatch.setattr(processors, "sql_text", sql_text)
    marker = wf.marker(plan.phase4_marker("mlfs", SEASON, chunk.name))
    fingerprint = read_marker(marker)["fingerprint"]
    marker.unlink()
    before = sorted(map(repr, wf.read_rows(PHASE4_TABLES["mlfs"])))

    with pytest.raises(CheckFailed) as err:
        run_in_process(wf, "mlfs", chunk)

    message = str(err.value)
    assert message.startswith(f"CHECK_FAILED mlfs {SEASON} {chunk.name}: "), message
    assert f"missing {day}" in message, message
    assert not marker.exists()
    assert sorted(map(repr, wf.read_rows(PHASE4_TABLES["mlfs"]))) == before  # the rejected rows did not stay
    warehouse = DuckDBWarehouse(wf.workdir / "warehouse")
    _, now = table_checks(
        warehouse,
        processors.PHASE4["mlfs"],
        chunk.first,
        chunk.last,
        dt.date.fromisoformat(ONE_SEASON[SEASON]["start"]),
    )
    assert now == fingerprint


# -- adoption ------------------------------------------------------------------------------------------------
def test_adoption_marks_covered_chunks_without_rewriting_them(season_run, tmp_path):
    wf = season_run.clone(tmp_path / "run")
    all_chunks = chunks(wf)
    through = all_chunks[1].last  # the first two chunks, whole
    shutil.rmtree(wf.workdir / "markers" / "phase4")
    raw = wf.raw_config()
    raw["seasons"][SEASON]["existing_through"] = through.isoformat()
    wf.write_config(raw)
    before = stats(wf, PHASE4_TABLES.values())
    adopted_rows = {t: sorted(map(repr, wf.read_rows(t, last=through))) for t in PHASE4_TABLES.values()}

    season_marker = plan.phase4_season_marker(SEASON)
    assert wf.dry_run_jobs(season_marker) == {"run_chunk": 5 * len(all_chunks), "rollup_phase4": 1}
    wf.run(season_marker)

    after = stats(wf, PHASE4_TABLES.values())
    # month files wholly before `through`'s month stay the same files; the rows of every adopted date are unchanged
    covered = {k: v for k, v in before.items() if k.rsplit("/", 1)[1] < f"{through:%Y-%m}"}
    assert covered, "no Phase 4 month file to adopt"
    assert {k: v for k, v in after.items() if k in covered} == covered, "adoption rewrote or removed a file"
    assert {t: sorted(map(repr, wf.read_rows(t, last=through))) for t in PHASE4_TABLES.values()} == adopted_rows
    for name in PHASE4:
        for chunk in all_chunks:
            path = plan.phase4_marker(name, SEASON, chunk.name)
            body = read_marker(wf.marker(path))
            assert all(check["ok"] for check in body["checks"]), (path, body["checks"])
            if chunk.last <= through:
                assert body["mode"] == "adopted", path
                first = read_marker(season_run.workflow.marker(path))  # what computing them had recorded
                assert body["rows_per_date"] == first["rows_per_date"], path
                assert body["fingerprint"] == first["fingerprint"], path
            else:
                assert body["mode"] == "computed", path
    rewritten = [k for k, v in after.items() if k not in covered and before.get(k) != v]
    assert rewritten, "the chunk after existing_through was not computed"
    assert wf.marker(season_marker).exists()


def plant(wf, table: str, day: dt.date, column: str, value) -> dict:
    """Set `column` of one row of `day` to `value` (plain DuckDB, beside the month file and renamed, as a
    platform's own writer would); return the row's key."""
    import duckdb

    schema = table_schema(table)
    part, key = schema.partition_by, schema.cluster_by[0]
    path = wf.table_dir(table) / f"{day:%Y-%m}.parquet"
    tmp = path.with_suffix(".plant")
    con = duckdb.connect()
    try:
        (who,) = con.execute(f"SELECT MIN({key}) FROM read_parquet(?) WHERE {part} = ?", [str(path), day]).fetchone()
        con.execute(
            f"COPY (SELECT * REPLACE (IF({part} = ? AND {key} = ?, ?, {column}) AS {column}) FROM read_parquet(?)) "
            f"TO '{tmp}' (FORMAT parquet)",
            [day, who, value, str(path)],
        )
    finally:
        con.close()
    os.replace(tmp, path)
    return {part: day, key: who}


@pytest.mark.parametrize("chunk_days", [200, 30])
def test_adopted_dates_are_never_written_at_any_chunk_size(season_run, tmp_path, chunk_days):
    """existing_through in the middle of a month and of a chunk: the chunks are cut there, so a sentinel planted
    in an adopted row survives, every adopted row stays as it was, and the dates after it are computed."""
    wf = season_run.clone(tmp_path / "run")
    through = dt.date(2023, 12, 5)
    pcf = PHASE4_TABLES["pcf"]
    day = max(d for d in wf.partition_dates(pcf) if d <= through)
    sentinel = plant(wf, pcf, day, "fatigue_score", 42)  # a score no sum of fatigue's terms gives
    after = min(d for d in wf.partition_dates(pcf) if d > through)
    stale = plant(wf, pcf, after, "fatigue_score", 42)  # computed dates: this one must be overwritten
    shutil.rmtree(wf.workdir / "markers" / "phase4")
    raw = wf.raw_config()
    raw["chunk_days"] = chunk_days
    raw["seasons"][SEASON]["existing_through"] = through.isoformat()
    wf.write_config(raw)
    adopted = {t: sorted(map(repr, wf.read_rows(t, last=through))) for t in PHASE4_TABLES.values()}

    wf.run(plan.phase4_season_marker(SEASON))

    where = " AND ".join(f"{k} = '{v}'" for k, v in sentinel.items())
    assert [r["fatigue_score"] for r in wf.read_rows(pcf, where=where)] == [42]
    assert {t: sorted(map(repr, wf.read_rows(t, last=through))) for t in PHASE4_TABLES.values()} == adopted
    season = wf.config().season(SEASON)
    for chunk in plan.season_chunks(season, chunk_days):
        assert chunk.last <= through or chunk.first > through, chunk
        for name in PHASE4:
            body = read_marker(wf.marker(plan.phase4_marker(name, SEASON, chunk.name)))
            assert body["mode"] == ("adopted" if chunk.last <= through else "computed"), (name, chunk)
    where = " AND ".join(f"{k} = '{v}'" for k, v in stale.items())
    assert [r["fatigue_score"] for r in wf.read_rows(pcf, where=where)] != [42]
    # and computed at this chunk size, every row after it is the same, bit for bit, as the 60-day chunks wrote
    first = through + dt.timedelta(days=1)
    for table in PHASE4_TABLES.values():
        assert sorted(map(repr, wf.read_rows(table, first=first))) == sorted(
            map(repr, season_run.workflow.read_rows(table, first=first))
        ), table


def test_adopting_from_an_empty_warehouse_fails(season_run, tmp_path, monkeypatch):
    seasons = {SEASON: {**ONE_SEASON[SEASON], "existing_through": chunks(season_run.workflow)[1].last.isoformat()}}
    wf = make_workflow(tmp_path / "run", seasons, chunk_days=CHUNK_DAYS)
    for dataset in PHASE3_DATASETS:  # Phase 3 only: no Phase 4 table exists
        source = season_run.workflow.workdir / "warehouse" / dataset
        if source.exists():
            shutil.copytree(source, wf.workdir / "warehouse" / dataset, copy_function=os.link)
    first = chunks(wf)[0]

    proc = wf.nba("run", "tdza", "--season", SEASON, "--chunk", first.name)

    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: ADOPTION_FAILED tdza {SEASON} {first.name}: "), lines
    assert PHASE4_TABLES["tdza"] in lines[0]
    assert not (wf.workdir / "markers").exists()

    monkeypatch.chdir(wf.workdir)
    for name in PHASE4:
        with pytest.raises(CheckFailed, match=f"^ADOPTION_FAILED {name} {SEASON} {first.name}: "):
            run_in_process(wf, name, first)
    assert not (wf.workdir / "markers").exists()
    assert not any(wf.table_files(t) for t in PHASE4_TABLES.values()), "a failed adoption wrote Phase 4 rows"


def test_an_adopted_chunk_with_a_hole_fails_validation_and_is_not_recomputed(season_run, tmp_path, monkeypatch):
    wf = season_run.clone(tmp_path / "run")
    monkeypatch.chdir(wf.workdir)
    first = chunks(wf)[0]
    raw = wf.raw_config()
    raw["seasons"][SEASON]["existing_through"] = chunks(wf)[1].last.isoformat()
    wf.write_config(raw)
    mlfs = PHASE4_TABLES["mlfs"]
    day = [d for d in wf.partition_dates(mlfs) if first.first <= d <= first.last][5]
    wf.drop_partition(mlfs, day)
    marker = wf.marker(plan.phase4_marker("mlfs", SEASON, first.name))
    marker.unlink()

    with pytest.raises(CheckFailed) as err:
        run_in_process(wf, "mlfs", first)

    assert f"missing {day}" in str(err.value), str(err.value)
    assert not marker.exists()
    assert day not in wf.partition_dates(mlfs), "an adopted chunk was recomputed"


# -- resume after a lost marker ------------------------------------------------------------------------------
def moved_away(season_run, tmp_path, target: str) -> tuple[str, str]:
    """Dry-run `target` with the middle PCF marker moved away (rename: its mtime is kept when it comes back)."""
    wf = season_run.workflow
    chunk = chunks(wf)[1]
    marker = wf.marker(plan.phase4_marker("pcf", SEASON, chunk.name))
    away = tmp_path / "away.done"
    os.rename(marker, away)
    try:
        return wf.dry_run(target), chunk.name
    finally:
        os.rename(away, marker)


def test_all_seasons_redoes_a_lost_middle_marker_and_what_depends_on_it(season_run, tmp_path):
    wf = season_run.workflow
    out, chunk = moved_away(season_run, tmp_path, "all_seasons")
    outputs = wf.job_outputs(out)
    assert sorted(p for p, rule in outputs.items() if rule == "run_chunk") == sorted(
        plan.phase4_marker(name, SEASON, chunk) for name in ("pcf", "pdc", "mlfs")
    )
    later = [c.name for c in chunks(wf)[1:]]  # predictions of this chunk and after train on its feature rows
    assert sorted(p for p, rule in outputs.items() if rule == "predict_chunk") == sorted(
        plan.predictions_marker(SEASON, c) for c in later
    )
    assert outputs.get(plan.phase4_season_marker(SEASON)) == "rollup_phase4"
