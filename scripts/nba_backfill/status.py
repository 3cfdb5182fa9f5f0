"""`nba-backfill status`: how far the backfill is, from the markers and logs on disk, and what the warehouse holds.

Progress comes from files only (no Snakemake): a unit of work is `done` when its marker exists, `failed` when it
has no marker and its log (logs/ mirrors markers/) holds an `error: ...` line (the last one is the reason), and
`pending` otherwise (not started, running, or stopped without an error line). Paths are relative to the working
directory, like the pipeline's.

Beside it, the runbook's expected-output queries per season (sql/status_*.sql): MLFS dates, ensemble prediction
dates and rows, graded dates, rows and mean absolute error, and the 5C verdict from its marker. A table with no
partitions in a season counts zero rows and is never queried (so a missing BigQuery table is not an error).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from . import plan
from .config import Config, Season
from .figures import save_figure
from .markers import read_marker
from .plan import PHASE4_PROCESSORS, Chunk, log_path, season_chunks
from .processors import PROCESSORS

#: Processors with one job per chunk, in pipeline order (the heatmap's rows).
CHUNK_PROCESSORS = (*PHASE4_PROCESSORS, "predictions", "grading")
STATES = ("done", "failed", "pending")
COLOURS = {"done": "#2e8b57", "failed": "#d62728", "pending": "#d3d3d3"}

MLFS_TABLE = PROCESSORS["mlfs"].table
PREDICTIONS_TABLE = PROCESSORS["predictions"].table
ACCURACY_TABLE = PROCESSORS["grading"].table


# -- units of work -----------------------------------------------------------------------------------------------
def season_steps(config: Config, season: Season) -> list[tuple[str, str, list[tuple[str | None, str]]]]:
    """(phase, step, [(chunk name or None, marker path)]) for every step of a season, in pipeline order."""
    chunks = season_chunks(season, config.chunk_days)
    name = season.name

    def per_chunk(processor: str) -> list[tuple[str | None, str]]:
        return [(c.name, plan.chunk_marker(processor, name, c.name)) for c in chunks]

    return [
        ("preflight", "preflight", [(None, plan.preflight_marker(name))]),
        *[("phase4", proc, per_chunk(proc)) for proc in PHASE4_PROCESSORS],
        ("phase4", "rollup", [(None, plan.phase4_season_marker(name))]),
        ("phase5a", "predictions", per_chunk("predictions")),
        ("phase5a", "tiers", [(None, plan.phase5a_season_marker(name))]),
        ("phase5b", "grading", per_chunk("grading")),
        ("phase5b", "rollup", [(None, plan.phase5b_season_marker(name))]),
        ("phase5c", "tier_check", [(None, plan.phase5c_marker(name))]),
        ("phase6", "publish", [(None, plan.phase6_marker(name))]),
    ]


def last_error(log: str | Path) -> str | None:
    """The message of the log's last `error: ...` line, or None (no log, or no such line)."""
    try:
        text = Path(log).read_text(errors="replace")
    except OSError:
        return None
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("error:"):
            return line.removeprefix("error:").strip()
    return None


def unit_state(marker: str) -> dict[str, Any]:
    """{"state": done|failed|pending, "marker", "log", ["reason"]} for one marker path."""
    log = log_path(marker)
    unit: dict[str, Any] = {"marker": marker, "log": log}
    if Path(marker).exists():
        unit["state"] = "done"
        warnings = _read_marker(marker).get("warnings")
        if warnings:
            unit["warnings"] = warnings
        return unit
    reason = last_error(log)
    if reason is not None:
        unit.update(state="failed", reason=reason)
    else:
        unit["state"] = "pending"
        if not Path(log).exists():
            unit["log"] = None
    return unit


def _read_marker(path: str, *fields: str) -> dict[str, Any]:
    """A marker's body ({} when there is none); a hand-edited one stops status with one line naming it."""
    return read_marker(path, *fields) if Path(path).exists() else {}


# -- the runbook's expected-output queries ----------------------------------------------------------------------
def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def expected_outputs(config: Config, season: Season, warehouse=None) -> dict[str, Any]:
    """The runbook's validation numbers for one season; a table with no partitions in it gives zeros."""
    from .processors import sql_text
    from .warehouse import open_warehouse

    if warehouse is None:
        warehouse = open_warehouse(
            config, {"processor": "status", "season": season.name}, scope=(season.start, season.end)
        )
    system_id = config.tier_adjustments["system_id"]
    span = {"start_date": season.start, "end_date": season.end}

    def has_rows(table: str) -> bool:
        return bool(warehouse.partitions(table, season.start, season.end))

    mlfs = {"dates": 0, "first_date": None, "last_date": None}
    if has_rows(MLFS_TABLE):
        row = warehouse.query(sql_text("status_mlfs"), span).dicts()[0]
        mlfs = {
            "dates": int(row["dates"] or 0),
            "first_date": _iso(row["first_date"]),
            "last_date": _iso(row["last_date"]),
        }

    predictions = {"system_id": system_id, "dates": 0, "total": 0}
    if has_rows(PREDICTIONS_TABLE):
        row = warehouse.query(sql_text("status_predictions"), {**span, "system_id": system_id}).dicts()[0]
        predictions.update(dates=int(row["prediction_dates"] or 0), total=int(row["total_predictions"] or 0))

    grading = {"system_id": system_id, "dates": 0, "total": 0, "avg_mae": None}
    if has_rows(ACCURACY_TABLE):
        row = warehouse.query(sql_text("status_grading"), {**span, "system_id": system_id}).dicts()[0]
        grading.update(
            dates=int(row["graded_dates"] or 0), total=int(row["total_graded"] or 0), avg_mae=_float(row["avg_mae"])
        )

    return {"mlfs": mlfs, "predictions": predictions, "grading": grading}


def phase5c_result(season: Season) -> dict[str, Any]:
    """5C from its marker (PASS/WARN and the MAEs); else failed with the log's reason, or pending."""
    unit = unit_state(plan.phase5c_marker(season.name))
    out: dict[str, Any] = {
        "state": unit["state"],
        "status": None,
        "n": None,
        "mae_raw": None,
        "mae_adjusted": None,
        "mae_change": None,
    }
    if unit["state"] == "done":
        body = _read_marker(unit["marker"], "status")
        out.update({key: body.get(key) for key in ("status", "n", "mae_raw", "mae_adjusted", "mae_change")})
    elif unit["state"] == "failed":
        out["reason"] = unit["reason"]
    return out


LINE_CATEGORIES = ("no_game", "need_alias", "scratched", "ambiguous")  # the import report's unmatched lines


def lines_matched(config: Config) -> list[dict[str, Any]]:
    """How many imported prop lines found their player-game, and how many events, names and player-games did not,
    by why: the import report in the league markers. Every season's import reads all the line files, so the
    seasons that recorded the same report share one entry (an import after the files changed has its own)."""
    entries: list[dict[str, Any]] = []
    for season in config.seasons:
        lines = (_read_marker(plan.league_marker(season.name)).get("report") or {}).get("lines")
        if not lines:
            continue
        counts = {
            "lines": lines["rows"] - lines["other_markets"],
            "matched": lines["imported"],
            "share": lines["matched_share"],
            **{kind: len(lines[kind]) for kind in LINE_CATEGORIES},
        }
        same = next((e for e in entries if e["counts"] == counts), None)
        if same:
            same["seasons"].append(season.name)
        else:
            entries.append({"seasons": [season.name], "counts": counts})
    return entries


def checked_through(season: Season) -> str | None:
    """A season in progress: the last final game its preflight checked (None when complete or not checked)."""
    unit = unit_state(plan.preflight_marker(season.name))
    through = _read_marker(unit["marker"]).get("through") if unit["state"] == "done" else None
    return through if through and through < season.end.isoformat() else None


# -- the status dict --------------------------------------------------------------------------------------------
def season_progress(config: Config, season: Season) -> dict[str, Any]:
    steps = []
    for phase, step, units in season_steps(config, season):
        states = [{"chunk": chunk, **unit_state(marker)} for chunk, marker in units]
        steps.append(
            {
                "phase": phase,
                "step": step,
                "done": sum(u["state"] == "done" for u in states),
                "total": len(states),
                "failed": [u for u in states if u["state"] == "failed"],
                "pending": [u for u in states if u["state"] == "pending"],
                "warned": [u for u in states if u.get("warnings")],
            }
        )
    return {
        "season": season.name,
        "start": season.start.isoformat(),
        "end": season.end.isoformat(),
        "chunks": len(season_chunks(season, config.chunk_days)),
        "done": sum(s["done"] for s in steps),
        "total": sum(s["total"] for s in steps),
        "failed": sum(len(s["failed"]) for s in steps),
        "pending": sum(len(s["pending"]) for s in steps),
        "steps": steps,
    }


def season_status(config: Config, warehouse: bool = True, verified: bool = False) -> dict[str, Any]:
    """Progress of every configured season from markers/ and logs/, (unless `warehouse` is False) the runbook's
    expected-output numbers, and (with `verified`) whether its markers still match the warehouse and the published
    files (`verify`). JSON-ready: dates are ISO strings."""
    seasons = []
    for season in config.seasons:
        entry = season_progress(config, season)
        if verified:
            from .verify import verify

            mismatches, checked = verify(config, season.name)
            entry["verified"] = {"checked": checked, "mismatches": [m.line() for m in mismatches]}
        if warehouse:
            entry["expected"] = expected_outputs(config, season)
        entry.setdefault("expected", {})["phase5c"] = phase5c_result(season)
        entry["through"] = checked_through(season)
        seasons.append(entry)
    failed = [
        {"season": s["season"], "phase": step["phase"], "step": step["step"], **unit}
        for s in seasons
        for step in s["steps"]
        for unit in step["failed"]
    ]
    warned = [
        {"season": s["season"], "phase": step["phase"], "step": step["step"], **unit}
        for s in seasons
        for step in s["steps"]
        for unit in step["warned"]
    ]
    if warehouse:
        add_recorded_rows(config, failed, warned)
    totals = {key: sum(s[key] for s in seasons) for key in ("done", "total", "failed", "pending")}
    return {"seasons": seasons, "totals": totals, "failed": failed, "warned": warned, "lines": lines_matched(config)}


def add_recorded_rows(config: Config, failed: list[dict], warned: list[dict]) -> None:
    """Each failed check's and warned chunk job's offending rows (the first ones per check), from the audit table."""
    from .audit import recorded_rows
    from .warehouse import open_warehouse

    units = [u for u in failed if u["chunk"] and u["reason"].startswith("CHECK_FAILED")]
    units += [u for u in warned if u["chunk"]]
    if not units:
        return
    warehouse = open_warehouse(config, {"processor": "status"})  # unscoped: the audit table is by day recorded
    for unit in units:
        unit["rows"] = recorded_rows(warehouse, f"{unit['step']} {unit['season']} {unit['chunk']}")


def status_json(status: dict[str, Any]) -> str:
    return json.dumps(status, indent=1, sort_keys=False, default=_iso) + "\n"


# -- text ------------------------------------------------------------------------------------------------------------
def _num(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _row_lines(unit: dict[str, Any]) -> list[str]:
    return [f"    {check}: {keys} {values}" for check, rows in unit.get("rows", {}).items() for keys, values in rows]


def format_status(status: dict[str, Any]) -> str:
    from .tabulate import format_table

    seasons = status["seasons"]
    if not seasons:
        return "no seasons configured\n"
    totals = status["totals"]
    out = [
        f"Backfill progress: {totals['done']}/{totals['total']} markers done, {totals['failed']} failed, "
        f"{totals['pending']} pending"
    ]

    # steps x seasons: done/total, with the failures counted
    columns = ["phase", "step"] + [s["season"] for s in seasons]
    rows = []
    for i, (phase, step) in enumerate((st["phase"], st["step"]) for st in seasons[0]["steps"]):
        cells = []
        for s in seasons:
            st = s["steps"][i]
            cell = f"{st['done']}/{st['total']}"
            if st["failed"]:
                cell += f" ({len(st['failed'])} failed)"
            cells.append(cell)
        rows.append((phase, step, *cells))
    rows.append(
        (
            "all",
            "",
            *[f"{s['done']}/{s['total']}" + (f" ({s['failed']} failed)" if s["failed"] else "") for s in seasons],
        )
    )
    out.append(format_table(columns, rows))
    for s in seasons:
        if s.get("through"):
            out.append(f"{s['season']}: in progress, checked through {s['through']} (its last final game)")
    for entry in status["lines"]:
        n = entry["counts"]
        out.append(
            f"Prop lines (the import recorded by {', '.join(entry['seasons'])}): {n['matched']} of {n['lines']} "
            f"matched ({n['share']:.1%}); not matched: {n['no_game']} event(s) with no game, {n['need_alias']} "
            f"name(s) that need an alias, {n['scratched']} scratched player-game(s), {n['ambiguous']} ambiguous "
            f"name(s); `nba-backfill import --report --season {entry['seasons'][0]}` lists them"
        )

    if status["failed"]:
        out.append(f"Failed ({len(status['failed'])}):")
        for f in status["failed"]:
            what = " ".join(x for x in (f["season"], f["phase"], f["step"], f["chunk"]) if x)
            out.append(f"  {what}: {f['reason']}")
            out.extend(_row_lines(f))
            out.append(f"    log: {f['log']}")
    if status["warned"]:
        out.append(f"Warned ({len(status['warned'])}):")
        for w in status["warned"]:
            what = " ".join(x for x in (w["season"], w["phase"], w["step"], w["chunk"]) if x)
            for warning in w["warnings"]:
                out.append(f"  {what}: {warning['check']}: {warning['rows']} row(s), warned: {warning['reason']}")
            out.extend(_row_lines(w))

    if any("verified" in s for s in seasons):
        out.append("Verified (markers against the warehouse and the published files; `verify --fix` deletes the rest):")
        for s in seasons:
            v = s["verified"]
            if v["mismatches"]:
                out.append(f"  {s['season']}: {len(v['mismatches'])} of {v['checked']} markers no longer match")
                out.extend(f"    {line}" for line in v["mismatches"])
            else:
                out.append(f"  {s['season']}: all {v['checked']} markers match")

    if any("mlfs" in s["expected"] for s in seasons):
        system = next(s["expected"]["predictions"]["system_id"] for s in seasons if "predictions" in s["expected"])
        out.append(f"Expected output (runbook validation queries; predictions and grading: {system}):")
        columns = [
            "season",
            "mlfs_dates",
            "mlfs_first",
            "mlfs_last",
            "prediction_dates",
            "total_predictions",
            "graded_dates",
            "total_graded",
            "avg_mae",
            "5c",
            "mae_raw",
            "mae_adjusted",
            "mae_change",
        ]
        rows = []
        for s in seasons:
            e = s["expected"]
            if "mlfs" not in e:
                continue
            c = e["phase5c"]
            verdict = c["status"] if c["state"] == "done" else c["state"]
            change = "-" if c["mae_change"] is None else f"{c['mae_change']:+.3f}"
            rows.append(
                (
                    s["season"],
                    e["mlfs"]["dates"],
                    _num(e["mlfs"]["first_date"]),
                    _num(e["mlfs"]["last_date"]),
                    e["predictions"]["dates"],
                    e["predictions"]["total"],
                    e["grading"]["dates"],
                    e["grading"]["total"],
                    _num(e["grading"]["avg_mae"]),
                    verdict,
                    _num(c["mae_raw"], 3),
                    _num(c["mae_adjusted"], 3),
                    change,
                )
            )
        out.append(format_table(columns, rows))
    return "\n".join(out) + "\n"


# -- the coverage heatmap --------------------------------------------------------------------------------------------
def _marker_dates(path: str) -> set[dt.date]:
    """The dates in a marker's rows_per_date ({date: n}, or {table: {date: n}} for preflight)."""
    rows = _read_marker(path, "rows_per_date").get("rows_per_date") or {}
    days = set()
    for key, value in rows.items():
        items = value.items() if isinstance(value, dict) else [(key, value)]
        for day, n in items:
            try:
                if n:
                    days.add(dt.date.fromisoformat(day))
            except (TypeError, ValueError):
                continue
    return days


def coverage(config: Config, season: Season) -> tuple[list[dt.date], dict[str, list[str]], dict[str, Any]]:
    """(columns, {processor: [state per column]}, {chunk boundaries, failed chunks}) for one season's heatmap.

    Columns are the game dates from the done markers' rows_per_date and the preflight marker's schedule counts;
    a chunk with neither gets its calendar days. Each (processor, date) takes the state of its chunk."""
    chunks = season_chunks(season, config.chunk_days)
    preflight = _marker_dates(plan.preflight_marker(season.name))
    states: dict[tuple[str, Chunk], str] = {}
    columns: list[dt.date] = []
    owner: list[Chunk] = []
    for chunk in chunks:
        days = {d for d in preflight if chunk.first <= d <= chunk.last}
        for proc in CHUNK_PROCESSORS:
            unit = unit_state(plan.chunk_marker(proc, season.name, chunk.name))
            states[proc, chunk] = unit["state"]
            if unit["state"] == "done":
                days |= {d for d in _marker_dates(unit["marker"]) if chunk.first <= d <= chunk.last}
        chunk_days = sorted(days) or chunk.days()
        columns += chunk_days
        owner += [chunk] * len(chunk_days)
    grid = {proc: [states[proc, c] for c in owner] for proc in CHUNK_PROCESSORS}
    starts = [i for i in range(len(owner)) if i == 0 or owner[i] != owner[i - 1]]
    return columns, grid, {"chunk_starts": starts}


def plot_status(config: Config, path: str | Path) -> Path:
    """Write a PNG heatmap of chunk coverage: one panel per season, rows = processors, columns = game dates,
    colour = the state of the chunk each date belongs to. Works on any partial run."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    path = Path(path)
    seasons = list(config.seasons)
    code = {state: i for i, state in enumerate(STATES)}
    cmap = ListedColormap([COLOURS[s] for s in STATES])
    height = 0.9 + 1.9 * max(1, len(seasons))
    fig = Figure(figsize=(14, height), dpi=100)
    FigureCanvasAgg(fig)  # the Agg canvas, without pyplot's global state
    axes = fig.subplots(max(1, len(seasons)), 1, squeeze=False)
    for ax, season in zip(axes[:, 0], seasons, strict=False):  # no seasons: one empty axis
        columns, grid, extra = coverage(config, season)
        matrix = [[code[s] for s in grid[proc]] for proc in CHUNK_PROCESSORS]
        ax.imshow(matrix, aspect="auto", interpolation="nearest", cmap=cmap, vmin=-0.5, vmax=len(STATES) - 0.5)
        for start in extra["chunk_starts"][1:]:
            ax.axvline(start - 0.5, color="white", linewidth=1.5)
        for row in range(1, len(CHUNK_PROCESSORS)):
            ax.axhline(row - 0.5, color="white", linewidth=0.5)
        ax.set_yticks(range(len(CHUNK_PROCESSORS)), CHUNK_PROCESSORS, fontsize=9)
        months = [
            i
            for i, d in enumerate(columns)
            if i == 0 or (d.year, d.month) != (columns[i - 1].year, columns[i - 1].month)
        ]
        ax.set_xticks(
            months, [columns[i].strftime("%b %d") if i == 0 else columns[i].strftime("%b") for i in months], fontsize=9
        )
        progress = season_progress(config, season)
        ax.set_title(
            f"{season.name}  ({season.start}..{season.end}): {progress['done']}/{progress['total']} markers done, "
            f"{progress['failed']} failed, {progress['pending']} pending",
            fontsize=10,
            loc="left",
        )
        ax.tick_params(length=2)
    fig.legend(
        handles=[Patch(facecolor=COLOURS[s], edgecolor="black", linewidth=0.5, label=s) for s in STATES],
        loc="upper right",
        bbox_to_anchor=(0.985, 1.0),
        ncol=len(STATES),
        fontsize=9,
        frameon=False,
    )
    fig.suptitle("nba-backfill chunk coverage by game date", x=0.01, ha="left", fontsize=12)
    fig.subplots_adjust(left=0.08, right=0.99, top=1 - 0.7 / height, bottom=0.35 / height, hspace=0.55)
    return save_figure(fig, path)
