"""`nba-backfill verify`: do the markers still describe what the warehouse and the published files hold?

A chunk marker records its rows per date and the fingerprint of its rows; the tier step's marker the fingerprint of
its adjustments; a publish marker the SHA-256 of every file it wrote. Each is compared with what is there now, with
one grouped query per table and season (rows and fingerprint per date; a range's fingerprint is the BIT_XOR of its
dates'), so drift (a lost month file, deleted or edited rows, a deleted file) is seen. `--fix` deletes exactly the
markers that no longer hold, and their phase's season rollup, so `snakemake all_seasons` redoes that work and what
depends on it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Any

from .config import Config, Season
from .errors import format_dates
from .markers import read_marker
from .plan import phase4_season_marker, phase5a_season_marker, phase5b_season_marker, phase6_marker
from .processors import PHASE4, PROCESSORS, TIERS, Processor
from .runner import owned_rows, tier_rows
from .validate import fingerprint_sql, format_fingerprint
from .warehouse import open_warehouse

CHUNK_FOLDERS = {
    **{name: (f"markers/phase4/{name}/{{season}}", phase4_season_marker) for name in PHASE4},
    "predictions": ("markers/phase5a/predictions/{season}", None),
    "grading": ("markers/phase5b/{season}", phase5b_season_marker),
}


@dataclass(frozen=True)
class Mismatch:
    marker: str
    what: str  # a table, or a published file's target
    detail: str
    rollup: str | None = None  # the season marker built on this one, deleted with it by --fix

    def line(self) -> str:
        return f"{self.marker}: {self.what}: {self.detail}"


def _per_date(warehouse, processor: Processor, season: Season, owned=None) -> dict[dt.date, tuple[int, int]]:
    """(rows, fingerprint as an int) per date of the season, of the rows its jobs own, in one query."""
    sql, params = fingerprint_sql(processor, group_by_date=True, owned=owned)
    rows = warehouse.query(sql, {"first": season.start, "last": season.end, **params}).rows
    return {day: (n, int(fp) & (2**64 - 1)) for day, n, fp in rows}


def _compare(body: dict[str, Any], found: dict, first: dt.date, last: dt.date) -> str | None:
    """The mismatch of one marker against the rows found per date in first..last, or None."""
    inside = {d: v for d, v in found.items() if first <= d <= last}
    expected = {dt.date.fromisoformat(d): n for d, n in body.get("rows_per_date", {}).items() if n}
    if "rows_per_date" in body:
        counts = {d: v[0] for d, v in inside.items()}
        wrong = sorted(d for d in set(expected) | set(counts) if expected.get(d, 0) != counts.get(d, 0))
        if wrong:
            pairs = ", ".join(f"{d}: {expected.get(d, 0)} expected, {counts.get(d, 0)} found" for d in wrong[:3])
            more = f" (+{len(wrong) - 3} more dates)" if len(wrong) > 3 else ""
            return f"rows differ on {len(wrong)} date(s) {format_dates(wrong)}: {pairs}{more}"
    fingerprint = format_fingerprint(reduce(lambda a, b: a ^ b, (v[1] for v in inside.values()), 0) if inside else None)
    if fingerprint != body.get("fingerprint"):
        return f"fingerprint {body.get('fingerprint')} expected, {fingerprint} found ({first}..{last}: values changed)"
    return None


def _chunk_markers(season: Season) -> dict[str, list[Path]]:
    return {
        name: sorted(Path(folder.format(season=season.name)).glob("*.done"))
        for name, (folder, _) in CHUNK_FOLDERS.items()
    }


def verify_warehouse(config: Config, season: Season, warehouse=None) -> tuple[list[Mismatch], int]:
    """Chunk markers and the tier step's marker against the warehouse (the configured one by default);
    (mismatches, markers checked)."""
    labels = {"processor": "verify", "season": season.name, "chunk": "all"}
    warehouse = warehouse or open_warehouse(config, labels, scope=(season.start, season.end))
    mismatches, checked = [], 0
    for name, paths in _chunk_markers(season).items():
        if not paths:
            continue
        processor, rollup = PROCESSORS[name], CHUNK_FOLDERS[name][1]
        found = _per_date(warehouse, processor, season, owned_rows(name))
        for path in paths:
            body = read_marker(path, "chunk", "rows_per_date", "fingerprint")
            first, last = (dt.date.fromisoformat(body["chunk"][k]) for k in ("first", "last"))
            checked += 1
            detail = _compare(body, found, first, last)
            if detail:
                mismatches.append(Mismatch(str(path), processor.table, detail, rollup and rollup(season.name)))
    tiers = Path(phase5a_season_marker(season.name))
    if tiers.exists():
        body = read_marker(tiers, "fingerprint")
        checked += 1
        detail = _compare(body, _per_date(warehouse, TIERS, season, tier_rows(config)), season.start, season.end)
        if detail:
            mismatches.append(Mismatch(str(tiers), TIERS.table, detail))
    return mismatches, checked


def verify_published(config: Config, season: Season, owner: str | None) -> tuple[list[Mismatch], int]:
    """The season's publish marker against its target: every dated file it wrote, and the shared files (latest,
    players, index) if this season's publication is the newest one there (`owner`), as later ones replace them."""
    from .publish.targets import open_target

    path = phase6_marker(season.name)
    if not Path(path).exists():
        return [], 0
    body = read_marker(path, "target", "files")
    target = open_target(body["target"])
    files = {rel: sha for rel, sha in body["files"].items() if owner == path or _is_dated(rel)}
    contents = target.read_many(sorted(files))
    wrong = []
    for rel, sha in sorted(files.items()):
        data = contents[rel]
        if data is None:
            wrong.append(f"{rel} missing")
        elif hashlib.sha256(data).hexdigest() != sha:
            wrong.append(f"{rel} changed")
    if not wrong:
        return [], 1
    more = f" (+{len(wrong) - 3} more)" if len(wrong) > 3 else ""
    detail = f"{len(wrong)} of {len(files)} published file(s): {', '.join(wrong[:3])}{more}"
    return [Mismatch(path, body["target"], detail)], 1


def _is_dated(rel: str) -> bool:
    return not rel.endswith("/latest.json") and "/players/" not in rel


def shared_files_owner(config: Config) -> str | None:
    """The publish marker whose shared files are the ones in place: the newest (season, last date) that wrote them."""
    writers = []
    for season in config.seasons:
        path = phase6_marker(season.name)
        if Path(path).exists():
            body = read_marker(path, "shared", "dates")
            if body["shared"] == "written":
                writers.append((season.name, body["dates"]["last"] or "", path))
    return max(writers)[2] if writers else None


def verify(config: Config, season_name: str | None = None, fix: bool = False) -> tuple[list[Mismatch], int]:
    """Every marker of the season (default: every configured season) against the warehouse and the published
    files; with `fix`, delete the markers that no longer hold (and their season rollups)."""
    from concurrent.futures import ThreadPoolExecutor

    seasons = [config.season(season_name)] if season_name else list(config.seasons)
    owner = shared_files_owner(config)
    with ThreadPoolExecutor(max_workers=4) as pool:  # the queries wait on DuckDB or BigQuery, not on Python
        results = list(pool.map(lambda season: verify_warehouse(config, season), seasons))
    results += [verify_published(config, season, owner) for season in seasons]
    mismatches, checked = [], 0
    for found, n in results:
        mismatches += found
        checked += n
    if fix:
        for mismatch in mismatches:
            for path in (mismatch.marker, mismatch.rollup):
                if path:
                    Path(path).unlink(missing_ok=True)
    return mismatches, checked
