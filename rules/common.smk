# Config validation and the chunk plan; the logic lives in the tested nba_backfill package.
import json
import os
import sys

from nba_backfill import jobserver, plan
from nba_backfill.config import CONFIG_ENV, validate_config
from nba_backfill.errors import BackfillError
from nba_backfill.inputs import job_digest
from nba_backfill.phase3 import write as phase3
from nba_backfill.plan import all_season_targets
from nba_backfill.processors import PHASE4

try:
    CONFIG = validate_config(config)
    PHASE3 = phase3.definition(CONFIG)  # what Phase 3 is made from (files by name, size and sha256): read once a run
except BackfillError as err:  # one line, exit 2 for bad input, before any job
    print(f"error: {err}", file=sys.stderr)
    sys.exit(err.exit_code)

# Every job's `nba-backfill` call reads this: the effective config, --config overrides included.
os.environ[CONFIG_ENV] = json.dumps(CONFIG.raw)


wildcard_constraints:
    season="|".join(s.name for s in CONFIG.seasons),
    processor="|".join(PHASE4),
    chunk=r"\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}",


# BigQuery aborts a transaction that mutates a table another one is mutating: each job that writes a table takes
# its `writes_<processor>` slot (capped at 1 in the profiles; `tiers` is scoring_tier_adjustments). On the embedded
# warehouse jobs write disjoint files: no slot.
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
    """Phase 3 first: the season's synthetic league on the embedded warehouse, or the imported files on either
    backend; with the synthetic source BigQuery already holds Phase 3."""
    needed = CONFIG.backend == "duckdb" or CONFIG.phase3["source"] == "files"
    return [plan.league_marker(wildcards.season)] if needed else []


def get_phase3_files(wildcards):
    """The files Phase 3 is imported from (none for the synthetic league): a changed file reruns the import."""
    files = PHASE3.get("boxscores", []) + PHASE3.get("lines", []) + [PHASE3.get("aliases")]
    return [f["name"] for f in files if f]


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
    try:
        return plan.daily_targets(CONFIG, plan.daily_date(CONFIG))
    except BackfillError as err:  # e.g. yesterday is in no configured season: one line, not a traceback
        print(f"error: {err}", file=sys.stderr)
        sys.exit(err.exit_code)


def get_phase4_season_inputs(wildcards):
    return plan.phase4_chunk_markers(CONFIG, CONFIG.season(wildcards.season))


def chain_priority(wildcards):
    return plan.chain_priority(CONFIG, wildcards.season, wildcards.get("chunk"))


def get_predictions_inputs(wildcards):
    """A daily chunk reads what the backfill and earlier daily runs left in the warehouse: only its own features
    are new. A backfill chunk: plan.predictions_inputs (earlier seasons' features and predictions included)."""
    season = CONFIG.season(wildcards.season)
    if is_daily(wildcards):
        return [plan.phase4_marker("mlfs", season.name, wildcards.chunk)]
    return plan.predictions_inputs(CONFIG, season, wildcards.chunk)


def get_tiers_inputs(wildcards):
    return plan.predictions_markers(CONFIG, CONFIG.season(wildcards.season))


def get_grading_input(wildcards):
    if is_daily(wildcards):
        return plan.phase5a_chunk_marker(wildcards.season, wildcards.chunk)
    return plan.phase5a_season_marker(wildcards.season)


def get_grading_season_inputs(wildcards):
    return plan.grading_markers(CONFIG, CONFIG.season(wildcards.season))
