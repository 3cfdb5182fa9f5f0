"""Real prop lines: events matched to games by US Eastern date and teams, players by normalised name and alias;
everything unmatched listed in the report with its count, never dropped silently or guessed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from nba_backfill.cli import main
from nba_backfill.config import load_config
from nba_backfill.phase3.lines import game_date
from nba_backfill.phase3.names import TEAM_TRICODES, base_lookup, lookup_variants, player_lookup
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

PROPS = "nba_raw.odds_api_player_points_props"
UTC = dt.UTC


def lines_part(output: str) -> list[str]:
    """The import report's lines about the lines, from "lines: ..." on (the box-score part comes before)."""
    report = output.splitlines()
    return report[next(i for i, line in enumerate(report) if line.startswith("lines: ")) :]


def test_lines_are_matched_and_the_rest_is_reported(phase3_config):
    path = phase3_config()
    result = CliRunner().invoke(main, ["--configfile", str(path), "import"])
    assert result.exit_code == 0, result.output
    assert lines_part(result.output) == [
        "lines: 10 rows read, 7 imported, 1 of other markets skipped, 1 without snapshot_time "
        "(taken as pre-game lines)",
        "lines matched: 7 of 9 (77.8%)",
        "  of them by the name without its suffix (Jr., II, ...): 0 (0 rows)",
        # the game was postponed from 10-27: no game of those teams that day
        "  no game (event): 1 (1 row)",
        "    New York Knicks @ Denver Nuggets 2023-10-27 (event ev4) (1 row)",
        "  name no roster knows (add an alias): 1 (1 row)",
        "    Nic Claxton (1 row; nearest: none)",  # in no box score
        "  scratched: no box-score row in that game (prop void): 0 (0 rows)",
        "  ambiguous: names two players in that game: 0 (0 rows)",
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
    assert base_lookup("Isaiah Stewart II") == base_lookup("Isaiah Stewart") == "isaiahstewart"
    assert base_lookup("B.J. Boston Jr") == base_lookup("BJ Boston") == "bjboston"
    assert base_lookup("Gary Trent Jr.") == base_lookup("Gary Trent, Sr.") == "garytrent"
    assert base_lookup("J.R. Smith") == "jrsmith" and base_lookup("Nene Jr") == "nenejr"  # two words stay
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


def import_with(phase3_config, tmp_path, lines: str, aliases: str | None = None, boxscores: Path | None = None):
    """Import the tiny league's box scores (or these) with these lines (and alias file), via the CLI."""
    from phase3_data import LINES

    path = tmp_path / "lines.csv"
    path.write_text(LINES.read_text(encoding="utf-8").splitlines()[0] + "\n" + lines, encoding="utf-8")
    config = phase3_config(lines=[path], boxscores=[boxscores] if boxscores else None)
    if aliases is not None:
        raw = yaml.safe_load(config.read_text())
        (tmp_path / "aliases.csv").write_text(aliases, encoding="utf-8")
        raw["phase3"]["aliases"] = str(tmp_path / "aliases.csv")
        config.write_text(yaml.safe_dump(raw))
    return CliRunner().invoke(main, ["--configfile", str(config), "import"]), config


EV1 = "ev1,2023-10-24T23:30:00Z,New York Knicks,Boston Celtics,draftkings,player_points"
EV9 = "ev9,2023-10-24T23:30:00Z,Chicago Bulls,Boston Celtics,draftkings,player_points"
THREE_KINDS = (
    f"{EV1},Jalen Brunson,26.5,-110,-110,\n"
    f"{EV1},Jay Tatum,27.5,-110,-110,\n"  # (a) no roster knows the name
    f"{EV1},Jamal Murray,20.5,-110,-110,\n"  # (b) known, but he played for Denver that night: scratched
    f"{EV9},Jayson Tatum,27.5,-110,-110,\n"  # (c) Chicago did not play Boston that day
    "ev9,2023-10-24T23:30:00Z,Chicago Bulls,Boston Celtics,fanduel,player_points,Jayson Tatum,27.5,-110,-110,\n"
)


def test_the_report_separates_need_alias_scratched_and_no_game(phase3_config, tmp_path):
    result, config = import_with(phase3_config, tmp_path, THREE_KINDS)
    assert result.exit_code == 0, result.output
    assert lines_part(result.output)[1:] == [
        "lines matched: 1 of 5 (20.0%)",
        "  of them by the name without its suffix (Jr., II, ...): 0 (0 rows)",
        "  no game (event): 1 (2 rows)",
        "    Boston Celtics @ Chicago Bulls 2023-10-24 (event ev9) (2 rows)",
        "  name no roster knows (add an alias): 1 (1 row)",
        "    Jay Tatum (1 row; nearest: Jayson Tatum)",
        "  scratched: no box-score row in that game (prop void): 1 (1 row)",
        "    Jamal Murray, game 0022300001 (1 row)",
        "  ambiguous: names two players in that game: 0 (0 rows)",
    ]
    rows = DuckDBWarehouse(load_config(config).warehouse["path"]).query(f"SELECT player_lookup FROM {PROPS}").rows
    assert rows == [("jalenbrunson",)]


def test_an_alias_file_fixes_a_name(phase3_config, tmp_path):
    result, config = import_with(phase3_config, tmp_path, THREE_KINDS, "alias,player\nJay Tatum,Jayson Tatum\n")
    assert result.exit_code == 0, result.output
    assert "lines matched: 2 of 5 (40.0%)" in result.output
    assert "  name no roster knows (add an alias): 0 (0 rows)" in result.output
    rows = DuckDBWarehouse(load_config(config).warehouse["path"]).query(f"SELECT player_lookup FROM {PROPS}").rows
    assert sorted(rows) == [("jalenbrunson",), ("jaysontatum",)]


@pytest.mark.parametrize(
    ("aliases", "message"),
    [
        ("name,who\nJay Tatum,Jayson Tatum\n", "aliases.csv: row 1: the header must be alias,player"),
        (
            "alias,player\nJay Tatum,Jayson Tatum\nJay Tatum,Jalen Brunson\n",
            "aliases.csv: row 3: alias 'Jay Tatum' already names another player (row 2)",
        ),
        ("alias,player\nJay Tatum,Jayson Tatumm\n", "aliases.csv: row 2: column player: 'jaysontatumm' is no player"),
    ],
)
def test_a_bad_alias_file_is_one_line_and_nothing_is_written(phase3_config, tmp_path, aliases, message):
    result, config = import_with(phase3_config, tmp_path, THREE_KINDS, aliases)
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: ") and message in line, line
    assert not Path(load_config(config).warehouse["path"]).exists()


def test_a_name_that_names_two_players_of_the_game_is_not_attached(tmp_path, phase3_config):
    from phase3_data import BOXSCORES, LINES

    box = tmp_path / "box.csv"
    # "Nic Claxton" is one player's name and, by the built-in alias, another's in the same game
    text = BOXSCORES.read_text(encoding="utf-8").replace("Josh Hart", "Nicolas Claxton")
    box.write_text(text.replace("Mitchell Robinson", "Nic Claxton"), encoding="utf-8")
    result = CliRunner().invoke(main, ["--configfile", str(phase3_config(boxscores=[box], lines=[LINES])), "import"])
    assert result.exit_code == 0, result.output
    assert "  ambiguous: names two players in that game: 1 (1 row)\n    Nic Claxton, game 0022300001 (1 row)" in (
        result.output
    )


def test_a_suffix_one_side_drops_matches_the_one_player_of_the_game_and_is_listed(tmp_path, phase3_config):
    from phase3_data import BOXSCORES

    box = tmp_path / "box.csv"
    # the box score writes "Josh Hart II"; "Jalen Brunson Sr." and "Jalen Brunson Jr." would both be Jalen Brunson
    text = BOXSCORES.read_text(encoding="utf-8").replace("Josh Hart", "Josh Hart II")
    box.write_text(text.replace("Mitchell Robinson", "Jalen Brunson Jr."), encoding="utf-8")
    lines = (
        f"{EV1},Josh Hart,10.5,-110,-110,\n"  # the book drops the suffix
        f"{EV1},Jayson Tatum Jr,27.5,-110,-110,\n"  # the book adds one
        f"{EV1},Jalen Brunson Sr.,26.5,-110,-110,\n"  # two players of the game without their suffixes
        f"{EV1},Jalen Brunson,26.5,-110,-110,\n"  # the exact name wins
        "ev5,2023-10-29T02:30:00Z,Los Angeles Lakers,New York Knicks,draftkings,player_points,"
        "Josh Hart,9.5,-110,-110,\n"
    )
    result, config = import_with(phase3_config, tmp_path, lines, boxscores=box)
    assert result.exit_code == 0, result.output
    assert lines_part(result.output)[1:5] == [
        "lines matched: 3 of 5 (60.0%)",
        "  of them by the name without its suffix (Jr., II, ...): 2 (2 rows)",
        "    Jayson Tatum Jr: Jayson Tatum (1 row)",
        "    Josh Hart: Josh Hart II (1 row)",
    ]
    assert "  ambiguous: names two players in that game: 1 (1 row)\n    Jalen Brunson Sr., game 0022300001" in (
        result.output
    )
    # he has no box-score row in game 5 (the 10-28 game): the prop is void, whatever the suffix
    assert "  scratched: no box-score row in that game (prop void): 1 (1 row)\n    Josh Hart, game 0022300005" in (
        result.output
    )
    rows = (
        DuckDBWarehouse(load_config(config).warehouse["path"])
        .query(f"SELECT player_lookup, points_line FROM {PROPS} ORDER BY 1")
        .rows
    )
    assert rows == [("jalenbrunson", 26.5), ("jaysontatum", 27.5), ("joshhartii", 10.5)]


def test_a_line_or_an_alias_may_use_any_name_the_player_had(tmp_path, phase3_config):
    from phase3_data import hart_renamed

    # renamed after his 10-24 game: his rows share the lookup of his latest name, "Josh Hart II"
    lines = (
        f"{EV1},Josh Hart,10.5,-110,-110,\n"  # the name of that day
        f"{EV1.replace('draftkings', 'fanduel')},J. Hart,11.5,-110,-110,\n"  # the user's alias, to his earlier name
    )
    aliases = "alias,player\nJ. Hart,Josh Hart\n"
    result, config = import_with(phase3_config, tmp_path, lines, aliases, boxscores=hart_renamed(tmp_path))
    assert result.exit_code == 0, result.output
    assert lines_part(result.output)[1:3] == [
        "lines matched: 2 of 2 (100.0%)",
        "  of them by the name without its suffix (Jr., II, ...): 0 (0 rows)",
    ]
    rows = (
        DuckDBWarehouse(load_config(config).warehouse["path"])
        .query(f"SELECT player_lookup, points_line FROM {PROPS} ORDER BY 2")
        .rows
    )
    assert rows == [("joshhartii", 10.5), ("joshhartii", 11.5)]


def test_a_changed_alias_file_changes_the_phase3_digest(tmp_path, phase3_config):
    from nba_backfill.inputs import job_digest

    result, config = import_with(phase3_config, tmp_path, THREE_KINDS, "alias,player\nJay Tatum,Jayson Tatum\n")
    assert result.exit_code == 0, result.output
    before = job_digest(load_config(config), "league", "2023-24")
    (tmp_path / "aliases.csv").write_text("alias,player\nJ. Tatum,Jayson Tatum\n", encoding="utf-8")
    assert job_digest(load_config(config), "league", "2023-24") != before
