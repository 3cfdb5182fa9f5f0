"""Seasons -> chunks -> marker paths. Pure: no warehouse, no files; Snakemake builds its DAG from this.

A chunk is a calendar window of `chunk_days` inside one season, named `{first}_{last}` (ISO dates). Which game
dates fall in a chunk is read from the schedule when the job runs, never while the DAG is built.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .config import Config, Season, time_zone
from .errors import UsageError

PHASE4_PROCESSORS = ("tdza", "psza", "pcf", "pdc", "mlfs")


@dataclass(frozen=True, order=True)
class Chunk:
    first: dt.date
    last: dt.date

    @property
    def name(self) -> str:
        return f"{self.first.isoformat()}_{self.last.isoformat()}"

    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def _windows(first: dt.date, end: dt.date, days: int) -> list[Chunk]:
    """first..end cut into windows of `days` calendar days from `first` (the last one may be shorter)."""
    windows = []
    while first <= end:
        last = min(first + dt.timedelta(days=days - 1), end)
        windows.append(Chunk(first, last))
        first = last + dt.timedelta(days=1)
    return windows


def season_chunks(season: Season, chunk_days: int) -> list[Chunk]:
    """The season's chunks, cut from its start and again after `existing_through`: the adopted dates are then
    whole chunks, so no chunk both adopts existing rows and recomputes some of them."""
    through = season.existing_through
    if through is None or through >= season.end:
        return _windows(season.start, season.end, chunk_days)
    return _windows(season.start, through, chunk_days) + _windows(
        through + dt.timedelta(days=1), season.end, chunk_days
    )


def retrain_windows(season: Season, chunk: Chunk, retrain_days: int) -> list[Chunk]:
    """The chunk cut at every `retrain_days` from the season's start: the learned model is retrained at each
    window's first day, so its predictions are the same whatever the chunk size."""
    return [
        Chunk(max(w.first, chunk.first), min(w.last, chunk.last))
        for w in _windows(season.start, season.end, retrain_days)
        if w.last >= chunk.first and w.first <= chunk.last
    ]


def is_regular_chunk(config: Config, season: Season, chunk_name: str) -> bool:
    return any(c.name == chunk_name for c in season_chunks(season, config.chunk_days))


def parse_chunk(config: Config, season_name: str, chunk_name: str) -> Chunk:
    """The chunk of `season_name` called `chunk_name`: one of the season's chunks, or a single day inside it
    (the `daily` run's unit). Any other name is a usage error."""
    season = config.season(season_name)
    for chunk in season_chunks(season, config.chunk_days):
        if chunk.name == chunk_name:
            return chunk
    first, _, last = chunk_name.partition("_")
    if first == last:
        try:
            day = dt.date.fromisoformat(first)
        except ValueError:
            day = None
        if day is not None and day in season:
            return Chunk(day, day)
    raise UsageError(
        f"{chunk_name!r} is not a chunk of season {season_name} with chunk_days={config.chunk_days} "
        f"(first chunk: {season_chunks(season, config.chunk_days)[0].name})"
    )


def is_adopted(season: Season, chunk: Chunk) -> bool:
    """Chunks on or before `existing_through` (season_chunks cuts there) are validated and adopted, never written."""
    return season.existing_through is not None and chunk.last <= season.existing_through


# Marker paths: the stable layout documented in README.md.
def league_marker(season: str) -> str:
    return f"markers/league/{season}.done"


def preflight_marker(season: str) -> str:
    return f"markers/preflight/{season}.done"


def phase4_marker(processor: str, season: str, chunk: str) -> str:
    return f"markers/phase4/{processor}/{season}/{chunk}.done"


def phase4_season_marker(season: str) -> str:
    return f"markers/phase4/{season}.done"


def predictions_marker(season: str, chunk: str) -> str:
    return f"markers/phase5a/predictions/{season}/{chunk}.done"


def daily_preflight_marker(season: str, chunk: str) -> str:
    return f"markers/preflight/{season}/{chunk}.done"


def phase5a_chunk_marker(season: str, chunk: str) -> str:
    """Tier adjustments of a daily run: the day's key date (if it is one) learnt, and applied to that day."""
    return f"markers/phase5a/{season}/{chunk}.done"


def phase6_marker(season: str) -> str:
    return f"markers/phase6/{season}.done"


def daily_publish_marker(season: str, chunk: str) -> str:
    return f"markers/phase6/{season}/{chunk}.done"


def phase5a_season_marker(season: str) -> str:
    """Tier adjustments learnt at every key date of the season and applied to its ensemble rows."""
    return f"markers/phase5a/{season}.done"


def grading_marker(season: str, chunk: str) -> str:
    return f"markers/phase5b/{season}/{chunk}.done"


def phase5b_season_marker(season: str) -> str:
    return f"markers/phase5b/{season}.done"


def phase5c_marker(season: str) -> str:
    return f"markers/phase5c/{season}.done"


def chunk_marker(processor: str, season: str, chunk: str) -> str:
    """The marker of any chunk job: a Phase 4 processor, `predictions` (5A) or `grading` (5B)."""
    if processor == "predictions":
        return predictions_marker(season, chunk)
    if processor == "grading":
        return grading_marker(season, chunk)
    return phase4_marker(processor, season, chunk)


def key_dates(season: Season, key_days: list[int]) -> list[dt.date]:
    """The tier adjustments' key dates: those days of every month, inside the season's bounds."""
    days, first = [], season.start.replace(day=1)
    while first <= season.end:
        days += [first.replace(day=k) for k in sorted(key_days) if season.start <= first.replace(day=k) <= season.end]
        first = (first + dt.timedelta(days=32)).replace(day=1)
    return days


def log_path(marker: str) -> str:
    """logs/ mirrors markers/: markers/phase4/pcf/S/C.done -> logs/phase4/pcf/S/C.log (also for a marker that
    Snakemake's storage plugin keeps under .snakemake/storage/.../markers/)."""
    tail = marker.rpartition("markers/")[2] if "markers/" in marker else marker
    return "logs/" + tail.removesuffix(".done") + ".log"


def phase4_chunk_markers(config: Config, season: Season) -> list[str]:
    return [
        phase4_marker(proc, season.name, chunk.name)
        for chunk in season_chunks(season, config.chunk_days)
        for proc in PHASE4_PROCESSORS
    ]


def predictions_markers(config: Config, season: Season) -> list[str]:
    return [predictions_marker(season.name, c.name) for c in season_chunks(season, config.chunk_days)]


def grading_markers(config: Config, season: Season) -> list[str]:
    return [grading_marker(season.name, c.name) for c in season_chunks(season, config.chunk_days)]


def training_seasons(config: Config, season: Season) -> list[Season]:
    """The configured seasons the learned systems of `season` train on, oldest first: up to
    predictions.training_seasons seasons that ended before it, then the season itself."""
    count = config.predictions["training_seasons"]
    earlier = sorted((s for s in config.seasons if s.end < season.start), key=lambda s: s.start)
    return [*(earlier[-count:] if count else []), season]


def predictions_inputs(config: Config, season: Season, chunk_name: str) -> list[str]:
    """What a backfill chunk's predictions read: the features and outcomes of its season up to the chunk and of the
    earlier seasons it trains on (their MLFS chunk markers), and what the systems predicted before the chunk (the
    predictions of the season's earlier chunks and of those seasons), which ensemble_v2 and the confidence models
    fit on. Phase 4 needs nothing from another season, so it still runs all seasons in parallel."""
    markers = []
    for earlier in training_seasons(config, season)[:-1]:
        markers += [phase4_marker("mlfs", earlier.name, c.name) for c in season_chunks(earlier, config.chunk_days)]
        markers += predictions_markers(config, earlier)
    for chunk in season_chunks(season, config.chunk_days):
        markers.append(phase4_marker("mlfs", season.name, chunk.name))
        if chunk.name == chunk_name:
            return markers
        markers.append(predictions_marker(season.name, chunk.name))
    raise UsageError(f"{chunk_name} is not a chunk of {season.name}")


def chain_priority(config: Config, season_name: str, chunk_name: str | None = None) -> int:
    """A job's scheduling priority: predictions run one chunk after another, season after season (each fits on the
    predictions before it: predictions_inputs), so that chain is the run's longest path; the earlier a chunk is in
    it, the sooner its Phase 3, preflight, Phase 4 and predictions should run (a season's Phase 3 and preflight
    rank as its first chunk). Chunks outside the backfill's plan (daily) get 0."""
    order = [
        (season.name, chunk.name)
        for season in sorted(config.seasons, key=lambda s: s.start)
        for chunk in season_chunks(season, config.chunk_days)
    ]
    if chunk_name is None and any(name == season_name for name, _ in order):
        chunk_name = next(chunk for name, chunk in order if name == season_name)
    if (season_name, chunk_name) not in order:
        return 0
    return len(order) - order.index((season_name, chunk_name))


def season_targets(config: Config, season: Season) -> list[str]:
    """Every marker of one season: each chunk marker and each rollup, so a deleted middle marker is redone."""
    return [
        preflight_marker(season.name),
        *phase4_chunk_markers(config, season),
        phase4_season_marker(season.name),
        *predictions_markers(config, season),
        phase5a_season_marker(season.name),
        *grading_markers(config, season),
        phase5b_season_marker(season.name),
        phase5c_marker(season.name),
        phase6_marker(season.name),
    ]


def season_of(config: Config, day: dt.date) -> Season:
    for season in config.seasons:
        if day in season:
            return season
    raise UsageError(f"date {day} is in no configured season ({', '.join(s.name for s in config.seasons)})")


def daily_date(config: Config, now: dt.datetime | None = None) -> dt.date:
    """The day `daily` runs: the configured `date`, else yesterday in `daily.time_zone` (never the machine's local
    time: a VM in UTC and a laptop in Los Angeles run the same day). `now` (aware) pins the clock in tests."""
    if "date" in config.raw:
        return dt.date.fromisoformat(config.raw["date"])
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(time_zone(config.raw["daily"]["time_zone"])).date() - dt.timedelta(days=1)


def daily_targets(config: Config, day: dt.date) -> list[str]:
    """What `daily` requests for one date: its Phase 4 chunks, predictions, tiers, grading and publish."""
    season = season_of(config, day)
    chunk = Chunk(day, day).name
    return [
        *(phase4_marker(p, season.name, chunk) for p in PHASE4_PROCESSORS),
        predictions_marker(season.name, chunk),
        phase5a_chunk_marker(season.name, chunk),
        grading_marker(season.name, chunk),
        daily_publish_marker(season.name, chunk),
    ]


def all_season_targets(config: Config) -> list[str]:
    """What `all_seasons` requests."""
    return [target for season in config.seasons for target in season_targets(config, season)]
