"""`nba-backfill`: the commands Snakemake's rules call, and the ones operators run by hand.

Each command parses, calls one package function and prints. One error boundary turns the package's errors into
one line on stderr and an exit code: 0 ok, 1 a data check failed or data is missing, 2 bad input.
"""

from __future__ import annotations

import functools
import sys

import click

from .errors import BackfillError

CONFIG_HELP = "Config file (default: config/seasons.yaml; inside Snakemake jobs, Snakemake's effective config)."


def error_boundary(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BackfillError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(err.exit_code)

    return wrapper


def load(ctx: click.Context):
    from .config import load_config

    return load_config(ctx.obj.get("configfile"))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--configfile", type=click.Path(dir_okay=False), default=None, help=CONFIG_HELP)
@click.version_option(package_name="nba-backfill")
@click.pass_context
def main(ctx: click.Context, configfile: str | None) -> None:
    """Backfill the NBA props warehouse, one validated (processor, chunk) at a time.

    Most commands are called by the Snakemake rules; run `snakemake --cores 4 all_seasons` for the backfill.

    \b
    Examples:
      nba-backfill league                      # write the synthetic Phase 3 league (embedded warehouse)
      nba-backfill import --boxscores data/leaguegamelog_players_2021-22.csv.gz   # real box scores as Phase 3
      nba-backfill preflight --season 2022-23
      nba-backfill run pcf --season 2022-23 --chunk 2022-10-18_2023-04-09
      nba-backfill query "SELECT COUNT(*) FROM nba_predictions.ml_feature_store_v2"
    """
    ctx.ensure_object(dict)
    ctx.obj["configfile"] = configfile


season_option = click.option("--season", required=True, help="Season name as configured, e.g. 2022-23.")
marker_option = click.option(
    "--marker",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the marker here (Snakemake passes its output path; default: the path in README's layout).",
)
chunk_option = click.option(
    "--chunk",
    required=True,
    help="Chunk name {first}_{last}, e.g. 2022-10-18_2023-04-09 (one season at the default chunk_days).",
)


phase3_season_option = click.option(
    "--season", default=None, help="Only this season (the Snakemake rule's unit); default: every season."
)
backend_option = click.option(
    "--backend",
    type=click.Choice(["duckdb", "bigquery"]),
    default=None,
    help="Load into this backend instead of the configured one (bigquery: load jobs into warehouse.project).",
)


@main.command()
@phase3_season_option
@click.option("--marker", type=click.Path(dir_okay=False), default=None, help="Write this marker when done.")
@backend_option
@click.pass_context
@error_boundary
def league(ctx: click.Context, season: str | None, marker: str | None, backend: str | None) -> None:
    """Write the deterministic synthetic league (Phase 3 input) for every configured season.

    On BigQuery this rehearses a backfill on a throwaway project: the tables are created and filled with load
    jobs.

    \b
    Examples:
      nba-backfill league
      nba-backfill league --season 2022-23
      nba-backfill league --backend bigquery
    """
    from .config import with_backend
    from .phase3.write import write_phase3

    config = load(ctx) if backend is None else with_backend(load(ctx), backend)
    click.echo(write_phase3(config, "synthetic", marker, season_name=season))


@main.command("import")
@phase3_season_option
@click.option(
    "--boxscores",
    multiple=True,
    metavar="GLOB",
    help="NBA Stats leaguegamelog player rows (CSV, CSV.gz, Parquet); repeatable (default: phase3.boxscores).",
)
@click.option(
    "--lines",
    multiple=True,
    metavar="GLOB",
    help="The Odds API player-points rows; repeatable (default: "
    "phase3.lines when --boxscores is not given, else none).",
)
@click.option("--marker", type=click.Path(dir_okay=False), default=None, help="Write this marker when done.")
@click.option(
    "--report", "show_report", is_flag=True, help="Import nothing: print the report the season's import recorded."
)
@backend_option
@click.pass_context
@error_boundary
def import_files(
    ctx: click.Context,
    season: str | None,
    boxscores: tuple[str, ...],
    lines: tuple[str, ...],
    marker: str | None,
    show_report: bool,
    backend: str | None,
) -> None:
    """Import real box scores (and prop lines) as Phase 3 for every configured season, then print the import
    report: games, players, DNP rows, skipped rows, the share of lines matched and every line left out, by why.

    A bad file stops it with one line naming the file, row and column (exit 2); nothing is written. On BigQuery
    the tables are loaded with load jobs.

    \b
    Examples:
      nba-backfill import                     # the files in config's phase3.boxscores / phase3.lines
      nba-backfill import --boxscores data/leaguegamelog_players_2021-22.csv.gz --lines "data/odds_*.csv"
      nba-backfill import --report --season 2024-25   # what the backfill's import of that season reported
    """
    from .config import with_backend
    from .phase3.write import import_summary, write_phase3

    config = load(ctx) if backend is None else with_backend(load(ctx), backend)
    if show_report:
        from pathlib import Path

        from .errors import UsageError
        from .markers import read_marker
        from .plan import league_marker

        path = league_marker(season or config.seasons[-1].name)
        report = read_marker(path, "report")["report"] if Path(path).exists() else None
        if not report:  # the synthetic league's marker has an empty report
            raise UsageError(f"{path}: no import of files recorded for that season")
        click.echo(f"the import recorded in {path} (each season's import reads every file: this covers them all)")
        click.echo(import_summary(report))
        return
    globs = list(boxscores) or None
    chosen_lines = list(lines) if boxscores or lines else None
    click.echo(write_phase3(config, "files", marker, boxscores=globs, lines=chosen_lines, season_name=season))


day_chunk_option = click.option(
    "--chunk", default=None, help="Only up to this chunk (a daily run's one-day chunk, e.g. 2024-01-10_2024-01-10)."
)


@main.command()
@season_option
@day_chunk_option
@marker_option
@click.pass_context
@error_boundary
def preflight(ctx: click.Context, season: str, chunk: str | None, marker: str | None) -> None:
    """Check that every game date of SEASON has plausible rows in every Phase 3 table.

    \b
    Examples:
      nba-backfill preflight --season 2022-23
      nba-backfill preflight --season 2023-24 --chunk 2024-01-10_2024-01-10
    """
    from .preflight import run_preflight

    click.echo(f"ok: {run_preflight(load(ctx), season, chunk, marker)}")


@main.command()
@click.argument("processor", type=click.Choice(["tdza", "psza", "pcf", "pdc", "mlfs", "predictions", "grading"]))
@season_option
@chunk_option
@marker_option
@click.pass_context
@error_boundary
def run(ctx: click.Context, processor: str, season: str, chunk: str, marker: str | None) -> None:
    """Run one PROCESSOR for one chunk: check upstream, write, validate, mark.

    PROCESSOR is a Phase 4 processor, `predictions` (5A, the five systems) or `grading` (5B).

    \b
    Example:
      nba-backfill run tdza --season 2022-23 --chunk 2022-10-18_2023-04-09
    """
    from .plan import chunk_marker
    from .runner import run_chunk_job, write_with_command, write_with_sql

    config = load(ctx)
    write = write_with_command if processor in config.external_processors else write_with_sql
    if processor == "predictions":
        from .phase5 import write_predictions as write
    marker = run_chunk_job(config, processor, season, chunk, marker or chunk_marker(processor, season, chunk), write)
    click.echo(f"ok: {marker}")


@main.command()
@season_option
@day_chunk_option
@marker_option
@click.pass_context
@error_boundary
def tiers(ctx: click.Context, season: str, chunk: str | None, marker: str | None) -> None:
    """5A: learn the tier adjustments at SEASON's key dates and apply them to its ensemble rows.

    \b
    Examples:
      nba-backfill tiers --season 2022-23
      nba-backfill tiers --season 2023-24 --chunk 2024-01-15_2024-01-15
    """
    from .phase5 import run_tier_adjustments

    click.echo(f"ok: {run_tier_adjustments(load(ctx), season, chunk, marker)}")


@main.command("tier-check")
@season_option
@marker_option
@click.pass_context
@error_boundary
def tier_check(ctx: click.Context, season: str, marker: str | None) -> None:
    """5C: compare SEASON's MAE with and without the tier adjustments, over the same rows.

    \b
    Example:
      nba-backfill tier-check --season 2022-23
    """
    from .phase5 import run_tier_check

    click.echo(f"ok: {run_tier_check(load(ctx), season, marker)}")


@main.command()
@click.argument("phase", type=click.Choice(["phase4", "phase5b"]))
@click.argument("chunk_markers", nargs=-1, type=click.Path(dir_okay=False))
@season_option
@marker_option
@click.pass_context
@error_boundary
def rollup(ctx: click.Context, phase: str, chunk_markers: tuple[str, ...], season: str, marker: str | None) -> None:
    """Write PHASE's season marker once every chunk marker of SEASON exists (CHUNK_MARKERS: where they are, if
    not at their layout paths).

    \b
    Example:
      nba-backfill rollup phase4 --season 2022-23
    """
    from .rollup import rollup_season

    click.echo(f"ok: {rollup_season(load(ctx), phase, season, marker, list(chunk_markers))}")


@main.command()
@click.option("--cost", is_flag=True, help="Dry-run each remaining job on BigQuery and price the bytes it scans.")
@click.pass_context
@error_boundary
def plan(ctx: click.Context, cost: bool) -> None:
    """List the jobs left per season and phase (from the markers); with --cost, what they will scan and cost:
    each job's computing SELECTs and its check queries, dry-run (each priced at BigQuery's 10 MB minimum at least),
    followed by one line saying what the estimate leaves out.

    \b
    Examples:
      nba-backfill plan
      nba-backfill plan --cost        # BigQuery only: dry runs, nothing is billed
    """
    from .cost import LEFT_OUT, plan_table
    from .tabulate import format_table
    from .warehouse import open_warehouse

    config = load(ctx)
    warehouse = open_warehouse(config, {"processor": "plan"}) if cost else None
    columns, rows = plan_table(config, warehouse, with_cost=cost)
    click.echo(format_table(columns, rows))
    if cost:
        click.echo(LEFT_OUT)


@main.command()
@season_option
@day_chunk_option
@click.option("--target", default=None, help="Override publish.target: a folder or gs://bucket/prefix.")
@click.option("--check", is_flag=True, help="Only validate what the target holds; write nothing.")
@marker_option
@click.pass_context
@error_boundary
def publish(
    ctx: click.Context, season: str, chunk: str | None, target: str | None, check: bool, marker: str | None
) -> None:
    """Phase 6: write SEASON's results, best bets and player files, validate each against its JSON Schema,
    check what the target holds, then mark.

    \b
    Examples:
      nba-backfill publish --season 2022-23
      nba-backfill publish --season 2022-23 --target gs://nba-props-platform-api/v1-rehearsal
      nba-backfill publish --season 2022-23 --check
    """
    from .publish.job import check_publish, run_publish

    config = load(ctx)
    if check:
        results = check_publish(config, season, target, chunk_name=chunk)
        click.echo(f"ok: {len(results)} checks passed")
    else:
        click.echo(f"ok: {run_publish(config, season, target, chunk_name=chunk, marker=marker)}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON, for machines.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, help="Also draw a coverage heatmap PNG here.")
@click.option(
    "--verify", "verified", is_flag=True, help="Also say per season which markers no longer match (`verify`)."
)
@click.pass_context
@error_boundary
def status(ctx: click.Context, as_json: bool, plot: str | None, verified: bool) -> None:
    """Where every season stands: marker progress per phase (failed units named with their reason) and the
    runbook's expected-output tables (MLFS dates, predictions, graded dates and MAE, the 5C result).

    \b
    Examples:
      nba-backfill status
      nba-backfill status --json
      nba-backfill status --plot coverage.png
      nba-backfill status --verify
    """
    from .status import format_status, plot_status, season_status, status_json

    config = load(ctx)
    current = season_status(config, verified=verified)
    click.echo(status_json(current) if as_json else format_status(current), nl=False)
    if plot:
        click.echo(f"plot: {plot_status(config, plot)}", err=as_json)


@main.command()
@click.option("--season", default=None, help="Only this season (default: every configured season).")
@click.option(
    "--fix", is_flag=True, help="Delete the markers that no longer hold; `snakemake all_seasons` redoes them."
)
@click.pass_context
@error_boundary
def verify(ctx: click.Context, season: str | None, fix: bool) -> None:
    """Compare every marker with what the warehouse holds (rows per date and the rows' fingerprint) and every
    publish marker with the files in its target; one line per marker that no longer holds, exit 1.

    Cost: one query per table and season (rows and fingerprint per date). On BigQuery each query reads every
    column of that season's partitions of the table once, so a full verify bills about the size of the backfilled
    tables; the embedded warehouse checks five seasons in seconds.

    \b
    Examples:
      nba-backfill verify
      nba-backfill verify --season 2022-23 --fix && snakemake --cores 4 all_seasons
    """
    from .errors import CheckFailed
    from .verify import verify as run_verify

    mismatches, checked = run_verify(load(ctx), season, fix)
    for mismatch in mismatches:
        click.echo(mismatch.line())
    if mismatches:
        fixed = "; deleted, `snakemake all_seasons` redoes them" if fix else "; --fix deletes them"
        raise CheckFailed(f"{len(mismatches)} of {checked} markers no longer match{fixed}")
    click.echo(f"ok: {checked} markers match the warehouse and the published files")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON, for scripts.")
@click.option(
    "--plot", type=click.Path(dir_okay=False), default=None, help="Also draw MAE per system and season and by decile."
)
@click.pass_context
@error_boundary
def evaluate(ctx: click.Context, as_json: bool, plot: str | None) -> None:
    """Prediction quality per season and system: MAE on each system's rows and on the rows every system predicted;
    over rows with a book line, the system's MAE beside the line's and its OVER/UNDER hit rate against the 52.4 %
    break-even of -110 odds; the oracle's MAE (the irreducible error of the synthetic league; — on real data); MAE
    by confidence decile.

    \b
    Examples:
      nba-backfill evaluate
      nba-backfill evaluate --json
      nba-backfill evaluate --plot evaluate.png
    """
    import json

    from .evaluate import evaluate as run_evaluation
    from .evaluate import format_evaluation, plot_evaluation

    report = run_evaluation(load(ctx))
    click.echo(json.dumps(report, indent=1) if as_json else format_evaluation(report), nl=as_json)
    if plot:
        click.echo(f"plot: {plot_evaluation(report, plot)}", err=as_json)


@main.command()
@click.argument("sql")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A query parameter (@NAME); repeatable.")
@click.pass_context
@error_boundary
def query(ctx: click.Context, sql: str, params: tuple[str, ...]) -> None:
    """Run a read-only BigQuery SQL query against the configured warehouse and print a table (the local
    `bq query`).

    Only SELECT statements (WITH ... SELECT and UNION included) run; anything else is refused before the
    warehouse is opened. Backticked project ids (`nba-props-platform.dataset.table`) map to the configured
    warehouse.

    \b
    Example:
      nba-backfill query "SELECT COUNT(DISTINCT game_date) AS dates
        FROM \\`nba-props-platform.nba_analytics.player_game_summary\\`"
    """
    from .errors import UsageError
    from .statements import require_read_only
    from .tabulate import format_table
    from .warehouse import open_warehouse

    require_read_only(sql)
    values = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--param {item!r}: expected NAME=VALUE")
        values[name] = value
    result = open_warehouse(load(ctx), {"processor": "query"}).query(sql, values)
    click.echo(format_table(result.columns, result.rows))
