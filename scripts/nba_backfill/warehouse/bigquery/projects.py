"""Point a text's tables with an explicit project at the configured project, changing only those tokens."""

from __future__ import annotations

import functools
import re

from ...errors import WarehouseError
from ...statements import UnparsableSQL, first_line, parse

_PROJECT_HINT = re.compile(r"`|\b[A-Za-z_][\w-]*\.[A-Za-z_]\w*\.[A-Za-z_]\w*")


@functools.lru_cache(maxsize=256)
def map_project(sql: str, project: str) -> str:
    """Point every table with an explicit project at `project`, changing only those tokens of the text."""
    if not _PROJECT_HINT.search(sql):
        return sql  # no backtick and no a.b.c path: nothing can name a project (and sqlglot stays unloaded)
    from sqlglot import exp
    from sqlglot.dialects.bigquery import BigQuery
    from sqlglot.tokens import TokenType

    try:
        trees = parse(sql)
    except UnparsableSQL as err:  # sent as written, it could still name the production project: never send it
        raise WarehouseError(f"cannot map the project of {err} (nothing was sent)") from None
    for tree in trees:
        if tree.find(exp.Command):  # sqlglot kept it as opaque text: the tables inside are unknown
            raise WarehouseError(
                f"cannot map the project of {first_line(tree.sql('bigquery'))!r}: sqlglot does not parse this "
                "statement (nothing was sent)"
            )
    catalogs = {t.catalog for tree in trees for t in tree.find_all(exp.Table) if t.catalog}
    catalogs.discard(project)
    if not catalogs:
        return sql
    tokens = BigQuery().tokenize(sql)
    edits = []  # (start, end inclusive, replacement)
    for i, token in enumerate(tokens):
        text = token.text
        if token.token_type == TokenType.IDENTIFIER:  # `proj` or `proj.dataset.table`
            for cat in catalogs:
                if text == cat or text.startswith(cat + "."):
                    edits.append((token.start, token.end, f"`{project}{text[len(cat) :]}`"))
                    break
        elif (
            token.token_type == TokenType.VAR
            and text in catalogs
            and i + 1 < len(tokens)
            and tokens[i + 1].token_type == TokenType.DOT
            and (i == 0 or tokens[i - 1].token_type != TokenType.DOT)
        ):
            edits.append((token.start, token.end, f"`{project}`"))
    out = sql
    for start, end, replacement in sorted(edits, reverse=True):
        out = out[:start] + replacement + out[end + 1 :]
    try:
        remaining = {
            t.catalog for tree in parse(out) for t in tree.find_all(exp.Table) if t.catalog and t.catalog != project
        }
    except UnparsableSQL:
        remaining = catalogs
    if remaining:  # a spelling the token rewrite missed: fall back to regenerating the statements
        for tree in trees:
            for table in tree.find_all(exp.Table):
                if table.catalog:
                    table.set("catalog", exp.to_identifier(project, quoted=True))
        out = ";\n".join(tree.sql("bigquery") for tree in trees)
    return out
