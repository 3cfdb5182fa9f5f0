"""Bad files: one line naming the file, the row and the column, exit 2, and nothing written."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from phase3_data import BOXSCORES, LINES, SEASON

from nba_backfill.cli import main

HEADER, *ROWS = BOXSCORES.read_text(encoding="utf-8").splitlines()
COLUMNS = HEADER.split(",")


def edit(row: int, column: str, value: str) -> list[str]:
    """The file's lines with one cell changed (`row` counts the header as row 1, as the messages do)."""
    lines = [HEADER, *ROWS]
    cells = lines[row - 1].split(",")
    cells[COLUMNS.index(column)] = value
    lines[row - 1] = ",".join(cells)
    return lines


def without_column(name: str) -> list[str]:
    i = COLUMNS.index(name)
    return [",".join(c for j, c in enumerate(line.split(",")) if j != i) for line in (HEADER, *ROWS)]


CASES = {
    "missing column": (without_column("PTS"), None, "row 1: missing required column(s) PTS"),
    "not a date": (edit(5, "GAME_DATE", "2023-10-32"), None, 'row 5: column GAME_DATE: "2023-10-32" is not a date'),
    "points do not add up": (edit(3, "PTS", "12"), None, "row 3: column PTS: 12 points but 2*FGM + FG3M + FTM = 11"),
    "duplicate player in a game": (
        [HEADER, *ROWS, ROWS[0]],
        None,
        "row 25: column PLAYER_ID: player 1628973 appears twice in game 0022300001 (first at row 2)",
    ),
    "a game with one team": (
        [HEADER, *(r for r in ROWS if ",BOS,0022300001," not in r)],
        None,
        "row 2: column TEAM_ABBREVIATION: game 0022300001 has 1 team(s) (NYK), not 2",
    ),
    "a season not configured": (
        [HEADER, *ROWS],
        {"2024-25": {"start": "2024-10-22", "end": "2025-04-13"}},
        "row 2: column SEASON_ID: season 2023-24 (22023) is not in the config (configured: 2024-25)",
    ),
    "MIN not minutes": (edit(2, "Min", "36m"), None, 'row 2: column MIN: "36m" is not a number'),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_box_score_file_names_file_row_and_column_and_writes_nothing(case, tmp_path, phase3_config):
    lines, seasons, message = CASES[case]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = phase3_config(seasons=seasons, boxscores=[bad], lines=[])

    result = CliRunner().invoke(main, ["--configfile", str(config), "import", "--marker", str(tmp_path / "m.done")])

    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [f"error: {bad}: {message}"]
    assert not (tmp_path / "warehouse").exists() and not (tmp_path / "m.done").exists()


def test_a_configured_season_without_games_is_refused(tmp_path, phase3_config):
    seasons = {**SEASON, "2024-25": {"start": "2024-10-22", "end": "2025-04-13"}}
    config = phase3_config(seasons=seasons, lines=[])
    result = CliRunner().invoke(main, ["--configfile", str(config), "import"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"error: {BOXSCORES}: no regular-season games for configured season(s) 2024-25"
    ]
    assert not (tmp_path / "warehouse").exists()


def test_a_bad_lines_file_writes_nothing_either(tmp_path, phase3_config):
    header, *rows = LINES.read_text().splitlines()
    bad = tmp_path / "lines.csv"
    bad.write_text("\n".join([header, rows[0].replace(",26.5,", ",twenty,"), *rows[1:]]) + "\n")
    result = CliRunner().invoke(main, ["--configfile", str(phase3_config(lines=[bad])), "import"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [f'error: {bad}: row 2: column line: "twenty" is not a number']
    assert not (tmp_path / "warehouse").exists()


def test_a_glob_that_matches_nothing_is_bad_input(tmp_path, phase3_config):
    config = phase3_config(boxscores=[tmp_path / "nothing_*.csv"])
    result = CliRunner().invoke(main, ["--configfile", str(config), "import"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [f"error: phase3.boxscores: '{tmp_path}/nothing_*.csv' matches no file"]


def test_by_hand_a_missing_file_is_named(tmp_path, phase3_config):
    result = CliRunner().invoke(
        main, ["--configfile", str(phase3_config()), "import", "--boxscores", str(tmp_path / "no.csv")]
    )
    assert result.exit_code == 2
    assert result.output.splitlines() == [f"error: --boxscores: '{tmp_path}/no.csv' matches no file"]


@pytest.mark.parametrize(
    ("phase3", "message"),
    [
        ({"source": "files"}, "config error: phase3.boxscores: [] should be non-empty"),
        ({"source": "synthetic"}, "no box-score files: give --boxscores or set phase3.boxscores"),
    ],
    ids=["files-without-globs", "synthetic-source"],
)
def test_import_without_any_box_scores_says_so(tmp_path, phase3_config, phase3, message):
    import yaml

    path = phase3_config()
    path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text()), "phase3": phase3}))
    result = CliRunner().invoke(main, ["--configfile", str(path), "import"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [f"error: {message}"]


def game(minutes: dict[str, list[str]]) -> list[str]:
    """Rows of one more game, 0022300009 on 2023-11-05, NYK at BOS: per team, one player row per MIN given (the
    other cells copied from Brunson's first game, so every row adds up)."""
    rows = []
    for team, (team_id, matchup) in {"BOS": ("1610612738", "BOS vs. NYK"), "NYK": ("1610612752", "NYK @ BOS")}.items():
        for i, value in enumerate(minutes[team]):
            cells = ROWS[0].split(",")
            changes = {
                "Player_ID": f"9{team_id[-2:]}{i:02d}",
                "PLAYER_NAME": f"{team} Player {i}",
                "TEAM_ID": team_id,
                "TEAM_ABBREVIATION": team,
                "GAME_ID": "0022300009",
                "GAME_DATE": "2023-11-05",
                "MATCHUP": matchup,
                "Min": value,
            }
            for column, new in changes.items():
                cells[COLUMNS.index(column)] = new
            rows.append(",".join(cells))
    return rows


def import_with(tmp_path, phase3_config, extra: list[str], rows: list[str] = ROWS):
    path = tmp_path / "box.csv"
    path.write_text("\n".join([HEADER, *rows, *extra]) + "\n", encoding="utf-8")
    config = phase3_config(boxscores=[path], lines=[])
    return path, CliRunner().invoke(main, ["--configfile", str(config), "import"])


def test_past_48_minutes_only_when_the_teams_minutes_show_an_overtime(tmp_path, phase3_config):
    # BOS's six played 265 minutes: 5 x 53, one overtime, so 50 fits; NYK's five 240, 48:00 each fits regulation
    overtime = {"BOS": ["50", "45", "45", "45", "40", "40"], "NYK": ["48:00", "48", "48", "48", "48"]}
    _, result = import_with(tmp_path, phase3_config, game(overtime))
    assert result.exit_code == 0, result.output

    # the same 50 minutes where both teams played 240: a 48-minute game, so that row is wrong
    regulation = {"BOS": ["50", "40", "40", "40", "35", "35"], "NYK": ["48", "48", "48", "48", "48"]}
    path, result = import_with(tmp_path, phase3_config, game(regulation))
    assert result.exit_code == 2
    row = len(ROWS) + 2  # the header is row 1
    assert result.output.splitlines() == [
        f"error: {path}: row {row}: column MIN: 50 minutes but game 0022300009 lasted 48 "
        "(48 + 5 per overtime; its teams' minutes show 0 overtime(s))"
    ]


def test_a_team_box_short_of_five_players_for_the_whole_game_is_reported(tmp_path, phase3_config):
    short = "team boxes with fewer minutes than 5 players x the game (rows missing?)"
    # one overtime: six BOS players 265 minutes, five NYK players 53 each = 265, both 5 x 53
    overtime = {"BOS": ["50", "45", "45", "45", "40", "40"], "NYK": ["53", "53", "53", "53", "53:00"]}
    _, result = import_with(tmp_path, phase3_config, game(overtime), rows=[])
    assert result.exit_code == 0, result.output
    assert f"{short}: 0" in result.output.splitlines()

    # NYK's fifth player's row is missing: 4 x 48 = 192 of the 240 that five players for 48 minutes make
    missing_row = {"BOS": ["48", "48", "48", "48", "48"], "NYK": ["48", "48", "48", "48:00"]}
    _, result = import_with(tmp_path, phase3_config, game(missing_row), rows=[])
    assert result.exit_code == 0, result.output
    report = result.output.splitlines()
    assert report[report.index(f"{short}: 1") + 1] == "    0022300009 NYK: 192 of 240 minutes"
