"""What the schedule says about a season: its game dates, its actual opener, a chunk's processable dates.

Game dates are the dates with final regular-season games (`PLAYED`): a postponed game counts on the date it was
played, and games not played yet (a season in progress) are not expected anywhere."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .config import Config, Season
from .errors import MissingDependency
from .plan import Chunk
from .warehouse import Warehouse

SCHEDULE = "nba_reference.nba_schedule"
# The schedule rows that are games: final (status 3) and regular season. Every reader of the schedule uses it.
PLAYED = "game_status = 3 AND is_regular_season"


def season_game_dates(warehouse: Warehouse, season: Season) -> list[dt.date]:
    rows = warehouse.query(
        f"SELECT DISTINCT game_date FROM {SCHEDULE} WHERE game_date BETWEEN @start AND @end AND {PLAYED} "
        "ORDER BY game_date",
        {"start": season.start, "end": season.end},
    ).rows
    if not rows:
        raise MissingDependency(SCHEDULE, [season.start])
    return [r[0] for r in rows]


@dataclass(frozen=True)
class ChunkDates:
    """A chunk's dates as the schedule has them; `start` is the first date that gets Phase 4/5 rows."""

    opener: dt.date  # the season's actual first game date: every window counts from it
    start: dt.date  # max(chunk first, opener + bootstrap_days)
    game_dates: list[dt.date]  # schedule dates of the chunk
    history: list[dt.date]  # schedule dates from the opener through the chunk's last date

    @property
    def processable(self) -> list[dt.date]:
        return [d for d in self.game_dates if d >= self.start]

    def params(self, chunk: Chunk) -> dict[str, dt.date]:
        return {"start_date": self.start, "end_date": chunk.last, "season_start": self.opener}


def chunk_dates(warehouse: Warehouse, config: Config, season: Season, chunk: Chunk) -> ChunkDates:
    dates = season_game_dates(warehouse, season)
    opener = dates[0]
    return ChunkDates(
        opener=opener,
        start=max(chunk.first, opener + dt.timedelta(days=config.bootstrap_days)),
        game_dates=[d for d in dates if chunk.first <= d <= chunk.last],
        history=[d for d in dates if d <= chunk.last],
    )
