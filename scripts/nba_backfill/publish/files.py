"""A season's (or daily chunk's) set of published files: which files, at which paths, with which Cache-Control,
each validated against its schema before anything is written; and the check that a target holds exactly them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import CheckFailed
from ..validate import CheckResult
from .documents import best_bets_doc, index_doc, player_doc, results_doc, stamp
from .schemas import dump, schema_problem
from .targets import API_VERSION, GCSTarget, LocalTarget, PublishedFile

SAFE_KEY = re.compile(r"[a-z0-9_-]{1,200}")
RESERVED_KEYS = frozenset({"index"})

CACHE_DATED = "public, max-age=86400"
CACHE_LATEST = "public, max-age=300"
CACHE_PLAYERS = "public, max-age=3600"


def player_file(lookup: Any) -> str | None:
    """The file for a player key, or None when the key is not a safe file name."""
    if isinstance(lookup, str) and SAFE_KEY.fullmatch(lookup) and lookup not in RESERVED_KEYS:
        return f"{API_VERSION}/players/{lookup}.json"
    return None


@dataclass
class Plan:
    files: list[PublishedFile]
    first_date: dt.date | None  # the dated files' range (None: no dated files)
    last_date: dt.date | None
    shared: str  # "written", "superseded by <season> through <date>", or "none" (nothing graded yet)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(("results", "best_bets", "latest", "players", "players_index"), 0)
        for f in self.files:
            out[f.kind] += 1
        return out

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for f in sorted(self.files, key=lambda f: f.path):
            digest.update(f"{f.path}\0{hashlib.sha256(f.text.encode()).hexdigest()}\n".encode())
        return digest.hexdigest()


def publish_failed(season: str, where: str, reason: str) -> CheckFailed:
    return CheckFailed(f"CHECK_FAILED publish {season}: {where}: {reason}")


def newer_publication(target: LocalTarget | GCSTarget, season: str, through: dt.date) -> str | None:
    """`<season> through <date>` of the target's players/index.json if that is newer than (season, through)
    (an invalid or missing index counts as nothing newer)."""
    data = target.read(f"{API_VERSION}/players/index.json")
    if data is None:
        return None
    try:
        document = json.loads(data)
    except ValueError:
        return None
    if schema_problem("players_index", document):
        return None
    if (document["season"], document["through"]) > (season, through.isoformat()):
        return f"{document['season']} through {document['through']}"
    return None


def build_files(
    rows: list[dict[str, Any]],
    season: str,
    settings: dict[str, Any],
    superseded_by: str | None = None,  # what newer_publication found
    dated: tuple[dt.date, dt.date] | None = None,
) -> Plan:
    """Every file, each validated against its schema before anything is written. `rows`: the season's graded rows
    (up to the last day published); `dated`: write dated files only for days in this range (default: all)."""
    system_id, min_games = settings["system_id"], settings["min_games"]
    if not rows:
        raise CheckFailed(f"CHECK_FAILED publish {season}: no graded {system_id} rows in the season")
    by_date: dict[dt.date, list[dict[str, Any]]] = {}
    by_player: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_date.setdefault(r["game_date"], []).append(r)
        by_player.setdefault(r["player_lookup"], []).append(r)
    dates = sorted(by_date)
    files: list[PublishedFile] = []

    def checked(path: str, kind: str, schema: str, cache_control: str, document: dict) -> PublishedFile:
        problem = schema_problem(schema, document)
        if problem:
            raise publish_failed(season, path, f"generated content {problem}")
        return PublishedFile(path, kind, schema, cache_control, dump(document))

    def add(*args) -> None:
        files.append(checked(*args))

    def dated_files(day: dt.date) -> tuple[PublishedFile, PublishedFile]:
        return (
            checked(
                f"{API_VERSION}/results/{day.isoformat()}.json",
                "results",
                "results",
                CACHE_DATED,
                results_doc(day, by_date[day], system_id),
            ),
            checked(
                f"{API_VERSION}/best-bets/{day.isoformat()}.json",
                "best_bets",
                "best_bets",
                CACHE_DATED,
                best_bets_doc(day, by_date[day], system_id),
            ),
        )

    published = [d for d in dates if dated is None or dated[0] <= d <= dated[1]]
    for day in published:
        files.extend(dated_files(day))

    warnings: list[str] = []
    if superseded_by is None:
        last = [f for f in files if f.path.endswith(f"/{dates[-1].isoformat()}.json")] or list(dated_files(dates[-1]))
        for latest in last:
            files.append(
                PublishedFile(
                    latest.path.rsplit("/", 1)[0] + "/latest.json", "latest", latest.schema, CACHE_LATEST, latest.text
                )
            )
        generated_at = stamp(dates[-1])
        profiles = []
        for lookup in sorted(by_player, key=str):
            player_rows = by_player[lookup]
            if sum(not r["is_voided"] for r in player_rows) < min_games:
                continue
            path = player_file(lookup)
            if path is None:
                warnings.append(
                    f"player_lookup {lookup!r} is not a safe file name ([a-z0-9_-]+, not 'index'): "
                    "no players file, not in the index"
                )
                continue
            profile = player_doc(lookup, player_rows, season, system_id, generated_at)
            add(path, "players", "player", CACHE_PLAYERS, profile)
            profiles.append(profile)
        add(
            f"{API_VERSION}/players/index.json",
            "players_index",
            "players_index",
            CACHE_PLAYERS,
            index_doc(profiles, season, dates[-1], system_id, min_games),
        )
    shared = "written" if superseded_by is None else f"superseded by {superseded_by}"
    return Plan(files, published[0] if published else None, published[-1] if published else None, shared, warnings)


def _content_problem(data: bytes, f: PublishedFile) -> str | None:
    """None when the file holds exactly the text this job validated against its schema; else why not."""
    if data == f.text.encode("utf-8"):
        return None
    try:
        text = data.decode("utf-8")
        document = json.loads(text)
    except (UnicodeDecodeError, ValueError) as err:
        return f"not valid JSON ({err})"
    problem = schema_problem(f.schema, document)
    if problem:
        return problem
    if text != f.text:
        return "valid, but not the content this job published (stale or changed)"
    return None


def verify(target: LocalTarget | GCSTarget, plan: Plan, season: str) -> list[CheckResult]:
    """List the target; every expected file must be there, parse, match its schema and the published content
    (and on GCS carry its Cache-Control). The first problem raises CheckFailed naming the file."""
    listing = target.listing()
    expected = sorted(plan.files, key=lambda f: f.path)
    missing = [f for f in expected if f.path not in listing]
    present = [f for f in expected if f.path in listing]
    contents = target.read_many([f.path for f in present])
    problems: list[tuple[str, str]] = [(f.path, "missing") for f in missing]
    for f in present:
        data = contents[f.path]
        reason = "missing" if data is None else _content_problem(data, f)
        if reason is None and isinstance(target, GCSTarget):
            cache_control = target.cache_control(listing[f.path])
            if cache_control != f.cache_control:
                reason = f"Cache-Control {cache_control!r}, expected {f.cache_control!r}"
        if reason:
            problems.append((f.path, reason))
    if problems:
        problems.sort()
        path, reason = problems[0]
        more = f" (and {len(problems) - 1} more file(s))" if len(problems) > 1 else ""
        raise publish_failed(season, target.location(path), reason + more)
    return [
        CheckResult("files_present", True, f"{len(expected)}/{len(expected)} expected files listed in the target"),
        CheckResult("files_valid", True, f"{len(expected)} files parse, match their schema and the published content"),
    ]
