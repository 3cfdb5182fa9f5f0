"""The user's alias file (config `phase3.aliases`): a CSV `alias,player` of book spellings -> NBA Stats names,
beside the built-in table in names.py. Checked whole before anything is imported: one line naming file and row."""

from __future__ import annotations

import csv
from pathlib import Path

from ..errors import BadFile
from .names import player_lookup


def read_aliases(path: str) -> dict[str, tuple[str, int]]:
    """alias lookup -> (player lookup, row in the file); an alias naming two players is refused."""
    if not Path(path).is_file():
        raise BadFile(f"phase3.aliases: {path}: no such file")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows or [c.strip().lower() for c in rows[0]] != ["alias", "player"]:
        raise BadFile(f"{path}: row 1: the header must be alias,player")
    out: dict[str, tuple[str, int]] = {}
    for row_number, row in enumerate(rows[1:], start=2):
        if len(row) != 2 or not player_lookup(row[0]) or not player_lookup(row[1]):
            raise BadFile(f"{path}: row {row_number}: expected two names, alias,player")
        alias, player = player_lookup(row[0]), player_lookup(row[1])
        if alias in out and out[alias][0] != player:
            raise BadFile(
                f"{path}: row {row_number}: alias {row[0]!r} already names another player (row {out[alias][1]})"
            )
        out.setdefault(alias, (player, row_number))
    return out


def check_targets(path: str, aliases: dict[str, tuple[str, int]], known: set[str]) -> None:
    """An alias whose player is in no imported box score would match nothing: a typo, refused."""
    for player, row in sorted(aliases.values(), key=lambda v: v[1]):
        if player not in known:
            raise BadFile(f"{path}: row {row}: column player: {player!r} is no player in the box scores")
