"""`nba-backfill import --report`: the import report a season's league marker recorded, printed again; a season
without an import of files is one line, exit 2."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

from nba_backfill import plan
from nba_backfill.markers import write_marker

NBA_BACKFILL = shutil.which("nba-backfill", path=str(Path(sys.executable).parent))
REPORT = {
    "games": 2,
    "player_rows": 40,
    "dnp_rows": 3,
    "players": 20,
    "other_game_rows_skipped": 1,
    "lines": {
        "rows": 12,
        "other_markets": 2,
        "imported": 7,
        "matched_share": 0.7,
        "without_snapshot": 12,
        "no_game": {"Houston Rockets @ Atlanta Hawks 2023-10-25 (event e1)": 1},
        "need_alias": {"Bub Carrington": {"rows": 1, "suggestions": ["carlton carrington"]}},
        "scratched": {"Joel Embiid 0022300001": 1},
        "ambiguous": {},
    },
}


def report_of(tmp_path, write_config, monkeypatch, season: str, report: dict) -> subprocess.CompletedProcess:
    (tmp_path / "config").mkdir()
    write_config(name="config/seasons.yaml")
    monkeypatch.chdir(tmp_path)
    write_marker(plan.league_marker(season), dt.datetime.now(dt.UTC), phase="league", season=season, report=report)
    return subprocess.run([NBA_BACKFILL, "import", "--report", "--season", season], capture_output=True, text=True)


def test_the_recorded_report_is_printed_with_every_line_left_out(tmp_path, write_config, monkeypatch):
    done = report_of(tmp_path, write_config, monkeypatch, "2023-24", REPORT)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("the import recorded in markers/league/2023-24.done (each season's import reads")
    assert "imported 2 games, 40 player rows (3 did not play), 20 players; skipped 1 rows" in lines[1]
    assert "lines matched: 7 of 10 (70.0%)" in lines
    assert "    Bub Carrington (1 row; nearest: carlton carrington)" in lines
    assert "  ambiguous: names two players in that game: 0 (0 rows)" in lines


def test_a_season_with_no_import_of_files_is_one_line_exit_2(tmp_path, write_config, monkeypatch):
    done = report_of(tmp_path, write_config, monkeypatch, "2023-24", {})  # the synthetic league's marker
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: markers/league/2023-24.done: no import of files recorded for that season"
    ]
