"""Phase 3 from real box scores: NBA Stats `leaguegamelog` player rows (CSV, CSV.gz or Parquet) -> the
schedule, player and team game tables.

Column names are case-insensitive and extra columns are ignored; MIN may be decimal, whole minutes or "MM:SS";
GAME_ID stays a string; START_POSITION, COMMENT and rows of players who did not play (blank MIN) are optional.
Only regular-season games (SEASON_ID 2xxxx) are imported. A bad file stops the import with one line naming the
file, the row and the column, before anything is written. The SQL (DuckDB, run locally) is in phase3/sql/.
"""

from __future__ import annotations

import functools
import glob
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ..config import Season
from ..errors import BadFile
from ..tables import table_schema
from . import ORACLE, PLAYER_GAMES, PROPS, SCHEDULE, TEAM_DEFENSE, TEAM_OFFENSE
from .names import player_lookup

SQL_DIR = Path(__file__).parent / "sql"
REQUIRED = (
    "SEASON_ID", "PLAYER_ID", "PLAYER_NAME", "TEAM_ABBREVIATION", "GAME_ID", "GAME_DATE", "MATCHUP", "MIN",
    "FGM", "FGA", "FG3M", "FG3A", "FTM", "FTA", "OREB", "DREB", "AST", "STL", "BLK", "TOV", "PF", "PTS", "PLUS_MINUS",
)  # fmt: skip
OPTIONAL = ("START_POSITION", "COMMENT")
# Table -> the SQL file that makes it from the typed rows.
OUTPUTS = {
    SCHEDULE: "schedule",
    PLAYER_GAMES: "player_game_summary",
    TEAM_OFFENSE: "team_offense",
    TEAM_DEFENSE: "team_defense",
}


def sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text()


def expand(patterns: Sequence[str], key: str) -> list[str]:
    """Each glob's files, sorted, each once; a glob that matches nothing is an error."""
    paths: list[str] = []
    for pattern in patterns:
        found = sorted(glob.glob(pattern))
        if not found:
            raise BadFile(f"{key}: {pattern!r} matches no file")
        paths += [p for p in found if p not in paths]
    return paths


def file_record(path: str) -> dict:
    """What identifies a file's content in the marker and the rule's params."""
    stat = Path(path).stat()
    return {"name": path, "size": stat.st_size, "sha256": _sha256(path, stat.st_size, stat.st_mtime_ns)}


@functools.cache  # each season's digest names the same files: read each once, again only if it changed
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_text_table(con, path: str, required: Sequence[str], optional: Sequence[str]) -> pa.Table:
    """A file's columns we use, as text, lower-case names, plus `_file` and `_row` (its row number in the file:
    the header is row 1 of a CSV)."""
    if not Path(path).is_file():
        raise BadFile(f"{path}: no such file")
    quoted, parquet = path.replace("'", "''"), path.endswith(".parquet")
    reader = f"read_parquet('{quoted}')" if parquet else f"read_csv('{quoted}', all_varchar = true, header = true)"
    try:
        table = con.sql(f"SELECT COLUMNS(*)::VARCHAR FROM {reader}").to_arrow_table()
    except Exception as err:  # duckdb raises its own error classes for unreadable files
        kind = "Parquet" if parquet else "CSV"
        raise BadFile(f"{path}: cannot be read as {kind} ({str(err).splitlines()[0]})") from None
    columns = {name.strip().upper(): name for name in table.column_names}
    missing = [c for c in required if c not in columns]
    if missing:
        raise BadFile(f"{path}: row 1: missing required column(s) {', '.join(missing)}")
    arrays = [
        table[columns[c]] if c in columns else pa.nulls(table.num_rows, pa.string()) for c in (*required, *optional)
    ]
    first = 1 if parquet else 2
    return pa.table(
        [*arrays, pa.array([path] * table.num_rows), pa.array(range(first, first + table.num_rows), pa.int64())],
        names=[*(c.lower() for c in (*required, *optional)), "_file", "_row"],
    )


@dataclass
class BoxScores:
    """The imported tables and what the import report says about them."""

    tables: dict[str, pa.Table]
    report: dict = field(default_factory=dict)


def read_boxscores(paths: Sequence[str], seasons: Sequence[Season]) -> BoxScores:
    """Check the files, then build the schedule, player and team tables of the configured seasons."""
    import duckdb

    con = duckdb.connect()
    raw = pa.concat_tables([read_text_table(con, p, REQUIRED, OPTIONAL) for p in paths])
    con.register("raw", raw)
    con.register(
        "seasons",
        pa.table(
            {
                "name": [s.name for s in seasons],
                "year": pa.array([s.start.year for s in seasons], pa.int32()),
                "start": pa.array([s.start for s in seasons], pa.date32()),
                "end": pa.array([s.end for s in seasons], pa.date32()),
            }
        ),
    )
    con.execute(sql("box"))
    con.execute(sql("team_minutes"))
    problem = con.execute(sql("box_problems")).fetchone()
    if problem:
        path, row, column, message = problem
        raise BadFile(f"{path}: row {row}: column {column}: {message}")
    players = con.execute(sql("player_names")).fetchall()
    lookups = [player_lookup(latest) for _, latest, _ in players]
    con.register("lookups", pa.table({"player_id": [p[0] for p in players], "player_lookup": lookups}))
    _check_lookups(con)
    renamed = [  # names that normalise apart ("Jokić" / "Jokic" do not)
        f"{player_id} {' / '.join(names)} -> {lookup}"
        for (player_id, _, names), lookup in zip(players, lookups)
        if len({player_lookup(n) for n in names}) > 1
    ]
    con.execute(sql("team_box"))
    tables = {name: cast_to_schema(name, con.sql(sql(stem)).to_arrow_table()) for name, stem in OUTPUTS.items()}
    played = {s.start.year for s in seasons} & set(tables[SCHEDULE]["season_year"].to_pylist())
    empty = [s.name for s in seasons if s.start.year not in played]
    if empty:
        raise BadFile(f"{', '.join(paths)}: no regular-season games for configured season(s) {', '.join(empty)}")
    tables[PROPS] = table_schema(PROPS).arrow_schema().empty_table()
    tables[ORACLE] = table_schema(ORACLE).arrow_schema().empty_table()  # real games have no oracle
    rows, dnp, other = con.execute(sql("box_counts")).fetchone()
    report = {
        "games": tables[SCHEDULE].num_rows,
        "player_rows": rows,
        "dnp_rows": dnp,
        "other_game_rows_skipped": other,  # preseason, playoffs, play-in, the NBA Cup final
        "players": len(set(tables[PLAYER_GAMES]["player_lookup"].to_pylist())),
        "short_team_boxes": _short_teams(con),
        "renamed_players": renamed,
    }
    return BoxScores(tables, report)


def _short_teams(con, shown: int = 10) -> dict:
    """How many team boxes lack minutes (sql/short_teams.sql), and the first few as "game team: minutes of full"."""
    short = con.execute(sql("short_teams")).fetchall()
    first = [f"{game} {team}: {round(minutes, 2):g} of {full} minutes" for game, team, minutes, full in short[:shown]]
    return {"count": len(short), "first": first}


def _check_lookups(con) -> None:
    """Two people whose names normalise alike would become one player: refuse rather than guess."""
    clash = con.execute(sql("lookup_clashes")).fetchone()
    if clash:
        lookup, who, (path, row) = clash
        raise BadFile(f"{path}: row {row}: column PLAYER_NAME: {who} share the player_lookup {lookup!r}")


def cast_to_schema(name: str, table: pa.Table) -> pa.Table:
    """The SQL's columns in the schema's order and types."""
    schema = table_schema(name).arrow_schema()
    return pa.table([table[f.name].cast(f.type) for f in schema], schema=schema)
