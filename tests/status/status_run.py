"""A half-done run in a temp dir: three small seasons (one finished, one half done with a failed chunk, one stopped
at a failed preflight), their markers and logs written by hand, and small warehouse tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from helpers import base_config, d
from nba_backfill import plan
from nba_backfill.config import Config, validate_config
from nba_backfill.markers import write_marker
from nba_backfill.systems import SYSTEM_IDS
from nba_backfill.warehouse.duckdb import DuckDBWarehouse

STARTED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SEASONS = {
    "2021-22": {"start": "2021-10-19", "end": "2021-11-30"},  # 2 chunks of 30 days: finished
    "2022-23": {"start": "2022-10-18", "end": "2022-12-31"},  # 3 chunks: half done, pcf chunk 3 failed
    "2023-24": {"start": "2023-10-24", "end": "2023-11-30"},  # 2 chunks: preflight failed
}
# chunk names, written out by hand (30-day windows from each start)
CHUNKS = {
    "2021-22": ["2021-10-19_2021-11-17", "2021-11-18_2021-11-30"],
    "2022-23": ["2022-10-18_2022-11-16", "2022-11-17_2022-12-16", "2022-12-17_2022-12-31"],
    "2023-24": ["2023-10-24_2023-11-22", "2023-11-23_2023-11-30"],
}
PCF_ERROR = "CHECK_FAILED pcf 2022-23 2022-12-17_2022-12-31: coverage: 2022-12-20 has 12 rows, expected >= 80% of 30"
PREFLIGHT_ERROR = (
    "CHECK_FAILED preflight 2023-24: nba_analytics.player_game_summary: 10/14 dates ok; missing 2023-11-01"
)
FAILED_PCF_CHUNK = "2022-12-17_2022-12-31"


def game_dates(first: str, last: str) -> list[dt.date]:
    """The hand-made schedule: every day but one in three."""
    day, out = d(first), []
    while day <= d(last):
        if day.toordinal() % 3:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def chunk_bounds(name: str) -> tuple[str, str]:
    first, last = name.split("_")
    return first, last


@dataclass
class Run:
    config: Config
    root: Path
    written: set[str] = field(default_factory=set)  # marker paths written

    def mark(self, path: str, **fields) -> None:
        write_marker(path, STARTED, **fields)
        self.written.add(path)

    def chunk(self, processor: str, season: str, chunk: str, rows: int = 20) -> None:
        first, last = chunk_bounds(chunk)
        rows_per_date = {day.isoformat(): rows for day in game_dates(first, last)}
        self.mark(
            plan.chunk_marker(processor, season, chunk),
            processor=processor,
            season=season,
            chunk={"first": first, "last": last},
            mode="computed",
            rows_per_date=rows_per_date,
            row_count=sum(rows_per_date.values()),
            checks=[{"name": "coverage", "ok": True, "detail": ""}],
        )

    def preflight(self, season: str) -> None:
        body = SEASONS[season]
        counts = {day.isoformat(): 200 for day in game_dates(body["start"], body["end"])}
        self.mark(
            plan.preflight_marker(season),
            phase="preflight",
            season=season,
            game_dates=len(counts),
            rows_per_date={"nba_analytics.player_game_summary": counts},
            checks=[],
        )

    def log(self, marker: str, *lines: str) -> Path:
        path = self.root / plan.log_path(marker)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(line + "\n" for line in lines))
        return path


PUBLISHED = base_config()["tier_adjustments"]["system_id"]  # the config's default, that status and evaluate report


def make_config(root: Path) -> Config:
    raw = base_config()
    raw["seasons"] = SEASONS
    raw["chunk_days"] = 30
    raw["warehouse"] = {"backend": "duckdb", "path": str(root / "warehouse")}
    return validate_config(raw)


def make_run(tmp_path: Path) -> Run:
    """Write the half-done run under `tmp_path` (the working directory: markers/ and logs/ are relative)."""
    r = Run(make_config(tmp_path), tmp_path)

    # 2021-22: everything, publishing included
    season = "2021-22"
    r.preflight(season)
    for chunk in CHUNKS[season]:
        for proc in (*plan.PHASE4_PROCESSORS, "predictions", "grading"):
            r.chunk(proc, season, chunk)
    for path in (
        plan.phase4_season_marker(season),
        plan.phase5a_season_marker(season),
        plan.phase5b_season_marker(season),
        f"markers/phase6/{season}.done",
    ):
        r.mark(path, phase=path.split("/")[1], season=season)
    r.mark(
        plan.phase5c_marker(season),
        phase="phase5c",
        season=season,
        system_id="ensemble_v2",
        status="PASS",
        n=120,
        mae_raw=5.4321,
        mae_adjusted=5.4012,
        mae_change=-0.0309,
        is_improving=True,
    )

    # 2022-23: tdza/psza all chunks; pcf chunks 1-2 and chunk 3 failed; pdc chunk 1 (chunk 2 running);
    # mlfs chunk 1; predictions chunk 1
    season = "2022-23"
    r.preflight(season)
    c1, c2, c3 = CHUNKS[season]
    for chunk in (c1, c2, c3):
        r.chunk("tdza", season, chunk, rows=30)
        r.chunk("psza", season, chunk)
    for chunk in (c1, c2):
        r.chunk("pcf", season, chunk)
    r.log(
        plan.phase4_marker("pcf", season, c3),
        "starting pcf 2022-23 " + c3,
        "error: MISSING_DEPENDENCY: nba_precompute.team_defense_zone_analysis 2022-12-20",  # an earlier attempt
        "retrying",
        f"error: {PCF_ERROR}",
        "",
    )
    r.chunk("pdc", season, c1)
    r.log(plan.phase4_marker("pdc", season, c2), "running pdc 2022-23 " + c2)  # no error line: still running
    r.chunk("mlfs", season, c1)
    r.chunk("predictions", season, c1, rows=100)

    # 2023-24: preflight failed
    r.log(plan.preflight_marker("2023-24"), "preflight 2023-24", f"error: {PREFLIGHT_ERROR}")
    return r


def warehouse(run: Run) -> DuckDBWarehouse:
    return DuckDBWarehouse(run.config.warehouse["path"])


# -- hand-made warehouse rows -----------------------------------------------------------------------------------------
SYSTEMS = tuple(sorted(SYSTEM_IDS))


def mlfs_row(day: dt.date, player: str) -> dict:
    return {
        "game_date": day,
        "player_lookup": player,
        "game_id": f"{day:%Y%m%d}_BOS_NYK",
        "team_abbr": "NYK",
        "opponent_team_abbr": "BOS",
        "season_year": day.year if day.month > 8 else day.year - 1,
        "is_home": True,
        "feature_count": 25,
        "feature_version": "v2",
        "feature_quality_score": 90.0,
    }


def prediction_row(day: dt.date, player: str, system: str) -> dict:
    return {
        "prediction_id": f"{day}_{player}_{system}",
        "system_id": system,
        "player_lookup": player,
        "game_date": day,
        "game_id": f"{day:%Y%m%d}_BOS_NYK",
        "predicted_points": 15.0,
        "confidence_score": 0.6,
        "recommendation": "OVER",
        "has_prop_line": True,
        "current_points_line": 14.5,
        "line_source": "odds_api",
    }


def accuracy_row(
    day: dt.date,
    player: str,
    system: str,
    predicted: float,
    actual: int | None,
    line: float | None,
    rec: str,
    voided: bool = False,
    confidence: float | None = None,
) -> dict:
    """A graded row, its derived columns computed like grading.sql (the inputs are what the tests vary)."""
    graded = None if voided else actual
    err = None if graded is None else predicted - graded
    correct = None
    if rec in ("OVER", "UNDER") and line is not None and graded is not None and graded != line:
        correct = (graded > line) == (rec == "OVER")
    return {
        "player_lookup": player,
        "game_id": f"{day:%Y%m%d}_BOS_NYK",
        "game_date": day,
        "system_id": system,
        "predicted_points": predicted,
        "confidence_score": confidence,
        "recommendation": rec,
        "line_value": line,
        "has_prop_line": line is not None,
        "actual_points": actual,
        "absolute_error": None if err is None else abs(err),
        "signed_error": err,
        "prediction_correct": correct,
        "is_voided": voided,
        "void_reason": "dnp" if voided else None,
    }


def oracle_row(day: dt.date, player: str, expected: float) -> dict:
    return {"player_lookup": player, "game_id": f"{day:%Y%m%d}_BOS_NYK", "game_date": day, "expected_points": expected}
