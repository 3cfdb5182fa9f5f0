"""`checks.severity`: the user turns a value check of a processor into a warning (or sets its row-count
thresholds), with a reason. The checks that make a chunk's rows what they claim to be cannot be relaxed.

An entry's thresholds, as dbt's: error_if (default "!=0" for severity error, never for warn) is tried first, then
warn_if (default "!=0"); a check whose offending row count meets neither passes.
"""

from __future__ import annotations

import operator
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .errors import ConfigError
from .processors import PROCESSORS

if TYPE_CHECKING:  # the config check imports this module: no warehouse code at start-up
    from .validate import CheckResult

# a duplicated or NULL key, a missing date, a thin date: the chunk's rows are not the table's grain or not all there
RIGID = ("unique_key", "non_null_key", "coverage", "row_share")
OPERATORS = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}


def check_severity_entries(entries: list[dict[str, Any]]) -> None:
    """Refuse (one line) an entry naming an unknown processor or check, or a check that cannot be relaxed."""
    for i, entry in enumerate(entries):
        where = f"config error: checks.severity[{i}]"
        name, check = entry["processor"], entry["check"]
        if name not in PROCESSORS:
            raise ConfigError(f"{where}: unknown processor {name!r} (known: {', '.join(PROCESSORS)})")
        if check in RIGID:
            raise ConfigError(f"{where}: {name} {check} cannot be relaxed ({', '.join(RIGID)} always fail)")
        if check not in PROCESSORS[name].violations():
            raise ConfigError(
                f"{where}: {name} has no check {check!r} (known: {', '.join(PROCESSORS[name].violations())})"
            )


def entries_for(config_checks: dict[str, Any], processor: str) -> list[dict[str, Any]]:
    """The severity entries of one processor, in config order (they go in its jobs' params digest)."""
    return [e for e in config_checks.get("severity", []) if e["processor"] == processor]


def _meets(threshold: str | None, rows: int) -> bool:
    if threshold is None:
        return False
    op, number = re.fullmatch(r"\s*(>=|<=|==|!=|>|<)\s*(\d+)\s*", threshold).groups()
    return OPERATORS[op](rows, int(number))


def judge(entry: dict[str, Any] | None, rows: int) -> str:
    """`fail`, `warn` or `pass` for a check with `rows` offending rows under its severity entry (None: fail on any)."""
    if entry is None:
        return "fail" if rows else "pass"
    error_if = entry.get("error_if", "!=0" if entry["severity"] == "error" else None)
    if _meets(error_if, rows):
        return "fail"
    return "warn" if _meets(entry.get("warn_if", "!=0"), rows) else "pass"


def apply_severity(entries: list[dict[str, Any]], results: list[CheckResult]) -> list[CheckResult]:
    """The results as the processor's severity entries judge them: a warned check is not ok, severity warn, with the
    entry's reason; one under its thresholds passes."""
    by_check = {e["check"]: e for e in entries}
    judged = []
    for result in results:
        entry = by_check.get(result.name)
        if entry is None or result.ok:
            judged.append(result)
            continue
        verdict = judge(entry, result.rows)
        judged.append(
            replace(
                result, ok=verdict == "pass", severity="fail" if verdict == "fail" else "warn", reason=entry["reason"]
            )
        )
    return judged
