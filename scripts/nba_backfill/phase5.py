"""Phase 5: predictions per chunk (5A), tier adjustments per season (5A), the 5C MAE comparison.

Grading (5B) is an ordinary SQL chunk job (runner.run_chunk_job with `grading`).
The DAG keeps every step off its own outcome: predictions for a chunk train only on rows before it (of its season
and up to predictions.training_seasons earlier ones); the tier step learns each key date's adjustment from errors
before that date and runs once the season's raw predictions exist; grading runs after it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import statistics
from collections.abc import Iterator
from typing import Any

from .config import Config, Season
from .errors import CheckFailed
from .inputs import job_inputs
from .markers import write_marker
from .plan import (
    Chunk,
    key_dates,
    parse_chunk,
    phase5a_chunk_marker,
    phase5a_season_marker,
    phase5c_marker,
    retrain_windows,
    training_seasons,
)
from .processors import PHASE5, TIERS, sql_text
from .runner import Job, owned_params, tier_rows
from .schedule import season_game_dates
from .tables import table_schema
from .validate import CheckResult, raise_on_failure, table_checks
from .warehouse import Warehouse, open_warehouse
from .warehouse.base import Owned

PREDICTIONS = PHASE5["predictions"].table
# A tier's correction is applied where its holdout gain clears this one-sided level, Bonferroni-corrected over every
# correction its season tries (tier_adjustments.sql): with no real bias in any tier, a season applies one by chance
# with a probability of at most 2.5 %. (Over one key date's four shares only, it passed about one a season.)
TIER_ALPHA = 0.025
TIERS_TRIED, SHARES_TRIED = 4, 4  # tier_adjustments.sql's `tiers` rows and the shares its holdout tries


def prediction_reads(
    config: Config, season: Season, chunk: Chunk, start: dt.date, opener: dt.date
) -> dict[str, tuple[str, dict]]:
    """What a chunk's predictions read, as the statements sent (`plan --cost` prices the same ones): its feature
    rows (from `start`, the first processable date), the season's player games, the training rows before its last
    retrain window and the predictions stored before it. Each selects the columns the systems read in the
    warehouse: the others (the feature store's list columns, its metadata) are never read, nor billed."""
    from .models import FEATURE_INPUT_COLUMNS, HISTORY_COLUMNS, OPTIONAL_FEATURE_COLUMNS, PAST_COLUMNS, TRAINING_COLUMNS

    training_start = training_seasons(config, season)[0].start
    last_window = retrain_windows(season, chunk, config.predictions["retrain_days"])[-1]
    reads = {
        "prediction_inputs": (
            {"start_date": start, "end_date": chunk.last},
            (*FEATURE_INPUT_COLUMNS, *OPTIONAL_FEATURE_COLUMNS),
        ),
        "player_history": ({"season_start": opener, "end_date": chunk.last}, HISTORY_COLUMNS),
        # DNPs are left out by the query
        "training_rows": ({"training_start": training_start, "before_date": last_window.first}, TRAINING_COLUMNS),
        "past_predictions": ({"training_start": training_start, "before_date": chunk.first}, PAST_COLUMNS),
    }
    return {
        name: (f"SELECT {', '.join(f'`{c}`' for c in columns)} FROM (\n{sql_text(name)}\n)", params)
        for name, (params, columns) in reads.items()
    }


@contextlib.contextmanager
def write_predictions(job: Job) -> Iterator[dict[str, Any]]:
    """5A for one chunk: the seven systems on the chunk's feature rows; the learned ones refitted at each retrain
    window on the rows before it (walk-forward), from the season and the earlier seasons it trains on. The rows
    replace the chunk's rows of these systems only if the checks run inside the context pass. Yields the marker's
    extra fields: each learned system's windows (training window, model id, ensemble_v2's weights, line_blend_v1's
    w)."""
    from .models import predict_table

    warehouse, chunk = job.warehouse, job.chunk
    settings = job.config.predictions
    windows = retrain_windows(job.season, chunk, settings["retrain_days"])
    reads = prediction_reads(job.config, job.season, chunk, job.dates.start, job.dates.opener)
    frames = {name: warehouse.query_arrow(sql, params).to_pandas() for name, (sql, params) in reads.items()}
    # All windows in one call: the systems and the row assembly run once per chunk.
    predictions, meta = predict_table(
        frames["prediction_inputs"],
        frames["player_history"],
        frames["training_rows"],
        settings,
        [(w.first, w.last) for w in windows],
        frames["past_predictions"],
    )
    # one entry per window with rows; with none, nothing was predicted: no counts
    learned = {system_id: meta[system_id] for system_id in ("xgboost_v1", "ensemble_v2", "line_blend_v1")}
    rows = predictions.cast(table_schema(PREDICTIONS).arrow_schema())
    with warehouse.replacing(PREDICTIONS, rows, chunk.first, chunk.last, owned=job.owned):
        yield {"models": {**learned, "predictions": meta["predictions"] if learned["xgboost_v1"] else {}}}


def tier_checks(
    warehouse: Warehouse, first: dt.date, last: dt.date, span: dict, own: Owned, daily: bool
) -> tuple[list[CheckResult], str | None]:
    """The tier table's own checks (its system's rows only) and the applied predictions': every row of the
    adjusted system has a tier, no other system of the backfill has one."""
    system_id = span["system_id"]
    applied = warehouse.query(sql_text("tier_adjustments.checks"), {**span, **owned_params("predictions")}).dicts()[0]
    results, fingerprint = table_checks(warehouse, TIERS, first, last, span["season_start"], own)
    return results + [
        # a learned system abstains until it has history (a first configured season's opening weeks): recorded, not
        # fatal; a system_id the backfill does not write at all is refused with the config
        CheckResult(
            "rows_to_adjust",
            applied["adjusted_system_rows"] > 0 or daily,
            f"{applied['adjusted_system_rows']} {system_id} row(s) in {first}..{last}",
            severity="warn",
        ),
        CheckResult(
            "every_row_adjusted",
            applied["unadjusted_rows"] == 0,
            f"{applied['unadjusted_rows']} row(s) without a tier or adjusted_points",
        ),
        CheckResult(
            "other_systems_untouched",
            applied["stray_rows"] == 0,
            # another system was the adjusted one before (tier_adjustments.system_id changed): its rows keep
            # their tiers until its predictions are redone
            f"{applied['stray_rows']} row(s) of other systems with a tier (if tier_adjustments.system_id changed, "
            "redo the season's predictions first: delete its folder markers/phase5a/predictions/SEASON)",
        ),
    ], fingerprint


def tier_learning(config: Config, season: Season, first: dt.date, last: dt.date) -> dict[str, Any]:
    """tier_adjustments.sql's parameters for the key dates in first..last. The level a holdout gain must clear
    counts the corrections of the whole season, so a daily chunk learns what the season job would."""
    settings = config.tier_adjustments
    season_keys = key_dates(season, settings["key_days"])
    tried = max(1, len(season_keys)) * TIERS_TRIED * SHARES_TRIED
    return {
        "start_date": first,
        "end_date": last,
        "key_dates": [k for k in season_keys if first <= k <= last],
        "lookback_days": settings["lookback_days"],
        "min_sample": settings["min_sample"],
        "system_id": settings["system_id"],
        "min_z": statistics.NormalDist().inv_cdf(1 - TIER_ALPHA / tried),
    }


def tier_application(config: Config, first: dt.date, last: dt.date, opener: dt.date) -> dict[str, Any]:
    """apply_tier_adjustments.sql's parameters for first..last of the season that opened on `opener` (the checks
    read them too)."""
    settings = config.tier_adjustments
    return {
        "start_date": first,
        "end_date": last,
        "season_start": opener,
        "system_id": settings["system_id"],
        "lookback_days": settings["lookback_days"],
    }


def run_tier_adjustments(
    config: Config, season_name: str, chunk_name: str | None = None, marker: str | None = None
) -> str:
    """Learn the adjustments at the key dates of the season (or of one daily chunk), apply them to its rows,
    check, mark. Each key date learns only from errors before it, so this never waits on its own outcome."""
    started = dt.datetime.now(dt.UTC)
    season = config.season(season_name)
    first, last = season.start, season.end
    if chunk_name is not None:
        chunk = parse_chunk(config, season_name, chunk_name)
        first, last = chunk.first, chunk.last
    settings = config.tier_adjustments
    labels = {"processor": "tier_adjustments", "season": season_name, "chunk": chunk_name or "all"}
    warehouse = open_warehouse(config, labels, scope=(season.start, last))
    opener = season_game_dates(warehouse, season)[0]
    learn = tier_learning(config, season, first, last)
    keys = learn["key_dates"]
    span = tier_application(config, first, last, opener)
    own = tier_rows(config)  # the shared tables' rows this step writes
    with contextlib.ExitStack() as replaced:  # the checks run inside: a failure puts both tables back
        if keys:
            replaced.enter_context(
                warehouse.replacing(TIERS.table, sql_text("tier_adjustments"), first, last, learn, own)
            )
        replaced.enter_context(
            warehouse.replacing(PREDICTIONS, sql_text("apply_tier_adjustments"), first, last, span, own)
        )
        results, fingerprint = tier_checks(warehouse, first, last, span, own, chunk_name is not None)
        raise_on_failure(f"tier_adjustments {season_name}", results)
    adjustments = warehouse.query(
        "SELECT as_of_date, scoring_tier, sample_size, adjustment_confidence AS share, "
        f"recommended_adjustment * scale_factor * adjustment_confidence AS tier_adjustment "
        f"FROM {TIERS.table} WHERE as_of_date BETWEEN @start AND @end AND system_id = @system_id "
        "ORDER BY as_of_date, scoring_tier",
        {"start": first, "end": last, "system_id": settings["system_id"]},
    ).dicts()
    if marker is None:
        marker = (
            phase5a_season_marker(season_name) if chunk_name is None else phase5a_chunk_marker(season_name, chunk_name)
        )
    write_marker(
        marker,
        started,
        warehouse,
        phase="phase5a",
        season=season_name,
        settings=settings,
        key_dates=keys,
        holdout_min_z=round(learn["min_z"], 4),
        adjustments=adjustments,
        fingerprint=fingerprint,
        checks=[r.as_dict() for r in results],
        inputs=job_inputs(config, "tiers", season_name),
    )
    return marker


def run_tier_check(config: Config, season_name: str, marker: str | None = None) -> str:
    """5C: MAE of raw vs adjusted predictions over the same graded rows; PASS (adjusted not above raw: lower, or
    equal where no tier's correction helped before its key date, so none was applied) or WARN in the marker."""
    started = dt.datetime.now(dt.UTC)
    season = config.season(season_name)
    system_id = config.tier_adjustments["system_id"]
    labels = {"processor": "tier_check", "season": season_name, "chunk": "all"}
    warehouse = open_warehouse(config, labels, scope=(season.start, season.end))
    result = warehouse.query(
        sql_text("tier_check"), {"start_date": season.start, "end_date": season.end, "system_id": system_id}
    ).dicts()[0]
    status = "PASS" if result["is_not_worse"] else "WARN"
    if status == "WARN" and config.phase5c["fail_on_warn"]:
        found = (
            f"adjusted MAE {result['mae_adjusted']:.4f} is above raw MAE {result['mae_raw']:.4f}"
            if result["n"]
            else f"no graded {system_id} rows to compare"
        )
        raise CheckFailed(f"CHECK_FAILED tier_check {season_name}: {found} (phase5c.fail_on_warn is set)")
    marker = marker or phase5c_marker(season_name)
    write_marker(
        marker,
        started,
        warehouse,
        phase="phase5c",
        season=season_name,
        system_id=system_id,
        status=status,
        n=result["n"],
        # no graded rows (the system abstained all season): WARN, with no MAE to report
        **{k: None if result[k] is None else round(result[k], 4) for k in ("mae_raw", "mae_adjusted", "mae_change")},
        is_improving=bool(result["is_improving"]),
        is_not_worse=bool(result["is_not_worse"]),
        inputs=job_inputs(config, "tier_check", season_name),
    )
    return marker
