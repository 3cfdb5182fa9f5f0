"""Issue 10: the DAG with `phase3.source: files` imports the box scores as its first job, runs to the end, and then
has nothing left; a changed file re-imports and redoes what depends on it."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from workflow_helpers import PGS, make_workflow

from helpers import REPO
from nba_backfill.markers import read_marker

SHORT_SEASON = {"2023-24": {"start": "2023-10-24", "end": "2023-11-20"}}
TEAMS = ("BOS", "NYK", "LAL", "DEN")
HEADER = (
    "SEASON_ID,PLAYER_ID,PLAYER_NAME,TEAM_ID,TEAM_ABBREVIATION,GAME_ID,GAME_DATE,MATCHUP,WL,MIN,FGM,FGA,FG3M,FG3A,"
    "FTM,FTA,OREB,DREB,REB,AST,STL,BLK,TOV,PF,PTS,PLUS_MINUS"
)


def box_score_file() -> str:
    """Four teams of eight, every team playing every day of the short season; numbers from a simple rule."""
    lines, game = [HEADER], 0
    day = dt.date(2023, 10, 24)
    while day <= dt.date(2023, 11, 20):
        n = (day - dt.date(2023, 10, 24)).days
        pairs = [(0, 1), (2, 3)] if n % 3 == 0 else [(0, 2), (1, 3)] if n % 3 == 1 else [(0, 3), (1, 2)]
        for home, away in pairs:
            game += 1
            for team, opponent, at in ((home, away, "vs."), (away, home, "@")):
                for i in range(8):
                    fgm, fg3m, ftm = (i + n) % 7 + 1, (i * n) % 3 % ((i + n) % 7 + 2), (i + 2 * n) % 5
                    pts = 2 * fgm + fg3m + ftm
                    lines.append(
                        f"22023,{1000 + 10 * team + i},Player {TEAMS[team]} {i},{team},{TEAMS[team]},"
                        f"00223{game:05d},{day},{TEAMS[team]} {at} {TEAMS[opponent]},W,{34 - 2 * i}.5,{fgm},"
                        f"{fgm + 3 + i % 4},{fg3m},{fg3m + 2},{ftm},{ftm + 1},1,3,4,2,1,0,2,2,{pts},0"
                    )
        day += dt.timedelta(days=1)
    return "\n".join(lines) + "\n"


def yaml_section(key: str) -> dict:
    return yaml.safe_load((REPO / "config" / "seasons.yaml").read_text())[key]


@pytest.mark.slow
def test_a_files_backfill_then_nothing_left_and_a_changed_file_redoes_its_dependants(tmp_path):
    # four weeks of one season: too little history for ensemble_v2's stack, so the platform's ensemble is published
    ensemble_v1 = {"system_id": "ensemble_v1"}
    wf = make_workflow(
        tmp_path,
        SHORT_SEASON,
        phase3={"source": "files", "boxscores": ["data/box_*.csv"], "lines": []},
        tier_adjustments={**yaml_section("tier_adjustments"), **ensemble_v1},
        publish={**yaml_section("publish"), **ensemble_v1},
    )
    data = wf.workdir / "data" / "box_2023-24.csv"
    data.parent.mkdir()
    data.write_text(box_score_file())

    wf.run("all_seasons")

    assert wf.dry_run_jobs("all_seasons") == {}
    league = read_marker(wf.marker("markers/league/2023-24.done"))
    assert league["definition"]["boxscores"][0]["name"] == "data/box_2023-24.csv"
    assert league["report"]["games"] == 56 and league["report"]["player_rows"] == 56 * 16
    # no shot locations in box scores: zone rates NULL and flagged, every processor, check and system still runs
    tdza = wf.read_rows("nba_precompute.team_defense_zone_analysis")
    assert tdza and all(r["paint_pct_allowed_last_15"] is None and r["strongest_zone"] is None for r in tdza)
    assert {r["data_quality_tier"] for r in tdza} == {"no_shot_zones"}
    assert all(r["three_pt_pct_allowed_last_15"] is not None and r["paint_blocks_per_game"] is None for r in tdza)
    psza = wf.read_rows("nba_precompute.player_shot_zone_analysis")
    assert psza and {r["data_quality_tier"] for r in psza} == {"no_shot_zones"}
    assert all(r["paint_rate_last_10"] is None and r["three_pt_rate_last_10"] is not None for r in psza)
    pcf = wf.read_rows("nba_precompute.player_composite_factors")
    assert pcf and all(r["shot_zone_mismatch_score"] is None for r in pcf)
    mlfs = wf.read_rows("nba_predictions.ml_feature_store_v2")
    assert mlfs and {(r["pct_paint"], r["pct_mid_range"], r["shot_zone_mismatch_score"]) for r in mlfs} == {
        (0.3, 0.2, 0)
    }
    assert len({r["pct_three"] for r in mlfs}) > 5  # the three-point share is known from a box score
    systems = {r["system_id"] for r in wf.read_rows("nba_predictions.player_prop_predictions")}
    assert {"zone_matchup_v1", "moving_average_baseline_v1", "ensemble_v1"} <= systems

    # the same config with its keys in another order changes nothing
    raw = wf.raw_config()
    wf.write_config(dict(reversed(list(raw.items()))))
    assert wf.dry_run_jobs("all_seasons") == {}

    # one late box line changes: +1 field goal, +2 points
    old = "Player BOS 0,0,BOS,0022300055,2023-11-20,"
    lines = data.read_text().splitlines()
    (i,) = [k for k, line in enumerate(lines) if old in line]
    cells = lines[i].split(",")
    cells[10], cells[11], cells[24] = str(int(cells[10]) + 1), str(int(cells[11]) + 1), str(int(cells[24]) + 2)
    lines[i] = ",".join(cells)
    data.write_text("\n".join(lines) + "\n")

    jobs = wf.dry_run_jobs("all_seasons")
    assert jobs["write_league"] == 1 and jobs["check_preflight"] == 1 and jobs["run_chunk"] == 5, jobs
    assert jobs["predict_chunk"] == 1 and jobs["publish_season"] == 1, jobs
    wf.run("markers/league/2023-24.done")  # the import alone: what follows it is still to redo
    assert wf.dry_run_jobs("all_seasons")["run_chunk"] == 5
    (row,) = wf.read_rows(PGS, where="player_lookup = 'playerbos0' AND game_id = '0022300055'")
    assert row["points"] == int(cells[24])
    assert read_marker(wf.marker("markers/league/2023-24.done"))["definition"] != league["definition"]


@pytest.mark.slow
def test_a_new_seed_reruns_the_league_and_what_follows_but_reordered_keys_do_not(season_run, tmp_path):
    wf = season_run.clone(tmp_path / "run")
    raw = wf.raw_config()
    wf.write_config(dict(reversed(list(raw.items()))))
    assert wf.dry_run_jobs("all_seasons") == {}
    raw["league"]["seed"] += 1
    wf.write_config(raw)
    jobs = wf.dry_run_jobs("all_seasons")
    assert jobs["write_league"] == 1 and jobs["check_preflight"] == 1 and jobs["publish_season"] == 1, jobs
