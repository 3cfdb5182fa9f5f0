"""Issue 2, preflight: a hole or a thin date in one season's Phase 3 stops that season only, naming table and date."""

from __future__ import annotations

import pytest
from workflow_helpers import CHUNK_DAYS, PGS, SEASON, TWO_SEASONS, make_workflow

from nba_backfill.phase3.write import write_phase3
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

TEAM_OFFENSE = "nba_analytics.team_offense_game_summary"


@pytest.mark.slow
def test_missing_partition_fails_that_season_only(tmp_path, monkeypatch):
    wf = make_workflow(tmp_path, TWO_SEASONS, chunk_days=CHUNK_DAYS)
    monkeypatch.chdir(wf.workdir)
    for name in TWO_SEASONS:  # the league rule's own markers: Snakemake skips it
        write_phase3(wf.config(), marker=f"markers/league/{name}.done", season_name=name)
    a, b = sorted(TWO_SEASONS)
    season_a = wf.config().season(a)
    day = wf.game_dates(season_a.start, season_a.end)[40]
    wf.drop_partition(TEAM_OFFENSE, day)

    proc = wf.run(f"markers/preflight/{a}.done", f"markers/preflight/{b}.done", check=False)

    assert proc.returncode != 0
    assert not wf.marker(f"markers/preflight/{a}.done").exists()
    assert wf.marker(f"markers/preflight/{b}.done").exists()  # keep-going: the other season still ran
    log = (wf.workdir / f"logs/preflight/{a}.log").read_text()
    errors = [line for line in log.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, log
    assert TEAM_OFFENSE in errors[0] and f"missing {day}" in errors[0], errors[0]
    assert errors[0].startswith(f"error: CHECK_FAILED preflight {a}: "), errors[0]


@pytest.mark.slow
def test_thin_date_fails_naming_it(season_run, tmp_path):
    wf = season_run.clone(tmp_path / "run")
    season = wf.config().season(SEASON)
    day = wf.game_dates(season.start, season.end)[60]
    DuckDBWarehouse(wf.workdir / "warehouse").replace_partitions(
        PGS,
        f"SELECT * FROM {PGS} WHERE game_date = @day ORDER BY player_lookup LIMIT 5",
        day,
        day,
        {"day": day},
    )
    assert len(wf.read_rows(PGS, day, day)) == 5
    marker = wf.marker(f"markers/preflight/{SEASON}.done")
    marker.unlink()

    proc = wf.nba("preflight", "--season", SEASON)

    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: CHECK_FAILED preflight {SEASON}: "), proc.stderr
    assert PGS in lines[0] and f"{day} (5 rows" in lines[0], lines[0]
    assert "Traceback" not in proc.stderr
    assert not marker.exists()
