"""Load config/seasons.yaml, validate it against config/schema.yaml, and return a typed, frozen Config.

Validation is the one place config errors are found: the Snakefile and every CLI command call `load_config`,
so a bad value stops before any job with one line naming the key and the reason.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .severity import check_severity_entries
from .systems import SYSTEM_IDS

# The one schema, config/schema.yaml, reached through a symlink inside the package: a built wheel copies the
# file in, so an installed (not editable) package finds it too.
SCHEMA_PATH = Path(__file__).parent / "config_schema.yaml"
DEFAULT_CONFIG = Path("config/seasons.yaml")
# What an external processor's command may name; filled per chunk by runner.external_command.
PLACEHOLDERS = ("start", "end", "season", "chunk")
# Snakemake passes its effective (merged, --config overridden) config to every job through this variable.
CONFIG_ENV = "NBA_BACKFILL_CONFIG"


@dataclass(frozen=True)
class Season:
    name: str
    start: dt.date
    end: dt.date
    existing_through: dt.date | None = None

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Config:
    seasons: tuple[Season, ...]
    chunk_days: int
    bootstrap_days: int
    warehouse: dict[str, Any]
    league: dict[str, Any]
    checks: dict[str, Any]
    predictions: dict[str, Any]
    tier_adjustments: dict[str, Any]
    phase5c: dict[str, Any]
    external_processors: dict[str, str]
    external_timeout_seconds: int
    phase3: dict[str, Any] = field(default_factory=lambda: {"source": "synthetic", "boxscores": [], "lines": []})
    raw: dict[str, Any] = field(repr=False, compare=False, hash=False, default_factory=dict)

    def season(self, name: str) -> Season:
        for season in self.seasons:
            if season.name == name:
                return season
        known = ", ".join(s.name for s in self.seasons)
        raise ConfigError(f"unknown season {name!r} (configured: {known})")

    @property
    def backend(self) -> str:
        return self.warehouse["backend"]


@cache
def _schema() -> dict:
    import yaml

    # libyaml's loader where present: every job loads the schema, and the pure-Python one takes ~15 ms
    return yaml.load(SCHEMA_PATH.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _plain(value: Any) -> Any:
    """YAML and --config turn 2022-10-18 into a date; the schema speaks ISO strings."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _fill_defaults(schema: dict, data: dict) -> dict:
    """Apply every `default` of the schema's object properties, recursively (jsonschema does not)."""
    out = dict(data)
    for key, sub in schema.get("properties", {}).items():
        if key not in out and "default" in sub:
            out[key] = json.loads(json.dumps(sub["default"]))
        if isinstance(out.get(key), dict) and sub.get("type") == "object":
            out[key] = _fill_defaults(sub, out[key])
    return out


def _where(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _date(value: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"config error: {where}: {value!r} is not a valid date") from None


def time_zone(name: str) -> dt.tzinfo:
    """An IANA time zone by name (UTC even without the tz database, which a slim image may lack)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name == "UTC":
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"config error: daily.time_zone: {name!r} is not a known IANA time zone") from None


def _check_finite(value: Any, path: tuple = ()) -> None:
    """NaN and infinity pass every JSON Schema bound (NaN compares false to all of them): refuse them anywhere."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"config error: {_where(path)}: {value} is not a finite number")
    for key, item in value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ():
        _check_finite(item, (*path, key))


def validate_config(data: dict[str, Any]) -> Config:
    """Defaults filled in, the schema checked, then the checks a schema cannot say (dates, overlaps)."""
    import jsonschema_rs

    schema = _schema()
    data = _fill_defaults(schema, _plain(data or {}))
    _check_finite(data)
    # every job validates the config: the Rust validator answers in ~1 ms; the Python one (~40 ms to import) only
    # runs to word the error of a config that fails (and is the judge, should the two ever disagree)
    if not jsonschema_rs.validator_for(schema).is_valid(data):
        _refuse_first_error(schema, data)
    return _build(data)


def _refuse_first_error(schema: dict, data: dict[str, Any]) -> None:
    """The schema's error nearest the top of the config, as one line."""
    import jsonschema

    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(data),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    if errors:
        raise ConfigError(f"config error: {_where(errors[0].absolute_path)}: {errors[0].message}")


def _build(data: dict[str, Any]) -> Config:
    seasons = []
    for name, body in sorted(data["seasons"].items(), key=lambda kv: kv[1]["start"]):
        where = f"seasons.{name}"
        start = _date(body["start"], f"{where}.start")
        end = _date(body["end"], f"{where}.end")
        if end < start:
            raise ConfigError(f"config error: {where}.end: {end} is before start {start}")
        if start.year != int(name[:4]) or (start.year + 1) % 100 != int(name[5:]):
            raise ConfigError(f"config error: {where}: name does not match a season starting {start}")
        existing = body.get("existing_through")
        existing_day = _date(existing, f"{where}.existing_through") if existing else None
        if existing_day and not start <= existing_day <= end:
            raise ConfigError(f"config error: {where}.existing_through: {existing_day} is outside {start}..{end}")
        if seasons and start <= seasons[-1].end:
            raise ConfigError(f"config error: {where}: {start}..{end} overlaps season {seasons[-1].name}")
        if (end - start).days + 1 <= data["bootstrap_days"]:
            raise ConfigError(
                f"config error: bootstrap_days: {data['bootstrap_days']} is not shorter than season {name} "
                f"({(end - start).days + 1} days): it would get no Phase 4 / 5 rows"
            )
        seasons.append(Season(name, start, end, existing_day))
    _check_settings(data, seasons)

    time_zone(data["daily"]["time_zone"])
    return Config(
        seasons=tuple(seasons),
        chunk_days=data["chunk_days"],
        bootstrap_days=data["bootstrap_days"],
        warehouse=data["warehouse"],
        league=data["league"],
        checks=data["checks"],
        predictions=data["predictions"],
        tier_adjustments=data["tier_adjustments"],
        phase5c=data["phase5c"],
        external_processors=data["external_processors"],
        phase3=data["phase3"],
        external_timeout_seconds=data["external_timeout_seconds"],
        raw=data,
    )


def _check_settings(data: dict[str, Any], seasons: list[Season]) -> None:
    """Values that are fine one by one and wrong together, or wrong for the files on this machine."""
    checks = data["checks"]
    check_severity_entries(checks["severity"])
    if checks["min_players_per_game"] > checks["max_players_per_game"]:
        raise ConfigError(
            f"config error: checks.min_players_per_game: {checks['min_players_per_game']} is above "
            f"checks.max_players_per_game {checks['max_players_per_game']}"
        )
    if "date" in data:  # the daily run's date
        day = _date(data["date"], "date")
        if not any(day in s for s in seasons):
            known = ", ".join(f"{s.name} {s.start}..{s.end}" for s in seasons)
            raise ConfigError(f"config error: date: {day} is in no configured season ({known})")
    for key in ("tier_adjustments", "publish"):  # a system the backfill does not write would adjust/publish nothing
        system_id = (data.get(key) or {}).get("system_id")
        if system_id is not None and system_id not in SYSTEM_IDS:
            raise ConfigError(
                f"config error: {key}.system_id: {system_id!r} is not a system this backfill writes "
                f"({', '.join(SYSTEM_IDS)})"
            )
    path = data["warehouse"].get("path")
    if data["warehouse"]["backend"] == "duckdb" and path and Path(path).is_file():
        raise ConfigError(f"config error: warehouse.path: {path!r} is a file, not a folder")
    _check_external(data["external_processors"])
    target = (data.get("publish") or {}).get("target", "")
    if target.startswith("gs://") and not target.removeprefix("gs://").split("/")[0]:
        raise ConfigError(f"config error: publish.target: {target!r} names no bucket (gs://bucket/prefix)")
    if "://" not in target and not Path(target).is_absolute():
        here = Path.cwd().resolve()
        if not (here / target).resolve().is_relative_to(here):
            raise ConfigError(
                f"config error: publish.target: {target!r} leaves the project folder; "
                "give an absolute path to publish outside it"
            )


def _check_external(commands: dict[str, str]) -> None:
    """An unknown placeholder would pass a dry run and fail only when its job runs: refuse it at load."""
    import string

    for name, template in commands.items():
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
        except ValueError as err:
            raise ConfigError(f"config error: external_processors.{name}: {err} in {template!r}") from None
        unknown = sorted(fields - set(PLACEHOLDERS))
        if unknown:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise ConfigError(
                f"config error: external_processors.{name}: unknown placeholder {{{unknown[0]}}} (known: {known})"
            )


def with_backend(config: Config, backend: str) -> Config:
    """The same config on another warehouse backend (validated again)."""
    raw = json.loads(json.dumps(config.raw))
    raw["warehouse"]["backend"] = backend
    return validate_config(raw)


def read_config_file(path: Path | str) -> dict[str, Any]:
    import yaml

    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config error: {path}: no such file")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ConfigError(f"config error: {path}: not valid YAML ({str(err).splitlines()[0]})") from None
    if not isinstance(data, dict):  # an empty file loads as None
        kind = "empty" if data is None else "not a mapping"
        raise ConfigError(f"config error: {path}: is {kind} (it needs seasons:)")
    return data


def load_config(path: Path | str | None = None) -> Config:
    """The config a job runs with: Snakemake's effective config if it handed one over, else the file.

    Snakemake hands over the config the Snakefile has just validated (defaults filled in), so a job only
    rebuilds it: importing jsonschema would cost each of a backfill's hundreds of jobs ~0.3 s."""
    if path is None and os.environ.get(CONFIG_ENV):
        return _build(json.loads(os.environ[CONFIG_ENV]))
    return validate_config(read_config_file(path or DEFAULT_CONFIG))
