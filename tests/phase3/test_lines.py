"""Real prop lines: events matched to games by US Eastern date and teams, players by normalised name and alias;
everything unmatched listed in the report with its count, never dropped silently or guessed."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from nba_backfill.cli import main
from nba_backfill.config import load_config
from nba_backfill.phase3.lines import game_date
from nba_backfill.phase3.names import TEAM_TRICODES, lookup_variants, player_lookup
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

PROPS = "nba_raw.odds_api_player_points_props"
UTC = dt.UTC


def test_lines_are_matched_and_the_rest_is_reported(phase3_config):
    path = phase3_config()
    result = CliRunner().invoke(main, ["--configfile", str(path), "import"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == [
        "lines: 10 rows read, 7 imported, 1 of other markets skipped, 1 without snapshot_time "
        "(taken as pre-game lines)",
        # the game was postponed from 10-27: no game of those teams that day
        "  unmatched event: New York Knicks @ Denver Nuggets 2023-10-27 (event ev4) (1 row)",
        "  unmatched player: Nic Claxton (1 row)",  # not in that game
    ]
    warehouse = DuckDBWarehouse(load_config(path).warehouse["path"])
    rows = warehouse.query(
        f"SELECT player_lookup, game_id, game_date, bookmaker, points_line, over_price_american, under_price_american, "
        f"snapshot_timestamp, minutes_before_tipoff FROM {PROPS} ORDER BY game_id, player_lookup, minutes_before_tipoff"
    ).rows
    d24, d28 = dt.date(2023, 10, 24), dt.date(2023, 10, 28)

    def at(*args):
        return dt.datetime(2023, *args, tzinfo=UTC)

    rows = [(*row[:3], {"draftkings": "dk", "fanduel": "fd"}[row[3]], *row[4:]) for row in rows]
    assert rows == [
        ("jalenbrunson", "0022300001", d24, "dk", 26.5, -110, -110, at(10, 24, 22, 30), 60),
        # no snapshot_time: the pre-game line, at tip-off
        ("jaysontatum", "0022300001", d24, "fd", 27.5, -115, -105, at(10, 24, 23, 30), 0),
        ("kristapsporzingis", "0022300001", d24, "dk", 19.5, -110, -110, at(10, 24, 21), 150),
        # 02:00 UTC on the 25th is 22:00 Eastern on the 24th: game 2
        ("lebronjames", "0022300002", d24, "fd", 23.5, -110, -110, at(10, 25, 1), 60),
        ("nikolajokic", "0022300002", d24, "fd", 27.5, -120, 100, at(10, 25, 1), 60),
        # an in-game snapshot stays, marked by its negative minutes (never used as a pre-game line)
        ("anthonydavis", "0022300005", d28, "dk", 27.5, -110, -110, at(10, 29, 3), -30),
        ("anthonydavis", "0022300005", d28, "dk", 24.5, -110, -110, at(10, 29, 0, 30), 120),
    ]  # fmt: skip


def test_names_and_dates():
    assert player_lookup("Nikola Jokić") == player_lookup("Nikola Jokic") == "nikolajokic"
    assert player_lookup("P.J. Washington Jr.") == "pjwashingtonjr"
    assert player_lookup("Kristaps Porziņģis") == "kristapsporzingis"
    assert "nicolasclaxton" in lookup_variants(player_lookup("Nic Claxton"))
    assert TEAM_TRICODES["LA Clippers"] == TEAM_TRICODES["Los Angeles Clippers"] == "LAC"
    assert len(set(TEAM_TRICODES.values())) == 30
    assert game_date(dt.datetime(2024, 1, 1, 4, 59, tzinfo=UTC)) == dt.date(2023, 12, 31)  # 23:59 EST
    assert game_date(dt.datetime(2024, 7, 1, 3, 59, tzinfo=UTC)) == dt.date(2024, 6, 30)  # 23:59 EDT


def test_an_alias_matches_the_box_score_spelling(tmp_path, phase3_config):
    from phase3_data import BOXSCORES, LINES

    box = tmp_path / "box.csv"
    box.write_text(BOXSCORES.read_text(encoding="utf-8").replace("Josh Hart", "Nicolas Claxton"), encoding="utf-8")
    result = CliRunner().invoke(main, ["--configfile", str(phase3_config(boxscores=[box], lines=[LINES])), "import"])
    assert result.exit_code == 0, result.output
    assert "unmatched player" not in result.output
