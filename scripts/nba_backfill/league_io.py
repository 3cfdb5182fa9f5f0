"""Put the synthetic league into the configured warehouse, season by season."""

from __future__ import annotations

import datetime as dt

from .config import Config
from .markers import write_marker
from .schedule import SCHEDULE
from .warehouse import open_warehouse


def write_league(config: Config, if_absent: bool = False, marker: str | None = None, warehouse=None) -> str:
    """`warehouse`: the configured one by default (tests hand in a BigQuery backend on a local server)."""
    started = dt.datetime.now(dt.UTC)
    warehouse = warehouse or open_warehouse(config, {"processor": "league"})
    have = warehouse.partitions(SCHEDULE)
    present = [s.name for s in config.seasons if any(s.start <= d <= s.end for d in have)]
    if if_absent and len(present) == len(config.seasons):
        summary = f"Phase 3 already present for {', '.join(present)}; nothing written"
        rows = {}
    else:
        from .league import generate_league

        tables = generate_league(config.seasons, config.league["seed"], config.league["scale"])
        first, last = config.seasons[0].start, config.seasons[-1].end
        rows = {}
        for name, table in tables.items():  # one write per table: the league owns every date of its seasons
            written = warehouse.replace_partitions(name, table, first, last)
            for season in config.seasons:
                rows[f"{name} {season.name}"] = sum(n for d, n in written.items() if season.start <= d <= season.end)
        summary = f"wrote the synthetic league (seed {config.league['seed']}) for {len(config.seasons)} season(s)"
    if marker:
        write_marker(
            marker,
            started,
            warehouse,
            phase="league",
            seed=config.league["seed"],
            scale=config.league["scale"],
            seasons=[s.name for s in config.seasons],
            rows=rows,
            present_before=present,
        )
    return summary
