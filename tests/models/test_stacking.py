"""ensemble_v2's stacker on hand-made frames: known weights recovered, availability patterns, one component,
determinism, and the walk-forward guard (a row dated on or after the window never reaches the fit)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from prediction_rows import D, by_system, feature_row, run
from test_xgboost_system import synthetic

from nba_backfill.models import FEATURE_NAMES, stacking

MA, ZM, SIM, XGB = stacking.COMPONENTS
NAN = np.nan


def components(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(5, 30, (n, 4))


def test_the_stacker_recovers_known_weights():
    x = components(2000, seed=1)
    actual = 1.5 + 0.1 * x[:, 0] + 0.2 * x[:, 1] + 0.3 * x[:, 2] + 0.4 * x[:, 3]
    [fit], used = stacking.fit(x, actual)
    assert fit.components == stacking.COMPONENTS and fit.rows == 2000 and used.all()
    # the ridge is RIDGE (1e-3) of the mean diagonal: it moves an exact fit by well under 1 %
    assert fit.weights == pytest.approx((0.1, 0.2, 0.3, 0.4), rel=0.01)
    assert fit.intercept == pytest.approx(1.5, abs=0.1)


def test_each_availability_pattern_gets_its_own_weights_and_a_row_takes_exactly_its_own():
    x = components(1000, seed=2)
    with_xgb = x.copy()
    without = x.copy()
    without[:, 3] = NAN  # xgboost did not predict these rows
    actual_with = 0.5 * x[:, 0] + 0.5 * x[:, 3]
    actual_without = 2.0 + 0.9 * x[:, 0]
    fits, _ = stacking.fit(np.vstack([with_xgb, without]), np.concatenate([actual_with, actual_without]))
    assert [f.components for f in fits] == [stacking.COMPONENTS, (MA, ZM, SIM)]
    assert fits[0].weights == pytest.approx((0.5, 0.0, 0.0, 0.5), abs=0.01)
    assert fits[1].weights == pytest.approx((0.9, 0.0, 0.0), abs=0.01)
    points, used = stacking.combine(fits, np.array([[10.0, 12.0, 14.0, 20.0], [10.0, 12.0, 14.0, NAN]]))
    assert points == pytest.approx([15.0, 11.0], abs=0.1)
    assert list(used) == [4, 3]
    # only MA and ZM, or MA, ZM and xgboost: no fit of exactly those, the ensemble abstains (it never leaves out a
    # component that predicted the row, and never guesses one that did not)
    points, used = stacking.combine(fits, np.array([[10.0, 12.0, NAN, NAN], [10.0, 12.0, NAN, 20.0]]))
    assert np.isnan(points).all() and not used.any()


def test_a_pattern_with_too_few_rows_gets_no_fit():
    x = components(stacking.MIN_ROWS - 1, seed=3)
    fits, used = stacking.fit(x, x.sum(axis=1))
    assert fits == [] and not used.any()
    fits, _ = stacking.fit(components(stacking.MIN_ROWS, seed=3), components(stacking.MIN_ROWS, seed=4)[:, 0])
    assert len(fits) == 1


def test_with_one_component_it_is_that_component_after_the_intercept():
    x = np.full((500, 4), NAN)
    x[:, 0] = components(500, seed=5)[:, 0]
    [fit], _ = stacking.fit(x, x[:, 0] + 2.0)
    assert fit.components == (MA,)
    points, _ = stacking.combine([fit], x)
    # a weight of 1 shrunk by the ridge's 1e-3: within 0.001 · 30 points + the intercept's share of it
    assert points == pytest.approx(x[:, 0] + 2.0, abs=0.05)


def test_the_stacker_is_deterministic_whatever_the_row_order():
    x = components(800, seed=6)
    actual = x @ np.array([0.3, 0.1, 0.2, 0.4]) + np.random.default_rng(7).normal(0, 3, 800)
    first, _ = stacking.fit(x, actual)
    order = np.random.default_rng(8).permutation(800)
    second, used = stacking.fit(x[order], actual[order])
    assert first == second  # bit for bit
    assert stacking.meta(first, np.array(["2025-01-01"], dtype="datetime64[D]"), D) == stacking.meta(
        second, np.array(["2025-01-01"], dtype="datetime64[D]"), D
    )


# -- ensemble_v2 inside predict_table: walk-forward over the windows ----------------------------------------------
TRAINING = synthetic(1500, seed=11, first=D - dt.timedelta(days=60), days=60)


def past_predictions(training: pd.DataFrame, offset: float) -> pd.DataFrame:
    """What MA and ZM 'predicted' for the training rows: the actual points off by ±offset, alternately."""
    sign = np.where(np.arange(len(training)) % 2 == 0, 1.0, -1.0)
    rows = []
    for system_id, shift in ((MA, offset * sign), (ZM, -offset * sign)):
        rows.append(
            pd.DataFrame(
                {
                    "game_date": training["game_date"],
                    "player_lookup": training["player_lookup"],
                    "system_id": system_id,
                    "predicted_points": training["actual_points"] + shift,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def ens2(past: pd.DataFrame, training: pd.DataFrame = TRAINING, **row) -> tuple[dict, dict]:
    predictions, meta = run([feature_row(**row)], training=training, past=past, min_training_rows=10**6)
    return by_system(predictions).get("ensemble_v2"), meta


def test_ensemble_v2_is_the_fitted_mean_of_ma_and_zm_and_records_its_weights():
    # MA errs by +3 where ZM errs by −3: the actual points are exactly their mean
    row, meta = ens2(past_predictions(TRAINING, 3.0), points_avg_last_5=24.0, points_avg_last_10=24.0)
    [window] = meta["ensemble_v2"]
    [fit] = window["fits"]
    assert fit["components"] == [MA, ZM] and fit["rows"] == len(TRAINING)
    assert fit["weights"][MA] == pytest.approx(0.5, abs=0.01) and fit["weights"][ZM] == pytest.approx(0.5, abs=0.01)
    assert window["training_last_date"] == TRAINING["game_date"].max().isoformat()
    assert window["fitted_before"] == D.isoformat() and window["model_id"].startswith("ensemble_v2_")
    by = by_system(run([feature_row(points_avg_last_5=24.0, points_avg_last_10=24.0)])[0])
    expected = fit["intercept"] + 0.5 * (by[MA]["predicted_points"] + by[ZM]["predicted_points"])
    assert row["predicted_points"] == pytest.approx(expected, abs=0.1)
    assert row["contributing_systems"] == 2 and row["ml_model_id"] == window["model_id"]


def test_ensemble_v2_never_reads_a_row_dated_on_or_after_the_window():
    past = past_predictions(TRAINING, 3.0)
    row, _ = ens2(past)
    # the chunk covers D..D + 7 in two windows; poisoned outcomes on D + 1..6 (inside the first window) may only
    # reach the second window's fit
    later = synthetic(3000, seed=12, first=D + dt.timedelta(days=1), days=6)  # the majority: moves a median
    later["actual_points"] = 60.0
    on_their_dates = [
        feature_row(r["player_lookup"], r["game_date"], **{n: r[n] for n in FEATURE_NAMES}) for _, r in later.iterrows()
    ]
    features = [feature_row(), *on_their_dates, feature_row(game_date=D + dt.timedelta(days=7))]
    windows = [(D, D + dt.timedelta(days=6)), (D + dt.timedelta(days=7), D + dt.timedelta(days=7))]
    with_later, meta = run(
        features, training=pd.concat([TRAINING, later]), past=past, windows=windows, min_training_rows=10**6
    )
    assert by_system(with_later)["ensemble_v2"]["predicted_points"] == row["predicted_points"]
    assert meta["ensemble_v2"][0]["training_last_date"] < D.isoformat()
    second = meta["ensemble_v2"][1]
    assert second["training_last_date"] == max(later["game_date"]).isoformat()
    assert second["training_rows"] == len(TRAINING) + len(later)
    assert second["fits"][0]["intercept"] > meta["ensemble_v2"][0]["fits"][0]["intercept"] + 5  # it learnt from them


def test_past_predictions_dated_in_the_chunk_are_refused():
    past = past_predictions(TRAINING, 3.0).assign(game_date=D)
    with pytest.raises(ValueError, match="on or after the chunk's first date"):
        ens2(past)


def test_ensemble_v2_abstains_without_enough_graded_rows_and_says_so():
    row, meta = ens2(
        past_predictions(TRAINING.iloc[: stacking.MIN_ROWS - 1], 3.0), TRAINING.iloc[: stacking.MIN_ROWS - 1]
    )
    assert row is None
    [window] = meta["ensemble_v2"]
    assert window["trained"] is False and window["fits"] == [] and str(stacking.MIN_ROWS) in window["reason"]


def test_ensemble_v2_rows_are_the_same_for_the_same_seed_whatever_the_input_order():
    # xgboost predicts these rows too: the stack needs its earlier predictions (exactly the rows' components)
    xgb = past_predictions(TRAINING, 1.0).query("system_id == @MA").assign(system_id=XGB)
    past = pd.concat([past_predictions(TRAINING, 3.0), xgb], ignore_index=True)
    features = [feature_row(f"p{i}", points_avg_last_5=10.0 + i, current_points_line=12.5) for i in range(20)]
    first, meta1 = run(features, training=TRAINING, past=past, min_training_rows=1000)
    second, meta2 = run(
        features[::-1],
        training=TRAINING.sample(frac=1.0, random_state=1),
        past=past.sample(frac=1.0, random_state=2),
        min_training_rows=1000,
    )
    pd.testing.assert_frame_equal(first, second)
    assert meta1 == meta2 and meta1["ensemble_v2"][0]["trained"]
    assert (first["system_id"] == "ensemble_v2").sum() == 20
