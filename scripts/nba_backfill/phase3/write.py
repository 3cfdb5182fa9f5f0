"""Put Phase 3 (the synthetic league, or the imported files) into the configured warehouse, and record what
defined it (phase3.definition) in the league marker.
"""

from __future__ import annotations

import datetime as dt

from ..config import Config
from ..inputs import job_inputs
from ..markers import write_marker
from ..tables import table_schema
from ..warehouse import open_warehouse
from . import PROPS
from .definition import definition


def write_phase3(
    config: Config,
    source: str | None = None,
    marker: str | None = None,
    warehouse=None,
    boxscores: list[str] | None = None,
    lines: list[str] | None = None,
    season_name: str | None = None,
) -> str:
    """Generate or import Phase 3 for every configured season, or only `season_name` (the rule's unit), write it
    (one replace per table over the seasons' whole range: Phase 3 owns those dates), then the marker. Nothing is
    written if the files are bad.

    `warehouse`: the configured one by default (tests hand in a BigQuery backend on a local server)."""
    started = dt.datetime.now(dt.UTC)
    record = definition(config, source, boxscores, lines)
    seasons = [config.season(season_name)] if season_name else list(config.seasons)
    first, last = seasons[0].start, seasons[-1].end
    if record["source"] == "synthetic":
        from .synthetic.league import generate_league

        tables = generate_league(seasons, config.league["seed"], config.league["scale"])
        report = {}
        summary = f"wrote the synthetic league (seed {config.league['seed']}) for {', '.join(s.name for s in seasons)}"
    else:
        from .files import read_boxscores
        from .lines import read_lines

        imported = read_boxscores([f["name"] for f in record["boxscores"]], config.seasons)
        tables, report = imported.tables, imported.report
        if record["lines"]:
            aliases = record.get("aliases", {}).get("name")
            tables[PROPS], report["lines"] = read_lines([f["name"] for f in record["lines"]], tables, aliases)
        summary = import_summary(report)
    warehouse = warehouse or open_warehouse(config, {"processor": "phase3"})
    rows = {}
    for name, table in tables.items():
        written = warehouse.replace_partitions(name, _between(name, table, first, last), first, last)
        for season in seasons:
            rows[f"{name} {season.name}"] = sum(n for d, n in written.items() if season.start <= d <= season.end)
    if marker:
        inputs = {"inputs": job_inputs(config, "league", season_name)} if season_name else {}
        write_marker(marker, started, warehouse, phase="phase3", definition=record, rows=rows, report=report, **inputs)
    return summary


def _between(table_name: str, table, first: dt.date, last: dt.date):
    """The Arrow table's rows whose partition date is in first..last."""
    import pyarrow.compute as pc

    day = table[table_schema(table_name).partition_by]
    bounds = pc.min_max(day).as_py()
    if day.null_count == 0 and first <= (bounds["min"] or first) and (bounds["max"] or last) <= last:
        return table  # all inside (a generated season): no filter, whose date scalars would make pyarrow import pandas
    return table.filter(pc.and_(pc.greater_equal(day, first), pc.less_equal(day, last)))


def import_summary(report: dict) -> str:
    """The import report, a few lines: what came in, what was skipped, and every unmatched line by name."""
    out = [
        f"imported {report['games']} games, {report['player_rows']} player rows ({report['dnp_rows']} did not play), "
        f"{report['players']} players; skipped {report['other_game_rows_skipped']} rows of non-regular-season games"
    ]
    short = report.get("short_team_boxes")  # absent from the reports of older imports
    if short is not None:
        out.append(f"team boxes with fewer minutes than 5 players x the game (rows missing?): {short['count']}")
        out.extend(f"    {entry}" for entry in short["first"])
    renamed = report.get("renamed_players")  # absent from the reports of older imports
    if renamed is not None:
        out.append(f"players with two names in the files, each one player (his latest name's lookup): {len(renamed)}")
        out.extend(f"    {entry}" for entry in renamed)
    lines = report.get("lines")
    if lines:
        out.append(
            f"lines: {lines['rows']} rows read, {lines['imported']} imported, {lines['other_markets']} of other "
            f"markets skipped, {lines['without_snapshot']} without snapshot_time (taken as pre-game lines)"
        )
        points = lines["rows"] - lines["other_markets"]
        out.append(f"lines matched: {lines['imported']} of {points} ({lines['matched_share']:.1%})")
        suffixed = lines.get("without_suffix")  # absent from the reports of older imports
        if suffixed is not None:
            rows = sum(v["rows"] for v in suffixed.values())
            out.append(f"  of them by the name without its suffix (Jr., II, ...): {len(suffixed)} ({_rows(rows)})")
            out.extend(f"    {name}: {v['player']} ({_rows(v['rows'])})" for name, v in suffixed.items())
        for kind, what in (
            ("no_game", "no game (event)"),
            ("need_alias", "name no roster knows (add an alias)"),
            ("scratched", "scratched: no box-score row in that game (prop void)"),
            ("ambiguous", "ambiguous: names two players in that game"),
        ):
            entries = lines[kind]
            rows = sum(v["rows"] if isinstance(v, dict) else v for v in entries.values())
            out.append(f"  {what}: {len(entries)} ({_rows(rows)})")
            for name, value in entries.items():
                count = value["rows"] if isinstance(value, dict) else value
                near = f"; nearest: {', '.join(value['suggestions']) or 'none'}" if isinstance(value, dict) else ""
                out.append(f"    {name} ({_rows(count)}{near})")
    return "\n".join(out)


def _rows(count: int) -> str:
    return f"{count} row{'s' * (count != 1)}"
