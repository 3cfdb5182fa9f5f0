"""Put the synthetic league into the configured warehouse, season by season."""

from __future__ import annotations

import datetime as dt

from .config import Config
from .inputs import job_inputs
from .markers import write_marker
from .schedule import SCHEDULE
from .warehouse import open_warehouse


def write_league(
    config: Config, if_absent: bool = False, marker: str | None = None, warehouse=None, season_name: str | None = None
) -> str:
    """`warehouse`: the configured one by default (tests hand in a BigQuery backend on a local server).
    `season_name`: write that season only (its league continues from the configured seasons before it)."""
    started = dt.datetime.now(dt.UTC)
    warehouse = warehouse or open_warehouse(config, {"processor": "league"})
    seasons = [config.season(season_name)] if season_name else list(config.seasons)
    have = warehouse.partitions(SCHEDULE)
    present = [s.name for s in seasons if any(s.start <= d <= s.end for d in have)]
    if if_absent and len(present) == len(seasons):
        summary = f"Phase 3 already present for {', '.join(present)}; nothing written"
        rows = {}
    else:
        import pyarrow.compute as pc

        from .league import generate_league
        from .tables import table_schema

        before = [s for s in config.seasons if s.start <= seasons[-1].start]
        tables = generate_league(before, config.league["seed"], config.league["scale"])
        first, last = seasons[0].start, seasons[-1].end
        rows = {}
        for name, table in tables.items():  # one write per table: the league owns every date of its seasons
            day = table[table_schema(name).partition_by]
            table = table.filter(pc.and_(pc.greater_equal(day, first), pc.less_equal(day, last)))
            written = warehouse.replace_partitions(name, table, first, last)
            for season in seasons:
                rows[f"{name} {season.name}"] = sum(n for d, n in written.items() if season.start <= d <= season.end)
        summary = f"wrote the synthetic league (seed {config.league['seed']}) for {len(seasons)} season(s)"
    if marker:
        write_marker(
            marker,
            started,
            warehouse,
            phase="league",
            seed=config.league["seed"],
            scale=config.league["scale"],
            seasons=[s.name for s in seasons],
            rows=rows,
            present_before=present,
            **({"inputs": job_inputs(config, "league", season_name)} if season_name else {}),
        )
    return summary
