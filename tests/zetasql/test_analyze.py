"""Every statement the BigQuery backend can send, analyzed by ZetaSQL (the analyzer BigQuery's dialect is defined
by) against a catalog of the repo's schema files: names, types, function signatures, parameters. A failure
names the statement and ZetaSQL's line:column. The statements come from the code that builds them, so a
changed generator is judged as it is now."""

from __future__ import annotations

import datetime as dt

import pytest
from statements import (
    RecordingWarehouse,
    Statement,
    job_parameters,
    param_types,
    repo_config,
    sent_jobs,
    sql_statements,
)
from zetasql_service import ZetaSQLError, type_proto

from helpers import write_rows
from nba_backfill import phase5, preflight
from nba_backfill.audit import failing_rows, recorded_rows, write_failing_rows
from nba_backfill.errors import BackfillError
from nba_backfill.plan import season_chunks
from nba_backfill.processors import PHASE4, PHASE5, PROCESSORS, TIERS, sql_text
from nba_backfill.runner import owned_rows
from nba_backfill.schedule import SCHEDULE, season_game_dates
from nba_backfill.tables import all_tables, table_schema
from nba_backfill.validate import table_checks
from nba_backfill.warehouse.bigquery.backend import DEFAULT_PROJECT, BigQueryWarehouse
from nba_backfill.warehouse.bigquery.projects import map_project

SEASON = repo_config().seasons[0]
PREDICTIONS = PROCESSORS["predictions"].table


def analyze(zetasql, statement: Statement) -> int:
    """How many statements the text holds; fails with ZetaSQL's message, which names the id and line:column."""
    declared = {name: type_proto(kind, repeated) for name, (kind, repeated) in statement.params.items()}
    tables = {
        name: [(column, type_proto(kind, repeated)) for column, (kind, repeated) in columns.items()]
        for name, columns in statement.tables.items()
    }
    try:
        return zetasql.analyze_script(statement.sql, declared, statement.id, tables)
    except ZetaSQLError as err:
        message = str(err)
    pytest.fail(message, pytrace=False)


def analyze_sent(zetasql, where: str, sent: list[tuple[str, dict]]) -> None:
    """Statements an interface call was asked to run, as the BigQuery backend would send them."""
    assert sent, f"{where}: nothing was sent"
    for i, (sql, params) in enumerate(sent, start=1):
        analyze(zetasql, Statement(f"{where}#{i}", map_project(sql, DEFAULT_PROJECT), param_types(params)))


# -- the SQL files and the cost plan's dry runs ---------------------------------------------------------------
@pytest.mark.parametrize("statement", sql_statements(), ids=lambda s: s.id)
def test_sql_statement(zetasql, statement):
    """query() and dry_run_bytes() send the text with its project mapped; one statement per job."""
    sent = Statement(statement.id, map_project(statement.sql, DEFAULT_PROJECT), statement.params)
    assert analyze(zetasql, sent) == 1


# -- SQL built inline -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("processor", [*PHASE4.values(), *PHASE5.values(), TIERS], ids=lambda p: p.name)
def test_table_checks(zetasql, processor, tmp_path):
    warehouse = RecordingWarehouse(tmp_path)
    table_checks(warehouse, processor, SEASON.start, SEASON.end, SEASON.start)
    analyze_sent(zetasql, f"table_checks/{processor.name}", warehouse.sent)


@pytest.mark.parametrize("processor", [*PHASE4.values(), *PHASE5.values()], ids=lambda p: p.name)
def test_failing_rows_queries(zetasql, processor, tmp_path):
    """Every table check's failing-rows query, with the parameters the stats query gets."""
    warehouse = RecordingWarehouse(tmp_path)
    for check in ("unique_key", "non_null_key", *processor.violations()):
        failing_rows(warehouse, processor, check, SEASON.start, SEASON.end, SEASON.start, owned_rows(processor.name))
    analyze_sent(zetasql, f"failing_rows/{processor.name}", warehouse.sent)


def test_audit_rows_read_back_for_status(zetasql, tmp_path):
    warehouse = RecordingWarehouse(tmp_path)
    rows = [('{"cache_date":"2024-01-02","player_lookup":"a"}', '{"games_played_season":90}')]
    write_failing_rows(warehouse, "pdc 2021-22 c1", dt.datetime(2026, 1, 2, tzinfo=dt.UTC), {"bound:x": ("warn", rows)})
    assert recorded_rows(warehouse, "pdc 2021-22 c1") == {"bound:x": rows}
    analyze_sent(zetasql, "audit/recorded_rows", warehouse.sent)


def test_schedule_and_preflight_queries(zetasql, tmp_path, monkeypatch):
    warehouse = RecordingWarehouse(tmp_path)
    with pytest.raises(BackfillError):  # an empty warehouse has no schedule: the query ran, then the refusal
        season_game_dates(warehouse, SEASON)
    monkeypatch.setattr(preflight, "open_warehouse", lambda *args, **kwargs: warehouse)
    with pytest.raises(BackfillError):
        preflight.run_preflight(repo_config(), SEASON.name)
    analyze_sent(zetasql, "schedule+preflight", warehouse.sent)


def test_tier_step_queries(zetasql, tmp_path, monkeypatch):
    """The tier step of one chunk on a warehouse with only a schedule: nothing to adjust, every query sent."""
    monkeypatch.chdir(tmp_path)  # its marker
    config = repo_config()
    warehouse = RecordingWarehouse(tmp_path / "warehouse")
    write_rows(
        warehouse,
        SCHEDULE,
        [
            {
                "game_id": "g",
                "game_date": SEASON.start,
                "season_year": SEASON.start.year,
                "game_status": 3,
                "is_regular_season": True,
            }
        ],
    )
    monkeypatch.setattr(phase5, "open_warehouse", lambda *args, **kwargs: warehouse)
    phase5.run_tier_adjustments(config, SEASON.name, season_chunks(SEASON, config.chunk_days)[0].name)
    analyze_sent(zetasql, "tier step", warehouse.sent)


# -- what BigQueryWarehouse itself generates, as its real client sends it -------------------------------------
def _empty_arrow(table: str):
    import pyarrow as pa

    return pa.Table.from_pylist([], schema=table_schema(table).arrow_schema())


def _sql_replaces() -> list[tuple[str, str, str, str]]:
    """(id, table, sql file stem, params) of every replace whose source is one of our SQL files."""
    out = [(f"replace/{p.name}", p.table, p.name) for p in PROCESSORS.values() if p.name != "predictions"]
    out += [
        ("replace/tier_adjustments", TIERS.table, "tier_adjustments"),
        ("replace/apply_tier_adjustments", PREDICTIONS, "apply_tier_adjustments"),
    ]
    return out


@pytest.fixture
def bigquery(fake_bigquery):
    warehouse = BigQueryWarehouse(
        {"backend": "bigquery", "project": DEFAULT_PROJECT, "location": "US"},
        client=fake_bigquery.client(DEFAULT_PROJECT, "US"),
        retry_base_delay=0.001,
    )
    yield warehouse
    warehouse.close()


@pytest.mark.parametrize(("name", "table", "stem"), _sql_replaces(), ids=[r[0] for r in _sql_replaces()])
def test_replace_script_with_sql_source(zetasql, fake_bigquery, bigquery, name, table, stem):
    since = len(fake_bigquery.job_inserts())
    bigquery.replace_partitions(table, sql_text(stem), SEASON.start, SEASON.end, job_parameters()[stem])
    jobs = sent_jobs(fake_bigquery, since)
    assert jobs
    for job in jobs:
        analyze(zetasql, Statement(f"{name} ({job.id})", job.sql, job.params, job.tables))


@pytest.mark.parametrize("table", sorted(set(all_tables()) - {r[1] for r in _sql_replaces()} | {PREDICTIONS}))
def test_replace_script_with_loaded_rows(zetasql, fake_bigquery, bigquery, table):
    """Rows from Python (predictions, the league's Phase 3 tables) are loaded into a staging table, then the
    replace script reads it."""
    since = len(fake_bigquery.job_inserts())
    bigquery.replace_partitions(table, _empty_arrow(table), SEASON.start, SEASON.end)
    jobs = sent_jobs(fake_bigquery, since)
    assert jobs
    for job in jobs:
        analyze(zetasql, Statement(f"load/{table} ({job.id})", job.sql, job.params, job.tables))


def test_partition_listing(zetasql, fake_bigquery, bigquery):
    since = len(fake_bigquery.job_inserts())
    for table in all_tables():
        bigquery.partitions(table)
    for job in sent_jobs(fake_bigquery, since):
        analyze(zetasql, Statement(f"partitions ({job.id})", job.sql, job.params))


def test_statements_inside_a_scripting_block_are_analyzed(zetasql):
    """BigQuery's BEGIN ... EXCEPTION WHEN ERROR THEN ... END is stepped into, never skipped whole."""
    script = (
        "BEGIN\n  BEGIN TRANSACTION;\n  DELETE FROM nba_reference.nba_schedule WHERE game_date = CURRENT_DATE();\n"
        "  COMMIT TRANSACTION;\nEXCEPTION WHEN ERROR THEN\n  ROLLBACK TRANSACTION;\n"
        "  RAISE USING MESSAGE = 'x';\nEND;\n"
    )
    assert zetasql.analyze_script(script, {}, "block") == 4
    with pytest.raises(ZetaSQLError, match=r"Unrecognized name: game_dat\b.*\[at block:3:48\]"):
        zetasql.analyze_script(script.replace("game_date =", "game_dat ="), {}, "block")


def _owned_replaces():
    """(id, table, source, params, owned) of every replace of a shared table: only the backfill's own rows."""
    tiers = {"system_id": ("ensemble_v2",)}
    return [
        ("grading", PROCESSORS["grading"].table, sql_text("grading"), job_parameters()["grading"],
         owned_rows("grading")),
        ("predictions", PREDICTIONS, None, {}, owned_rows("predictions")),
        ("tier_adjustments", TIERS.table, sql_text("tier_adjustments"), job_parameters()["tier_adjustments"], tiers),
        ("apply_tier_adjustments", PREDICTIONS, sql_text("apply_tier_adjustments"),
         job_parameters()["apply_tier_adjustments"], tiers),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "table", "source", "params", "owned"), _owned_replaces(), ids=[r[0] for r in _owned_replaces()]
)
def test_owned_replace_with_its_kept_copy_and_restore(
    zetasql, fake_bigquery, bigquery, name, table, source, params, owned
):
    """A job's replace of a shared table (its systems' rows only), the copy of the rows it replaces, and the restore
    a failed check runs: every statement as the real client sends it."""
    since = len(fake_bigquery.job_inserts())
    with (
        pytest.raises(RuntimeError),
        bigquery.replacing(
            table, _empty_arrow(table) if source is None else source, SEASON.start, SEASON.end, params, owned
        ),
    ):
        bigquery.owned_rows(table, SEASON.start, SEASON.end, owned)  # what the checks count
        raise RuntimeError("a check failed")
    jobs = sent_jobs(fake_bigquery, since)
    assert len(jobs) >= 3  # the replace (with the kept copy), the owned rows, the restore
    for job in jobs:
        analyze(zetasql, Statement(f"owned/{name} ({job.id})", job.sql, job.params, job.tables))
