"""One Phase 4 job: check upstream, replace the chunk's partitions, validate, then write the marker."""

from __future__ import annotations

import datetime as dt
import hashlib

from .config import Config
from .errors import CheckFailed, MissingDependency
from .markers import write_marker
from .plan import is_adopted, parse_chunk, phase4_marker
from .processors import PHASE4, Processor
from .schedule import ChunkDates, chunk_dates
from .validate import coverage_checks, raise_on_failure, table_checks
from .warehouse import Warehouse, open_warehouse


def check_upstream(warehouse: Warehouse, processor: Processor, dates: ChunkDates, params: dict) -> None:
    """MISSING_DEPENDENCY unless every partition this job reads exists."""
    for table in processor.reads:  # Phase 3: every game date the chunk's windows can reach
        missing = warehouse.missing_partitions(table, dates.history)
        if missing:
            raise MissingDependency(table, missing)
    for name in processor.upstream:  # Phase 4: the dates the upstream processor is expected to cover
        upstream = PHASE4[name]
        expected = [d for d, n in warehouse.query(upstream.checks_sql(), params).rows if n > 0]
        missing = warehouse.missing_partitions(upstream.table, expected)
        if missing:
            raise MissingDependency(upstream.table, missing)


def run_processor(config: Config, name: str, season_name: str, chunk_name: str) -> str:
    """Run (or adopt) one (processor, season, chunk); return the marker path it wrote."""
    started = dt.datetime.now(dt.timezone.utc)
    processor = PHASE4[name]
    season = config.season(season_name)
    chunk = parse_chunk(config, season_name, chunk_name)
    warehouse = open_warehouse(config, {"processor": name, "season": season_name, "chunk": chunk_name})
    dates = chunk_dates(warehouse, config, season, chunk)
    params = dates.params(chunk)
    adopted = is_adopted(season, chunk)
    where = f"{name} {season_name} {chunk_name}"

    if adopted:
        if not any(warehouse.partitions(processor.table).get(d) for d in dates.processable):
            raise CheckFailed(
                f"ADOPTION_FAILED {where}: config says {processor.table} exists through "
                f"{season.existing_through}, but it has no rows for {dates.processable[0] if dates.processable else chunk.first}..{chunk.last}"
            )
    else:
        check_upstream(warehouse, processor, dates, params)
        if dates.processable:
            warehouse.replace_partitions(processor.table, processor.sql(), chunk.first, chunk.last, params)
        else:  # a chunk inside the bootstrap window: nothing to compute, but clear stale rows
            warehouse.replace_partitions(processor.table, _empty_select(processor), chunk.first, chunk.last)

    written = {d: n for d, n in warehouse.partitions(processor.table).items() if chunk.first <= d <= chunk.last}
    expected = dict(warehouse.query(processor.checks_sql(), params).rows) if dates.processable else {}
    share = config.checks["min_row_share"]
    results = coverage_checks(written, expected, share)
    key_results, fingerprint = table_checks(warehouse, processor, chunk.first, chunk.last)
    results += key_results
    raise_on_failure(where, results)

    marker = phase4_marker(name, season_name, chunk_name)
    write_marker(
        marker,
        started,
        phase="phase4",
        processor=name,
        table=processor.table,
        season=season_name,
        chunk={"first": chunk.first, "last": chunk.last},
        mode="adopted" if adopted else "computed",
        params=params,
        rows_per_date={d.isoformat(): n for d, n in sorted(written.items())},
        row_count=sum(written.values()),
        fingerprint=fingerprint,
        checks=[r.as_dict() for r in results],
        sql_sha256=hashlib.sha256(processor.sql().encode()).hexdigest(),
    )
    return marker


def _empty_select(processor: Processor) -> str:
    return f"SELECT * FROM {processor.table} WHERE FALSE"
