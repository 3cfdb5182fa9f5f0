"""`status`: progress from markers and logs of a half-done run, the runbook's numbers from hand-made tables, the
text and JSON renderings, and the coverage heatmap."""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import struct

import pytest
from status_run import (
    CHUNKS,
    FAILED_PCF_CHUNK,
    PCF_ERROR,
    PREFLIGHT_ERROR,
    PUBLISHED,
    SEASONS,
    accuracy_row,
    game_dates,
    make_config,
    mlfs_row,
    prediction_row,
    warehouse,
)

from helpers import write_rows
from nba_backfill import plan
from nba_backfill.status import (
    COLOURS,
    coverage,
    format_status,
    plot_status,
    season_status,
    season_steps,
    status_json,
)

# (phase, step) -> (done, failed) per season, counted by hand from status_run.make_run; totals are the chunk
# counts of CHUNKS for chunk steps and 1 for season steps.
HAND = {
    "2022-23": {
        ("preflight", "preflight"): (1, 0),
        ("phase4", "tdza"): (3, 0),
        ("phase4", "psza"): (3, 0),
        ("phase4", "pcf"): (2, 1),
        ("phase4", "pdc"): (1, 0),
        ("phase4", "mlfs"): (1, 0),
        ("phase4", "rollup"): (0, 0),
        ("phase5a", "predictions"): (1, 0),
        ("phase5a", "tiers"): (0, 0),
        ("phase5b", "grading"): (0, 0),
        ("phase5b", "rollup"): (0, 0),
        ("phase5c", "tier_check"): (0, 0),
        ("phase6", "publish"): (0, 0),
    },
}
CHUNK_STEPS = {"tdza", "psza", "pcf", "pdc", "mlfs", "predictions", "grading"}


def steps_by_name(season: dict) -> dict:
    return {(s["phase"], s["step"]): s for s in season["steps"]}


def test_done_and_total_per_step_are_what_the_run_wrote(run):
    status = season_status(run.config, warehouse=False)
    seasons = {s["season"]: s for s in status["seasons"]}
    assert list(seasons) == ["2021-22", "2022-23", "2023-24"]

    for name, season in seasons.items():
        n_chunks = len(CHUNKS[name])
        steps = steps_by_name(season)
        assert len(steps) == 13
        for (_phase, step), got in steps.items():
            assert got["total"] == (n_chunks if step in CHUNK_STEPS else 1), (name, step)
            assert got["done"] + len(got["failed"]) + len(got["pending"]) == got["total"]
        # done counted from the markers the fixture wrote, by their folder
        prefix = {("phase4", p): f"markers/phase4/{p}/{name}/" for p in plan.PHASE4_PROCESSORS}
        prefix[("phase5a", "predictions")] = f"markers/phase5a/predictions/{name}/"
        prefix[("phase5b", "grading")] = f"markers/phase5b/{name}/"
        for key, folder in prefix.items():
            assert steps[key]["done"] == sum(m.startswith(folder) for m in run.written), (name, key)
        # every marker of the plan, and publishing, is counted once
        targets = set(plan.season_targets(run.config, run.config.season(name))) | {f"markers/phase6/{name}.done"}
        assert season["total"] == len(targets)
        listed = {m for _, _, units in season_steps(run.config, run.config.season(name)) for _, m in units}
        assert listed == targets
        assert season["done"] == sum(f"/{name}" in m for m in run.written)

    assert all(s["done"] == s["total"] for s in seasons["2021-22"]["steps"])
    for key, (done, failed) in HAND["2022-23"].items():
        got = steps_by_name(seasons["2022-23"])[key]
        assert (got["done"], len(got["failed"])) == (done, failed), key
    assert seasons["2023-24"]["done"] == 0 and seasons["2023-24"]["failed"] == 1
    assert seasons["2022-23"]["done"] == 1 + 3 + 3 + 2 + 1 + 1 + 1
    assert status["totals"] == {
        "done": 20 + 12,
        "total": 20 + 27 + 20,
        "failed": 2,
        "pending": (27 - 12 - 1) + (20 - 1),
    }


def test_failed_units_carry_the_last_error_line_of_their_log(run):
    status = season_status(run.config, warehouse=False)
    failed = {(f["season"], f["step"]): f for f in status["failed"]}
    assert set(failed) == {("2022-23", "pcf"), ("2023-24", "preflight")}
    pcf = failed["2022-23", "pcf"]
    assert pcf["chunk"] == FAILED_PCF_CHUNK
    assert pcf["reason"] == PCF_ERROR  # the last error: line, not the earlier attempt's
    assert pcf["marker"] == plan.phase4_marker("pcf", "2022-23", FAILED_PCF_CHUNK)
    assert pcf["log"] == f"logs/phase4/pcf/2022-23/{FAILED_PCF_CHUNK}.log"
    assert failed["2023-24", "preflight"]["reason"] == PREFLIGHT_ERROR

    # a log without an error line (a job still running) is pending, not failed
    pdc = steps_by_name(status["seasons"][1])["phase4", "pdc"]
    assert [u["chunk"] for u in pdc["pending"]] == CHUNKS["2022-23"][1:]
    assert pdc["pending"][0]["log"] == plan.log_path(plan.phase4_marker("pdc", "2022-23", CHUNKS["2022-23"][1]))
    assert pdc["pending"][1]["log"] is None

    # once the marker exists, the old log's error no longer counts
    run.chunk("pcf", "2022-23", FAILED_PCF_CHUNK)
    again = season_status(run.config, warehouse=False)
    assert [f["season"] for f in again["failed"]] == ["2023-24"]


def test_text_names_the_failed_chunk_with_its_reason_in_aligned_tables(run):
    text = format_status(season_status(run.config))
    assert f"2022-23 phase4 pcf {FAILED_PCF_CHUNK}: {PCF_ERROR}" in text
    assert f"2023-24 preflight preflight: {PREFLIGHT_ERROR}" in text
    assert "Backfill progress: 32/67 markers done, 2 failed, 33 pending" in text
    pcf_line = next(line for line in text.splitlines() if line.startswith("| phase4") and "| pcf " in line)
    assert [c.strip() for c in pcf_line.strip("|").split("|")] == ["phase4", "pcf", "2/2", "2/3 (1 failed)", "0/2"]
    # every table's lines have one width
    blocks, current = [], []
    for line in text.splitlines():
        if line[:1] in "+|" and line:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    blocks.append(current)
    assert len([b for b in blocks if b]) == 2
    for block in filter(None, blocks):
        assert len({len(line) for line in block}) == 1


def write_runbook_tables(run) -> dict:
    """MLFS, prediction and grading rows in 2021-22 and 2022-23 (none in 2023-24), plus rows outside every season
    and of other systems that the numbers must leave out. Returns the rows written, by table."""
    rng = random.Random(5)
    wh = warehouse(run)
    days = [game_dates(b["start"], b["end"]) for s, b in SEASONS.items() if s != "2023-24"]
    mlfs, preds, graded = [], [], []
    for season_days in days:
        for day in rng.sample(season_days, 9):
            mlfs += [mlfs_row(day, f"p{i}") for i in range(rng.randint(1, 4))]
        for day in rng.sample(season_days, 7):
            for i in range(rng.randint(1, 3)):
                preds += [prediction_row(day, f"p{i}", system) for system in (PUBLISHED, "xgboost_v1")]
        for day in rng.sample(season_days, 6):
            for i in range(rng.randint(2, 4)):
                for system in (PUBLISHED, "zone_matchup_v1"):
                    voided = rng.random() < 0.2
                    graded.append(
                        accuracy_row(
                            day,
                            f"p{i}",
                            system,
                            round(rng.uniform(5, 30), 1),
                            rng.randint(0, 35),
                            20.5,
                            "OVER",
                            voided=voided,
                        )
                    )
    off_season = dt.date(2022, 7, 1)
    mlfs.append(mlfs_row(off_season, "p0"))
    preds.append(prediction_row(off_season, "p0", PUBLISHED))
    graded.append(accuracy_row(off_season, "p0", PUBLISHED, 10.0, 30, 20.5, "OVER"))
    write_rows(wh, "nba_predictions.ml_feature_store_v2", mlfs)
    write_rows(wh, "nba_predictions.player_prop_predictions", preds)
    write_rows(wh, "nba_predictions.prediction_accuracy", graded)
    return {"mlfs": mlfs, "predictions": preds, "graded": graded}


def in_season(row: dict, season: str) -> bool:
    body = SEASONS[season]
    return body["start"] <= row["game_date"].isoformat() <= body["end"]


def test_runbook_numbers_are_recomputed_from_the_rows(run):
    rows = write_runbook_tables(run)
    status = season_status(run.config)
    got = {s["season"]: s["expected"] for s in status["seasons"]}
    for season in ("2021-22", "2022-23"):
        mlfs = [r for r in rows["mlfs"] if in_season(r, season)]
        mlfs_days = sorted({r["game_date"] for r in mlfs})
        assert got[season]["mlfs"] == {
            "dates": len(mlfs_days),
            "first_date": mlfs_days[0].isoformat(),
            "last_date": mlfs_days[-1].isoformat(),
        }
        preds = [r for r in rows["predictions"] if in_season(r, season) and r["system_id"] == PUBLISHED]
        assert got[season]["predictions"] == {
            "system_id": PUBLISHED,
            "dates": len({r["game_date"] for r in preds}),
            "total": len(preds),
        }
        graded = [r for r in rows["graded"] if in_season(r, season) and r["system_id"] == PUBLISHED]
        errors = [r["absolute_error"] for r in graded if r["absolute_error"] is not None]
        assert any(r["is_voided"] for r in graded)  # the runbook counts voided rows, and averages real errors
        grading = got[season]["grading"]
        assert (grading["dates"], grading["total"]) == (len({r["game_date"] for r in graded}), len(graded))
        assert grading["avg_mae"] == pytest.approx(statistics.fmean(errors))
    # no tables rows in a season: zeros, not errors
    assert got["2023-24"]["mlfs"] == {"dates": 0, "first_date": None, "last_date": None}
    assert got["2023-24"]["predictions"]["total"] == 0 and got["2023-24"]["grading"]["total"] == 0
    # 5C from its marker, or the state
    assert got["2021-22"]["phase5c"] == {
        "state": "done",
        "status": "PASS",
        "n": 120,
        "mae_raw": 5.4321,
        "mae_adjusted": 5.4012,
        "mae_change": -0.0309,
    }
    assert got["2022-23"]["phase5c"]["state"] == "pending"

    text = format_status(status)
    line = next(
        line
        for line in text.splitlines()
        if line.startswith("| 2022-23") and "PASS" not in line and line.count("|") > 10
    )
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[1] == str(got["2022-23"]["mlfs"]["dates"])
    assert cells[5] == str(got["2022-23"]["predictions"]["total"])
    assert cells[8] == f"{got['2022-23']['grading']['avg_mae']:.2f}"
    assert "| PASS " in text and "-0.031" in text


def test_json_parses_and_has_the_same_numbers(run):
    write_runbook_tables(run)
    status = season_status(run.config)
    parsed = json.loads(status_json(status))
    assert parsed == status  # JSON-ready already: nothing changed on the way
    assert parsed["totals"]["failed"] == 2
    season = parsed["seasons"][1]
    assert season["season"] == "2022-23" and season["start"] == "2022-10-18"
    pcf = steps_by_name(season)["phase4", "pcf"]
    assert (pcf["done"], pcf["total"], pcf["failed"][0]["reason"]) == (2, 3, PCF_ERROR)
    assert isinstance(season["expected"]["mlfs"]["first_date"], str)
    dt.date.fromisoformat(season["expected"]["mlfs"]["first_date"])


def test_coverage_columns_and_cells_follow_the_chunks(run):
    season = run.config.season("2022-23")
    columns, grid, extra = coverage(run.config, season)
    assert columns == game_dates("2022-10-18", "2022-12-31")  # the preflight marker's schedule dates
    c3_first = dt.date.fromisoformat(FAILED_PCF_CHUNK[:10])
    assert [grid["pcf"][i] for i, day in enumerate(columns) if day >= c3_first] == ["failed"] * sum(
        day >= c3_first for day in columns
    )
    assert {grid["pcf"][i] for i, day in enumerate(columns) if day < c3_first} == {"done"}
    assert set(grid["grading"]) == {"pending"}
    assert len(extra["chunk_starts"]) == 3
    # no preflight marker, no chunk markers: the chunks' calendar days
    columns, grid, _ = coverage(run.config, run.config.season("2023-24"))
    assert columns[0] == dt.date(2023, 10, 24) and columns[-1] == dt.date(2023, 11, 30) and len(columns) == 38
    assert set(grid["tdza"]) == {"pending"}


def png_pixels(path):
    import matplotlib.image

    return matplotlib.image.imread(path)


def colour_count(pixels, colour: str) -> int:
    import numpy as np

    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(pixels[:, :, :3] * 255 - rgb) < 2).all(axis=2).sum())


def test_plot_writes_a_png_with_the_failed_chunk_in_red(run, tmp_path):
    (tmp_path / "out").mkdir()  # plotting creates no folder
    path = plot_status(run.config, tmp_path / "out" / "status.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
    width, height = struct.unpack(">II", data[16:24])
    assert width == 1400 and height > 400
    pixels = png_pixels(path)
    failed = colour_count(pixels, COLOURS["failed"])
    assert colour_count(pixels, COLOURS["done"]) > failed > 1000

    # without the failed log the chunk is pending: only the legend's swatch stays red
    (tmp_path / plan.log_path(plan.phase4_marker("pcf", "2022-23", FAILED_PCF_CHUNK))).unlink()
    control = colour_count(png_pixels(plot_status(run.config, tmp_path / "control.png")), COLOURS["failed"])
    assert 0 < control < failed / 5


def test_an_empty_run_reports_everything_pending(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = make_config(tmp_path)
    status = season_status(config)
    assert status["totals"]["done"] == 0 and status["totals"]["failed"] == 0
    assert status["totals"]["pending"] == status["totals"]["total"] == 67
    assert all(
        s["expected"]["grading"] == {"system_id": PUBLISHED, "dates": 0, "total": 0, "avg_mae": None}
        for s in status["seasons"]
    )
    assert "0/67 markers done" in format_status(status)
    assert plot_status(config, tmp_path / "empty.png").read_bytes()[:4] == b"\x89PNG"


def test_the_import_report_of_prop_lines_is_shown_once_for_the_seasons_that_recorded_it(run):
    lines = {
        "rows": 12,
        "other_markets": 2,  # not player points: not counted
        "imported": 7,
        "matched_share": 0.7,
        "without_snapshot": 0,
        "no_game": {"Houston Rockets @ Atlanta Hawks 2021-10-20 (event e1)": 1},
        "need_alias": {"Bub Carrington": {"rows": 1, "suggestions": ["carlton carrington"]}},
        "scratched": {"Joel Embiid 0022100001": 1},
        "ambiguous": {},
    }
    report = {"games": 2, "player_rows": 40, "dnp_rows": 3, "players": 20, "other_game_rows_skipped": 0, "lines": lines}
    for season in ("2021-22", "2022-23"):  # every season's import reads all the line files
        run.mark(plan.league_marker(season), phase="league", season=season, report=report)
    status = season_status(run.config, warehouse=False)
    counts = {"lines": 10, "matched": 7, "share": 0.7, "no_game": 1, "need_alias": 1, "scratched": 1, "ambiguous": 0}
    assert status["lines"] == [{"seasons": ["2021-22", "2022-23"], "counts": counts}]
    text = format_status(status)
    assert "Prop lines (the import recorded by 2021-22, 2022-23): 7 of 10 matched (70.0%)" in text
    assert "1 event(s) with no game, 1 name(s) that need an alias, 1 scratched player-game(s), 0 ambiguous" in text
    assert json.loads(status_json(status))["lines"] == status["lines"]


def test_without_imported_lines_status_says_nothing_of_them(run):
    status = season_status(run.config, warehouse=False)
    assert status["lines"] == [] and "Prop lines" not in format_status(status)
