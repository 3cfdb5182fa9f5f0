"""One chunk job: check upstream, replace the chunk's partitions, validate, then write the marker.

Phase 4 processors and grading write with their SQL; predictions write with the Python systems. Everything
else (dependency check, adoption, checks, marker) is the same for all of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Config, Season
from .errors import CheckFailed, MissingDependency
from .inputs import job_inputs
from .markers import read_marker, write_marker
from .plan import Chunk, chunk_marker, is_adopted, parse_chunk, training_seasons
from .processors import PHASE4, PROCESSORS, Processor
from .schedule import ChunkDates, chunk_dates
from .validate import coverage_checks, raise_on_failure, table_checks
from .warehouse import Warehouse, open_warehouse


@dataclass(frozen=True)
class Job:
    config: Config
    processor: Processor
    season: Season
    chunk: Chunk
    warehouse: Warehouse
    dates: ChunkDates

    @property
    def params(self) -> dict[str, dt.date]:
        return self.dates.params(self.chunk)

    @property
    def where(self) -> str:
        return f"{self.processor.name} {self.season.name} {self.chunk.name}"


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


def write_with_sql(job: Job) -> dict[str, Any]:
    job.warehouse.replace_partitions(
        job.processor.table, job.processor.sql(), job.chunk.first, job.chunk.last, job.params
    )
    return {"sql_sha256": hashlib.sha256(job.processor.sql().encode()).hexdigest()}


def write_with_command(job: Job) -> dict[str, Any]:
    """Bring-your-own processor: run the configured command for the chunk; the checks then judge its output."""
    import shlex
    import subprocess

    template = job.config.external_processors[job.processor.name]
    command = template.format(
        start=job.dates.start.isoformat(), end=job.chunk.last.isoformat(), season=job.season.name, chunk=job.chunk.name
    )
    done = subprocess.run(shlex.split(command), capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise CheckFailed(f"EXTERNAL_FAILED {job.where}: `{command}` exited {done.returncode}: {last}")
    return {"external_command": command}


def run_chunk_job(
    config: Config,
    name: str,
    season_name: str,
    chunk_name: str,
    marker: str,
    write: Callable[[Job], dict[str, Any]] = write_with_sql,
) -> str:
    """Run (or adopt) one (processor, season, chunk) and write `marker`; return its path."""
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

    extra: dict[str, Any] = {}
    if adopted:
        present = warehouse.partitions(processor.table, chunk.first, chunk.last)
        if not any(present.get(d) for d in job.dates.processable):
            raise CheckFailed(
                f"ADOPTION_FAILED {job.where}: config says {processor.table} exists through "
                f"{season.existing_through}, but it has no rows in {chunk.first}..{chunk.last}"
            )
    elif job.dates.processable:
        check_upstream(job)
        extra = write(job)
    else:  # a chunk inside the bootstrap window: nothing to compute, but clear stale rows
        warehouse.replace_partitions(
            processor.table, f"SELECT * FROM {processor.table} WHERE FALSE", chunk.first, chunk.last
        )

    written = warehouse.partitions(processor.table, chunk.first, chunk.last)
    expected = dict(warehouse.query(processor.checks_sql(), job.params).rows) if job.dates.processable else {}
    results = coverage_checks(written, expected, config.checks["min_row_share"])
    key_results, fingerprint = table_checks(warehouse, processor, chunk.first, chunk.last)
    results += key_results
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
        inputs=job_inputs(config, name, season_name),
        **extra,
    )
    return marker
