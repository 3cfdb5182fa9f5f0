"""Phase 6: publish one season's graded predictions as the website's JSON files (facts §3.8; SPEC "Publishing (6)").

One job per season: read the season's graded rows of one system (`publish.system_id`, ensemble_v2) with their
context (sql/publish_results.sql), shape them into the files below, validate each against its JSON Schema
(publish_schemas/), write them to the target, list the target and check every expected file, then write the marker
`markers/phase6/{season}.done`.

Files (under the target; `{date}` is every graded date of the season):
  v1/results/{date}.json       results_doc     schema results.json        Cache-Control public, max-age=86400
  v1/best-bets/{date}.json     best_bets_doc   schema best_bets.json      public, max-age=86400
  v1/results/latest.json,
  v1/best-bets/latest.json     byte copies of the season's last date      public, max-age=300
  v1/players/{lookup}.json     player_doc      schema player.json         public, max-age=3600
  v1/players/index.json        index_doc       schema players_index.json  public, max-age=3600
Player files exist for players with >= `publish.min_games` graded (non-voided) games in the season; the index lists
exactly those players.

A daily run (`chunk_name`, one day or any chunk of the season; marker `markers/phase6/{season}/{chunk}.done`) writes
the dated files of the chunk's dates only, and latest / players / index from the season's rows up to the chunk's
last day, so they are what the season job writes once that day is the season's last graded date. A daily chunk with
no graded rows (bootstrap days, off days) is not an error: the dated files are simply none.

Deterministic: no clock in any file. `generated_at` is noon UTC of the day after the data's last game date (a
date's own files: that date; player files and the index: the season's last graded date), keys are sorted, numbers
rounded (points 2 decimals, rates 4), so an unchanged rerun writes byte-identical files and an identical marker.

Several seasons (or days) in one target: dated files never collide. The shared files (both latest.json, the
players' files and the index) belong to the newest data published there: a job writes them unless the target's
players/index.json names a newer (season, through) than its own (then its marker records `shared: superseded by
<season> through <date>`). So latest is the newest date across what was published, whatever order seasons run in,
and rerunning an old daily chunk does not move it back. Player files of an older season whose player is absent from
the newer one stay (orphans, not in the index). Run publish jobs one at a time per target (local targets also take
a lock file; GCS has none).

Player keys become file names only if they match `[a-z0-9_-]+` (and are not `index`); any other key (`../x`, `a/b`,
empty) gets no file and no index entry, with a warning in the marker. Every local path is also resolved and must
lie inside the target; every GCS object name must be `<prefix>/v1/...` without `.`/`..` segments.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .config import Config
from .errors import CheckFailed, ConfigError, UsageError
from .inputs import job_inputs
from .markers import atomic_write_text, write_marker
from .plan import daily_publish_marker, parse_chunk, phase6_marker
from .processors import sql_text
from .validate import CheckResult
from .warehouse import open_warehouse

API_VERSION = "v1"
DEFAULTS = {"target": "published", "min_games": 5, "system_id": "ensemble_v2"}
SCHEMA_DIR = Path(__file__).parent / "publish_schemas"
SAFE_KEY = re.compile(r"[a-z0-9_-]{1,200}")
RESERVED_KEYS = frozenset({"index"})

CACHE_DATED = "public, max-age=86400"
CACHE_LATEST = "public, max-age=300"
CACHE_PLAYERS = "public, max-age=3600"

BEST_BETS_LIMIT = 15
DEFAULT_HIT_RATE = 0.85  # a player's prior hit rate when they have no decided pick before the date
MAX_EDGE_FACTOR = 1.5
HIGH_CONFIDENCE, MEDIUM_CONFIDENCE = 0.70, 0.55
ELITE_PPG, STARTER_PPG = 25.0, 15.0
FRESH, NORMAL = 95.0, 75.0  # fatigue_score: 100 = fresh
GAME_LOG_GAMES = 50
DECIDED = ("WIN", "LOSS", "PUSH")

METHODOLOGY = (
    f"Top {BEST_BETS_LIMIT} OVER/UNDER picks of the date ranked by composite_score = confidence x "
    f"min({MAX_EDGE_FACTOR}, 1 + edge / 10) x the player's hit rate on decided picks before the date this season "
    f"({DEFAULT_HIT_RATE} without any), edge = |predicted - line|. Only pre-game information ranks; a pick whose "
    "player did not play is shown as VOID."
)


# -- settings ------------------------------------------------------------------------------------------------------
def publish_settings(config: Config, target: str | None = None) -> dict[str, Any]:
    """`config.raw["publish"]` over the defaults; an explicit `target` wins."""
    settings = {**DEFAULTS, **(config.raw.get("publish") or {})}
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


# -- numbers -------------------------------------------------------------------------------------------------------
def _num(value: Any, digits: int) -> float | None:
    if value is None:
        return None
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return None
    out = round(value, digits)
    return 0.0 if out == 0 else out  # never -0.0


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _rate(part: int, whole: int) -> float | None:
    return _num(part / whole, 4) if whole else None


def _mean(values: Iterable[Any], digits: int) -> float | None:
    present = [float(v) for v in values if v is not None]
    return _num(sum(present) / len(present), digits) if present else None


def stamp(day: dt.date) -> str:
    """generated_at: noon UTC on the day after `day` (the data's own date, never the clock)."""
    return f"{(day + dt.timedelta(days=1)).isoformat()}T12:00:00Z"


# -- classification ------------------------------------------------------------------------------------------------
def outcome(row: dict[str, Any]) -> str:
    """WIN / LOSS / PUSH for an OVER/UNDER pick, PASS / NO_LINE as recommended, VOID for a DNP."""
    if row["is_voided"]:
        return "VOID"
    rec = row["recommendation"]
    if rec not in ("OVER", "UNDER"):
        return rec  # PASS, NO_LINE; anything else fails the schema
    if row["line"] is None:
        return "NO_LINE"
    if row["is_push"]:
        return "PUSH"
    if row["correct"] is None:
        return "VOID"
    return "WIN" if row["correct"] else "LOSS"


def confidence_tier(confidence: float | None) -> str | None:
    if confidence is None:
        return None
    return "high" if confidence >= HIGH_CONFIDENCE else "medium" if confidence >= MEDIUM_CONFIDENCE else "low"


def player_tier(season_avg: float | None) -> str | None:
    if season_avg is None:
        return None
    return "elite" if season_avg >= ELITE_PPG else "starter" if season_avg >= STARTER_PPG else "role_player"


def fatigue_level(score: float | None) -> str | None:
    if score is None:
        return None
    return "fresh" if score >= FRESH else "normal" if score >= NORMAL else "tired"


def is_rested(row: dict[str, Any]) -> bool:
    return row["days_rest"] is not None and row["days_rest"] >= 2


def record(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Over the graded (non-voided) rows: count, WIN/LOSS/PUSH, wins / (wins + losses), mean absolute error."""
    graded = [r for r in rows if not r["is_voided"]]
    wins = sum(r["result"] == "WIN" for r in graded)
    losses = sum(r["result"] == "LOSS" for r in graded)
    return {
        "total": len(graded),
        "wins": wins,
        "losses": losses,
        "pushes": sum(r["result"] == "PUSH" for r in graded),
        "win_rate": _rate(wins, wins + losses),
        "avg_error": _mean((r["error"] for r in graded), 2),
    }


def _context_records(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "home": record([r for r in rows if r["is_home"] is True]),
        "away": record([r for r in rows if r["is_home"] is False]),
        "back_to_back": record([r for r in rows if r["is_back_to_back"] is True]),
        "rested": record([r for r in rows if is_rested(r)]),
    }


# -- documents -----------------------------------------------------------------------------------------------------
def _result_row(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "player_lookup": r["player_lookup"],
        "player_full_name": r["player_full_name"],
        "game_id": r["game_id"],
        "team": r["team"],
        "opponent": r["opponent"],
        "predicted": _num(r["predicted"], 2),
        "actual": _int(r["actual"]),
        "line": _num(r["line"], 2),
        "recommendation": r["recommendation"],
        "result": r["result"],
        "error": _num(r["error"], 2),
        "bias": _num(r["bias"], 2),
        "confidence": _num(r["confidence"], 4),
        "minutes": _num(r["minutes"], 2),
        "confidence_tier": confidence_tier(r["confidence"]),
        "player_tier": player_tier(r["season_avg"]),
        "is_home": r["is_home"],
        "is_back_to_back": r["is_back_to_back"],
        "days_rest": _int(r["days_rest"]),
        "void_reason": r["void_reason"],
    }


def _highlight(r: dict[str, Any] | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "player_lookup": r["player_lookup"],
        "player_full_name": r["player_full_name"],
        "game_id": r["game_id"],
        "predicted": _num(r["predicted"], 2),
        "actual": _int(r["actual"]),
        "line": _num(r["line"], 2),
        "recommendation": r["recommendation"],
        "result": r["result"],
        "error": _num(r["error"], 2),
    }


def results_doc(day: dt.date, rows: list[dict[str, Any]], system_id: str) -> dict[str, Any]:
    """v1/results/{date}.json. Pushes are counted apart and left out of win_rate (SPEC: a push is not graded
    correct or incorrect; upstream counted it as incorrect); voided rows are listed (VOID) but not graded."""
    rows = sorted(rows, key=lambda r: (r["player_lookup"], r["game_id"]))
    graded = [r for r in rows if not r["is_voided"]]
    wins = sum(r["result"] == "WIN" for r in graded)
    losses = sum(r["result"] == "LOSS" for r in graded)
    errors = [r for r in graded if r["error"] is not None]
    within_3 = sum(bool(r["within_3"]) for r in errors)
    within_5 = sum(bool(r["within_5"]) for r in errors)
    summary = {
        "total_predictions": len(rows),
        "voided": len(rows) - len(graded),
        "recommendations": sum(r["result"] in DECIDED for r in graded),
        "correct": wins,
        "incorrect": losses,
        "pushes": sum(r["result"] == "PUSH" for r in graded),
        "pass_count": sum(r["result"] == "PASS" for r in graded),
        "no_line_count": sum(r["result"] == "NO_LINE" for r in graded),
        "win_rate": _rate(wins, wins + losses),
        "avg_mae": _mean((r["error"] for r in errors), 2),
        "avg_bias": _mean((r["bias"] for r in errors), 2),
        "within_3_points": within_3,
        "within_3_pct": _rate(within_3, len(errors)),
        "within_5_points": within_5,
        "within_5_pct": _rate(within_5, len(errors)),
    }
    breakdowns = {
        "by_player_tier": {
            t: record([r for r in rows if player_tier(r["season_avg"]) == t])
            for t in ("elite", "starter", "role_player")
        },
        "by_confidence": {
            t: record([r for r in rows if confidence_tier(r["confidence"]) == t]) for t in ("high", "medium", "low")
        },
        "by_recommendation": {
            t.lower(): record([r for r in rows if r["recommendation"] == t]) for t in ("OVER", "UNDER")
        },
        "by_context": _context_records(rows),
    }
    best = min(errors, key=lambda r: (r["error"], r["player_lookup"]), default=None)
    worst = min(errors, key=lambda r: (-r["error"], r["player_lookup"]), default=None)
    return {
        "game_date": day.isoformat(),
        "generated_at": stamp(day),
        "system_id": system_id,
        "summary": summary,
        "breakdowns": breakdowns,
        "results": [_result_row(r) for r in rows],
        "highlights": {"best_prediction": _highlight(best), "worst_prediction": _highlight(worst)},
    }


def composite_score(r: dict[str, Any]) -> tuple[float, float, float | None]:
    """(composite, edge, prior hit rate or None): confidence x min(1.5, 1 + edge/10) x COALESCE(hit rate, 0.85)."""
    edge = abs(r["predicted"] - r["line"])
    hit = r["prior_wins"] / r["prior_decided"] if r["prior_decided"] else None
    score = (r["confidence"] or 0.0) * min(MAX_EDGE_FACTOR, 1 + edge / 10) * (DEFAULT_HIT_RATE if hit is None else hit)
    return score, edge, hit


def _rationale(r: dict[str, Any], edge: float, hit: float | None) -> list[str]:
    out = [f"{r['recommendation']} {r['line']:.1f}: predicted {r['predicted']:.1f} points (edge {edge:.1f})"]
    if r["confidence"] is not None:
        out.append(f"Model confidence {r['confidence']:.0%}")
    if hit is None:
        out.append(f"No decided picks for this player earlier in the season (hit rate {DEFAULT_HIT_RATE:.0%} assumed)")
    else:
        out.append(f"{r['prior_wins']} of {r['prior_decided']} earlier picks for this player won ({hit:.0%})")
    if r["fatigue_score"] is not None:
        out.append(f"Fatigue {fatigue_level(r['fatigue_score'])} ({r['fatigue_score']:.0f}/100)")
    return out


def best_bets_doc(day: dt.date, rows: list[dict[str, Any]], system_id: str) -> dict[str, Any]:
    """v1/best-bets/{date}.json: the top OVER/UNDER picks by composite score; ties by player, game."""
    scored = []
    for r in rows:
        if r["recommendation"] in ("OVER", "UNDER") and r["line"] is not None:
            score, edge, hit = composite_score(r)
            scored.append((-score, r["player_lookup"], r["game_id"], r, score, edge, hit))
    scored.sort(key=lambda s: s[:3])
    picks = []
    for rank, (_, _, _, r, score, edge, hit) in enumerate(scored[:BEST_BETS_LIMIT], start=1):
        picks.append(
            {
                "rank": rank,
                "player_lookup": r["player_lookup"],
                "player_full_name": r["player_full_name"],
                "game_id": r["game_id"],
                "team": r["team"],
                "opponent": r["opponent"],
                "recommendation": r["recommendation"],
                "line": _num(r["line"], 2),
                "predicted": _num(r["predicted"], 2),
                "edge": _num(edge, 2),
                "confidence": _num(r["confidence"], 4),
                "composite_score": _num(score, 4),
                "player_historical_accuracy": _num(hit, 4),
                "player_sample_size": int(r["prior_decided"]),
                "fatigue_score": _num(r["fatigue_score"], 1),
                "fatigue_level": fatigue_level(r["fatigue_score"]),
                "rationale": _rationale(r, edge, hit),
                "result": r["result"],
                "actual": _int(r["actual"]),
                "error": _num(r["error"], 2),
            }
        )
    return {
        "game_date": day.isoformat(),
        "generated_at": stamp(day),
        "system_id": system_id,
        "methodology": METHODOLOGY,
        "total_picks": len(picks),
        "picks": picks,
    }


def player_doc(lookup: str, rows: list[dict[str, Any]], season: str, system_id: str, generated_at: str) -> dict:
    """v1/players/{lookup}.json: the season's profile. Dropped from upstream's shape (no data here): recent_news,
    interpretation, next_game; no injuries."""
    rows = sorted(rows, key=lambda r: r["game_date"])
    graded = [r for r in rows if not r["is_voided"]]
    errors = [r for r in graded if r["error"] is not None]
    wins = sum(r["result"] == "WIN" for r in graded)
    losses = sum(r["result"] == "LOSS" for r in graded)
    names = [r["player_full_name"] for r in rows if r["player_full_name"]]
    summary = {
        "team": rows[-1]["team"],
        "games_predicted": len(graded),
        "voided": len(rows) - len(graded),
        "total_recommendations": sum(r["result"] in DECIDED for r in graded),
        "correct": wins,
        "incorrect": losses,
        "pushes": sum(r["result"] == "PUSH" for r in graded),
        "mae": _mean((r["error"] for r in errors), 2),
        "win_rate": _rate(wins, wins + losses),
        "bias": _mean((r["bias"] for r in errors), 2),
        "avg_confidence": _mean((r["confidence"] for r in graded), 4),
        "within_3_pct": _rate(sum(bool(r["within_3"]) for r in errors), len(errors)),
        "within_5_pct": _rate(sum(bool(r["within_5"]) for r in errors), len(errors)),
        "date_range": {"first": graded[0]["game_date"].isoformat(), "last": graded[-1]["game_date"].isoformat()},
    }
    game_log = [
        {
            "game_date": r["game_date"].isoformat(),
            "game_id": r["game_id"],
            "team": r["team"],
            "opponent": r["opponent"],
            "is_home": r["is_home"],
            "predicted": _num(r["predicted"], 2),
            "actual": _int(r["actual"]),
            "line": _num(r["line"], 2),
            "recommendation": r["recommendation"],
            "result": r["result"],
            "error": _num(r["error"], 2),
            "confidence": _num(r["confidence"], 4),
            "minutes": _num(r["minutes"], 2),
        }
        for r in reversed(rows[-GAME_LOG_GAMES:])
    ]
    return {
        "player_lookup": lookup,
        "player_full_name": names[-1] if names else None,
        "generated_at": generated_at,
        "season": season,
        "system_id": system_id,
        "summary": summary,
        "game_log": game_log,
        "splits": _context_records(rows),
        "our_track_record": {
            "all": record(rows),
            "over": record([r for r in rows if r["recommendation"] == "OVER"]),
            "under": record([r for r in rows if r["recommendation"] == "UNDER"]),
            "high_confidence": record([r for r in rows if (r["confidence"] or 0) >= HIGH_CONFIDENCE]),
        },
    }


def index_doc(players: list[dict[str, Any]], season: str, through: dt.date, system_id: str, min_games: int) -> dict:
    entries = [
        {
            "player_lookup": p["player_lookup"],
            "player_full_name": p["player_full_name"],
            "team": p["summary"]["team"],
            "games_predicted": p["summary"]["games_predicted"],
            "recommendations": p["summary"]["total_recommendations"],
            "mae": p["summary"]["mae"],
            "win_rate": p["summary"]["win_rate"],
            "bias": p["summary"]["bias"],
            "within_5_pct": p["summary"]["within_5_pct"],
        }
        for p in sorted(players, key=lambda p: p["player_lookup"])
    ]
    return {
        "generated_at": stamp(through),
        "season": season,
        "through": through.isoformat(),
        "system_id": system_id,
        "min_games": min_games,
        "total_players": len(entries),
        "players": entries,
    }


def player_file(lookup: Any) -> str | None:
    """The file for a player key, or None when the key is not a safe file name."""
    if isinstance(lookup, str) and SAFE_KEY.fullmatch(lookup) and lookup not in RESERVED_KEYS:
        return f"{API_VERSION}/players/{lookup}.json"
    return None


# -- schemas and serialisation -------------------------------------------------------------------------------------
@cache
def validator(schema: str):
    import jsonschema

    document = json.loads((SCHEMA_DIR / f"{schema}.json").read_text())
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(document)


@cache
def fast_validator(schema: str):
    """The same schema compiled to Python (fastjsonschema): a season's ~700 files validate in a blink, where the
    interpreting validator takes a minute. Keywords used by our schemas mean the same in both."""
    import fastjsonschema

    return fastjsonschema.compile(json.loads((SCHEMA_DIR / f"{schema}.json").read_text()))


def schema_problem(schema: str, document: Any) -> str | None:
    """The first schema violation (by path), or None. The compiled validator answers; the interpreting one
    explains a failure."""
    import fastjsonschema

    try:
        fast_validator(schema)(document)
        return None
    except fastjsonschema.JsonSchemaValueException as err:
        fast_error = err.message
    errors = sorted(validator(schema).iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return f"does not match schema {schema}.json: {fast_error[:200]}"
    where = "/".join(str(p) for p in errors[0].absolute_path) or "(top level)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"does not match schema {schema}.json at {where}: {errors[0].message[:200]}{more}"


def dump(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False) + "\n"


@dataclass(frozen=True)
class PublishedFile:
    path: str  # relative to the target, e.g. v1/results/2024-01-02.json
    kind: str  # results, best_bets, latest, players, players_index (the marker's counts)
    schema: str
    cache_control: str
    text: str


# -- targets -------------------------------------------------------------------------------------------------------
class UnsafePath(ValueError):
    """A file name that would leave the target."""


def _relative_parts(rel: str) -> list[str]:
    parts = rel.split("/")
    if "\\" in rel or "\0" in rel or any(p in ("", ".", "..") for p in parts) or parts[0] != API_VERSION:
        raise UnsafePath(f"{rel!r} is not a plain path under {API_VERSION}/")
    return parts


class LocalTarget:
    """A folder (relative to the working directory); each file written atomically (temp + rename)."""

    def __init__(self, spec: str):
        self.spec = spec
        self.root = Path(spec)

    def location(self, rel: str) -> str:
        return str(self.root / rel)

    def path(self, rel: str) -> Path:
        """The resolved path of `rel`, which must lie inside the target's folder."""
        _relative_parts(rel)
        root = self.root.resolve()
        path = (root / rel).resolve()
        if not path.is_relative_to(root) or path == root:
            raise UnsafePath(f"{rel!r} resolves to {path}, outside the target {root}")
        return path

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        import fcntl

        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".publish.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def listing(self) -> dict[str, Any]:
        """Every file under <target>/v1, by path relative to the target."""
        out: dict[str, Any] = {}
        top = self.root / API_VERSION
        for folder, _, names in os.walk(top):
            for name in names:
                out[(Path(folder) / name).relative_to(self.root).as_posix()] = None
        return out

    def read(self, rel: str) -> bytes | None:
        try:
            return self.path(rel).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def read_many(self, rels: list[str]) -> dict[str, bytes | None]:
        return {rel: self.read(rel) for rel in rels}

    def write(self, files: list[PublishedFile]) -> int:
        paths = [(self.path(f.path), f) for f in files]  # every path checked before the first write
        for path, f in paths:
            atomic_write_text(path, f.text)
        return len(paths)

    def cache_control(self, meta: Any) -> str | None:
        return None  # a folder has no object metadata


GS_TARGET = re.compile(r"gs://([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(/.*)?")


class GCSTarget:
    """gs://bucket/prefix: objects uploaded with google-cloud-storage, JSON content type and Cache-Control.
    `client` defaults to `storage.Client()` (which honours STORAGE_EMULATOR_HOST)."""

    workers = 8

    def __init__(self, spec: str, client: Any = None):
        match = GS_TARGET.fullmatch(spec)
        if not match:
            raise UsageError(f"publish target {spec!r} is not gs://bucket[/prefix]")
        self.spec = spec
        self.bucket_name = match.group(1)
        self.prefix = (match.group(2) or "").strip("/")
        if self.prefix and any(p in ("", ".", "..") for p in self.prefix.split("/")):
            raise UsageError(f"publish target {spec!r}: the prefix has an empty, '.' or '..' segment")
        if client is None:
            from google.cloud import storage

            client = storage.Client()
        self.client = client
        self.bucket = client.bucket(self.bucket_name)

    def name(self, rel: str) -> str:
        _relative_parts(rel)
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def location(self, rel: str) -> str:
        return f"gs://{self.bucket_name}/{self.name(rel)}"

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        yield  # no lock on GCS: run one publish job per target at a time

    def listing(self) -> dict[str, Any]:
        """Every object under <prefix>/v1/, by path relative to the target, with its metadata (list_blobs)."""
        start = f"{self.prefix}/" if self.prefix else ""
        blobs = self.client.list_blobs(self.bucket_name, prefix=f"{start}{API_VERSION}/")
        return {blob.name[len(start) :]: blob for blob in blobs}

    def _map(self, fn: Callable, items: list) -> list:
        if len(items) < 2:
            return [fn(i) for i in items]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(self.workers) as pool:
            return list(pool.map(fn, items))

    def read(self, rel: str) -> bytes | None:
        from google.api_core.exceptions import NotFound

        try:
            return self.bucket.blob(self.name(rel)).download_as_bytes()
        except NotFound:
            return None

    def read_many(self, rels: list[str]) -> dict[str, bytes | None]:
        return dict(zip(rels, self._map(self.read, rels), strict=True))

    def write(self, files: list[PublishedFile]) -> int:
        """Upload each file, skipping objects whose content (MD5) and Cache-Control already match."""
        names = [(self.name(f.path), f) for f in files]  # every name checked before the first upload
        present = self.listing()

        def upload(item: tuple[str, PublishedFile]) -> int:
            name, f = item
            data = f.text.encode()
            old = present.get(f.path)
            md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
            if (
                old is not None
                and old.md5_hash == md5
                and old.cache_control == f.cache_control
                and old.content_type == "application/json"
            ):
                return 0
            blob = self.bucket.blob(name)
            blob.cache_control = f.cache_control
            blob.upload_from_string(data, content_type="application/json")
            return 1

        return sum(self._map(upload, names))

    def cache_control(self, meta: Any) -> str | None:
        return getattr(meta, "cache_control", None)


def open_target(spec: str, client: Any = None) -> LocalTarget | GCSTarget:
    if spec.startswith("gs://"):
        return GCSTarget(spec, client)
    if "://" in spec:
        raise UsageError(f"publish target {spec!r}: only a folder or gs://bucket/prefix")
    return LocalTarget(spec)


# -- the job -------------------------------------------------------------------------------------------------------
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


def _fail(season: str, where: str, reason: str) -> CheckFailed:
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


def season_rows(warehouse: Any, first: dt.date, last: dt.date, system_id: str) -> list[dict[str, Any]]:
    """The graded rows of `first..last` (sql/publish_results.sql), each with its `result`."""
    rows = warehouse.query(
        sql_text("publish_results"), {"start_date": first, "end_date": last, "system_id": system_id}
    ).dicts()
    for r in rows:
        r["result"] = outcome(r)
    return rows


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
            raise _fail(season, path, f"generated content {problem}")
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
        raise _fail(season, target.location(path), reason + more)
    return [
        CheckResult("files_present", True, f"{len(expected)}/{len(expected)} expected files listed in the target"),
        CheckResult("files_valid", True, f"{len(expected)} files parse, match their schema and the published content"),
    ]


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
        raise _fail(season_name, settings["target"], str(err)) from None


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
        raise _fail(season_name, settings["target"], str(err)) from None
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
