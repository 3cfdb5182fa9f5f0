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


def rollup_season(config: Config, phase: str, season_name: str) -> str:
    started = dt.datetime.now(dt.UTC)
    season = config.season(season_name)
    processors, season_marker = ROLLUPS[phase]
    chunks = season_chunks(season, config.chunk_days)
    paths = {p: [chunk_marker(p, season_name, c.name) for c in chunks] for p in processors}
    missing = [path for group in paths.values() for path in group if not Path(path).exists()]
    if missing:
        raise CheckFailed(
            f"CHECK_FAILED rollup {phase} {season_name}: {len(missing)} chunk marker(s) missing, e.g. {missing[0]}"
        )
    summary = {}
    for proc, group in paths.items():
        bodies = [read_marker(path) for path in group]
        dates = sorted(d for b in bodies for d, n in b["rows_per_date"].items() if n)
        summary[proc] = {
            "chunks": len(bodies),
            "rows": sum(b["row_count"] for b in bodies),
            "dates": len(dates),
            "first_date": dates[0] if dates else None,
            "last_date": dates[-1] if dates else None,
        }
    digest = hashlib.sha256("".join(Path(p).read_text() for g in paths.values() for p in g).encode()).hexdigest()
    marker = season_marker(season_name)
    write_marker(marker, started, phase=phase, season=season_name, processors=summary, chunk_markers_sha256=digest)
    return marker
