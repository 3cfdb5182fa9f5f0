"""What defines a job's rows: the config keys it reads and the SQL / code it runs, per kind of job.

Every job rule's `params` is `job_digest(config, kind, season)`, and its marker records `job_inputs(...)` with that
digest, so Snakemake's params trigger reruns exactly the jobs whose inputs differ from when their marker was
written (and, through the DAG, what depends on them); `snakemake -n` names the changed part as `config=...` or
`code=...`. Only the season's own bounds go in, as canonical JSON (sorted keys), so reordering the YAML or adding
a later season changes no other digest.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from .config import Config, Season
from .phase3.definition import definition
from .processors import PHASE4, PROCESSORS, TIERS
from .severity import entries_for

PACKAGE_DIR = Path(__file__).parent
CHUNK_KEYS = ("bootstrap_days", "checks.min_row_share")

# kind of job -> the config keys (dotted paths; a whole section by its name) whose values change its rows or its
# checks. Add a key here when a job starts reading it.
CONFIG_KEYS: dict[str, tuple[str, ...]] = {
    "league": (),  # phase3 source, league seed and scale, or the files: see _phase3_definition
    "preflight": ("checks.min_players_per_game", "checks.max_players_per_game"),
    **{name: (*CHUNK_KEYS, f"external_processors.{name}") for name in PHASE4},
    "predictions": (*CHUNK_KEYS, "predictions"),
    "tiers": ("tier_adjustments",),
    "grading": CHUNK_KEYS,
    "tier_check": ("phase5c", "tier_adjustments.system_id"),
    "publish": ("publish",),
}

# kind of job -> the package files (a folder: its *.py and *.json) that compute its rows and checks.
SOURCES: dict[str, tuple[str, ...]] = {
    "league": ("phase3", "phase3/sql", "phase3/synthetic"),
    "preflight": (),
    **{name: (f"sql/{name}.sql", f"sql/{name}.checks.sql") for name in PHASE4},
    "predictions": (
        "sql/prediction_inputs.sql",
        "sql/player_history.sql",
        "sql/training_rows.sql",
        "sql/past_predictions.sql",
        "sql/predictions.checks.sql",
        "models",
    ),
    "tiers": ("sql/tier_adjustments.sql", "sql/apply_tier_adjustments.sql", "sql/tier_adjustments.checks.sql"),
    "grading": ("sql/grading.sql", "sql/grading.checks.sql"),
    "tier_check": ("sql/tier_check.sql",),
    "publish": ("sql/publish_results.sql", "publish", "publish_schemas"),
}


def _lookup(raw: dict[str, Any], dotted: str) -> Any:
    value: Any = raw
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _plain_numbers(value: Any) -> Any:
    """1 and 1.0 are the same setting: integral floats become ints before hashing."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(v) for v in value]
    return value


def _bounds(season: Season, adopting: bool) -> dict[str, Any]:
    bounds = {"name": season.name, "start": season.start.isoformat(), "end": season.end.isoformat()}
    if adopting and season.existing_through:
        bounds["existing_through"] = season.existing_through.isoformat()
    return bounds


def _files(entry: str) -> list[Path]:
    path = PACKAGE_DIR / entry
    return sorted([*path.glob("*.py"), *path.glob("*.json"), *path.glob("*.sql")]) if path.is_dir() else [path]


@cache  # the Snakefile asks for every job's digest while it builds the DAG
def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _checks(kind: str) -> dict[str, Any]:
    """The registry's value checks of the job's table (they decide whether a chunk passes)."""
    processor = TIERS if kind == "tiers" else PROCESSORS.get(kind)
    return {name: predicate for name, (predicate, _) in processor.violations().items()} if processor else {}


def job_inputs(config: Config, kind: str, season_name: str) -> dict[str, Any]:
    """What a `kind` job of `season_name` reads: {"config": {key: value}, "code": {file: sha256}, "digest": ...}."""
    season = config.season(season_name)
    settings = {key: _lookup(config.raw, key) for key in CONFIG_KEYS[kind]}
    if kind == "league":
        settings = _phase3_definition(config, season)
    else:
        settings["season"] = _bounds(season, kind in PHASE4)  # Phase 4 adopts chunks up to existing_through
        severity = entries_for(config.checks, kind)
        if severity:  # only where set, so a config without it keeps every digest
            settings["checks.severity"] = severity
    settings = _plain_numbers(settings)
    code = {path.relative_to(PACKAGE_DIR).as_posix(): _file_sha256(path) for e in SOURCES[kind] for path in _files(e)}
    checks = _checks(kind)
    if checks:
        code["ranges"] = _sha256(checks)
    return {
        "config": settings,
        "code": code,
        "digest": f"config={_sha256(settings)[:12]} code={_sha256(code)[:12]}",
    }


def _phase3_definition(config: Config, season: Season) -> dict[str, Any]:
    """What a season's Phase 3 rows are made from: the synthetic league's seed and scale, or the imported files by
    content; and this season's bounds (its simulated calendar, or which of the files' rows are its)."""
    return {**definition(config), "season": _bounds(season, False)}


def _sha256(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def job_digest(config: Config, kind: str, season_name: str) -> str:
    """A rule's params: `config=<12 hex> code=<12 hex>`, short, and the same for the same inputs."""
    return job_inputs(config, kind, season_name)["digest"]
