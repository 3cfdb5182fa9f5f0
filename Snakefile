# nba-backfill: the runbook's backfill as one DAG of validated (processor, chunk) jobs.
#   snakemake --cores 4 all_seasons                  everything, every configured season
#   snakemake --cores 4 markers/phase4/2022-23.done  one phase of one season (and what it needs)
#   snakemake -n all_seasons                         what is left, and why
#   snakemake --cores 4 daily --config date=2026-01-15  one day, for the nightly run
import os
import sys

from snakemake.utils import min_version

min_version("9.0")


# Snakemake's own line for an empty config file names neither file nor key: read it first, for ours.
from nba_backfill.config import DEFAULT_CONFIG, read_config_file
from nba_backfill.errors import BackfillError

try:
    if DEFAULT_CONFIG.exists():
        read_config_file(DEFAULT_CONFIG)
except BackfillError as err:
    print(f"error: {err}", file=sys.stderr)
    sys.exit(err.exit_code)


configfile: "config/seasons.yaml"


# Snakemake imports pandas (a third of a dry run's time) only to ask whether a rule's params are pandas objects,
# to hash them; ours are digest strings, which its plain serializer writes the same way.
from snakemake.persistence import PersistenceBase

PersistenceBase._serialize_param = property(lambda self: self._serialize_param_builtin)


# With `--software-deployment-method conda` (profiles/gcp) Snakemake installs the package from this folder into an
# environment it adds to its own process (envs/nba-backfill.yaml); ignored otherwise.
os.environ["NBA_BACKFILL_REPO"] = workflow.basedir


conda: "envs/nba-backfill.yaml"


include: "rules/common.smk"
include: "rules/preflight.smk"
include: "rules/phase4.smk"
include: "rules/phase5.smk"
include: "rules/phase6.smk"
include: "rules/report.smk"


rule all_seasons:
    input:
        all_season_targets(CONFIG),
        "reports/coverage.png",
    default_target: True


# The nightly hand-off: `snakemake --cores 4 daily --config date=YYYY-MM-DD` (default yesterday) runs
# preflight -> Phase 4 -> 5 -> 6 for that one date with the same rules as the backfill.
rule daily:
    input:
        get_daily_targets,


# Jobs start as forks of one warm process instead of new interpreters (nba_backfill/jobserver.py); only when jobs
# run, so dry runs pay nothing. Its errors, if any, go to logs/jobserver.log.
onstart:
    jobserver.start("logs/jobserver.log")
    # Snakemake's job-rate limiter (its command line always sets one: 100 jobs a second by default) re-runs the
    # scheduler from a 1 s timer after each scheduling round, and every such round arms one more timer, so idle
    # rounds pile up: a monthly backfill (245 jobs) ran 4,474 rounds, 4,250 of them selecting nothing, for about
    # 37 s of CPU (snakemake issue 3744). Local jobs never come near the limit: off. A cluster executor keeps it.
    if workflow.local_exec:
        workflow.scheduler.job_rate_limiter = None


onsuccess:
    jobserver.stop()


onerror:
    jobserver.stop()
