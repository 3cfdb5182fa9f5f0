"""What is left to run, from the markers, and (on BigQuery) what it will scan: `nba-backfill plan [--cost]`.

The estimate dry-runs each remaining job's statements with the parameters the job will use: the SELECT each
replace computes its rows with (the CREATE TEMP TABLE of the replace script) and every check query the job then
runs. Each statement is priced at BigQuery's on-demand minimum of 10 MB at least. A dry run of a statement that
reads a table no earlier job has written yet cannot be priced (BigQuery rejects it): such jobs are counted as
`unpriced`, so the total is a lower bound until those tables exist. What it leaves out is printed with it
(`LEFT_OUT`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, Season
from .errors import BackfillError, UsageError
from .phase5 import tier_application, tier_learning
from .plan import (
    PHASE4_PROCESSORS,
    Chunk,
    chunk_marker,
    phase5a_season_marker,
    phase5c_marker,
    season_chunks,
    season_targets,
)
from .processors import PROCESSORS, TIERS, sql_text
from .runner import owned_params, owned_rows, tier_rows
from .validate import table_check_queries

TIB = 2**40
MIN_BILLED = 10 * 2**20  # on-demand pricing bills every query at least 10 MB

# Said under the estimate: what a job sends that the dry runs do not price.
LEFT_OUT = (
    "not priced: the rest of each replace script (its range check, the DELETE of the replaced partitions -- "
    "nothing on a first backfill, their current bytes on a redo -- the INSERT and the row count, reading the "
    "rows just computed), the INFORMATION_SCHEMA.PARTITIONS lookups of the dependency and coverage checks and "
    "the schedule lookups (10 MB each at least), preflight, the tier step's listing of its adjustments, "
    "publishing (Phase 6), and external processors' own commands"
)


@dataclass
class PhaseCost:
    jobs: int = 0
    bytes: int = 0
    unpriced: int = 0
    reasons: list[str] = field(default_factory=list)
    billed: int = 0  # bytes, each statement at MIN_BILLED at least


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
        span = tier_application(config, season.start, season.end, opener)
        return [
            (sql_text("tier_adjustments"), tier_learning(config, season, season.start, season.end)),
            (sql_text("apply_tier_adjustments"), span),
            (sql_text("tier_adjustments.checks"), {**span, **owned_params("predictions")}),
            *table_check_queries(TIERS, season.start, season.end, opener, tier_rows(config)),
        ]
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
                return _chunk_statements(config, name, season, chunk, opener)
    return []


def _chunk_statements(
    config: Config, name: str, season: Season, chunk: Chunk, opener: dt.date
) -> list[tuple[str, dict]]:
    """The job's writing statements, then its checks (the expected rows per date, the table checks)."""
    start = max(chunk.first, opener + dt.timedelta(days=config.bootstrap_days))
    params = {"start_date": start, "end_date": chunk.last, "season_start": opener, **owned_params(name)}
    processor = PROCESSORS[name]
    checks = [
        (processor.checks_sql(), params),
        *table_check_queries(processor, chunk.first, chunk.last, opener, owned_rows(name)),
    ]
    if name == "predictions":  # the reads of phase5.write_predictions
        from .phase5 import prediction_reads

        return [*prediction_reads(config, season, chunk, start, opener).values(), *checks]
    if name in config.external_processors:
        return checks  # the command is someone else's: only our checks are ours to dry-run
    return [(processor.sql(), params), *checks]


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
                    scanned = warehouse.dry_run_bytes(sql, params)
                    cost.bytes += scanned
                    cost.billed += max(scanned, MIN_BILLED)
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
        (season, phase, c.jobs, c.bytes, round(c.billed / TIB * price, 4), c.unpriced)
        for (season, phase), c in costs.items()
    ]
    rows.append(
        (
            "total",
            "",
            sum(c.jobs for c in costs.values()),
            sum(c.bytes for c in costs.values()),
            round(sum(c.billed for c in costs.values()) / TIB * price, 4),
            sum(c.unpriced for c in costs.values()),
        )
    )
    return ["season", "phase", "jobs left", "bytes", "usd (on-demand)", "unpriced jobs"], rows
