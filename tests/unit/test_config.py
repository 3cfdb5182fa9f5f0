"""Each bad config gives one line naming the key and the reason, and a non-zero exit."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from helpers import base_config
from nba_backfill.cli import main
from nba_backfill.config import validate_config
from nba_backfill.errors import ConfigError


def test_repo_config_is_valid():
    config = validate_config(base_config())
    assert [s.name for s in config.seasons] == ["2021-22", "2022-23", "2023-24", "2024-25", "2025-26"]
    assert config.season("2022-23").start == dt.date(2022, 10, 18)
    assert config.chunk_days == 200 and config.backend == "duckdb"


def _with(**changes) -> dict:
    config = base_config()
    config.update(changes)
    return config


def _season(start: str, end: str, **extra) -> dict:
    return {"start": start, "end": end, **extra}


WARN_PDC = {"processor": "pdc", "check": "bound:week_within_fortnight", "severity": "warn", "reason": "ticket 7"}

BAD = [
    (
        _with(seasons={"2022-23": _season("2022-10-18", "2022-01-01")}),
        "seasons.2022-23.end: 2022-01-01 is before start 2022-10-18",
    ),
    (
        _with(seasons={"2022-23": _season("2022-10-18", "2023-04-09"), "2023-24": _season("2023-03-01", "2024-04-14")}),
        "seasons.2023-24: 2023-03-01..2024-04-14 overlaps season 2022-23",
    ),
    (_with(warehouse={"backend": "postgres"}), "warehouse.backend: 'postgres' is not one of ['duckdb', 'bigquery']"),
    (_with(chunk_days=0), "chunk_days: 0 is less than the minimum of 1"),
    (
        _with(seasons={"2022-23": _season("2022-10-18", "2023-02-30")}),
        "seasons.2022-23.end: '2023-02-30' is not a valid date",
    ),
    (_with(seasons={"22-23": _season("2022-10-18", "2023-04-09")}), "seasons: '22-23' does not match"),
    (
        _with(seasons={"2022-23": _season("2023-10-18", "2024-04-09")}),
        "seasons.2022-23: name does not match a season starting 2023-10-18",
    ),
    (
        _with(seasons={"2022-23": _season("2022-10-18", "2023-04-09", existing_through="2023-05-01")}),
        "seasons.2022-23.existing_through: 2023-05-01 is outside 2022-10-18..2023-04-09",
    ),
    (_with(surprise=1), "(top level): Additional properties are not allowed ('surprise' was unexpected)"),
    (_with(checks={"min_row_share": 1.5}), "checks.min_row_share: 1.5 is greater than the maximum of 1"),
    (_with(chunk_days=400), "chunk_days: 400 is greater than the maximum of 366"),
    (_with(checks={"min_row_share": float("nan")}), "checks.min_row_share: nan is not a finite number"),
    (_with(league={"seed": 1, "scale": float("inf")}), "league.scale: inf is not a finite number"),
    (_with(tier_adjustments={"key_days": [1, float("-inf")]}), "tier_adjustments.key_days.1: -inf is not a finite"),
    (
        _with(seasons={"2022-23": _season("2022-10-18", "2022-10-31")}, bootstrap_days=14),
        "bootstrap_days: 14 is not shorter than season 2022-23 (14 days)",
    ),
    (
        _with(checks={"min_players_per_game": 41, "max_players_per_game": 40}),
        "checks.min_players_per_game: 41 is above checks.max_players_per_game 40",
    ),
    (_with(date="2024-02-30"), "date: '2024-02-30' is not a valid date"),
    (_with(date="2024-07-01"), "date: 2024-07-01 is in no configured season (2021-22 2021-10-19..2022-04-10,"),
    (_with(publish={"target": "../x"}), "publish.target: '../x' leaves the project folder; give an absolute path"),
    (_with(publish={"target": "out/../../x"}), "publish.target: 'out/../../x' leaves the project folder"),
    (_with(publish={"system_id": "ensemble_v9"}), "publish.system_id: 'ensemble_v9' is not a system this backfill"),
    (
        _with(tier_adjustments={"system_id": "catboost_v8"}),
        "tier_adjustments.system_id: 'catboost_v8' is not a system this backfill writes",
    ),
    *[
        (_with(checks={"severity": [{**WARN_PDC, **change}]}), message)
        for change, message in (
            ({"check": "unique_key"}, "checks.severity[0]: pdc unique_key cannot be relaxed"),
            ({"check": "non_null_key"}, "checks.severity[0]: pdc non_null_key cannot be relaxed"),
            ({"check": "coverage"}, "checks.severity[0]: pdc coverage cannot be relaxed"),
            ({"check": "row_share"}, "checks.severity[0]: pdc row_share cannot be relaxed"),
            ({"processor": "pdq"}, "checks.severity[0]: unknown processor 'pdq' (known: tdza,"),
            ({"check": "range:points"}, "checks.severity[0]: pdc has no check 'range:points' (known: range:"),
            ({"reason": ""}, "checks.severity.0.reason: '' should be non-empty"),
            ({"reason": "  "}, "checks.severity.0.reason: '  ' does not match"),
            ({"severity": "info"}, "checks.severity.0.severity: 'info' is not one of"),
            ({"warn_if": "more than 3"}, "checks.severity.0.warn_if: 'more than 3' does not match"),
        )
    ],
    (
        _with(checks={"severity": [{k: v for k, v in WARN_PDC.items() if k != "reason"}]}),
        "checks.severity.0: 'reason' is a required property",
    ),
]


@pytest.mark.parametrize("config,message", BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_bad_config_names_key_and_reason(config, message):
    with pytest.raises(ConfigError) as err:
        validate_config(config)
    assert str(err.value).startswith("config error: ")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_season_just_longer_than_bootstrap_and_an_absolute_target_are_fine(tmp_path):
    config = validate_config(
        _with(bootstrap_days=173, publish={"target": str(tmp_path.parent / "elsewhere")}, date="2023-04-09")
    )
    assert config.bootstrap_days == 173


def test_warehouse_path_that_is_a_file(tmp_path):
    (tmp_path / "wh").write_text("not a folder")
    with pytest.raises(ConfigError) as err:
        validate_config(_with(warehouse={"backend": "duckdb", "path": str(tmp_path / "wh")}))
    assert str(err.value) == f"config error: warehouse.path: '{tmp_path / 'wh'}' is a file, not a folder"


def test_cli_reports_bad_config_in_one_line_and_exits_2(write_config):
    path = write_config({"chunk_days": 0})
    result = CliRunner().invoke(main, ["--configfile", str(path), "preflight", "--season", "2022-23"])
    assert result.exit_code == 2
    assert result.output.strip() == "error: config error: chunk_days: 0 is less than the minimum of 1"


def test_a_severity_entry_is_accepted():
    entry = {**WARN_PDC, "error_if": ">10"}
    assert validate_config(_with(checks={"severity": [entry]})).checks["severity"] == [entry]


def test_yaml_dates_and_defaults():
    """Unquoted YAML dates (and --config values) arrive as date objects; defaults fill omitted keys."""
    config = validate_config({"seasons": {"2022-23": {"start": dt.date(2022, 10, 18), "end": dt.date(2023, 4, 9)}}})
    assert config.season("2022-23").end == dt.date(2023, 4, 9)
    assert config.bootstrap_days == 14 and config.warehouse["path"] == "warehouse"
