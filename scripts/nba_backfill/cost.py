"""What is left to run, from the markers, and (on BigQuery) what it will scan: `nba-backfill plan [--cost]`.

The estimate dry-runs each remaining job's statements with the parameters the job will use. A dry run of a
statement that reads a table no earlier job has written yet cannot be priced (BigQuery rejects it): such jobs
are counted as `unpriced`, so the total is a lower bound until those tables exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, Season
from .errors import BackfillError, UsageError
from .plan import (
    PHASE4_PROCESSORS,
    Chunk,
    chunk_marker,
    key_dates,
    phase5a_season_marker,
    phase5c_marker,
    season_chunks,
    season_targets,
)
from .processors import PROCESSORS, sql_text

TIB = 2**40


@dataclass
class PhaseCost:
    jobs: int = 0
    bytes: int = 0
    unpriced: int = 0
    reasons: list[str] = field(default_factory=list)


def phase_of(marker: str) -> str:
    """markers/phase4/pcf/S/C.done -> phase4; markers/phase5a/predictions/... -> phase5a."""
    return marker.split("/")[1]


def remaining_markers(config: Config) -> dict[tuple[str, str], list[str]]:
    """(season, phase) -> the markers not on disk yet, in DAG order."""
    left: dict[tuple[str, str], list[str]] = {}
    for season in config.seasons:
        for marker in season_targets(config, season):
            if not Path(marker).exists():
                left.setdefault((season.name, phase_of(marker)), []).append(marker)
    return left


def job_statements(config: Config, season: Season, opener: dt.date, marker: str) -> list[tuple[str, dict]]:
    """The statements a job behind `marker` runs, with its parameters (rollups and preflight scan nothing)."""
    settings = config.tier_adjustments
    if marker == phase5a_season_marker(season.name):
        keys = key_dates(season, settings["key_days"])
        span = {
            "start_date": season.start,
            "end_date": season.end,
            "season_start": opener,
            "system_id": settings["system_id"],
        }
        learn = {
            "key_dates": keys,
            "lookback_days": settings["lookback_days"],
            "min_sample": settings["min_sample"],
            "system_id": settings["system_id"],
        }
        return [(sql_text("tier_adjustments"), learn), (sql_text("apply_tier_adjustments"), span)]
    if marker == phase5c_marker(season.name):
        return [
            (
                sql_text("tier_check"),
                {"start_date": season.start, "end_date": season.end, "system_id": settings["system_id"]},
            )
        ]
    for chunk in season_chunks(season, config.chunk_days):
        for name in (*PHASE4_PROCESSORS, "predictions", "grading"):
            if marker == chunk_marker(name, season.name, chunk.name):
                return _chunk_statements(config, name, chunk, opener)
    return []


def _chunk_statements(config: Config, name: str, chunk: Chunk, opener: dt.date) -> list[tuple[str, dict]]:
    from .runner import owned_params

    start = max(chunk.first, opener + dt.timedelta(days=config.bootstrap_days))
    params = {"start_date": start, "end_date": chunk.last, "season_start": opener, **owned_params(name)}
    if name == "predictions":
        return [
            (sql_text("prediction_inputs"), {"start_date": start, "end_date": chunk.last}),
            (sql_text("player_history"), {"season_start": opener, "end_date": chunk.last}),
            (sql_text("training_rows"), {"season_start": opener, "before_date": chunk.first}),
        ]
    if name in config.external_processors:
        return []  # someone else's command: nothing of ours to dry-run
    return [(PROCESSORS[name].sql(), params)]


def estimate(config: Config, warehouse) -> dict[tuple[str, str], PhaseCost]:
    """Dry-run every remaining job's statements; bytes per (season, phase)."""
    from .schedule import season_game_dates

    costs: dict[tuple[str, str], PhaseCost] = {}
    for (season_name, phase), markers in remaining_markers(config).items():
        season = config.season(season_name)
        try:
            opener = season_game_dates(warehouse, season)[0]
        except BackfillError:
            opener = season.start
        cost = costs.setdefault((season_name, phase), PhaseCost())
        for marker in markers:
            cost.jobs += 1
            for sql, params in job_statements(config, season, opener, marker):
                try:
                    cost.bytes += warehouse.dry_run_bytes(sql, params)
                except BackfillError as err:
                    cost.unpriced += 1
                    cost.reasons.append(f"{marker}: {err}")
                    break
    return costs


def plan_table(config: Config, warehouse=None, with_cost: bool = False) -> tuple[list[str], list[tuple]]:
    """Rows for `nba-backfill plan`: season, phase, remaining jobs (and bytes, price, unpriced jobs)."""
    if with_cost and config.backend != "bigquery":
        raise UsageError("plan --cost dry-runs the statements on BigQuery: set warehouse.backend: bigquery")
    if not with_cost:
        left = remaining_markers(config)
        rows = [(season, phase, len(markers)) for (season, phase), markers in left.items()]
        rows.append(("total", "", sum(len(m) for m in left.values())))
        return ["season", "phase", "jobs left"], rows
    price = config.warehouse["price_per_tib_usd"]
    costs = estimate(config, warehouse)
    rows = [
        (season, phase, c.jobs, c.bytes, round(c.bytes / TIB * price, 4), c.unpriced)
        for (season, phase), c in costs.items()
    ]
    total = sum(c.bytes for c in costs.values())
    rows.append(
        (
            "total",
            "",
            sum(c.jobs for c in costs.values()),
            total,
            round(total / TIB * price, 4),
            sum(c.unpriced for c in costs.values()),
        )
    )
    return ["season", "phase", "jobs left", "bytes", "usd (on-demand)", "unpriced jobs"], rows
