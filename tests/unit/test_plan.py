"""Chunks of a season cover its days exactly once, in order, inside its bounds (property tests)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import base_config
from nba_backfill.config import Season, validate_config
from nba_backfill.errors import UsageError
from nba_backfill.plan import (
    all_season_targets,
    chain_priority,
    is_adopted,
    parse_chunk,
    predictions_inputs,
    retrain_windows,
    season_chunks,
    training_seasons,
)


@given(
    start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 1, 1)),
    length=st.integers(min_value=0, max_value=400),
    chunk_days=st.integers(min_value=1, max_value=120),
)
def test_chunks_cover_the_season_once_in_order(start, length, chunk_days):
    season = Season(f"{start.year}-{(start.year + 1) % 100:02d}", start, start + dt.timedelta(days=length))
    chunks = season_chunks(season, chunk_days)
    days = [d for c in chunks for d in c.days()]
    expected = [start + dt.timedelta(days=i) for i in range(length + 1)]
    assert days == expected  # every day once, in order, nothing outside
    assert all((c.last - c.first).days + 1 <= chunk_days for c in chunks)
    assert all((c.last - c.first).days + 1 == chunk_days for c in chunks[:-1])
    assert [c.name for c in chunks] == [f"{c.first.isoformat()}_{c.last.isoformat()}" for c in chunks]


@given(
    length=st.integers(min_value=0, max_value=250),
    chunk_days=st.integers(min_value=1, max_value=200),
    retrain_days=st.integers(min_value=1, max_value=60),
)
def test_retrain_windows_do_not_depend_on_the_chunk_size(length, chunk_days, retrain_days):
    """Every chunking of a season cuts it into the same retrain windows (so the same models predict each day)."""
    start = dt.date(2023, 10, 24)
    season = Season("2023-24", start, start + dt.timedelta(days=length))
    one_by_one = {d: w for w in season_chunks(season, retrain_days) for d in w.days()}
    for chunk in season_chunks(season, chunk_days):
        windows = retrain_windows(season, chunk, retrain_days)
        assert [d for w in windows for d in w.days()] == chunk.days()  # the chunk, once, in order
        for window in windows:  # each inside one season-wide window, starting where that one does or at the chunk
            whole = one_by_one[window.first]
            assert whole.first <= window.first and window.last <= whole.last
            assert window.first in (whole.first, chunk.first)


def test_parse_chunk_rejects_names_that_are_not_chunks():
    config = validate_config({**base_config(), "chunk_days": 30})
    chunk = season_chunks(config.season("2022-23"), 30)[1]
    assert parse_chunk(config, "2022-23", chunk.name) == chunk
    with pytest.raises(UsageError, match="is not a chunk of season 2022-23"):
        parse_chunk(config, "2022-23", "2022-10-19_2022-11-17")


def test_adoption_covers_only_whole_chunks_before_existing_through():
    through = dt.date(2022, 1, 7)
    season = Season("2021-22", dt.date(2021, 10, 19), dt.date(2022, 4, 10), through)
    chunks = season_chunks(season, 30)
    # 30-day chunks from the start, then a short one ending at existing_through, then 30-day chunks again
    assert [c.name for c in chunks[:4]] == [
        "2021-10-19_2021-11-17",
        "2021-11-18_2021-12-17",
        "2021-12-18_2022-01-07",
        "2022-01-08_2022-02-06",
    ]
    assert [is_adopted(season, c) for c in chunks[:4]] == [True, True, True, False]
    # at the default chunking the season is two chunks: the adopted one and the rest
    assert [(c.first, c.last, is_adopted(season, c)) for c in season_chunks(season, 200)] == [
        (season.start, through, True),
        (through + dt.timedelta(days=1), season.end, False),
    ]


@given(
    length=st.integers(min_value=0, max_value=250),
    through_day=st.integers(min_value=0, max_value=250),
    chunk_days=st.integers(min_value=1, max_value=220),
)
def test_no_chunk_straddles_existing_through(length, through_day, chunk_days):
    start = dt.date(2021, 10, 19)
    end = start + dt.timedelta(days=length)
    through = start + dt.timedelta(days=min(through_day, length))
    season = Season("2021-22", start, end, through)
    chunks = season_chunks(season, chunk_days)
    assert [d for c in chunks for d in c.days()] == [start + dt.timedelta(days=i) for i in range(length + 1)]
    assert all(c.last <= through or c.first > through for c in chunks)
    assert [d for c in chunks if is_adopted(season, c) for d in c.days()] == [
        start + dt.timedelta(days=i) for i in range((through - start).days + 1)
    ]
    assert all((c.last - c.first).days + 1 <= chunk_days for c in chunks)


def test_all_seasons_requests_every_chunk_marker_and_rollup():
    config = validate_config({**base_config(), "chunk_days": 30})
    targets = all_season_targets(config)
    n_chunks = sum(len(season_chunks(s, 30)) for s in config.seasons)
    assert len([t for t in targets if t.startswith("markers/phase4/") and t.count("/") == 4]) == 5 * n_chunks
    assert "markers/phase4/2022-23.done" in targets and "markers/preflight/2025-26.done" in targets


@pytest.mark.parametrize("count", [0, 1, 2])
def test_training_seasons_are_the_season_and_up_to_n_earlier_ones(count):
    config = validate_config({**base_config(), "predictions": {"training_seasons": count}})
    names = [s.name for s in config.seasons]  # the configured seasons, in order
    for i, season in enumerate(config.seasons):
        got = [s.name for s in training_seasons(config, season)]
        assert got == names[max(0, i - count) : i + 1]


def test_predictions_inputs_in_order_and_across_the_season_boundary():
    config = validate_config({**base_config(), "chunk_days": 60})
    earlier, season = config.season("2022-23"), config.season("2023-24")
    chunks = season_chunks(season, 60)
    inputs = predictions_inputs(config, season, chunks[1].name)
    expected = [
        *(f"markers/phase4/mlfs/2022-23/{c.name}.done" for c in season_chunks(earlier, 60)),
        *(f"markers/phase5a/predictions/2022-23/{c.name}.done" for c in season_chunks(earlier, 60)),
        f"markers/phase4/mlfs/2023-24/{chunks[0].name}.done",
        f"markers/phase5a/predictions/2023-24/{chunks[0].name}.done",  # the earlier chunk's predictions
        f"markers/phase4/mlfs/2023-24/{chunks[1].name}.done",
    ]
    assert inputs == expected
    first_season = config.seasons[0]
    assert predictions_inputs(config, first_season, season_chunks(first_season, 60)[0].name) == [
        f"markers/phase4/mlfs/{first_season.name}/{season_chunks(first_season, 60)[0].name}.done"
    ]
    with pytest.raises(UsageError, match="is not a chunk of 2023-24"):
        predictions_inputs(config, season, "2023-10-25_2023-12-23")


def test_chain_priority_runs_the_predictions_chain_in_order():
    config = validate_config({**base_config(), "chunk_days": 100})  # five seasons of two chunks each
    chain = [(s.name, c.name) for s in config.seasons for c in season_chunks(s, 100)]
    assert [chain_priority(config, *link) for link in chain] == list(range(len(chain), 0, -1))
    # a season's Phase 3 and preflight rank as its first chunk; a chunk outside the plan (daily) gets nothing
    assert chain_priority(config, "2023-24") == chain_priority(config, *chain[4])
    assert chain_priority(config, "2023-24", "2024-01-15_2024-01-15") == 0
    # every job a predictions chunk waits on ranks at least as high as that chunk
    for season in config.seasons:
        for chunk in season_chunks(season, 100):
            for marker in predictions_inputs(config, season, chunk.name):
                waited_on = marker.removesuffix(".done").split("/")[-2:]
                assert chain_priority(config, *waited_on) >= chain_priority(config, season.name, chunk.name)
