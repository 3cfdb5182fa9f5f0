"""xgboost_v1: walk-forward abstention, determinism, learning something, confidence and recommendation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from prediction_rows import FEATURES, D, by_system, feature_row, predict_chunk, run

from nba_backfill.models import FEATURE_NAMES, HISTORY_COLUMNS

XGB = "xgboost_v1"


def synthetic(n: int, seed: int, first: dt.date, days: int) -> pd.DataFrame:
    """Feature rows where points = 0.9·points_avg_last_10 + noise; the other features are noise around their
    plain values."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({name: value + rng.normal(0, 0.1 * abs(value) + 0.5, n) for name, value in FEATURES.items()})
    frame["points_avg_last_10"] = rng.uniform(2, 35, n)
    frame["actual_points"] = 0.9 * frame["points_avg_last_10"] + rng.normal(0, 3, n)
    frame["game_date"] = [first + dt.timedelta(days=int(i)) for i in rng.integers(0, days, n)]
    frame["player_lookup"] = [f"p{i:05d}" for i in range(n)]
    return frame


TRAINING = synthetic(1500, seed=1, first=D - dt.timedelta(days=80), days=80)


def chunk_rows(frame: pd.DataFrame) -> list[dict]:
    return [
        feature_row(row["player_lookup"], D, **{name: row[name] for name in FEATURE_NAMES})
        for _, row in frame.iterrows()
    ]


def test_xgboost_abstains_below_min_training_rows_and_says_so():
    predictions, meta = run([feature_row()], training=TRAINING.iloc[:999], min_training_rows=1000)
    assert XGB not in set(predictions["system_id"])
    assert meta[XGB][0]["trained"] is False
    assert meta[XGB][0]["training_rows"] == 999
    assert meta[XGB][0]["training_first_date"] == min(TRAINING["game_date"].iloc[:999]).isoformat()
    assert meta[XGB][0]["training_last_date"] == max(TRAINING["game_date"].iloc[:999]).isoformat()
    assert "999" in meta[XGB][0]["reason"] and "1000" in meta[XGB][0]["reason"]
    assert meta["predictions"][XGB] == 0
    assert meta["predictions"]["ensemble_v1"] == 1  # the others go on without it


def test_min_training_rows_defaults_to_2000():
    features = pd.DataFrame([feature_row()])
    history = pd.DataFrame(columns=list(HISTORY_COLUMNS))
    _, meta = predict_chunk(features, history, TRAINING, {"seed": 1})
    assert meta[XGB][0]["trained"] is False and meta[XGB][0]["min_training_rows"] == 2000


def test_xgboost_abstains_without_training_rows():
    for training in (None, TRAINING.iloc[:0]):
        predictions, meta = run([feature_row()], training=training)
        assert XGB not in set(predictions["system_id"])
        assert meta[XGB][0]["trained"] is False and meta[XGB][0]["training_rows"] == 0
        assert meta[XGB][0]["training_first_date"] is None


def test_rows_without_actual_points_or_dnp_do_not_count_as_training_rows():
    training = TRAINING.iloc[:100].copy()
    training.loc[training.index[:5], "actual_points"] = np.nan
    training["is_dnp"] = False
    training.loc[training.index[5:8], "is_dnp"] = True
    _, meta = run([feature_row()], training=training, min_training_rows=92)
    assert meta[XGB][0]["training_rows"] == 92 and meta[XGB][0]["trained"] is True
    _, meta = run([feature_row()], training=training, min_training_rows=93)
    assert meta[XGB][0]["trained"] is False


def test_training_rows_on_or_after_the_chunk_start_are_refused():
    late = TRAINING.iloc[:10].assign(game_date=D)
    with pytest.raises(ValueError, match="on or after the last window's first date"):
        run([feature_row()], training=pd.concat([TRAINING, late]))


def test_xgboost_is_deterministic_and_learns_the_signal():
    test = synthetic(300, seed=2, first=D, days=1)
    features = chunk_rows(test)
    first, meta1 = run(features, training=TRAINING, min_training_rows=1000)
    shuffled = TRAINING.sample(frac=1.0, random_state=3)  # row order does not matter
    second, meta2 = run(features, training=shuffled, min_training_rows=1000)
    pd.testing.assert_frame_equal(first, second)
    assert meta1 == meta2
    assert meta1[XGB][0]["trained"] is True and meta1[XGB][0]["training_rows"] == 1500
    assert meta1[XGB][0]["model_id"].startswith("xgboost_v1_")

    xgb = first[first["system_id"] == XGB].set_index("player_lookup").loc[test["player_lookup"]]
    assert (xgb["ml_model_id"] == meta1[XGB][0]["model_id"]).all()
    actual = test["actual_points"].to_numpy()
    mae_model = np.mean(np.abs(xgb["predicted_points"].to_numpy() - actual))
    mae_mean = np.mean(np.abs(TRAINING["actual_points"].mean() - actual))
    assert mae_model < 0.5 * mae_mean  # noise sd 3 → MAE ≈ 2.4; the mean's MAE ≈ 7.5


@pytest.mark.parametrize(
    ("predicted", "line", "min_edge", "expected"),
    [
        (22.0, 20.5, 1.5, "OVER"),  # +1.5 points of edge
        (21.9, 20.5, 1.5, "PASS"),
        (19.0, 20.5, 1.5, "UNDER"),  # −1.5
        (21.6, 20.5, 1.0, "OVER"),  # the threshold is the config's min_edge_points
        (25.0, None, 1.5, "NO_LINE"),
    ],
)
def test_xgboost_recommends_on_an_edge_in_points(predicted, line, min_edge, expected):
    test = synthetic(1, seed=5, first=D, days=1)
    features = chunk_rows(test)
    features[0].update(current_points_line=line)
    model_rows = run(features, training=TRAINING, min_training_rows=100)[0]
    stored = by_system(model_rows, test["player_lookup"].iloc[0])[XGB]["predicted_points"]
    # the same row with the line moved so that the model's own prediction sits at `predicted`
    if line is not None:
        features[0].update(current_points_line=round(stored - (predicted - line), 1))
    predictions, _ = run(features, training=TRAINING, min_training_rows=100, min_edge_points=min_edge)
    assert by_system(predictions, test["player_lookup"].iloc[0])[XGB]["recommendation"] == expected


def test_xgboost_rows_carry_its_confidence_and_line_fields():
    test = synthetic(3, seed=4, first=D, days=1)
    features = chunk_rows(test)
    features[0].update(current_points_line=10.5, feature_quality_score=92.0, points_std_last_10=3.5)
    predictions, _ = run(features, training=TRAINING.iloc[:200], min_training_rows=100)
    row = by_system(predictions, test["player_lookup"].iloc[0])[XGB]
    # no errors before the window yet: the expected miss is 0.8 × his points std (3.5), confidence 1 − 2.8 / 10
    assert row["confidence_score"] == pytest.approx(0.72)
    assert row["line_margin"] == pytest.approx(row["predicted_points"] - 10.5)
    assert row["line_source"] == "ACTUAL_PROP"
