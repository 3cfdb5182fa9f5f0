"""`evaluate`: per (season, system) MAE on its rows and on the common rows, the line's MAE beside the system's,
the hit rate, the oracle's MAE, MAE per confidence decile — recomputed in plain Python from hand-made
prediction_accuracy and oracle rows; the CLI's --json and --plot."""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics

import pytest
from click.testing import CliRunner
from status_run import PUBLISHED, SEASONS, SYSTEMS, accuracy_row, game_dates, make_config, oracle_row, warehouse

from helpers import write_rows
from nba_backfill.cli import main
from nba_backfill.evaluate import (
    BREAK_EVEN,
    DECILE_FIELDS,
    FIELDS,
    MIN_EDGE_SOURCE,
    evaluate,
    format_evaluation,
    spearman,
)

ACCURACY = "nba_predictions.prediction_accuracy"
ORACLE = "nba_oracle.player_game_expectations"


def graded_rows(rng: random.Random) -> tuple[list[dict], list[dict]]:
    """Rows for 2021-22 and 2022-23 (none for 2023-24): each system on most player-games (some skipped, so the
    common rows are fewer than any system's); some voided, some without a line, some PASS, some pushes; the
    published system's confidence tracks its error; oracle rows for most (not all) player-games."""
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
                    if system != PUBLISHED and rng.random() < 0.1:
                        continue  # this system did not predict the player-game
                    noise = rng.gauss(0.5 if system == PUBLISHED else -1.0, 5.0)
                    predicted = max(round(actual + noise, 1), 0.0)
                    confidence = round(1 / (1 + abs(noise)), 4) if system == PUBLISHED else rng.random()
                    rec = rng.choice(["OVER", "UNDER", "PASS"]) if line is not None else "NO_LINE"
                    rows.append(accuracy_row(day, player, system, predicted, actual, line, rec, voided, confidence))
                if rng.random() < 0.9:
                    oracle.append(oracle_row(day, player, round(actual + rng.gauss(0, 4), 2)))
    # outside every season: must not count
    rows.append(accuracy_row(dt.date(2022, 7, 1), "player_0", PUBLISHED, 50.0, 0, 20.5, "OVER", confidence=0.5))
    oracle.append(oracle_row(dt.date(2022, 7, 1), "player_0", 40.0))
    return rows, oracle


def error(r: dict) -> float:
    return abs(r["predicted_points"] - r["actual_points"])


def reference(rows: list[dict], oracle: list[dict], season: str) -> dict[str, dict]:
    """The report's system rows for one season in plain Python."""
    body = SEASONS[season]
    rows = [r for r in rows if body["start"] <= r["game_date"].isoformat() <= body["end"]]
    live = [r for r in rows if not r["is_voided"]]
    systems_of: dict[tuple, set] = {}
    for r in live:
        systems_of.setdefault((r["game_date"], r["player_lookup"]), set()).add(r["system_id"])
    common = {k for k, v in systems_of.items() if len(v) == len({r["system_id"] for r in live})}
    expected = {(o["player_lookup"], o["game_date"]): o["expected_points"] for o in oracle}
    matched = [r for r in live if r["system_id"] == PUBLISHED and (r["player_lookup"], r["game_date"]) in expected]
    out = {}
    for system in SYSTEMS:
        mine = [r for r in live if r["system_id"] == system]
        shared = [r for r in mine if (r["game_date"], r["player_lookup"]) in common]
        lined = [r for r in mine if r["line_value"] is not None]
        bets = [r for r in mine if r["prediction_correct"] is not None]
        out[system] = {
            "season": season,
            "system_id": system,
            "published": system == PUBLISHED,
            "n_rows": len([r for r in rows if r["system_id"] == system]),
            "graded": len(mine),
            "mae": statistics.fmean(map(error, mine)),
            "bias": statistics.fmean(r["predicted_points"] - r["actual_points"] for r in mine),
            "common_rows": len(shared),
            "mae_common": statistics.fmean(map(error, shared)),
            "line_rows": len(lined),
            "mae_line_rows": statistics.fmean(map(error, lined)),
            "line_mae": statistics.fmean(abs(r["actual_points"] - r["line_value"]) for r in lined),
            "bets": len(bets),
            "wins": sum(r["prediction_correct"] for r in bets),
            "win_rate": sum(r["prediction_correct"] for r in bets) / len(bets),
            "oracle_rows": len(matched),
            "oracle_mae": statistics.fmean(
                abs(r["actual_points"] - expected[r["player_lookup"], r["game_date"]]) for r in matched
            ),
        }
    return out


def reference_deciles(rows: list[dict], season: str, system: str) -> list[float]:
    """MAE of ten equal groups by confidence (NTILE: the first len % 10 groups get one row more)."""
    body = SEASONS[season]
    mine = sorted(
        (
            r
            for r in rows
            if r["system_id"] == system
            and not r["is_voided"]
            and body["start"] <= r["game_date"].isoformat() <= body["end"]
        ),
        key=lambda r: (r["confidence_score"], r["game_date"], r["player_lookup"]),
    )
    size, extra = divmod(len(mine), 10)
    out, start = [], 0
    for k in range(10):
        n = size + (k < extra)
        out.append(statistics.fmean(map(error, mine[start : start + n])))
        start += n
    return out


@pytest.fixture
def graded(run):
    rows, oracle = graded_rows(random.Random(11))
    write_rows(warehouse(run), ACCURACY, rows)
    write_rows(warehouse(run), ORACLE, oracle)
    return rows, oracle


def test_metrics_match_plain_python(run, graded):
    rows, oracle = graded
    report = evaluate(run.config)
    assert [(r["season"], r["system_id"]) for r in report["systems"]] == [
        (s, x) for s in ("2021-22", "2022-23") for x in sorted(SYSTEMS)
    ]
    for got in report["systems"]:
        assert tuple(got) == FIELDS
        want = reference(rows, oracle, got["season"])[got["system_id"]]
        assert want["graded"] < want["n_rows"] and 0 < want["bets"] < want["graded"]  # the filters matter
        assert 0 < want["common_rows"] < want["graded"]  # common rows are fewer than the system's own
        assert want["oracle_rows"] < reference(rows, oracle, got["season"])[PUBLISHED]["graded"]  # not all matched
        assert got == pytest.approx(want)

    text = format_evaluation(report)
    want = reference(rows, oracle, "2022-23")[PUBLISHED]
    line = next(t for t in text.splitlines() if t.startswith("| 2022-23") and f"| {PUBLISHED} *" in t)
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[3] == f"{want['mae']:.3f}" and cells[5] == f"{want['mae_common']:.3f}"
    assert cells[7] == f"{want['mae_line_rows']:.3f}" and cells[8] == f"{want['line_mae']:.3f}"
    assert cells[10] == f"{want['win_rate']:.1%}"
    assert cells[11] == f"{100 * (want['win_rate'] - 0.5238095):+.1f}"
    oracle_line = next(t for t in text.splitlines() if t.startswith("| 2022-23") and "(oracle)" in t)
    assert f"{want['oracle_mae']:.3f}" in oracle_line
    assert BREAK_EVEN == pytest.approx(0.5238, abs=1e-4)


def test_mae_per_confidence_decile_matches_plain_python(run, graded):
    rows, _ = graded
    report = evaluate(run.config)
    for season in ("2021-22", "2022-23"):
        for system in SYSTEMS:
            mine = [d for d in report["deciles"] if (d["season"], d["system_id"]) == (season, system)]
            assert all(tuple(d) == DECILE_FIELDS for d in mine)
            assert [d["decile"] for d in mine] == list(range(1, 11))
            assert [d["mae"] for d in mine] == pytest.approx(reference_deciles(rows, season, system))
    rho = {(s["season"], s["system_id"]): s["spearman"] for s in report["spearman"]}
    # the published system's confidence was made from its error: its deciles' MAE falls all the way
    assert rho["2022-23", PUBLISHED] == pytest.approx(-1.0)
    assert rho["2022-23", "xgboost_v1"] > -0.9  # a random confidence does not
    text = format_evaluation(report)
    assert "MAE by confidence decile" in text


def test_spearman():
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
    assert spearman([1, 2], [2, 1]) is None and spearman([1, 2, 3], [5, 5, 5]) is None


def test_without_an_oracle_the_oracle_column_says_so(run):
    rows, _ = graded_rows(random.Random(3))
    write_rows(warehouse(run), ACCURACY, rows)
    report = evaluate(run.config)
    assert report["systems"] and all(r["oracle_mae"] is None and r["oracle_rows"] == 0 for r in report["systems"])
    oracle_line = next(t for t in format_evaluation(report).splitlines() if "(oracle)" in t)
    assert [c.strip() for c in oracle_line.strip("|").split("|")][3] == "—"


def test_no_graded_rows_is_an_empty_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert evaluate(make_config(tmp_path)) == {
        "systems": [],
        "deciles": [],
        "spearman": [],
        "bets": [],
        "min_edge": {"points": 1.5, "source": MIN_EDGE_SOURCE},
    }
    assert format_evaluation({"systems": [], "deciles": [], "spearman": []}) == (
        "no graded predictions in any configured season\n"
    )


def invoke(run, *args: str):
    config = run.root / "seasons.yaml"
    config.write_text(json.dumps(run.config.raw))
    return CliRunner().invoke(main, ["--configfile", str(config), "evaluate", *args])


def test_cli_json_and_plot(run, graded):
    (run.root / "out").mkdir()  # --plot creates no folder
    result = invoke(run, "--json", "--plot", "out/evaluate.png")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body == json.loads(json.dumps(evaluate(run.config)))
    png = run.root / "out" / "evaluate.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_cli_unwritable_plot_path_is_one_line_exit_2(run, graded):
    (run.root / "blocker").write_text("a file, not a folder")
    result = invoke(run, "--plot", "blocker/evaluate.png")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --plot blocker/evaluate.png: cannot write it (")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
