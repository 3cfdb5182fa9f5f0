"""Phase 5 queries on hand-made rows, expected answers by hand or plain Python: tier adjustments (5A), their
application, grading (5B) and the 5C same-rows MAE comparison."""

from __future__ import annotations

import math
import statistics

import pytest

from helpers import base_config, d, write_rows
from nba_backfill.config import validate_config
from nba_backfill.phase5 import tier_learning
from nba_backfill.plan import key_dates
from nba_backfill.processors import SQL_DIR
from nba_backfill.tables import table_schema
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

PGS = "nba_analytics.player_game_summary"
PREDICTIONS = "nba_predictions.player_prop_predictions"
ACCURACY = "nba_predictions.prediction_accuracy"
TIERS = "nba_predictions.scoring_tier_adjustments"
ENSEMBLE = "ensemble_v1"
BASELINE = "moving_average_baseline_v1"


def sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text()


def run(warehouse: DuckDBWarehouse, name: str, **params) -> list[dict]:
    return warehouse.query(sql(name), params).dicts()


def prediction(
    player: str,
    day: str,
    predicted: float,
    line: float | None = 20.5,
    rec: str = "OVER",
    system: str = ENSEMBLE,
    season_avg: float | None = 15.0,
    conf: float = 0.7,
    **extra,
) -> dict:
    return {
        "prediction_id": f"{day}_{player}_{system}",
        "system_id": system,
        "player_lookup": player,
        "game_date": d(day),
        "game_id": f"{d(day):%Y%m%d}_BOS_NYK",
        "team_abbr": "NYK",
        "opponent_team_abbr": "BOS",
        "predicted_points": predicted,
        "confidence_score": conf,
        "recommendation": rec,
        "has_prop_line": line is not None,
        "current_points_line": line,
        "season_avg_points": season_avg,
        **extra,
    }


def box(player: str, day: str, points: int | None, minutes: float | None = 30.0, is_dnp: bool | None = False) -> dict:
    return {
        "player_lookup": player,
        "game_id": f"{d(day):%Y%m%d}_BOS_NYK",
        "game_date": d(day),
        "team_abbr": "NYK",
        "opponent_team_abbr": "BOS",
        "points": points,
        "minutes_played": minutes,
        "is_dnp": is_dnp,
    }


# -- grading ---------------------------------------------------------------------------------------------------------
def grade_reference(p: dict, b: dict | None) -> dict:
    """The SPEC's grading rules in plain Python."""
    if b is None:
        void = "no_box_score"
    elif b["is_dnp"] or b["points"] is None or (b["points"] == 0 and not b["minutes_played"]):
        void = "dnp"
    else:
        void = None
    actual = None if void else b["points"]
    pred, adj = p["predicted_points"], p.get("adjusted_points")
    line, rec = p["current_points_line"], p["recommendation"]
    err = None if actual is None else pred - actual
    adj_err = None if actual is None or adj is None else adj - actual
    push = actual is not None and line is not None and actual == line
    correct = None
    if rec in ("OVER", "UNDER") and line is not None and actual is not None and not push:
        correct = (actual > line) == (rec == "OVER")
    return {
        "actual_points": None if b is None else b["points"],
        "absolute_error": None if err is None else abs(err),
        "signed_error": err,
        "adjusted_absolute_error": None if adj_err is None else abs(adj_err),
        "adjusted_signed_error": adj_err,
        "prediction_correct": correct,
        "is_push": push,
        "is_voided": void is not None,
        "void_reason": void,
        "predicted_margin": None if line is None else pred - line,
        "actual_margin": None if line is None or actual is None else actual - line,
        "within_3_points": None if err is None else abs(err) <= 3,
        "within_5_points": None if err is None else abs(err) <= 5,
        "line_value": line,
        "confidence_decile": min(10, int(p["confidence_score"] * 10 // 1) + 1),
    }


DAY = "2024-12-10"
GRADING_CASES = {
    # name: (prediction, box score)
    "over_win": (
        prediction("over_win", DAY, 25.3, 20.5, "OVER", conf=0.72, adjusted_points=26.8),
        box("over_win", DAY, 24),
    ),
    "under_loss": (
        prediction("under_loss", DAY, 12.0, 15.5, "UNDER", conf=0.66, adjusted_points=12.0),
        box("under_loss", DAY, 18),
    ),
    "push": (prediction("push", DAY, 21.0, 20.0, "OVER", conf=0.7), box("push", DAY, 20)),
    "pass": (prediction("pass", DAY, 10.0, 11.5, "PASS", conf=0.41), box("pass", DAY, 9)),
    "no_line": (prediction("no_line", DAY, 8.0, None, "NO_LINE", conf=0.3), box("no_line", DAY, 14)),
    "dnp": (
        prediction("dnp", DAY, 16.0, 15.5, "OVER", conf=0.8, adjusted_points=17.0),
        box("dnp", DAY, 0, 0.0, is_dnp=True),
    ),
    "zero_no_minutes": (
        prediction("zero_no_minutes", DAY, 6.0, 5.5, "UNDER", conf=0.95),
        box("zero_no_minutes", DAY, 0, None, is_dnp=None),
    ),
    "no_box_score": (prediction("no_box_score", DAY, 9.0, 8.5, "OVER", conf=1.0), None),
}


def test_grading_follows_the_spec_row_by_row(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    write_rows(
        warehouse,
        PREDICTIONS,
        [p for p, _ in GRADING_CASES.values()]
        + [prediction("over_win", "2024-12-11", 30.0)]  # outside the graded range
        + [prediction("foreign", DAY, 30.0, system="live_system_v7")],  # not a system of the backfill
    )
    write_rows(warehouse, PGS, [b for _, b in GRADING_CASES.values() if b is not None])

    params = {"start_date": d(DAY), "end_date": d(DAY), "system_ids": [ENSEMBLE]}
    warehouse.replace_partitions(ACCURACY, sql("grading"), d(DAY), d(DAY), params)
    rows = {r["player_lookup"]: r for r in warehouse.query(f"SELECT * FROM {ACCURACY}").dicts()}

    assert set(rows) == set(GRADING_CASES)
    for name, (p, b) in GRADING_CASES.items():
        expected = grade_reference(p, b)
        got = {k: rows[name][k] for k in expected}
        assert got == pytest.approx(expected), name
    # the headline facts, by hand
    assert [rows[n]["prediction_correct"] for n in ("over_win", "under_loss", "push", "pass", "no_line", "dnp")] == [
        True,
        False,
        None,
        None,
        None,
        None,
    ]
    assert rows["push"]["is_push"] and rows["push"]["absolute_error"] == pytest.approx(1.0)
    assert rows["no_line"]["absolute_error"] == pytest.approx(6.0) and rows["no_line"]["actual_margin"] is None
    assert rows["over_win"]["adjusted_absolute_error"] == pytest.approx(2.8)
    assert rows["push"]["adjusted_absolute_error"] is None  # no adjusted_points on this row
    assert [
        (rows[n]["is_voided"], rows[n]["void_reason"], rows[n]["absolute_error"])
        for n in ("dnp", "zero_no_minutes", "no_box_score")
    ] == [(True, "dnp", None), (True, "dnp", None), (True, "no_box_score", None)]
    assert [rows[n]["confidence_decile"] for n in ("over_win", "no_line", "no_box_score")] == [8, 4, 10]


# -- tier adjustments (5A) ----------------------------------------------------------------------------------------
A1, A2 = "2024-12-01", "2024-12-15"
LOOKBACK, MIN_SAMPLE = 10, 3
# the z a holdout gain must clear (the pipeline passes the season's Bonferroni level: nba_backfill.phase5.tier_learning)
MIN_Z = 2.5
# (player, day, predicted, actual, line, recommendation, season average); actual None = DNP
TIER_GAMES = [
    # STARTER (season avg 20-29), in A1's window [11-21, 12-01): errors -4, -2, -3, +1
    ("s1", "2024-11-21", 20.0, 24, 21.5, "OVER", 22.0),  # OVER won
    ("s2", "2024-11-25", 22.0, 24, 24.0, "UNDER", 25.0),  # push: not a decided call
    ("s3", "2024-11-28", 18.0, 21, 19.5, "UNDER", 20.0),  # UNDER lost
    ("s4", "2024-11-30", 25.0, 24, 23.5, "PASS", 29.9),  # PASS: not a call
    ("s5", "2024-11-20", 10.0, 40, 20.5, "OVER", 24.0),  # one day before the window
    ("s6", A1, 0.0, 50, 20.5, "UNDER", 23.0),  # ON the key date: outcomes of A are not known at A
    # STAR (30+): only two games -> below the minimum sample, no row
    ("t1", "2024-11-22", 28.0, 35, 30.5, "UNDER", 31.0),
    ("t2", "2024-11-23", 30.0, 33, 30.5, "OVER", 30.0),
    # BENCH (under 10, or no season average): three played games and a DNP that must not count
    ("b1", "2024-11-22", 6.0, 4, None, "NO_LINE", None),
    ("b2", "2024-11-24", 7.5, 9, 6.5, "OVER", 9.9),
    ("b3", "2024-11-26", 5.0, 2, 5.5, "UNDER", 0.0),
    ("b4", "2024-11-27", 8.0, None, 7.5, "OVER", 8.0),
    # ROTATION (10-19), in A2's window [12-05, 12-15) only
    ("r1", "2024-12-05", 12.0, 15, 13.5, "UNDER", 12.0),
    ("r2", "2024-12-10", 14.0, 11, 13.5, "OVER", 19.9),
    ("r3", "2024-12-14", 16.0, 16, 14.5, "OVER", 10.0),
    ("r4", A2, 0.0, 60, 14.5, "OVER", 15.0),  # ON the key date
]
TIER_BOUNDS = {
    "STAR_30PLUS": (30.0, None, 1.0),
    "STARTER_20_29": (20.0, 30.0, 0.75),
    "ROTATION_10_19": (10.0, 20.0, 0.5),
    "BENCH_0_9": (0.0, 10.0, 0.5),
}


def tier_of(season_avg: float | None) -> str:
    avg = season_avg or 0.0
    return next(tier for tier, (low, _, _) in TIER_BOUNDS.items() if avg >= low or tier == "BENCH_0_9")


def tier_reference(key_day: str) -> dict[str, dict]:
    """The 5A statistics in plain Python."""
    start, holdout = d(key_day).toordinal() - LOOKBACK, d(key_day).toordinal() - LOOKBACK // 2
    by_tier: dict[str, list] = {}
    for _, day, pred, actual, line, rec, avg in TIER_GAMES:
        if actual is not None and start <= d(day).toordinal() < d(key_day).toordinal():
            by_tier.setdefault(tier_of(avg), []).append(
                (pred - actual, actual, line, rec, d(day).toordinal() >= holdout)
            )
    out = {}
    for tier, games in by_tier.items():
        if len(games) < MIN_SAMPLE:
            continue
        errors = [g[0] for g in games]
        calls = [
            (a > line) == (rec == "OVER")
            for _, a, line, rec, _ in games
            if line is not None and rec in ("OVER", "UNDER") and a != line
        ]
        std = statistics.stdev(errors)
        low, high, factor = TIER_BOUNDS[tier]
        fit = [g[0] for g in games if not g[4]]
        held = [g[0] for g in games if g[4]]
        m = statistics.median(fit) if fit else 0.0
        share, best = 0.0, 0.0
        for s in (0.25, 0.5, 0.75, 1.0):
            gains = [abs(e) - abs(e - s * factor * m) for e in held]
            gain = statistics.mean(gains) if len(gains) > 1 else 0.0
            if len(gains) > 1 and gain > MIN_Z * statistics.stdev(gains) / len(gains) ** 0.5 and gain > best:
                share, best = s, gain
        out[tier] = {
            "sample_size": len(games),
            "avg_signed_error": statistics.mean(errors),
            "avg_absolute_error": statistics.mean(abs(e) for e in errors),
            "std_signed_error": std,
            "recommended_adjustment": -statistics.median(errors),
            "scale_factor": factor,
            "adjustment_confidence": share,
            "current_win_rate": sum(calls) / len(calls) if calls else None,
            "tier_min_points": low,
            "tier_max_points": high,
            "lookback_days": LOOKBACK,
            "system_id": ENSEMBLE,
        }
    return out


def write_tier_games(warehouse: DuckDBWarehouse) -> None:
    preds, boxes = [], []
    for player, day, pred, actual, line, rec, avg in TIER_GAMES:
        preds.append(prediction(player, day, pred, line, rec, season_avg=avg))
        preds.append(prediction(player, day, 0.0, line, rec, system=BASELINE, season_avg=avg))  # another system
        boxes.append(box(player, day, 0, 0.0, is_dnp=True) if actual is None else box(player, day, actual))
    write_rows(warehouse, PREDICTIONS, preds)
    write_rows(warehouse, PGS, boxes)


def test_tier_adjustments_use_games_strictly_before_each_key_date(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    write_tier_games(warehouse)

    rows = run(
        warehouse,
        "tier_adjustments",
        start_date=d(A1),
        end_date=d(A2),
        key_dates=[d(A1), d(A2)],
        lookback_days=LOOKBACK,
        min_sample=MIN_SAMPLE,
        system_id=ENSEMBLE,
        min_z=MIN_Z,
    )

    got = {(r["as_of_date"].isoformat(), r["scoring_tier"]): r for r in rows}
    expected = {(day, tier): values for day in (A1, A2) for tier, values in tier_reference(day).items()}
    # by hand: A1 has STARTER (4 games, the key-date game left out) and BENCH (3, the DNP left out); STAR has
    # only 2 games; A2 has ROTATION only (the 12-15 game is on the key date)
    assert sorted(got) == [(A1, "BENCH_0_9"), (A1, "STARTER_20_29"), (A2, "ROTATION_10_19")]
    assert sorted(expected) == sorted(got)
    for key, values in expected.items():
        assert {k: got[key][k] for k in values} == pytest.approx(values), key
    starter = got[(A1, "STARTER_20_29")]
    assert (starter["sample_size"], starter["avg_signed_error"], starter["recommended_adjustment"]) == (4, -2.0, 2.5)
    assert starter["current_win_rate"] == 0.5  # one won OVER, one lost UNDER; the push and the PASS don't count
    assert list(rows[0]) == table_schema(TIERS).column_names


def test_tier_adjustments_without_enough_games_give_no_rows(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    write_tier_games(warehouse)
    rows = run(
        warehouse,
        "tier_adjustments",
        start_date=d(A1),
        end_date=d(A2),
        key_dates=[d(A1), d(A2)],
        lookback_days=LOOKBACK,
        min_sample=5,
        system_id=ENSEMBLE,
        min_z=MIN_Z,
    )
    assert rows == []


def test_tier_adjustments_depend_on_the_key_dates_not_on_the_span_around_them(tmp_path):
    # the span only bounds the partitions read (for pruning); a season-wide span learns the same rows
    warehouse = DuckDBWarehouse(tmp_path)
    write_tier_games(warehouse)
    params = {
        "key_dates": [d(A1), d(A2)],
        "lookback_days": LOOKBACK,
        "min_sample": MIN_SAMPLE,
        "system_id": ENSEMBLE,
        "min_z": MIN_Z,
    }

    tight = run(warehouse, "tier_adjustments", start_date=d(A1), end_date=d(A2), **params)
    wide = run(
        warehouse,
        "tier_adjustments",
        start_date=d("2024-10-01"),
        end_date=d("2025-02-01"),
        **params,
    )

    assert len(tight) == 3
    key = lambda r: (r["as_of_date"], r["scoring_tier"])  # noqa: E731
    assert sorted(wide, key=key) == sorted(tight, key=key)


# -- applying the adjustments --------------------------------------------------------------------------------------
def adjustment(as_of: str, tier: str, recommended: float, system: str = ENSEMBLE, share: float = 1.0) -> dict:
    return {
        "as_of_date": d(as_of),
        "system_id": system,
        "scoring_tier": tier,
        "sample_size": 20,
        "lookback_days": 30,
        "recommended_adjustment": recommended,
        "scale_factor": TIER_BOUNDS[tier][2],
        "adjustment_confidence": share,
    }


ADJUSTMENTS = [
    adjustment("2024-12-01", "STARTER_20_29", 2.0),
    adjustment("2024-12-15", "STARTER_20_29", 4.0),
    adjustment("2024-12-20", "STARTER_20_29", 10.0),  # after every game below
    adjustment("2024-12-01", "BENCH_0_9", -1.0),
    adjustment("2024-12-15", "STAR_30PLUS", 3.0, system=BASELINE),  # another system's
    adjustment("2024-04-01", "ROTATION_10_19", 6.0),  # last season's: seasons never read each other
]
APPLY_RANGE = ("2024-12-14", "2024-12-15")
SEASON_START = d("2024-10-22")
APPLY_PARAMS = {"season_start": SEASON_START, "system_id": ENSEMBLE, "lookback_days": 30}
# the holdout halves (the 15 days before each key date) of 12-01 and 12-15 were predicted by a model without id
HOLDOUT_ROWS = [prediction("holdout", "2024-11-20", 10.0), prediction("holdout", "2024-12-10", 10.0)]


def write_applied(warehouse: DuckDBWarehouse) -> None:
    write_rows(warehouse, TIERS, ADJUSTMENTS)
    write_rows(
        warehouse,
        PREDICTIONS,
        [
            *HOLDOUT_ROWS,
            prediction("starter", "2024-12-14", 22.0, season_avg=24.0),
            prediction("starter", "2024-12-15", 23.0, season_avg=24.0),
            prediction("rotation", "2024-12-15", 14.0, season_avg=12.0),  # none for its tier this season: 0
            prediction("bench", "2024-12-15", 5.0, season_avg=None),
            prediction("star", "2024-12-15", 33.0, season_avg=31.0),  # only another system has STAR rows
            prediction(
                "starter",
                "2024-12-15",
                21.0,
                system=BASELINE,
                season_avg=24.0,
                scoring_tier="STALE",
                tier_adjustment=9.0,
                adjusted_points=30.0,
            ),
            prediction("starter", "2024-12-16", 25.0, season_avg=24.0),  # outside the range
        ],
    )


def test_apply_uses_the_latest_adjustment_on_or_before_the_game_date(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    write_applied(warehouse)
    first, last = d(APPLY_RANGE[0]), d(APPLY_RANGE[1])

    warehouse.replace_partitions(
        PREDICTIONS,
        sql("apply_tier_adjustments"),
        first,
        last,
        {"start_date": first, "end_date": last, **APPLY_PARAMS},
        owned={"system_id": (ENSEMBLE,)},
    )
    rows = warehouse.query(f"SELECT * FROM {PREDICTIONS}").dicts()

    got = {
        (r["player_lookup"], r["game_date"].isoformat(), r["system_id"]): (
            r["scoring_tier"],
            r["tier_adjustment"],
            r["adjusted_points"],
            r["tier_as_of_date"],
        )
        for r in rows
    }
    assert got == {
        ("starter", "2024-12-14", ENSEMBLE): ("STARTER_20_29", 1.5, 23.5, d("2024-12-01")),  # 2.0 x 0.75
        ("starter", "2024-12-15", ENSEMBLE): ("STARTER_20_29", 3.0, 26.0, d("2024-12-15")),  # 4.0 x 0.75
        ("rotation", "2024-12-15", ENSEMBLE): ("ROTATION_10_19", 0.0, 14.0, None),
        ("bench", "2024-12-15", ENSEMBLE): ("BENCH_0_9", -0.5, 4.5, d("2024-12-01")),  # -1.0 x 0.5
        ("star", "2024-12-15", ENSEMBLE): ("STAR_30PLUS", 0.0, 33.0, None),
        ("starter", "2024-12-15", BASELINE): ("STALE", 9.0, 30.0, None),  # another system's row: as it was
        ("starter", "2024-12-16", ENSEMBLE): (None, None, None, None),  # untouched partition
        ("holdout", "2024-11-20", ENSEMBLE): (None, None, None, None),  # before the range: untouched
        ("holdout", "2024-12-10", ENSEMBLE): (None, None, None, None),
    }


def test_a_correction_is_applied_only_to_rows_of_a_model_that_predicted_its_holdout(tmp_path):
    """12-01's holdout (11-16..11-30) was predicted by model m1, 12-15's (11-30..12-14) by m1 and m2. A row of m1 on
    12-14 takes 12-01's correction; on 12-15 a row of m2 takes 12-15's, a row of m3 (a retrain after the key
    date) takes none, and never falls back to 12-01's."""
    warehouse = DuckDBWarehouse(tmp_path)
    write_rows(warehouse, TIERS, ADJUSTMENTS)
    model = lambda player, day, m: prediction(player, day, 22.0, season_avg=24.0, ml_model_id=m)  # noqa: E731
    write_rows(warehouse, PREDICTIONS, [
        model("h1", "2024-11-20", "m1"), model("h2", "2024-12-10", "m2"), model("h3", "2024-12-05", "m1"),
        model("a", "2024-12-14", "m1"), model("b", "2024-12-15", "m2"), model("c", "2024-12-15", "m3"),
    ])  # fmt: skip
    first, last = d(APPLY_RANGE[0]), d(APPLY_RANGE[1])
    rows = run(warehouse, "apply_tier_adjustments", start_date=first, end_date=last, **APPLY_PARAMS)
    got = {r["player_lookup"]: (r["tier_adjustment"], r["tier_as_of_date"]) for r in rows}
    assert got == {"a": (1.5, d("2024-12-01")), "b": (3.0, d("2024-12-15")), "c": (0.0, None)}


def test_apply_returns_exactly_the_prediction_columns(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    write_applied(warehouse)
    params = {"start_date": d(APPLY_RANGE[0]), "end_date": d(APPLY_RANGE[1]), **APPLY_PARAMS}
    result = warehouse.query(sql("apply_tier_adjustments"), params)
    assert result.columns == table_schema(PREDICTIONS).column_names
    assert len(result.rows) == 5  # the ensemble's rows in the range, not the baseline's


# -- 5C: raw vs adjusted MAE over the same rows --------------------------------------------------------------------
def test_tier_check_compares_identical_rows_zero_adjustments_included(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    write_applied(warehouse)
    first, last = d(APPLY_RANGE[0]), d(APPLY_RANGE[1])
    params = {"start_date": first, "end_date": last, **APPLY_PARAMS}
    write_rows(
        warehouse,
        PGS,
        [
            box("starter", "2024-12-14", 25),
            box("starter", "2024-12-15", 24),
            box("rotation", "2024-12-15", 17),
            box("bench", "2024-12-15", 3),
            box("star", "2024-12-15", 0, 0.0, is_dnp=True),  # DNP: voided, left out
        ],
    )
    warehouse.replace_partitions(
        PREDICTIONS, sql("apply_tier_adjustments"), first, last, params, {"system_id": (ENSEMBLE,)}
    )
    grading = {"start_date": first, "end_date": last, "system_ids": [ENSEMBLE, BASELINE]}
    warehouse.replace_partitions(ACCURACY, sql("grading"), first, last, grading)

    (check,) = run(warehouse, "tier_check", **params)

    # by hand: |pred - actual| and |adjusted - actual| over the same four ensemble rows; the rotation row's
    # adjustment is 0 so it adds 3.0 to both sides
    raw = [abs(22.0 - 25), abs(23.0 - 24), abs(14.0 - 17), abs(5.0 - 3)]  # 3, 1, 3, 2
    adjusted = [abs(23.5 - 25), abs(26.0 - 24), abs(14.0 - 17), abs(4.5 - 3)]  # 1.5, 2, 3, 1.5
    assert check["n"] == 4
    assert check["mae_raw"] == pytest.approx(statistics.mean(raw)) == pytest.approx(2.25)
    assert check["mae_adjusted"] == pytest.approx(statistics.mean(adjusted)) == pytest.approx(2.0)
    assert check["mae_change"] == pytest.approx(-0.25)
    assert check["is_improving"] is True


def test_tier_check_leaves_out_voided_rows_and_rows_missing_either_error(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)

    def graded(player: str, raw: float | None, adjusted: float | None, voided=False, system=ENSEMBLE) -> dict:
        return {
            "player_lookup": player,
            "game_date": d("2024-12-15"),
            "system_id": system,
            "absolute_error": raw,
            "adjusted_absolute_error": adjusted,
            "is_voided": voided,
        }

    write_rows(
        warehouse,
        ACCURACY,
        [
            graded("a", 4.0, 2.0),
            graded("b", 1.0, 1.0),
            graded("c", 9.0, None),  # no adjusted error: on neither side
            graded("e", None, None, voided=True),
            graded("f", 10.0, 0.0, system=BASELINE),
        ],
    )
    (check,) = run(warehouse, "tier_check", start_date=d("2024-12-15"), end_date=d("2024-12-15"), system_id=ENSEMBLE)
    assert check == pytest.approx(
        {"n": 2, "mae_raw": 2.5, "mae_adjusted": 1.5, "mae_change": -1.0, "is_improving": True, "is_not_worse": True}
    )


def test_tier_check_with_nothing_graded_reports_zero_rows(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path)
    write_rows(
        warehouse,
        ACCURACY,
        [
            {
                "player_lookup": "x",
                "game_date": d("2024-12-15"),
                "system_id": BASELINE,
                "absolute_error": 1.0,
                "adjusted_absolute_error": 1.0,
                "is_voided": False,
            }
        ],
    )
    (check,) = run(warehouse, "tier_check", start_date=d("2024-12-15"), end_date=d("2024-12-15"), system_id=ENSEMBLE)
    assert check == {
        "n": 0,
        "mae_raw": None,
        "mae_adjusted": None,
        "mae_change": None,
        "is_improving": None,
        "is_not_worse": None,
    }


def test_a_correction_is_applied_only_where_it_clearly_helped_and_none_leaves_adjusted_equal_to_raw(tmp_path):
    """Key date 12-15, lookback 10 (holdout 12-10..12-14): the bench tier is under-predicted by 3 every game, so
    the earlier half's median (3) helps every holdout game and its full share is kept; the rotation tier errs by
    +3 and -3 in turn, its earlier half's median (-3: three of five) hurts the holdout: share 0, and its adjusted
    points are its raw points exactly."""
    warehouse = DuckDBWarehouse(tmp_path)
    days = [f"2024-12-{day:02d}" for day in range(5, 17)]
    preds, boxes = [], []
    for i, day in enumerate(days):
        preds.append(prediction(f"bench{i}", day, 4.0, None, "NO_LINE", season_avg=6.0))
        boxes.append(box(f"bench{i}", day, 7))
        preds.append(prediction(f"rot{i}", day, 15.0, None, "NO_LINE", season_avg=15.0))
        boxes.append(box(f"rot{i}", day, 12 if i % 2 else 18))
    write_rows(warehouse, PREDICTIONS, preds)
    write_rows(warehouse, PGS, boxes)
    key = d("2024-12-15")
    rows = run(
        warehouse, "tier_adjustments", start_date=key, end_date=key, key_dates=[key], lookback_days=10,
        min_sample=3, system_id=ENSEMBLE, min_z=MIN_Z,
    )  # fmt: skip
    got = {r["scoring_tier"]: r for r in rows}
    assert got["BENCH_0_9"]["recommended_adjustment"] == 3.0 and got["BENCH_0_9"]["adjustment_confidence"] == 1.0
    assert got["ROTATION_10_19"]["adjustment_confidence"] == 0.0
    warehouse.replace_partitions(TIERS, sql("tier_adjustments"), key, key, {
        "start_date": key, "end_date": key, "key_dates": [key], "lookback_days": 10, "min_sample": 3,
        "system_id": ENSEMBLE, "min_z": MIN_Z,
    })  # fmt: skip
    span = {"start_date": key, "end_date": d(days[-1]), "season_start": d(days[0])}
    span |= {"system_id": ENSEMBLE, "lookback_days": 10}
    applied = run(warehouse, "apply_tier_adjustments", **span)
    bench = [r for r in applied if r["player_lookup"].startswith("bench")]
    rotation = [r for r in applied if r["player_lookup"].startswith("rot")]
    assert bench and all(r["adjusted_points"] == 4.0 + 3.0 * 0.5 for r in bench)  # the bench scale factor
    assert rotation and all(r["adjusted_points"] == r["predicted_points"] for r in rotation)


def test_a_correction_is_applied_only_if_its_holdout_gain_clears_the_level_given(tmp_path):
    """Key date 12-15, lookback 10: the earlier half (12-05..12-09) errs by -2 every game, so the correction at
    share s is +s (0.5 · 2 · s, the bench scale factor); on the 8 holdout games 7 err by -3 (gain s each) and one
    by +1 (gain -s). Their mean gain is 0.75 s, standard deviation sqrt(0.5) s, standard error 0.25 s: z = 3.0 at
    every share, so a level of 2.9 keeps the full share and 3.1 applies nothing."""
    warehouse = DuckDBWarehouse(tmp_path)
    games = [(f"2024-12-{day:02d}", f"fit{day}", 6) for day in range(5, 10)]
    games += [(f"2024-12-{10 + i // 2:02d}", f"held{i}", 3 if i == 0 else 7) for i in range(8)]
    write_rows(
        warehouse, PREDICTIONS, [prediction(p, day, 4.0, None, "NO_LINE", season_avg=6.0) for day, p, _ in games]
    )
    write_rows(warehouse, PGS, [box(p, day, points) for day, p, points in games])
    key = d("2024-12-15")
    learn = {"start_date": key, "end_date": key, "key_dates": [key], "lookback_days": 10, "min_sample": 3}
    shares = {
        level: [
            r["adjustment_confidence"]
            for r in run(warehouse, "tier_adjustments", **learn, system_id=ENSEMBLE, min_z=level)
        ]
        for level in (2.9, 3.1)
    }
    assert shares == {2.9: [1.0], 3.1: [0.0]}


def test_the_level_is_bonferroni_over_the_seasons_corrections_and_a_daily_chunk_uses_the_seasons():
    config = validate_config(base_config())
    season = config.seasons[0]
    keys = key_dates(season, config.tier_adjustments["key_days"])
    whole = tier_learning(config, season, season.start, season.end)
    one_day = tier_learning(config, season, keys[3], keys[3])
    assert (whole["key_dates"], one_day["key_dates"]) == (keys, [keys[3]])
    # the normal tail above the level, by the error function: 2.5 % shared by key dates x 4 tiers x 4 shares
    tried = len(keys) * 4 * 4
    for learned in (whole, one_day):
        assert 0.5 * math.erfc(learned["min_z"] / math.sqrt(2)) == pytest.approx(0.025 / tried, rel=1e-9)
