"""The errors a user can cause. Each carries the one line the CLI prints, and an exit code.

Exit codes: 0 ok, 1 a data check failed (or data the job needs is missing), 2 bad input (config, arguments).
"""


def format_dates(days) -> str:
    """A short list of dates for a one-line message: the first eight, then how many in all."""
    days = sorted(days)
    shown = ",".join(str(d) for d in days[:8])
    return shown + (f",... ({len(days)} dates)" if len(days) > 8 else "")


class BackfillError(Exception):
    """Base: a failure the user can act on; `str(err)` is the whole message."""

    exit_code = 1


class ConfigError(BackfillError):
    """config/seasons.yaml (or a --config override) is invalid."""

    exit_code = 2


class UsageError(BackfillError):
    """A command-line argument (season, chunk, date) does not fit the config."""

    exit_code = 2


class BadFile(BackfillError):
    """An input file (box scores, lines) cannot be imported; the message names the file, row and column."""

    exit_code = 2


class MarkerError(BackfillError):
    """A marker on disk that is not what a job wrote (hand-edited, truncated): delete it to redo its job."""

    exit_code = 2


class MissingDependency(BackfillError):
    """Upstream partitions a job reads are absent."""

    def __init__(self, table: str, dates):
        self.table = table
        self.dates = sorted(dates)
        super().__init__(f"MISSING_DEPENDENCY: {table} {format_dates(self.dates)}")


class CheckFailed(BackfillError):
    """A validation check blocked the marker."""


class WarehouseError(BackfillError):
    """The warehouse refused or failed a statement (credentials, permissions, SQL)."""
