"""`daily` without a date runs yesterday in daily.time_zone (default UTC), never in the machine's local time."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from helpers import base_config
from nba_backfill.config import validate_config
from nba_backfill.errors import ConfigError
from nba_backfill.plan import daily_date

# 02:30 UTC on 16 January: still the 15th in the Americas, already the 16th in Europe and Asia.
NOW = dt.datetime(2024, 1, 16, 2, 30, tzinfo=dt.UTC)


def _config(**changes):
    raw = base_config()
    raw.update(changes)
    return validate_config(raw)


@pytest.mark.parametrize(
    ("zone", "yesterday"),
    [
        (None, dt.date(2024, 1, 15)),  # the default: UTC
        ("UTC", dt.date(2024, 1, 15)),
        ("America/Los_Angeles", dt.date(2024, 1, 14)),  # 18:30 on the 15th there
        ("America/New_York", dt.date(2024, 1, 14)),  # 21:30 on the 15th there
        ("Asia/Tokyo", dt.date(2024, 1, 15)),  # 11:30 on the 16th there
    ],
)
def test_yesterday_is_in_the_configured_time_zone(zone, yesterday):
    config = _config() if zone is None else _config(daily={"time_zone": zone})
    assert daily_date(config, now=NOW) == yesterday


def test_the_machines_own_time_zone_plays_no_part(monkeypatch):
    config = _config()
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14, the earliest calendar on Earth
    time.tzset()
    try:
        late = NOW + dt.timedelta(hours=12)  # 14:30 UTC on the 16th = 04:30 on the 17th in Kiritimati
        assert dt.datetime.fromtimestamp(late.timestamp()).date() == dt.date(2024, 1, 17)  # the machine's view
        assert daily_date(config, now=late) == dt.date(2024, 1, 15)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_a_configured_date_wins():
    assert daily_date(_config(date="2023-12-25"), now=NOW) == dt.date(2023, 12, 25)


def test_an_unknown_time_zone_is_a_config_error():
    with pytest.raises(ConfigError) as err:
        _config(daily={"time_zone": "Mars/Olympus_Mons"})
    assert str(err.value) == "config error: daily.time_zone: 'Mars/Olympus_Mons' is not a known IANA time zone"
