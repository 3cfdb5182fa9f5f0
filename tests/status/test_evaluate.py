"""`evaluate`: MAE, bias, win rate per (season, system), the book line's MAE and the oracle's MAE, recomputed in
plain Python from hand-made prediction_accuracy and oracle rows."""

from __future__ import annotations

import datetime as dt
import random
import statistics

import pytest
from status_run import SEASONS, SYSTEMS, accuracy_row, game_dates, make_config, oracle_row, warehouse

from helpers import write_rows
from nba_backfill.evaluate import FIELDS, evaluate, format_evaluation

ENSEMBLE = "ensemble_v1"


def graded_rows(rng: random.Random) -> tuple[list[dict], list[dict]]:
    """Rows for 2021-22 and 2022-23 (none for 2023-24): every system on the same player-games; some voided, some
    without a line, some PASS, some pushes; oracle rows for most (not all) player-games."""
    rows, oracle = [], []
    for season in ("2021-22", "2022-23"):
        body = SEASONS[season]
        for day in rng.sample(game_dates(body["start"], body["end"]), 8):
            for p in range(5):
                player = f"player_{p}"
                actual = rng.randint(0, 35)
                line = rng.choice([None, float(actual), rng.randint(5, 30) + 0.5, rng.randint(5, 30) + 0.5])
                voided = rng.random() < 0.15
                for system in SYSTEMS:
                    predicted = round(actual + rng.gauss(0.5 if system == ENSEMBLE else -1.0, 5.0), 1)
                    rec = rng.choice(["OVER", "UNDER", "PASS"]) if line is not None else "NO_LINE"
                    rows.append(accuracy_row(day, player, system, max(predicted, 0.0), actual, line, rec, voided))
                if rng.random() < 0.9:
                    oracle.append(oracle_row(day, player, round(actual + rng.gauss(0, 4), 2)))
    # outside every season: must not count
    rows.append(accuracy_row(dt.date(2022, 7, 1), "player_0", ENSEMBLE, 50.0, 0, 20.5, "OVER"))
    oracle.append(oracle_row(dt.date(2022, 7, 1), "player_0", 40.0))
    return rows, oracle


def reference(rows: list[dict], oracle: list[dict], season: str) -> dict[str, dict]:
    """The report for one season in plain Python."""
    body = SEASONS[season]
    rows = [r for r in rows if body["start"] <= r["game_date"].isoformat() <= body["end"]]
    expected = {(o["player_lookup"], o["game_date"]): o["expected_points"] for o in oracle}
    ensemble = [r for r in rows if r["system_id"] == ENSEMBLE and not r["is_voided"]]
    with_line = [r for r in ensemble if r["line_value"] is not None]
    matched = [r for r in ensemble if (r["player_lookup"], r["game_date"]) in expected]
    out = {}
    for system in SYSTEMS:
        mine = [r for r in rows if r["system_id"] == system]
        live = [r for r in mine if not r["is_voided"]]
        bets = [r for r in mine if r["prediction_correct"] is not None]
        out[system] = {
            "season": season,
            "system_id": system,
            "n_rows": len(mine),
            "graded": len(live),
            "mae": statistics.fmean(abs(r["predicted_points"] - r["actual_points"]) for r in live),
            "bias": statistics.fmean(r["predicted_points"] - r["actual_points"] for r in live),
            "mae_line_rows": statistics.fmean(
                abs(r["predicted_points"] - r["actual_points"]) for r in live if r["line_value"] is not None
            ),
            "bets": len(bets),
            "wins": sum(r["prediction_correct"] for r in bets),
            "win_rate": sum(r["prediction_correct"] for r in bets) / len(bets),
            "line_rows": len(with_line),
            "line_mae": statistics.fmean(abs(r["actual_points"] - r["line_value"]) for r in with_line),
            "oracle_rows": len(matched),
            "oracle_mae": statistics.fmean(
                abs(r["actual_points"] - expected[r["player_lookup"], r["game_date"]]) for r in matched
            ),
        }
    return out


def test_metrics_match_plain_python(run):
    rows, oracle = graded_rows(random.Random(11))
    wh = warehouse(run)
    write_rows(wh, "nba_predictions.prediction_accuracy", rows)
    write_rows(wh, "nba_oracle.player_game_expectations", oracle)

    report = evaluate(run.config)
    assert [(r["season"], r["system_id"]) for r in report] == [
        (s, x) for s in ("2021-22", "2022-23") for x in sorted(SYSTEMS)
    ]
    for got in report:
        assert tuple(got) == FIELDS
        want = reference(rows, oracle, got["season"])[got["system_id"]]
        assert want["graded"] < want["n_rows"] and 0 < want["bets"] < want["graded"]  # the filters matter
        assert want["oracle_rows"] < want["line_rows"] or want["oracle_rows"] < want["graded"]
        assert got == pytest.approx(want)

    text = format_evaluation(report)
    want = reference(rows, oracle, "2022-23")
    line = next(t for t in text.splitlines() if t.startswith("| 2022-23") and f"| {ENSEMBLE} " in t)
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[4] == f"{want[ENSEMBLE]['mae']:.3f}"
    assert cells[6] == f"{want[ENSEMBLE]['bias']:+.3f}"
    assert cells[8] == f"{want[ENSEMBLE]['win_rate']:.1%}"
    oracle_line = next(t for t in text.splitlines() if t.startswith("| 2022-23") and "(oracle)" in t)
    assert f"{want[ENSEMBLE]['oracle_mae']:.3f}" in oracle_line
    book_line = next(t for t in text.splitlines() if t.startswith("| 2022-23") and "(book line)" in t)
    assert f"{want[ENSEMBLE]['line_mae']:.3f}" in book_line


def test_without_an_oracle_the_oracle_mae_is_none(run):
    rows, _ = graded_rows(random.Random(3))
    write_rows(warehouse(run), "nba_predictions.prediction_accuracy", rows)
    report = evaluate(run.config)
    assert report and all(r["oracle_mae"] is None and r["oracle_rows"] == 0 for r in report)
    assert "(oracle)" in format_evaluation(report)


def test_no_graded_rows_is_an_empty_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert evaluate(make_config(tmp_path)) == []
    assert format_evaluation([]) == "no graded predictions in any configured season\n"
