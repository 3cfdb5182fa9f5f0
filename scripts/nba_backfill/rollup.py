"""Season rollups: a phase's season marker, written once every chunk marker of that phase exists."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from .config import Config
from .errors import CheckFailed
from .markers import read_marker, write_marker
from .plan import (
    PHASE4_PROCESSORS,
    chunk_marker,
    phase4_season_marker,
    phase5b_season_marker,
    season_chunks,
)

ROLLUPS = {
    "phase4": (PHASE4_PROCESSORS, phase4_season_marker),
    "phase5b": (("grading",), phase5b_season_marker),
}


def rollup_season(
    config: Config, phase: str, season_name: str, marker: str | None = None, chunk_markers: list[str] | None = None
) -> str:
    """`chunk_markers` are where Snakemake put the inputs (a storage plugin keeps them elsewhere than
    markers/); by default the layout's own paths."""
    started = dt.datetime.now(dt.UTC)
    season = config.season(season_name)
    processors, season_marker = ROLLUPS[phase]
    if not chunk_markers:
        chunks = season_chunks(season, config.chunk_days)
        chunk_markers = [chunk_marker(p, season_name, c.name) for p in processors for c in chunks]
    missing = [path for path in chunk_markers if not Path(path).exists()]
    if missing:
        raise CheckFailed(
            f"CHECK_FAILED rollup {phase} {season_name}: {len(missing)} chunk marker(s) missing, e.g. {missing[0]}"
        )
    bodies = [read_marker(path, "processor", "rows_per_date", "row_count") for path in chunk_markers]
    summary = {}
    for proc in processors:
        mine = [b for b in bodies if b["processor"] == proc]
        dates = sorted(d for b in mine for d, n in b["rows_per_date"].items() if n)
        summary[proc] = {
            "chunks": len(mine),
            "rows": sum(b["row_count"] for b in mine),
            "dates": len(dates),
            "first_date": dates[0] if dates else None,
            "last_date": dates[-1] if dates else None,
        }
    digest = hashlib.sha256("".join(Path(p).read_text() for p in chunk_markers).encode()).hexdigest()
    marker = marker or season_marker(season_name)
    write_marker(marker, started, phase=phase, season=season_name, processors=summary, chunk_markers_sha256=digest)
    return marker
