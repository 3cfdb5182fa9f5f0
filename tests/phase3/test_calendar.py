"""A real calendar: expected dates are the dates with final regular-season games. A postponed game counts on the
date it was played, games not played yet are not missing, and a season in progress is checked through its last
final game."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from helpers import write_rows
from nba_backfill import plan
from nba_backfill.cli import main
from nba_backfill.config import load_config
from nba_backfill.markers import read_marker
from nba_backfill.schedule import season_game_dates
from nba_backfill.status import format_status, season_status
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

SCHEDULE = "nba_reference.nba_schedule"


def test_a_season_in_progress_with_a_postponed_game(tmp_path, phase3_config, monkeypatch):
    path = phase3_config(lines=[])
    assert CliRunner().invoke(main, ["--configfile", str(path), "import"]).exit_code == 0
    config = load_config(path)
    warehouse = DuckDBWarehouse(config.warehouse["path"])
    imported = warehouse.query(f"SELECT * FROM {SCHEDULE}").dicts()
    # what a real schedule also holds: the postponed game on its original date (status 1, never played) and the
    # rest of the season not played yet; plus a preseason game that was played
    extra = [
        {**imported[0], "game_id": "0022300004x", "game_date": dt.date(2023, 10, 27), "game_status": 1},
        {**imported[0], "game_id": "0022300100", "game_date": dt.date(2023, 12, 1), "game_status": 1},
        {**imported[0], "game_id": "0012300001", "game_date": dt.date(2023, 10, 25), "is_regular_season": False},
    ]
    write_rows(warehouse, SCHEDULE, imported + extra)

    season = config.season("2023-24")
    played = [dt.date(2023, 10, 24), dt.date(2023, 10, 26), dt.date(2023, 10, 28), dt.date(2023, 11, 2)]
    assert season_game_dates(warehouse, season) == played

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["--configfile", str(path), "preflight", "--season", "2023-24"])
    assert result.exit_code == 0, result.output
    marker = read_marker(plan.preflight_marker("2023-24"))
    assert marker["through"] == "2023-11-02" and marker["game_dates"] == 4
    assert "in progress: checked through 2023-11-02" in marker["checks"][0]["detail"]
    text = format_status(season_status(config, warehouse=False))
    assert "2023-24: in progress, checked through 2023-11-02 (its last final game)" in text.splitlines()
