"""checks.severity's thresholds, as dbt's: error_if first, then warn_if; defaults "!=0" (no error_if for warn)."""

from __future__ import annotations

import pytest

from nba_backfill.severity import apply_severity, judge
from nba_backfill.validate import CheckResult

WARN = {"processor": "pdc", "check": "bound:one_game_a_day", "severity": "warn", "reason": "ticket 7"}


@pytest.mark.parametrize(
    "entry, rows, verdict",
    [
        (None, 0, "pass"),
        (None, 1, "fail"),
        (WARN, 0, "pass"),
        (WARN, 500, "warn"),
        ({**WARN, "error_if": ">10"}, 10, "warn"),
        ({**WARN, "error_if": ">10"}, 11, "fail"),
        ({**WARN, "warn_if": ">=5"}, 4, "pass"),
        ({**WARN, "severity": "error"}, 1, "fail"),
        ({**WARN, "severity": "error", "error_if": "> 100"}, 100, "warn"),
        ({**WARN, "severity": "error", "error_if": ">100", "warn_if": ">50"}, 50, "pass"),
    ],
)
def test_thresholds(entry, rows, verdict):
    assert judge(entry, rows) == verdict


def test_only_the_named_check_is_judged_and_a_warning_carries_the_reason():
    results = [
        CheckResult("bound:one_game_a_day", False, "3 row(s)", rows=3),
        CheckResult("range:points_avg_last_5", False, "2 row(s)", rows=2),
    ]
    warned, failed = apply_severity([WARN], results)
    assert (warned.ok, warned.severity, warned.reason) == (False, "warn", "ticket 7")
    assert warned.as_dict() == {
        "name": "bound:one_game_a_day",
        "ok": False,
        "detail": "3 row(s)",
        "severity": "warn",
        "rows": 3,
        "reason": "ticket 7",
    }
    assert failed == results[1]
    assert CheckResult("coverage", True, "all").as_dict() == {
        "name": "coverage",
        "ok": True,
        "detail": "all",
        "severity": "fail",
    }
