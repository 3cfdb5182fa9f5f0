"""line_blend_v1 on hand-made frames: the weighted-median w by hand (and by brute force), its clip and shrinkage,
the blend, and inside predict_table: w fitted on the line rows before each window, lines after D never read."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from prediction_rows import D, by_system, feature_row, run
from test_stacking import TRAINING, past_predictions

from nba_backfill.models import FEATURE_NAMES, line_blend

NAN = np.nan
# stack, line, actual: ratios (actual - line) / (stack - line) 0.5, 0, 2, 0.75 with weights |stack - line| 2, 2, 5, 4;
# a row whose stack is its line and a row without a line tell nothing about w
STACK = np.array([22.0, 18.0, 25.0, 20.0, 21.0, 24.0])
LINE = np.array([20.0, 20.0, 20.0, 20.0, NAN, 20.0])
ACTUAL = np.array([21.0, 20.0, 30.0, 40.0, 30.0, 23.0])


def test_w_is_the_weighted_median_by_hand():
    # sorted: 0 (2), 0.5 (2), 0.75 (4), 2 (5); total 13, the cumulative weight reaches 6.5 at 0.75
    w, n = line_blend.fitted_weight(STACK, LINE, ACTUAL)
    assert (w, n) == (0.75, 4)
    # it is the L1 optimum: no w on a fine grid has a lower absolute error
    lined = ~np.isnan(LINE)
    loss = [np.abs(ACTUAL - LINE - g * (STACK - LINE))[lined].sum() for g in np.linspace(0, 1, 1001)]
    assert np.abs(ACTUAL - LINE - w * (STACK - LINE))[lined].sum() == pytest.approx(min(loss))


def test_w_is_clipped_to_0_1_and_shrunk_toward_the_line():
    assert line_blend.fitted_weight(np.array([22.0]), np.array([20.0]), np.array([30.0])) == (1.0, 1)  # ratio 5
    assert line_blend.fitted_weight(np.array([22.0]), np.array([20.0]), np.array([10.0])) == (0.0, 1)  # ratio -5
    days = np.array(["2024-11-01"] * len(STACK), dtype="datetime64[D]")
    w, meta = line_blend.fit(STACK, LINE, ACTUAL, days, D)
    assert w == pytest.approx(0.75 * 4 / (4 + line_blend.PRIOR_ROWS))
    assert meta["w_fitted"] == 0.75 and meta["prior_rows"] == line_blend.PRIOR_ROWS == 300
    w, meta = line_blend.fit(STACK, np.full(len(STACK), NAN), ACTUAL, days, D)
    assert w == 0.0 and meta["training_rows"] == 0 and meta["w_fitted"] is None  # no line history: the line
    assert line_blend.blend(np.array([24.0, 24.0]), np.array([20.0, NAN]), 0.25) == pytest.approx([21.0, 24.0])


def test_the_blend_is_rounded_to_whole_points_off_the_line():
    # 14.5 + 0.2 * (16 - 14.5) = 14.8 -> 15 and 14.5 + 0.2 * (13 - 14.5) = 14.2 -> 14: the side the blend leans to;
    # a whole line 15 moved to 15.2 rounds back to 15; a tie rounds up (15.5 -> 16)
    stack = np.array([16.0, 13.0, 16.0, 17.5])
    line = np.array([14.5, 14.5, 15.0, 14.5])
    assert line_blend.blend(stack, line, 0.2).tolist() == [15.0, 14.0, 15.0, 15.0]
    assert line_blend.blend(np.array([16.5]), np.array([14.5]), 0.5).tolist() == [16.0]
    # w = 0 or a stack on the line: nothing says which side, the line is kept; no line: the stack, unrounded
    assert line_blend.blend(stack, line, 0.0).tolist() == line.tolist()
    assert line_blend.blend(np.array([14.5, 16.3]), np.array([14.5, NAN]), 0.2).tolist() == [14.5, 16.3]
    # on integer outcomes, the rounded blend never has a larger absolute error summed over every outcome that
    # the blend's side makes likelier: brute force over the outcomes 0..40 weighted toward the blend's side
    for stack_points, line_points in ((16.0, 14.5), (13.0, 14.5)):
        blended = line_points + 0.2 * (stack_points - line_points)
        outcomes = np.arange(41.0)
        side = np.where(np.sign(outcomes - line_points) == np.sign(stack_points - line_points), 0.55, 0.45)
        weights = side * np.exp(-((outcomes - line_points) ** 2) / 50)
        rounded = line_blend.blend(np.array([stack_points]), np.array([line_points]), 0.2)[0]
        assert (weights * np.abs(outcomes - rounded)).sum() < (weights * np.abs(outcomes - blended)).sum()


def stacked_past(training: pd.DataFrame) -> pd.DataFrame:
    """MA and ZM as in test_stacking, and ensemble_v2's stored predictions with their lines: the line 3 points
    off the actual, the stack 1 point off it, on alternate sides."""
    past = past_predictions(training, 3.0)
    sign = np.where(np.arange(len(training)) % 2 == 0, 1.0, -1.0)
    ens2 = pd.DataFrame(
        {
            "game_date": training["game_date"],
            "player_lookup": training["player_lookup"],
            "system_id": "ensemble_v2",
            "predicted_points": training["actual_points"] + sign,
        }
    )
    past = pd.concat([past, ens2], ignore_index=True)
    line = pd.Series(training["actual_points"].to_numpy() - 3.0 * sign, index=training.index)
    return past.assign(current_points_line=pd.concat([line, line, line], ignore_index=True))


def test_line_blend_is_the_line_pulled_toward_the_stack_by_the_fitted_w():
    predictions, meta = run(
        [feature_row(current_points_line=18.5), feature_row("bob")],
        training=TRAINING,
        past=stacked_past(TRAINING),
        min_training_rows=10**6,
    )
    [window] = meta["line_blend_v1"]
    # every ratio is (∓3) / (±1 ∓ 3) = 0.75: w fitted 0.75, shrunk by n / (n + 300)
    assert window["w_fitted"] == pytest.approx(0.75) and window["training_rows"] == len(TRAINING)
    w = 0.75 * len(TRAINING) / (len(TRAINING) + 300)
    assert window["w"] == pytest.approx(w, abs=1e-6)
    alice = by_system(predictions)
    stack = alice["ensemble_v2"]["predicted_points"]
    # the blend to the nearest whole point
    published = alice["line_blend_v1"]["predicted_points"]
    assert published == int(published) and abs(published - (18.5 + w * (stack - 18.5))) <= 0.5
    bob = by_system(predictions, "bob")  # no line: the stack
    assert bob["line_blend_v1"]["predicted_points"] == bob["ensemble_v2"]["predicted_points"]


def test_lines_after_d_are_never_read_for_d():
    """The chunk covers D..D + 7 in two windows; its rows on D + 1..6 are graded (training) for the second window.
    Lines after D moved or removed: nothing dated <= D changes; the second window's w does."""
    later = TRAINING.assign(game_date=[D + dt.timedelta(days=1 + i % 6) for i in range(len(TRAINING))])
    later = later.drop_duplicates(["game_date", "player_lookup"])

    def chunk(line_after_d):
        rows = [feature_row(current_points_line=18.5), feature_row("bob", current_points_line=9.5)]
        for _, r in later.iterrows():
            rows.append(
                feature_row(
                    r["player_lookup"],
                    r["game_date"],
                    current_points_line=line_after_d(r["actual_points"]),
                    **{n: r[n] for n in FEATURE_NAMES},
                )
            )
        rows.append(feature_row(game_date=D + dt.timedelta(days=7), current_points_line=line_after_d(20.0)))
        return rows

    windows = [(D, D + dt.timedelta(days=6)), (D + dt.timedelta(days=7), D + dt.timedelta(days=7))]
    common = {
        "training": pd.concat([TRAINING, later]),
        "past": stacked_past(TRAINING),
        "windows": windows,
        "min_training_rows": 10**6,
    }
    base, base_meta = run(chunk(lambda a: a - 0.5), **common)
    for line_after_d in (lambda a: a + 6.5, lambda a: None):  # moved, removed
        after, after_meta = run(chunk(line_after_d), **common)
        early = base["game_date"] <= D
        pd.testing.assert_frame_equal(base[early].reset_index(drop=True), after[early].reset_index(drop=True))
        assert after_meta["line_blend_v1"][0] == base_meta["line_blend_v1"][0]
        # the second window learnt from them, so the test sees a leak if there were one
        assert after_meta["line_blend_v1"][1]["w"] != base_meta["line_blend_v1"][1]["w"]


def test_one_chunk_or_two_give_the_same_rows_bit_for_bit():
    """The chunk D..D + 7 predicted at once, or as D..D + 6 and then D + 7 reading the first part's stored
    predictions and lines (as the DAG's next chunk does): the same rows, bit for bit, line_blend_v1's w included."""
    later = TRAINING.assign(game_date=[D + dt.timedelta(days=1 + i % 6) for i in range(len(TRAINING))])
    later = later.drop_duplicates(["game_date", "player_lookup"])
    rows = [feature_row(current_points_line=18.5)]
    for _, r in later.iterrows():
        rows.append(
            feature_row(
                r["player_lookup"],
                r["game_date"],
                current_points_line=r["actual_points"] - 0.5,
                **{n: r[n] for n in FEATURE_NAMES},
            )
        )
    last = feature_row(game_date=D + dt.timedelta(days=7), current_points_line=20.5)
    windows = [(D, D + dt.timedelta(days=6)), (D + dt.timedelta(days=7), D + dt.timedelta(days=7))]
    training, past = pd.concat([TRAINING, later]), stacked_past(TRAINING)
    whole, whole_meta = run([*rows, last], training=training, past=past, windows=windows, min_training_rows=10**6)
    first, _ = run(rows, training=TRAINING, past=past, windows=windows[:1], min_training_rows=10**6)
    stored = first[["game_date", "player_lookup", "system_id", "predicted_points", "current_points_line"]]
    second, second_meta = run(
        [last], training=training, past=pd.concat([past, stored]), windows=windows[1:], min_training_rows=10**6
    )
    split = pd.concat([first, second], ignore_index=True)
    pd.testing.assert_frame_equal(whole.reset_index(drop=True), split.reset_index(drop=True))
    assert second_meta["line_blend_v1"] == whole_meta["line_blend_v1"][1:]
    assert whole_meta["line_blend_v1"][1]["training_rows"] > whole_meta["line_blend_v1"][0]["training_rows"]
