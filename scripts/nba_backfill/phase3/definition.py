"""What Phase 3's rows are made from: the synthetic league's seed and scale, or each imported file by name, size and
sha256. The Phase 3 rule's params (nba_backfill.inputs, kind `league`) hash it with the season's bounds, and the
league marker records it (phase3.write), so a changed seed or file rewrites Phase 3 and redoes what depends on it.
"""

from __future__ import annotations

from ..config import Config
from ..errors import BadFile


def definition(
    config: Config, source: str | None = None, boxscores: list[str] | None = None, lines: list[str] | None = None
) -> dict:
    """What Phase 3's rows are a function of, files by content. `source` and the globs default to config's phase3."""
    source = source or config.phase3["source"]
    if source == "synthetic":
        return {"source": source, "seed": config.league["seed"], "scale": config.league["scale"]}
    from .files import expand, file_record

    boxscores = (
        expand(boxscores, "--boxscores") if boxscores else expand(config.phase3["boxscores"], "phase3.boxscores")
    )
    lines = expand(config.phase3["lines"], "phase3.lines") if lines is None else expand(lines, "--lines")
    if not boxscores:
        raise BadFile("no box-score files: give --boxscores or set phase3.boxscores")
    record = {
        "source": source,
        "boxscores": [file_record(p) for p in boxscores],
        "lines": [file_record(p) for p in lines],
    }
    aliases = config.phase3.get("aliases")
    if aliases:  # by content: a changed alias file re-imports; read now so a bad one stops before any job
        from .aliases import read_aliases

        read_aliases(aliases)
        record["aliases"] = file_record(aliases)
    return record
