"""The Phase 6 job: read the season's (or daily chunk's) graded rows, build and validate the files, write them
under the target's lock, check the target, then write the marker; and the check alone (`check_publish`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from ..config import Config
from ..errors import ConfigError
from ..inputs import job_inputs
from ..markers import write_marker
from ..plan import daily_publish_marker, parse_chunk, phase6_marker
from ..processors import sql_text
from ..validate import CheckResult
from ..warehouse import open_warehouse
from .documents import outcome
from .files import Plan, build_files, newer_publication, publish_failed, verify
from .targets import GCSTarget, LocalTarget, UnsafePath, open_target

DEFAULTS = {"target": "published", "min_games": 5}


def publish_settings(config: Config, target: str | None = None) -> dict[str, Any]:
    """`config.raw["publish"]` over the defaults (the system: the one the tier step adjusts); an explicit `target`
    wins."""
    published = {"system_id": config.tier_adjustments["system_id"]}
    settings = {**DEFAULTS, **published, **(config.raw.get("publish") or {})}
    if target:
        settings["target"] = target
    if not isinstance(settings["target"], str) or not settings["target"].strip():
        raise ConfigError("config error: publish.target: must be a folder or gs://bucket/prefix")
    min_games = settings["min_games"]
    if not isinstance(min_games, int) or isinstance(min_games, bool) or min_games < 1:
        raise ConfigError(f"config error: publish.min_games: {settings['min_games']!r} is not an integer >= 1")
    if not isinstance(settings["system_id"], str) or not settings["system_id"]:
        raise ConfigError("config error: publish.system_id: must be a non-empty string")
    return settings


def season_rows(warehouse: Any, first: dt.date, last: dt.date, system_id: str) -> list[dict[str, Any]]:
    """The graded rows of `first..last` (sql/publish_results.sql), each with its `result`."""
    rows = warehouse.query(
        sql_text("publish_results"), {"start_date": first, "end_date": last, "system_id": system_id}
    ).dicts()
    for r in rows:
        r["result"] = outcome(r)
    return rows


def _prepare(
    config: Config, season_name: str, chunk_name: str | None, settings: dict[str, Any]
) -> tuple[Callable[[str | None], Plan], dt.date | None, Any]:
    """Read the season's (or chunk's) graded rows; return how to build the files from them given what newer
    publication the target holds (nothing written yet), the last graded date, and the warehouse."""
    season = config.season(season_name)
    first, last = season.start, season.end
    if chunk_name is not None:
        chunk = parse_chunk(config, season_name, chunk_name)
        first, last = chunk.first, chunk.last
    labels = {"processor": "publish", "season": season_name, "chunk": chunk_name or "all"}
    warehouse = open_warehouse(config, labels, scope=(season.start, last))
    rows = season_rows(warehouse, season.start, last, settings["system_id"])
    if not rows and chunk_name is not None:  # a daily run before the season's first graded date
        empty = Plan([], None, None, "none", [f"no graded {settings['system_id']} rows through {last}"])
        return (lambda superseded_by: empty), None, warehouse
    through = max(r["game_date"] for r in rows) if rows else None
    return (
        (lambda superseded_by: build_files(rows, season_name, settings, superseded_by, (first, last))),
        through,
        warehouse,
    )


def _newer(target: LocalTarget | GCSTarget, season_name: str, through: dt.date | None) -> str | None:
    return newer_publication(target, season_name, through) if through else None


def check_publish(
    config: Config, season_name: str, target: str | None = None, *, chunk_name: str | None = None, client: Any = None
) -> list[CheckResult]:
    """Phase-6 validation alone: what the season (or chunk) should have in the target against what is there."""
    settings = publish_settings(config, target)
    dest = open_target(settings["target"], client)
    try:
        build, through, _ = _prepare(config, season_name, chunk_name, settings)
        return verify(dest, build(_newer(dest, season_name, through)), season_name)
    except UnsafePath as err:
        raise publish_failed(season_name, settings["target"], str(err)) from None


def run_publish(
    config: Config,
    season_name: str,
    target: str | None = None,
    *,
    chunk_name: str | None = None,
    marker: str | None = None,
    client: Any = None,
) -> str:
    """Build and validate the season's (or a daily chunk's) files, write them, check the target, then write the
    marker (`markers/phase6/{season}.done`, or `markers/phase6/{season}/{chunk}.done`; `marker` overrides)."""
    started = dt.datetime.now(dt.UTC)
    settings = publish_settings(config, target)
    dest = open_target(settings["target"], client)
    try:
        build, through, warehouse = _prepare(config, season_name, chunk_name, settings)
        guess = _newer(dest, season_name, through)
        plan = build(guess)  # the slow part (every document built and validated), while other seasons publish
        with dest.lock():
            newer = _newer(dest, season_name, through)  # what the target holds now decides the shared files
            if newer != guess:
                plan = build(newer)
            dest.write(plan.files)
            checks = verify(dest, plan, season_name)
    except UnsafePath as err:
        raise publish_failed(season_name, settings["target"], str(err)) from None
    if marker is None:
        marker = phase6_marker(season_name) if chunk_name is None else daily_publish_marker(season_name, chunk_name)
    write_marker(
        marker,
        started,
        warehouse,
        phase="phase6",
        season=season_name,
        chunk=chunk_name or "all",
        target=settings["target"],
        system_id=settings["system_id"],
        min_games=settings["min_games"],
        dates={"first": plan.first_date, "last": plan.last_date},
        counts=plan.counts(),
        sha256=plan.sha256(),
        files={f.path: hashlib.sha256(f.text.encode()).hexdigest() for f in plan.files},  # for `verify`
        shared=plan.shared,
        warnings=plan.warnings,
        checks=[c.as_dict() for c in checks],
        inputs=job_inputs(config, "publish", season_name),
    )
    return marker
