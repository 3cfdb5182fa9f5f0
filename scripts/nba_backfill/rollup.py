"""Season rollups: a season's phase marker, written once every chunk marker of that phase exists."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from .config import Config
from .errors import CheckFailed
from .markers import read_marker, write_marker
from .plan import PHASE4_PROCESSORS, phase4_marker, phase4_season_marker, season_chunks


def rollup_season(config: Config, phase: str, season_name: str) -> str:
    started = dt.datetime.now(dt.timezone.utc)
    season = config.season(season_name)
    chunks = season_chunks(season, config.chunk_days)
    paths = [phase4_marker(p, season_name, c.name) for p in PHASE4_PROCESSORS for c in chunks]
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise CheckFailed(f"CHECK_FAILED rollup {phase} {season_name}: {len(missing)} chunk marker(s) missing, e.g. {missing[0]}")
    per_processor = {}
    for proc in PHASE4_PROCESSORS:
        bodies = [read_marker(phase4_marker(proc, season_name, c.name)) for c in chunks]
        dates = sorted(d for b in bodies for d, n in b["rows_per_date"].items() if n)
        per_processor[proc] = {
            "chunks": len(bodies),
            "rows": sum(b["row_count"] for b in bodies),
            "dates": len(dates),
            "first_date": dates[0] if dates else None,
            "last_date": dates[-1] if dates else None,
        }
    digest = hashlib.sha256("".join(Path(p).read_text() for p in paths).encode()).hexdigest()
    marker = phase4_season_marker(season_name)
    write_marker(marker, started, phase=phase, season=season_name, processors=per_processor, chunk_markers_sha256=digest)
    return marker
