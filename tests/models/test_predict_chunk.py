"""predict_chunk's contract: the output table's columns and types, one row per (player, date, system), the
inputs it refuses, and no look-ahead across a chunk."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pyarrow as pa
import pytest
from prediction_rows import D, feature_row, frame, history_row, predict_chunk, run

from nba_backfill.models import FEATURE_NAMES, PREDICTION_COLUMNS, SYSTEM_IDS
from nba_backfill.tables import table_schema

PREDICTIONS = "nba_predictions.player_prop_predictions"


def test_columns_match_the_schemas():
    assert list(PREDICTION_COLUMNS) == table_schema(PREDICTIONS).column_names
    mlfs = table_schema("nba_predictions.ml_feature_store_v2").column_names
    start = mlfs.index("points_avg_last_5")
    assert tuple(mlfs[start : start + 25]) == FEATURE_NAMES
    assert SYSTEM_IDS == (
        "moving_average_baseline_v1",
        "zone_matchup_v1",
        "similarity_balanced_v1",
        "xgboost_v1",
        "ensemble_v1",
        "ensemble_v2",
        "line_blend_v1",
    )


def test_output_rows_fit_the_table():
    features = [
        feature_row("alice", current_points_line=18.5),
        feature_row("bob", universal_player_id=None, days_rest=None),
        feature_row("alice", D + dt.timedelta(days=2)),
    ]
    predictions, meta = run(features)
    assert list(predictions.columns) == list(PREDICTION_COLUMNS)
    assert len(predictions) == 3 * 3  # MA, ZM, ensemble each; no history → no similarity, no training → no xgboost
    assert not predictions.duplicated(["game_date", "player_lookup", "system_id"]).any()
    assert meta["predictions"] == {
        "moving_average_baseline_v1": 3,
        "zone_matchup_v1": 3,
        "similarity_balanced_v1": 0,
        "xgboost_v1": 0,
        "ensemble_v1": 3,
        "ensemble_v2": 0,  # nothing graded before: no weights to fit
        "line_blend_v1": 0,  # it blends ensemble_v2's rows
    }
    keys = list(zip(predictions["game_date"], predictions["player_lookup"], predictions["system_id"], strict=True))
    assert keys == sorted(keys)
    first = predictions.iloc[0]
    assert first["prediction_id"] == f"{D.isoformat()}_alice_ensemble_v1"
    assert all(type(d) is dt.date for d in predictions["game_date"])
    assert set(predictions["universal_player_id"].dropna()) == {"alice_001"}
    assert (predictions["season_avg_points"] == 20.0).all()
    assert (predictions["feature_quality_score"] == 95.0).all()
    assert predictions["season_year"].eq(2024).all()
    for column in ("scoring_tier", "tier_adjustment", "adjusted_points", "tier_as_of_date"):
        assert predictions[column].isna().all()
    assert predictions["predicted_points"].between(0, 60).all()
    assert predictions["confidence_score"].between(0, 1).all()
    lined = predictions["has_prop_line"]
    assert lined.sum() == 3 and (predictions.loc[lined, "line_source"] == "ACTUAL_PROP").all()
    assert (predictions.loc[~lined, "recommendation"] == "NO_LINE").all()
    # The table's Arrow schema accepts the frame as it is.
    table = pa.Table.from_pandas(predictions, schema=table_schema(PREDICTIONS).arrow_schema(), preserve_index=False)
    assert table.num_rows == len(predictions)


def test_dates_may_come_as_dates_strings_or_timestamps():
    base, _ = run([feature_row()])
    for value in (D.isoformat(), pd.Timestamp(D)):
        other, _ = run([feature_row(game_date=D) | {"game_date": value}])
        pd.testing.assert_frame_equal(base, other)


@pytest.mark.parametrize("arrow_dtypes", [False, True])
def test_frames_read_back_from_arrow_give_the_same_rows(arrow_dtypes):
    features = [feature_row(current_points_line=18.5), feature_row("bob", days_rest=None, back_to_back=None)]
    history = [history_row("alice", D - dt.timedelta(days=2 * i + 1), 20 + i % 3) for i in range(8)]
    expected, _ = run(features, history)

    def through_arrow(rows: list[dict]) -> pd.DataFrame:
        return pa.Table.from_pylist(rows).to_pandas(types_mapper=pd.ArrowDtype if arrow_dtypes else None)

    got, _ = predict_chunk(through_arrow(features), through_arrow(history), None, {"min_training_rows": 3000})
    pd.testing.assert_frame_equal(expected, got)


def test_empty_chunk():
    empty = frame([], columns=list(feature_row()))
    predictions, meta = predict_chunk(empty, frame([], columns=list(history_row("x", D, 0))), None, {})
    assert list(predictions.columns) == list(PREDICTION_COLUMNS) and len(predictions) == 0
    assert sum(meta["predictions"].values()) == 0
    table = pa.Table.from_pandas(predictions, schema=table_schema(PREDICTIONS).arrow_schema(), preserve_index=False)
    assert table.num_rows == 0


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="features lacks column"):
        run([{k: v for k, v in feature_row().items() if k != "fatigue_score"}])
    with pytest.raises(ValueError, match="more than one row"):
        run([feature_row(), feature_row()])
    with pytest.raises(ValueError, match="history lacks column"):
        predict_chunk(frame([feature_row()]), pd.DataFrame({"player_lookup": ["alice"]}), None, {})


def test_changing_outcomes_on_a_date_changes_no_prediction_dated_on_or_before_it():
    rng = random.Random(3)
    start = D - dt.timedelta(days=60)
    dates = [start + dt.timedelta(days=2 * i) for i in range(45)]  # every other day, 30 before D and 15 after
    players = [f"p{i}" for i in range(6)]
    history = [
        history_row(p, d, rng.randint(5, 35), is_home=rng.random() < 0.5, opponent_def_rating=rng.uniform(106, 118))
        for p in players
        for d in dates
    ]
    chunk_dates = [d for d in dates if D - dt.timedelta(days=10) <= d <= D + dt.timedelta(days=10)]
    features = [
        feature_row(p, d, is_home=rng.random() < 0.5, current_points_line=19.5) for p in players for d in chunk_dates
    ]
    before, _ = run(features, history)

    changed_day = D
    changed = [{**h, "points": 60 - h["points"]} if h["game_date"] == changed_day else h for h in history]
    after, _ = run(features, changed)
    early = before["game_date"] <= changed_day
    pd.testing.assert_frame_equal(before[early], after[early])
    # The change is visible after that date, so the test can see a leak.
    late = ~early & (before["system_id"] == "similarity_balanced_v1")
    assert (before.loc[late, "predicted_points"] != after.loc[late, "predicted_points"]).any()
