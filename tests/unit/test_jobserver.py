"""The job server (nba_backfill/jobserver.py): a command run in its fork behaves as the command run in its own
process (output, error line, exit code), and a caller that is stopped or killed takes its job with it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nba_backfill import jobserver

NBA_BACKFILL = shutil.which("nba-backfill", path=str(Path(sys.executable).parent))
# A query that runs for minutes (DuckDB cannot shortcut the sum of a 2.7e10-row cross join).
ENDLESS = (
    "SELECT SUM(a * b + c) AS n FROM UNNEST(GENERATE_ARRAY(1, 3000)) AS a "
    "CROSS JOIN UNNEST(GENERATE_ARRAY(1, 3000)) AS b CROSS JOIN UNNEST(GENERATE_ARRAY(1, 3000)) AS c"
)


@pytest.fixture
def server(tmp_path, write_config, monkeypatch):
    """A job server for this test process (as the Snakefile's onstart hook starts one), in a folder with a config."""
    (tmp_path / "config").mkdir()
    write_config(name="config/seasons.yaml")
    monkeypatch.chdir(tmp_path)
    jobserver.start(str(tmp_path / "logs" / "jobserver.log"))
    assert jobserver.ENV in os.environ, "the server did not listen within its start-up wait"
    yield jobserver._server.pid
    jobserver.stop()


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


def nba_backfill(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([NBA_BACKFILL, *args], capture_output=True, text=True, env=env)


@pytest.mark.parametrize(
    "args",
    [
        ("query", "SELECT x, x * 2 AS twice FROM UNNEST([1, 2, 3]) AS x ORDER BY x"),
        ("query", "SELEC 1"),  # bad input: one line, exit 2
        ("query", "SELECT * FROM nba_analytics.no_such_table"),  # a warehouse error
        ("run", "no_such_processor", "--season", "2023-24", "--chunk", "x", "--marker", "m"),  # click's usage error
    ],
)
def test_a_command_in_the_server_answers_as_in_its_own_process(server, args):
    warm = nba_backfill(*args)
    cold = nba_backfill(*args, env={k: v for k, v in os.environ.items() if k != jobserver.ENV})
    assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr)


def test_a_job_runs_in_a_fork_of_the_server_and_dies_with_its_caller(server):
    caller = subprocess.Popen([NBA_BACKFILL, "query", ENDLESS], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not children(server) and time.monotonic() < deadline:
        time.sleep(0.02)
    [job] = children(server)  # the query runs in the server's fork, not in the caller
    caller.kill()  # as Snakemake kills a job it stops
    caller.wait()
    while job in children(server) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert job not in children(server)


def test_a_signal_to_the_caller_reaches_its_job(server):
    caller = subprocess.Popen([NBA_BACKFILL, "query", ENDLESS], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not children(server) and time.monotonic() < deadline:
        time.sleep(0.02)
    caller.send_signal(signal.SIGTERM)
    assert caller.wait(timeout=30) == 128 + signal.SIGTERM  # the job's own end, reported by the caller
    assert children(server) == []


def test_a_job_runs_at_its_callers_niceness(server):
    """The rules run Phase 4 and grading under `nice` so that the predictions' chain gets the CPU first."""
    caller = subprocess.Popen(
        ["nice", "-n", "7", NBA_BACKFILL, "query", ENDLESS], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while not children(server) and time.monotonic() < deadline:
        time.sleep(0.02)
    [job] = children(server)

    def job_niceness() -> int:
        with open(f"/proc/{job}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[16])  # field 19 of proc(5), after the command's name

    # the fork is the server's child a moment before it takes its caller's niceness
    while job_niceness() == os.nice(0) and time.monotonic() < deadline:
        time.sleep(0.02)
    niceness = job_niceness()
    caller.kill()
    caller.wait()
    assert niceness == os.nice(0) + 7


def test_without_a_server_the_command_runs_in_its_own_process(tmp_path, write_config, monkeypatch):
    (tmp_path / "config").mkdir()
    write_config(name="config/seasons.yaml")
    monkeypatch.chdir(tmp_path)
    gone = {**os.environ, jobserver.ENV: str(tmp_path / "no-such-socket")}  # a server that has stopped
    done = nba_backfill("query", "SELECT 1 AS one", env=gone)
    assert done.returncode == 0 and "one" in done.stdout


def test_the_jobs_find_the_servers_own_client_first_on_their_path(server):
    """Snakemake's job shells inherit the PATH `start` sets: their `nba-backfill` is the server's client, which
    starts without site-packages (`python -S`) and still runs the command in a fork, or, with the server gone,
    in its own process with site-packages added back."""
    client = shutil.which("nba-backfill")
    assert Path(client).parent == Path(os.environ[jobserver.ENV]).parent
    assert Path(client).read_text().splitlines()[0].split()[1:] == ["-S"]
    # it runs this module compiled beside it: no job compiles it from source
    assert sorted(p.name for p in Path(client).parent.iterdir()) == [
        "nba-backfill",
        "nba_backfill_client.pyc",
        "socket",
    ]
    caller = subprocess.Popen([client, "query", ENDLESS], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not children(server) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(children(server)) == 1  # the query runs in the server's fork
    caller.kill()
    caller.wait()
    query = ("query", "SELECT x FROM UNNEST([1, 2]) AS x ORDER BY x")
    cold = nba_backfill(*query, env={k: v for k, v in os.environ.items() if k != jobserver.ENV})
    gone = subprocess.run([client, *query], capture_output=True, text=True, env={**os.environ, jobserver.ENV: "none"})
    assert (gone.returncode, gone.stdout, gone.stderr) == (0, cold.stdout, cold.stderr)


def test_stop_takes_the_servers_folder_off_the_path_and_the_server_removes_it(tmp_path, write_config, monkeypatch):
    (tmp_path / "config").mkdir()
    write_config(name="config/seasons.yaml")
    monkeypatch.chdir(tmp_path)
    before = os.environ["PATH"]
    jobserver.start(str(tmp_path / "jobserver.log"))
    folder = Path(os.environ[jobserver.ENV]).parent
    assert (folder / "nba-backfill").exists()
    jobserver.stop()
    assert os.environ["PATH"] == before and not folder.exists()
