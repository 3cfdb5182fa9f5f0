# Config validation and the chunk plan; the logic lives in the tested nba_backfill package.
import json
import os
import sys

from nba_backfill import plan
from nba_backfill.config import CONFIG_ENV, validate_config
from nba_backfill.errors import ConfigError
from nba_backfill.inputs import job_digest
from nba_backfill.plan import all_season_targets
from nba_backfill.processors import PHASE4

try:
    CONFIG = validate_config(config)
except ConfigError as err:  # one line, exit 2 (bad input), before any job
    print(f"error: {err}", file=sys.stderr)
    sys.exit(err.exit_code)

# Every job's `nba-backfill` call reads this: the effective config, --config overrides included.
os.environ[CONFIG_ENV] = json.dumps(CONFIG.raw)


wildcard_constraints:
    season="|".join(s.name for s in CONFIG.seasons),
    processor="|".join(PHASE4),
    chunk=r"\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}",


# BigQuery runs at most 2 mutating statements per table at once: each job that writes a table takes one
# `writes_<table>` slot (capped in profiles/default). On the embedded warehouse jobs write disjoint files: no slot.
def table_writes(processor):
    return lambda wildcards: int(CONFIG.backend == "bigquery" and wildcards.get("processor", processor) == processor)


# Publishing jobs share one target (index.json, latest.json, players files). A folder target is locked by the job
# itself while it writes, so local jobs only queue for that; GCS has no lock: its jobs take the one
# `publish_target` slot (capped in the profiles), one at a time.
def publish_slot():
    return int(CONFIG.raw.get("publish", {}).get("target", "").startswith("gs://"))


# A rule's params: the digest of the config keys and SQL/code that define its job's rows (nba_backfill.inputs), so
# Snakemake's params trigger reruns exactly the jobs whose inputs changed. `kind` defaults to the processor wildcard.
def digest_of(kind=None):
    return lambda wildcards: job_digest(CONFIG, kind or wildcards.processor, wildcards.season)


def get_league_input(wildcards):
    """The embedded warehouse gets the season's synthetic league first; BigQuery already holds Phase 3."""
    return [plan.league_marker(wildcards.season)] if CONFIG.backend == "duckdb" else []


def is_daily(wildcards):
    """A one-day chunk asked for by the `daily` target rather than one of the season's backfill chunks."""
    return not plan.is_regular_chunk(CONFIG, CONFIG.season(wildcards.season), wildcards.chunk)


def get_preflight_input(wildcards):
    if is_daily(wildcards):
        return plan.daily_preflight_marker(wildcards.season, wildcards.chunk)
    return plan.preflight_marker(wildcards.season)


def get_phase4_inputs(wildcards):
    upstream = PHASE4[wildcards.processor].upstream
    return [get_preflight_input(wildcards)] + [
        plan.phase4_marker(name, wildcards.season, wildcards.chunk) for name in upstream
    ]


def get_daily_targets(wildcards):
    import datetime as dt

    day = dt.date.fromisoformat(CONFIG.raw["date"]) if "date" in CONFIG.raw else dt.date.today() - dt.timedelta(days=1)
    return plan.daily_targets(CONFIG, day)


def get_phase4_season_inputs(wildcards):
    return plan.phase4_chunk_markers(CONFIG, CONFIG.season(wildcards.season))


def get_predictions_inputs(wildcards):
    """A chunk's predictions train on the season's feature rows before it: every MLFS chunk up to this one.
    A daily chunk trains on what the backfill and earlier daily runs left in the warehouse."""
    season = CONFIG.season(wildcards.season)
    if is_daily(wildcards):
        return [plan.phase4_marker("mlfs", season.name, wildcards.chunk)]
    markers = []
    for chunk in plan.season_chunks(season, CONFIG.chunk_days):
        markers.append(plan.phase4_marker("mlfs", season.name, chunk.name))
        if chunk.name == wildcards.chunk:
            return markers
    raise ValueError(f"{wildcards.chunk} is not a chunk of {season.name}")


def get_tiers_inputs(wildcards):
    return plan.predictions_markers(CONFIG, CONFIG.season(wildcards.season))


def get_grading_input(wildcards):
    if is_daily(wildcards):
        return plan.phase5a_chunk_marker(wildcards.season, wildcards.chunk)
    return plan.phase5a_season_marker(wildcards.season)


def get_grading_season_inputs(wildcards):
    return plan.grading_markers(CONFIG, CONFIG.season(wildcards.season))
