"""The predictions, grading and tier tables are shared with the platform's other systems: a backfill that redoes a
chunk's predictions, the season's tier step and its grading (the real Snakemake, embedded warehouse) leaves
another system's rows on those dates exactly as they were."""

from __future__ import annotations

import os

import duckdb
import pytest
from workflow_helpers import PREDICTIONS, SEASON

from nba_backfill import plan
from nba_backfill.processors import TIERS

pytestmark = pytest.mark.slow

ACCURACY = "nba_predictions.prediction_accuracy"
FOREIGN = "live_system_v7"


def add_foreign_rows(wf, table: str, date_column: str, changes: str, source: str = "ensemble_v1") -> None:
    """Copy the `source` system's rows of every month file of `table` as another system's (with `changes`), beside
    the file and renamed in, as the platform's own writer would."""
    for path in wf.table_files(table):
        tmp = path.with_suffix(".foreign")
        con = duckdb.connect()
        try:
            con.execute(
                f"COPY (SELECT * FROM read_parquet(?) UNION ALL SELECT * REPLACE ('{FOREIGN}' AS system_id{changes}) "
                f"FROM read_parquet(?) WHERE system_id = '{source}' ORDER BY {date_column}) "
                f"TO '{tmp}' (FORMAT parquet)",
                [str(path), str(path)],
            )
        finally:
            con.close()
        os.replace(tmp, path)


def foreign(wf, table: str) -> list[str]:
    return sorted(map(repr, wf.read_rows(table, where=f"system_id = '{FOREIGN}'")))


def test_redoing_predictions_tiers_and_grading_leaves_another_systems_rows_alone(season_run, tmp_path):
    wf = season_run.clone(tmp_path / "run")
    # a foreign system with its own tier columns, grades and tier adjustments on the same dates
    add_foreign_rows(
        wf, PREDICTIONS, "game_date", ", predicted_points + 1.5 AS predicted_points, 'STALE' AS scoring_tier"
    )
    add_foreign_rows(wf, ACCURACY, "game_date", ", 0.123 AS absolute_error")
    tier_system = wf.config().tier_adjustments["system_id"]  # the one system the tier table holds
    add_foreign_rows(wf, TIERS.table, "as_of_date", ", 0.5 AS recommended_adjustment", tier_system)
    before = {t: foreign(wf, t) for t in (PREDICTIONS, ACCURACY, TIERS.table)}
    assert all(before.values())
    chunk = plan.season_chunks(wf.config().season(SEASON), wf.config().chunk_days)[-1]
    assert wf.read_rows(PREDICTIONS, chunk.first, chunk.last, f"system_id = '{FOREIGN}'")
    redone = [
        plan.predictions_marker(SEASON, chunk.name),
        plan.phase5a_season_marker(SEASON),
        plan.grading_marker(SEASON, chunk.name),
    ]
    for marker in redone:
        wf.marker(marker).unlink()

    wf.run(redone[-1])  # grading needs the tier step, which needs the chunk's predictions

    # the chunk was redone (and the tier step and grading after it), its own rows are back
    assert all(wf.marker(marker).exists() for marker in redone)
    assert wf.read_rows(PREDICTIONS, chunk.first, chunk.last, "system_id = 'ensemble_v1'")
    assert {t: foreign(wf, t) for t in before} == before
