"""Issue 12: bad input stops with one line `error: ...` and exit 2, never a traceback, and changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap

import pytest
from workflow_helpers import CHUNK_DAYS, ONE_SEASON, SEASON, make_workflow

from helpers import REPO
from nba_backfill import plan


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    return errors[0]


# (--config / YAML change, the key the one line names)
BAD_CONFIGS = {
    "chunk_days": ({"chunk_days": 400}, "chunk_days: 400 is greater than the maximum of 366"),
    "nan": ({"checks": {"min_row_share": float("nan")}}, "checks.min_row_share: nan is not a finite number"),
    "infinity": ({"league": {"seed": 1, "scale": float("inf")}}, "league.scale: inf is not a finite number"),
    "bootstrap_days": ({"bootstrap_days": 174}, f"bootstrap_days: 174 is not shorter than season {SEASON}"),
    "players_per_game": (
        {"checks": {"min_players_per_game": 30, "max_players_per_game": 20}},
        "checks.min_players_per_game: 30 is above checks.max_players_per_game 20",
    ),
    "date_not_a_date": ({"date": "2024-02-30"}, "date: '2024-02-30' is not a valid date"),
    "date_off_season": ({"date": "2024-07-01"}, "date: 2024-07-01 is in no configured season"),
    "warehouse_file": ({"warehouse": {"backend": "duckdb", "path": "wh.txt"}}, "warehouse.path: 'wh.txt' is a file"),
    "target_escapes": ({"publish": {"target": "../x"}}, "publish.target: '../x' leaves the project folder"),
    "target_no_bucket": ({"publish": {"target": "gs://"}}, "publish.target: 'gs://' names no bucket"),
    # a dry run used to accept it: only the job, when it ran, refused it
    "external_placeholder": (
        {"external_processors": {"psza": "true --day {date}"}},
        "external_processors.psza: unknown placeholder {date} (known: {start}, {end}, {season}, {chunk})",
    ),
    "severity_rigid": (
        {"checks": {"severity": [{"processor": "psza", "check": "coverage", "severity": "warn", "reason": "r"}]}},
        "checks.severity[0]: psza coverage cannot be relaxed",
    ),
}


@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_bad_config_stops_snakemake_and_every_command_with_one_line(tmp_path, case):
    change, message = BAD_CONFIGS[case]
    wf = make_workflow(tmp_path, ONE_SEASON, **{"chunk_days": CHUNK_DAYS, **change})
    (wf.workdir / "wh.txt").write_text("a file where the warehouse folder should be\n")
    before = sorted(p.name for p in wf.workdir.iterdir())
    target = "daily" if "date" in change else "all_seasons"

    proc = wf.run(target, check=False)
    assert proc.returncode == 2, proc.stderr
    assert message in one_error_line(proc)

    cli = wf.nba("preflight", "--season", SEASON)
    assert cli.returncode == 2 and message in one_error_line(cli)
    assert sorted(p.name for p in wf.workdir.iterdir() if p.name != ".snakemake") == before  # nothing written


@pytest.fixture
def finished(season_run, tmp_path):
    return season_run.clone(tmp_path / "run")


def table_files(wf, table: str) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in wf.table_files(table)}


@pytest.mark.slow
def test_a_marker_missing_a_field_is_named_by_every_reader(finished):
    wf = finished
    chunk = plan.season_chunks(wf.config().season(SEASON), CHUNK_DAYS)[1].name
    pcf = wf.marker(plan.phase4_marker("pcf", SEASON, chunk))
    body = json.loads(pcf.read_text())
    del body["rows_per_date"]
    pcf.write_text(json.dumps(body))
    rollup = wf.marker(plan.phase4_season_marker(SEASON))
    rollup.unlink()
    pdc_files = table_files(wf, "nba_precompute.player_daily_cache")
    expected = f"error: marker {plan.phase4_marker('pcf', SEASON, chunk)}: missing field rows_per_date"

    for args in (
        ("rollup", "phase4", "--season", SEASON),
        ("run", "pdc", "--season", SEASON, "--chunk", chunk, "--marker", "markers/new-pdc.done"),
        ("status", "--plot", "coverage.png"),
        ("verify",),
    ):
        proc = wf.nba(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert one_error_line(proc).startswith(expected), args
    assert not rollup.exists() and not wf.marker("markers/new-pdc.done").exists()
    assert not (wf.workdir / "coverage.png").exists()
    assert table_files(wf, "nba_precompute.player_daily_cache") == pdc_files  # the pdc job wrote nothing


def test_daily_without_a_date_when_yesterday_is_in_no_season(tmp_path):
    """The default date is yesterday (UTC); the one configured season ended in 2024, so it is off-season."""
    wf = make_workflow(tmp_path, ONE_SEASON, chunk_days=CHUNK_DAYS)
    proc = wf.run("daily", check=False)
    assert proc.returncode == 2
    assert "is in no configured season (2023-24)" in one_error_line(proc)
    assert not (wf.workdir / "markers").exists()


def test_an_empty_config_file_is_named(tmp_path):
    wf = make_workflow(tmp_path, ONE_SEASON, chunk_days=CHUNK_DAYS)
    wf.config_path.write_text("")
    for proc in (wf.run("-n", "all_seasons", check=False), wf.nba("status")):
        assert proc.returncode == 2, proc.stderr
        assert one_error_line(proc) == "error: config error: config/seasons.yaml: is empty (it needs seasons:)"
    assert not (wf.workdir / "markers").exists()


def test_a_missing_alias_file_stops_snakemake_before_any_job(tmp_path):
    phase3 = {"source": "files", "boxscores": ["box.csv"], "aliases": "no-such-aliases.csv"}
    wf = make_workflow(tmp_path, ONE_SEASON, chunk_days=CHUNK_DAYS, phase3=phase3)
    (wf.workdir / "box.csv").write_text("SEASON_ID\n")
    proc = wf.run("-n", "all_seasons", check=False)
    assert proc.returncode == 2, proc.stderr
    assert one_error_line(proc) == "error: phase3.aliases: no-such-aliases.csv: no such file"


def test_status_plot_into_a_missing_folder_creates_none(tmp_path):
    wf = make_workflow(tmp_path, ONE_SEASON, chunk_days=CHUNK_DAYS)
    missing = tmp_path / "no" / "such" / "dir"
    proc = wf.nba("status", "--plot", f"{missing}/x.png")
    assert proc.returncode == 2
    assert one_error_line(proc) == f"error: --plot {missing}/x.png: cannot write it (no folder '{missing}')"
    assert not (tmp_path / "no").exists()


def test_status_plot_to_an_unwritable_path(tmp_path):
    wf = make_workflow(tmp_path, ONE_SEASON, chunk_days=CHUNK_DAYS)
    (wf.workdir / "report.txt").write_text("a file, not a folder\n")
    proc = wf.nba("status", "--plot", "report.txt/coverage.png")
    assert proc.returncode == 2
    assert one_error_line(proc).startswith("error: --plot report.txt/coverage.png: cannot write it (")
    assert (wf.workdir / "report.txt").read_text() == "a file, not a folder\n"


def test_ci_fails_when_pytest_collects_no_tests(tmp_path):
    """`.ci/run` with stand-ins for python3 (makes the venv), pip (installs nothing) and pytest (exits 5, as pytest
    does when it collects nothing): CI must fail with that code."""
    repo, tools = tmp_path / "repo", tmp_path / "tools"
    (repo / ".ci").mkdir(parents=True)
    (repo / ".ci" / "run").write_text((REPO / ".ci" / "run").read_text())
    tools.mkdir()
    venv_bin = repo / ".venv" / "bin"
    (tools / "python3").write_text(
        textwrap.dedent(f"""\
            #!/bin/sh
            mkdir -p {venv_bin}
            printf 'PATH={venv_bin}:$PATH\\n' > {venv_bin}/activate
            printf '#!/bin/sh\\nexit 0\\n' > {venv_bin}/pip
            printf '#!/bin/sh\\necho "no tests ran"\\nexit 5\\n' > {venv_bin}/pytest
            chmod +x {venv_bin}/pip {venv_bin}/pytest
            """)
    )
    (tools / "python3").chmod(0o755)
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["bash", str(repo / ".ci" / "run")], capture_output=True, text=True, env=env)
    assert "no tests ran" in proc.stdout
    assert proc.returncode == 5
