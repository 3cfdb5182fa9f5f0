"""Real box scores -> Phase 3: known answers on a tiny league in the real `leaguegamelog` layout (data/), checked
against the file itself read with the csv module and against numbers worked out by hand."""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from collections import defaultdict

import pytest
from click.testing import CliRunner
from phase3_data import BOXSCORES, hart_renamed

from nba_backfill.cli import main
from nba_backfill.config import load_config
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

PGS = "nba_analytics.player_game_summary"
OFFENSE = "nba_analytics.team_offense_game_summary"
DEFENSE = "nba_analytics.team_defense_game_summary"
SCHEDULE = "nba_reference.nba_schedule"
STATS = ("FGM", "FGA", "FG3M", "FG3A", "FTM", "FTA", "OREB", "TOV", "AST", "PTS")


@pytest.fixture
def imported(phase3_config):
    path = phase3_config(lines=[])
    result = CliRunner().invoke(main, ["--configfile", str(path), "import"])
    assert result.exit_code == 0, result.output
    config = load_config(path)
    warehouse = DuckDBWarehouse(config.warehouse["path"])

    def rows(table, order):
        return warehouse.query(f"SELECT * FROM {table} ORDER BY {order}").dicts()

    return result.output, rows


def file_rows() -> list[dict]:
    return list(csv.DictReader(BOXSCORES.read_text(encoding="utf-8").splitlines()))


def test_the_report_counts_games_rows_dnps_and_the_skipped_cup_final(imported):
    output, _ = imported
    # 5 regular-season games, 21 of the 23 rows (2 DNP); the NBA Cup final (SEASON_ID 62023) is not a game here
    assert output.splitlines()[0] == (
        "imported 5 games, 21 player rows (2 did not play), 10 players; skipped 2 rows of non-regular-season games"
    )


def test_player_rows(imported):
    _, rows = imported
    pgs = {(r["game_id"], r["player_lookup"]): r for r in rows(PGS, "game_date, player_lookup")}
    assert len(pgs) == 21
    assert not any(g == "0062300001" for g, _ in pgs)  # the NBA Cup final is excluded
    # accents stripped: "Nikola Jokić" and "Nikola Jokic" are one player, "Kristaps Porziņģis" too
    lookups = {p for _, p in pgs}
    assert {"nikolajokic", "kristapsporzingis"} <= lookups and not any(not p.isascii() for p in lookups)
    assert pgs["0022300002", "nikolajokic"]["universal_player_id"] == "203999"
    assert pgs["0022300004", "nikolajokic"]["universal_player_id"] == "203999"
    # the traded player follows his rows: NYK at home to BOS, then DEN at home to NYK
    hart = [pgs["0022300001", "joshhart"], pgs["0022300004", "joshhart"]]
    assert [(r["team_abbr"], r["opponent_team_abbr"], r["home_game"]) for r in hart] == [
        ("NYK", "BOS", True),
        ("DEN", "NYK", True),
    ]
    assert hart[0]["minutes_played"] == 34.5  # "34:30"
    # a DNP (coach's decision): active, 0 minutes and 0 points; DND: out
    robinson = pgs["0022300001", "mitchellrobinson"]
    assert (robinson["is_dnp"], robinson["is_active"], robinson["player_status"]) == (True, True, "active")
    assert (robinson["minutes_played"], robinson["points"], robinson["dnp_reason"]) == (0, 0, "DNP - Coach's Decision")
    assert robinson["usage_rate"] is None and robinson["ts_pct"] is None
    kp = pgs["0022300003", "kristapsporzingis"]
    assert (kp["is_dnp"], kp["is_active"], kp["player_status"]) == (True, False, "out")
    # no shot locations in a box score: NULL, never invented
    for column in ("paint_attempts", "mid_range_makes", "assisted_fg_makes", "unassisted_fg_makes", "three_makes_pbp"):
        assert all(r[column] is None for r in pgs.values()), column
    # Brunson, game 1, by hand: usage = 100 (22 + 0.44*6 + 3) (71/5) / (36.5 (31 + 0.44*8 + 4)),
    # TS = 27 / (2 (22 + 0.44*6))
    brunson = pgs["0022300001", "jalenbrunson"]
    assert brunson["usage_rate"] == pytest.approx(100 * 27.64 * 14.2 / (36.5 * 38.52))
    assert brunson["ts_pct"] == pytest.approx(27 / 49.28)
    assert (brunson["points"], brunson["fg_makes"], brunson["three_pt_attempts"], brunson["plus_minus"]) == (
        27,
        10,
        6,
        -4,
    )


def test_team_summaries_are_the_sums_of_the_player_rows(imported):
    _, rows = imported
    sums = defaultdict(lambda: defaultdict(float))
    for r in file_rows():
        if r["SEASON_ID"].startswith("2") and r["Min"]:
            team = sums[r["GAME_ID"], r["TEAM_ABBREVIATION"]]
            for stat in STATS:
                team[stat] += int(r[stat])
            minutes, _, seconds = r["Min"].partition(":")
            team["MIN"] += float(minutes) + float(seconds or 0) / 60
    offense = {(r["game_id"], r["team_abbr"]): r for r in rows(OFFENSE, "game_id, team_abbr")}
    defense = {(r["game_id"], r["defending_team_abbr"]): r for r in rows(DEFENSE, "game_id, defending_team_abbr")}
    assert sorted(offense) == sorted(defense) == sorted(sums)
    for (game, team), own in sums.items():
        (opp_key,) = [k for k in sums if k[0] == game and k[1] != team]
        opp = sums[opp_key]
        o, d = offense[game, team], defense[game, team]
        possessions = own["FGA"] + 0.44 * own["FTA"] - own["OREB"] + own["TOV"]
        opp_possessions = opp["FGA"] + 0.44 * opp["FTA"] - opp["OREB"] + opp["TOV"]
        assert (o["points_scored"], o["opponent_points"], o["win_flag"]) == (
            own["PTS"],
            opp["PTS"],
            own["PTS"] > opp["PTS"],
        )
        assert (o["fg_attempts"], o["three_pt_makes"], o["ft_attempts"], o["assists"]) == (
            own["FGA"], own["FG3M"], own["FTA"], own["AST"]
        )  # fmt: skip
        assert o["possessions"] == pytest.approx(possessions)
        assert o["pace"] == pytest.approx(48 * possessions / (own["MIN"] / 5))
        assert o["offensive_rating"] == pytest.approx(100 * own["PTS"] / possessions)
        assert (d["points_allowed"], d["opp_fg_makes"], d["turnovers_forced"], d["opponent_team_abbr"]) == (
            opp["PTS"], opp["FGM"], opp["TOV"], opp_key[1]
        )  # fmt: skip
        assert d["three_pt_points_allowed"] == 3 * opp["FG3M"]
        assert d["defensive_rating"] == pytest.approx(100 * opp["PTS"] / opp_possessions)
        assert d["opponent_pace"] == pytest.approx(offense[opp_key]["pace"])
        assert o["team_paint_attempts"] is None and d["opp_mid_range_makes"] is None and d["blocks_paint"] is None
    # by hand, game 1: NYK 27 + 11 = 38 at home, BOS 33 + 18 = 51
    assert (offense["0022300001", "NYK"]["points_scored"], offense["0022300001", "BOS"]["points_scored"]) == (38, 51)
    assert offense["0022300001", "BOS"]["home_game"] is False and offense["0022300001", "BOS"]["win_flag"] is True


def test_schedule_has_every_game_final_on_the_date_it_was_played(imported):
    _, rows = imported
    schedule = rows(SCHEDULE, "game_id")
    assert [(g["game_id"], g["game_date"], g["home_team_abbr"], g["away_team_abbr"]) for g in schedule] == [
        ("0022300001", dt.date(2023, 10, 24), "NYK", "BOS"),
        ("0022300002", dt.date(2023, 10, 24), "DEN", "LAL"),
        ("0022300003", dt.date(2023, 10, 26), "BOS", "LAL"),
        ("0022300004", dt.date(2023, 11, 2), "DEN", "NYK"),  # postponed from 10-27: counts on the day played
        ("0022300005", dt.date(2023, 10, 28), "LAL", "NYK"),
    ]
    assert all(g["game_status"] == 3 and g["is_regular_season"] and g["season_year"] == 2023 for g in schedule)


def test_parquet_and_gzip_give_the_same_tables(tmp_path, phase3_config):
    import gzip

    import duckdb

    gz, parquet = tmp_path / "box.csv.gz", tmp_path / "box.parquet"
    gz.write_bytes(gzip.compress(BOXSCORES.read_bytes()))
    duckdb.connect().execute(
        f"COPY (SELECT * FROM read_csv('{BOXSCORES}', all_varchar = true)) TO '{parquet}' (FORMAT parquet)"
    )
    outputs = []
    for path in (BOXSCORES, gz, parquet):
        config = phase3_config(boxscores=[path], lines=[])
        result = CliRunner().invoke(main, ["--configfile", str(config), "import"])
        assert result.exit_code == 0, result.output
        warehouse = DuckDBWarehouse(load_config(config).warehouse["path"])
        outputs.append(warehouse.query(f"SELECT * FROM {PGS} ORDER BY game_id, player_lookup").rows)
    assert outputs[0] == outputs[1] == outputs[2] and len(outputs[0]) == 21


def test_the_import_replaces_a_synthetic_phase3_and_its_oracle(tmp_path, phase3_config):
    path = phase3_config(lines=[])
    assert CliRunner().invoke(main, ["--configfile", str(path), "league"]).exit_code == 0
    warehouse = DuckDBWarehouse(load_config(path).warehouse["path"])
    assert warehouse.query("SELECT COUNT(*) FROM nba_oracle.player_game_expectations").scalar() > 0
    assert CliRunner().invoke(main, ["--configfile", str(path), "import"]).exit_code == 0
    assert warehouse.query("SELECT COUNT(*) FROM nba_oracle.player_game_expectations").scalar() == 0
    assert warehouse.query(f"SELECT COUNT(*) FROM {PGS}").scalar() == 21


def test_a_row_with_minutes_is_played_even_at_zero(phase3_config, tmp_path):
    """leaguegamelog lists only players who appeared: 0.00 minutes is a played game; blank MIN or a DNP/DND/NWT
    comment is not. The played count is checked against the file read with the csv module."""
    boxscores = tmp_path / "boxscores.csv"
    seconds = "22023,1630540,Miles McBride,1610612752,NYK,0022300001,2023-10-24,NYK vs. BOS,L,0.00" + ",0" * 16
    boxscores.write_text(BOXSCORES.read_text(encoding="utf-8") + seconds + ",,,1\n", encoding="utf-8")
    path = phase3_config(boxscores=[boxscores], lines=[])
    result = CliRunner().invoke(main, ["--configfile", str(path), "import"])
    assert result.exit_code == 0, result.output
    rows = DuckDBWarehouse(load_config(path).warehouse["path"]).query(f"SELECT * FROM {PGS}").dicts()

    in_file = list(csv.DictReader(boxscores.read_text(encoding="utf-8").splitlines()))
    regular = [r for r in in_file if r["SEASON_ID"].startswith("2")]  # not the NBA Cup final
    played = [r for r in regular if r["Min"] and not r["COMMENT"].startswith(("DNP", "DND", "NWT"))]
    assert sum(not r["is_dnp"] for r in rows) == len(played) == 20
    (mcbride,) = [r for r in rows if r["player_lookup"] == "milesmcbride"]
    assert (mcbride["is_dnp"], mcbride["minutes_played"], mcbride["player_status"]) == (False, 0, "active")
    assert mcbride["usage_rate"] is None and mcbride["ts_pct"] is None  # no minutes, no shots: no rate


def test_a_player_renamed_during_the_season_stays_one_player_under_his_latest_name(phase3_config, tmp_path):
    """NBA Stats renames a player now and then (real 2021-22: "Jeff Dowtin" -> "Jeff Dowtin Jr."): his rows keep
    their names but share one player_lookup, his latest name's, so his history is one history."""
    boxscores = hart_renamed(tmp_path)
    path = phase3_config(boxscores=[boxscores], lines=[])
    result = CliRunner().invoke(main, ["--configfile", str(path), "import"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].endswith(", 10 players; skipped 2 rows of non-regular-season games")
    assert "players with two names in the files, each one player (his latest name's lookup): 1\n" in result.output
    assert "    1628404 Josh Hart / Josh Hart II -> joshhartii\n" in result.output

    rows = (
        DuckDBWarehouse(load_config(path).warehouse["path"])
        .query(f"SELECT universal_player_id, player_lookup, player_full_name, game_date FROM {PGS}")
        .dicts()
    )
    # from the file: each PLAYER_ID's name on his latest date, lower case, letters only
    latest: dict[str, tuple[str, str]] = {}
    for r in csv.DictReader(boxscores.read_text(encoding="utf-8").splitlines()):
        if r["SEASON_ID"].startswith("2"):
            latest[r["Player_ID"]] = max(latest.get(r["Player_ID"], ("", "")), (r["GAME_DATE"], r["PLAYER_NAME"]))
    for r in rows:
        name = unicodedata.normalize("NFKD", latest[r["universal_player_id"]][1]).encode("ascii", "ignore").decode()
        assert r["player_lookup"] == "".join(c for c in name.lower() if c.isalnum()), r
    hart = sorted(
        (r["game_date"], r["player_full_name"], r["player_lookup"]) for r in rows if "Hart" in r["player_full_name"]
    )
    assert hart == [
        (dt.date(2023, 10, 24), "Josh Hart", "joshhartii"),
        (dt.date(2023, 11, 2), "Josh Hart II", "joshhartii"),
    ]
