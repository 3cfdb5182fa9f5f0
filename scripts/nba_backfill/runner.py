"""One chunk job: check upstream, replace the chunk's partitions, validate, then write the marker.

Phase 4 processors and grading write with their SQL; predictions write with the Python systems. Everything
else (dependency check, adoption, checks, marker) is the same for all of them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .audit import date_rows, failing_rows, format_failing_rows, write_failing_rows
from .config import Config, Season
from .errors import CheckFailed, MissingDependency, UsageError
from .inputs import job_inputs
from .markers import read_marker, write_marker
from .plan import Chunk, chunk_marker, is_adopted, parse_chunk, training_seasons
from .processors import PHASE4, PHASE5, PROCESSORS, Processor
from .schedule import ChunkDates, chunk_dates
from .severity import apply_severity, entries_for
from .systems import SYSTEM_IDS
from .validate import CheckResult, coverage_checks, coverage_offenders, raise_on_failure, table_checks
from .warehouse import Warehouse, open_warehouse
from .warehouse.base import Owned


@dataclass(frozen=True)
class Job:
    config: Config
    processor: Processor
    season: Season
    chunk: Chunk
    warehouse: Warehouse
    dates: ChunkDates

    @property
    def owned(self) -> Owned | None:
        return owned_rows(self.processor.name)

    @property
    def params(self) -> dict[str, Any]:
        return {**self.dates.params(self.chunk), **owned_params(self.processor.name)}

    @property
    def where(self) -> str:
        return f"{self.processor.name} {self.season.name} {self.chunk.name}"


def owned_rows(name: str) -> Owned | None:
    """The rows of its table a job owns. The predictions and grading tables are shared with the platform's other
    systems, so a job there owns only this backfill's systems' rows; the Phase 4 tables are the backfill's own."""
    if name not in PHASE5:
        return None
    return {"system_id": SYSTEM_IDS}


def tier_rows(config: Config) -> Owned:
    """The rows of the shared tier and predictions tables the tier step owns: its configured system's."""
    return {"system_id": (config.tier_adjustments["system_id"],)}


def owned_params(name: str) -> dict[str, list]:
    """The query parameters of the SQL of a job that writes a shared table: @system_ids, the systems it owns."""
    owned = owned_rows(name)
    return {"system_ids": list(owned["system_id"])} if owned else {}


def check_upstream(job: Job) -> None:
    """MISSING_DEPENDENCY unless every partition this job reads exists."""
    warehouse, dates = job.warehouse, job.dates
    for table in job.processor.reads:  # Phase 3: every game date the chunk's windows can reach
        missing = warehouse.missing_partitions(table, dates.history)
        if missing:
            raise MissingDependency(table, missing)
    for name in job.processor.upstream:  # derived tables: the dates the upstream job wrote rows on
        upstream = PROCESSORS[name]
        missing = warehouse.missing_partitions(upstream.table, upstream_dates(job, upstream))
        if missing:
            raise MissingDependency(upstream.table, missing)


def upstream_dates(job: Job, upstream: Processor) -> list[dt.date]:
    """The dates an upstream chunk job put rows on, by its marker (cheap), or by its checks' expectation when
    the marker is not at its layout path (a job run by hand, markers kept by a storage plugin)."""
    marker = Path(chunk_marker(upstream.name, job.season.name, job.chunk.name))
    if marker.exists():
        return [dt.date.fromisoformat(d) for d, n in read_marker(marker, "rows_per_date")["rows_per_date"].items() if n]
    return [d for d, n in job.warehouse.query(upstream.checks_sql(), job.params).rows if n > 0]


@contextlib.contextmanager
def write_with_sql(job: Job) -> Iterator[dict[str, Any]]:
    """The processor's SQL replaces the chunk's rows; they stay only if the checks run inside pass."""
    with job.warehouse.replacing(
        job.processor.table, job.processor.sql(), job.chunk.first, job.chunk.last, job.params, job.owned
    ):
        yield {"sql_sha256": hashlib.sha256(job.processor.sql().encode()).hexdigest()}


@contextlib.contextmanager
def clear(job: Job) -> Iterator[dict[str, Any]]:
    """The chunk's rows removed (a chunk inside the bootstrap window has nothing to compute, but may hold stale
    rows; a bring-your-own command starts from an empty chunk); put back if the checks inside fail."""
    table = job.processor.table
    with job.warehouse.replacing(
        table, f"SELECT * FROM {table} WHERE FALSE", job.chunk.first, job.chunk.last, owned=job.owned
    ):
        yield {}


def external_command(config: Config, name: str, job_values: dict[str, str]) -> list[str]:
    """The configured command of processor `name` for one chunk, as argv; a program that cannot be found is a
    usage error (config load has refused unknown placeholders)."""
    import shlex
    import shutil

    template = config.external_processors[name]
    where = f"external_processors.{name}"
    try:
        argv = shlex.split(template)
    except ValueError as err:
        raise UsageError(f"{where}: {err} in {template!r}") from None
    if not argv:
        raise UsageError(f"{where}: the command is empty")
    argv = [part.format(**job_values) for part in argv]
    if shutil.which(argv[0]) is None:
        raise UsageError(f"{where}: program {argv[0]!r} not found (not on PATH, or not executable)")
    return argv


@contextlib.contextmanager
def write_with_command(job: Job) -> Iterator[dict[str, Any]]:
    """Bring-your-own processor: the chunk is cleared, then the configured command runs (its output streamed to
    this job's output, so to its log) and the checks judge what it wrote: exiting 0 without writing fails them."""
    import os
    import shlex
    import signal
    import subprocess
    import sys
    import threading

    argv = external_command(
        job.config,
        job.processor.name,
        {
            "start": job.dates.start.isoformat(),
            "end": job.chunk.last.isoformat(),
            "season": job.season.name,
            "chunk": job.chunk.name,
        },
    )
    command = shlex.join(argv)
    timeout = job.config.external_timeout_seconds
    with clear(job):
        # its own process group, so that a timeout stops whatever the command started too
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        expired = threading.Event()

        def stop() -> None:
            expired.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, stop)
        timer.start()
        last = "no output"
        try:
            for line in proc.stdout:
                sys.stdout.write(line)
                sys.stdout.flush()
                last = line.strip() or last
            code = proc.wait()
        finally:
            timer.cancel()
        if expired.is_set():
            raise CheckFailed(
                f"EXTERNAL_TIMEOUT {job.where}: `{command}` ran longer than {timeout} s (external_timeout_seconds)"
            )
        if code != 0:
            raise CheckFailed(f"EXTERNAL_FAILED {job.where}: `{command}` exited {code}: {last}")
        yield {"external_command": command}


def adopt(job: Job) -> contextlib.AbstractContextManager[dict[str, Any]]:
    """Existing rows (existing_through) are validated and marked, never written; they must be there (on some date
    the checks expect rows: early in a season TDZA has none, as no team has 15 games yet)."""
    expected = [d for d, n in job.warehouse.query(job.processor.checks_sql(), job.params).rows if n > 0]
    present = job.warehouse.partitions(job.processor.table, job.chunk.first, job.chunk.last)
    if expected and not any(present.get(d) for d in expected):
        raise CheckFailed(
            f"ADOPTION_FAILED {job.where}: config says {job.processor.table} exists through "
            f"{job.season.existing_through}, but it has no rows in {job.chunk.first}..{job.chunk.last}"
        )
    return contextlib.nullcontext({})


def report_failing_rows(
    job: Job, results: list[CheckResult], written: dict, expected: dict, started: dt.datetime
) -> None:
    """The offending rows of each failed or warned check: the first ones printed (to the job's log), all of them
    written to the audit table."""
    import sys

    offenders = coverage_offenders(written, expected, job.config.checks["min_row_share"])
    failures = {}
    for r in results:
        if r.ok:
            continue
        if r.name in offenders:
            rows = date_rows(job.processor.date_column, offenders[r.name])
        else:
            rows = failing_rows(
                job.warehouse,
                job.processor,
                r.name,
                job.chunk.first,
                job.chunk.last,
                job.params["season_start"],
                job.owned,
            )
        failures[r.name] = (r.severity, rows)
        print(
            f"{'WARNING' if r.severity == 'warn' else 'CHECK_FAILED'} {job.where} {format_failing_rows(r.name, rows)}"
        )
    sys.stdout.flush()  # before the error line on stderr
    if any(rows for _, rows in failures.values()):
        write_failing_rows(job.warehouse, job.where, started, failures)


def warnings_field(results: list[CheckResult]) -> dict[str, Any]:
    """The marker's `warnings` (check, rows, reason) when a check was warned; nothing otherwise, so an unwarned
    marker is as before."""
    warned = [{"check": r.name, "rows": r.rows, "reason": r.reason} for r in results if r.severity == "warn"]
    return {"warnings": warned} if warned else {}


def run_chunk_job(
    config: Config,
    name: str,
    season_name: str,
    chunk_name: str,
    marker: str,
    write: Callable[[Job], contextlib.AbstractContextManager[dict[str, Any]]] = write_with_sql,
) -> str:
    """Run (or adopt) one (processor, season, chunk) and write `marker`; return its path. `write` replaces the
    chunk's rows inside a context: the checks run inside it, so a failed check puts the previous rows back."""
    started = dt.datetime.now(dt.UTC)
    processor = PROCESSORS[name]
    season = config.season(season_name)
    chunk = parse_chunk(config, season_name, chunk_name)
    labels = {"processor": name, "season": season_name, "chunk": chunk_name}
    # predictions also read the earlier seasons their learned systems train on
    first = training_seasons(config, season)[0].start if name == "predictions" else season.start
    warehouse = open_warehouse(config, labels, scope=(first, chunk.last))
    job = Job(config, processor, season, chunk, warehouse, chunk_dates(warehouse, config, season, chunk))
    adopted = processor.name in PHASE4 and is_adopted(season, chunk)

    if adopted:
        write = adopt
    elif job.dates.processable:
        check_upstream(job)
    else:
        write = clear
    with write(job) as extra:
        written = warehouse.owned_rows(processor.table, chunk.first, chunk.last, job.owned)
        expected = dict(warehouse.query(processor.checks_sql(), job.params).rows) if job.dates.processable else {}
        results = coverage_checks(written, expected, config.checks["min_row_share"])
        key_results, fingerprint = table_checks(
            warehouse, processor, chunk.first, chunk.last, job.params["season_start"], job.owned
        )
        results = apply_severity(entries_for(config.checks, name), results + key_results)
        report_failing_rows(job, results, written, expected, started)
        raise_on_failure(job.where, results)

    write_marker(
        marker,
        started,
        warehouse,
        processor=name,
        table=processor.table,
        season=season_name,
        chunk={"first": chunk.first, "last": chunk.last},
        mode="adopted" if adopted else "computed",
        params=job.params,
        rows_per_date={d.isoformat(): n for d, n in sorted(written.items())},
        row_count=sum(written.values()),
        fingerprint=fingerprint,
        checks=[r.as_dict() for r in results],
        **warnings_field(results),
        inputs=job_inputs(config, name, season_name),
        **extra,
    )
    return marker
