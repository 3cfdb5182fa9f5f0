"""What a SQL text is, before anything runs it: its statements as sqlglot parses them (BigQuery dialect), a
one-line reason when it cannot parse them, and whether every statement only reads.

Both fail closed: a text sqlglot cannot parse is never guessed at (sent as is, or run as "probably a SELECT").
"""

from __future__ import annotations

import logging

from .errors import UsageError


class UnparsableSQL(ValueError):
    """sqlglot cannot parse the text; `str()` is one line: the statement's first line and the parse error."""


def first_line(sql: str) -> str:
    """The text's first non-blank line, shortened for a one-line message."""
    line = next((line.strip() for line in sql.splitlines() if line.strip()), "")
    return line if len(line) <= 80 else line[:77] + "..."


def parse(sql: str) -> list:
    """The statements of `sql` as sqlglot trees (empty statements dropped), or UnparsableSQL."""
    import sqlglot
    from sqlglot import exp

    log = logging.getLogger("sqlglot")
    level = log.level
    log.setLevel(logging.ERROR)  # "falling back to parsing as a Command" is our decision to make, not a warning
    try:
        trees = sqlglot.parse(sql, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.ParseError as err:
        last = err.errors[-1] if err.errors else {}  # the last is the plainest ("Expecting )")
        where = f" at line {last['line']}:{last['col']}" if "line" in last else ""
        reason = last.get("description") or str(err).splitlines()[0]
        raise UnparsableSQL(f"{first_line(sql)!r}: {reason}{where}") from None
    except sqlglot.errors.SqlglotError as err:  # the tokenizer's errors
        raise UnparsableSQL(f"{first_line(sql)!r}: {str(err).splitlines()[0]}") from None
    finally:
        log.setLevel(level)
    return [tree for tree in trees if tree is not None and not isinstance(tree, exp.Semicolon)]  # a lone comment


def require_read_only(sql: str) -> None:
    """UsageError unless `sql` is one or more SELECTs (a WITH ... SELECT, a UNION ... included) and nothing else:
    names the first statement that is not a SELECT, or what a SELECT hides (`WITH d AS (DELETE ...)`)."""
    try:
        refused = _not_read_only(sql)
    except UnparsableSQL as err:
        refused = f"cannot parse {err}"
    if refused:
        raise UsageError(f"query runs read-only SELECT statements only: {refused}; nothing was run")


def _not_read_only(sql: str) -> str | None:
    from sqlglot import exp

    # Anything that changes data, schema, session or files; a SELECT must contain none of them.
    writes = (
        exp.DML,
        exp.DDL,
        exp.Drop,
        exp.Alter,
        exp.TruncateTable,
        exp.Export,
        exp.Command,
        exp.Transaction,
        exp.Commit,
        exp.Rollback,
        exp.Set,
        exp.Declare,
        exp.Pragma,
        exp.LoadData,
        exp.Use,
    )
    trees = parse(sql)
    if not trees:
        return "no statement"
    for number, tree in enumerate(trees, 1):
        if not isinstance(tree, exp.Query):  # SELECT, WITH ... SELECT, UNION ..., (SELECT ...)
            return f"statement {number} is {_kind(tree)}, not a SELECT"
        hidden = tree.find(*writes)
        if hidden is not None:
            return f"statement {number} hides {_kind(hidden)} inside its SELECT"
    return None


def _kind(tree) -> str:
    """DELETE, CREATE, COPY, ...: what the statement is, as its first keyword would say (a Command's is its text's)."""
    from sqlglot import exp

    return (tree.this if isinstance(tree, exp.Command) else tree.key).upper()
