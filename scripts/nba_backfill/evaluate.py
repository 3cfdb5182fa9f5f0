"""`nba-backfill evaluate`: how good the backfilled predictions are, per season and system.

Per (season, system) from prediction_accuracy (sql/evaluate.sql): MAE and bias (mean signed error, predicted -
actual) over non-voided rows, win rate over graded recommendations (prediction_correct not NULL), row counts.
Beside them, per season: the book line's MAE (|actual - line| over the non-voided ensemble rows with a line) and,
where the synthetic league's oracle exists, the oracle's MAE (|actual - expected_points| over the same non-voided
ensemble rows; sql/evaluate_oracle.sql): the error no model can beat. One query per season, dates from config.
"""

from __future__ import annotations

from typing import Any

from .config import Config
from .processors import PROCESSORS

ACCURACY_TABLE = PROCESSORS["grading"].table
ORACLE_TABLE = "nba_oracle.player_game_expectations"

FIELDS = (
    "season",
    "system_id",
    "n_rows",
    "graded",
    "mae",
    "bias",
    "mae_line_rows",
    "bets",
    "wins",
    "win_rate",
    "line_rows",
    "line_mae",
    "oracle_rows",
    "oracle_mae",
)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def evaluate(config: Config) -> list[dict[str, Any]]:
    """One dict per (season, system_id) with graded rows, seasons in config order, systems by name; keys FIELDS.
    Metrics over no rows are None; a season without graded rows contributes nothing."""
    from .processors import sql_text
    from .warehouse import open_warehouse

    system_id = config.tier_adjustments["system_id"]
    out: list[dict[str, Any]] = []
    for season in config.seasons:
        warehouse = open_warehouse(
            config, {"processor": "evaluate", "season": season.name}, scope=(season.start, season.end)
        )
        if not warehouse.partitions(ACCURACY_TABLE, season.start, season.end):
            continue
        params = {"start_date": season.start, "end_date": season.end, "system_id": system_id}
        systems = warehouse.query(sql_text("evaluate"), params).dicts()
        oracle = {"oracle_rows": 0, "oracle_mae": None}
        if warehouse.partitions(ORACLE_TABLE, season.start, season.end):
            oracle = warehouse.query(sql_text("evaluate_oracle"), params).dicts()[0]
        for row in systems:
            out.append(
                {
                    "season": season.name,
                    "system_id": row["system_id"],
                    "n_rows": int(row["n_rows"]),
                    "graded": int(row["graded"]),
                    "mae": _float(row["mae"]),
                    "bias": _float(row["bias"]),
                    "mae_line_rows": _float(row["mae_line_rows"]),
                    "bets": int(row["bets"]),
                    "wins": int(row["wins"]),
                    "win_rate": _float(row["win_rate"]),
                    "line_rows": int(row["line_rows"] or 0),
                    "line_mae": _float(row["line_mae"]),
                    "oracle_rows": int(oracle["oracle_rows"] or 0),
                    "oracle_mae": _float(oracle["oracle_mae"]),
                }
            )
    return out


def _num(value: Any, fmt: str = ".3f") -> str:
    return "-" if value is None else format(value, fmt)


def format_evaluation(rows: list[dict[str, Any]]) -> str:
    """One table: each season's systems, then its book line and oracle as reference rows in the MAE column."""
    from .tabulate import format_table

    if not rows:
        return "no graded predictions in any configured season\n"
    columns = ["season", "system", "rows", "graded", "mae", "mae_line_rows", "bias", "bets", "win_rate"]
    table = []
    for season in dict.fromkeys(r["season"] for r in rows):
        group = [r for r in rows if r["season"] == season]
        for r in group:
            table.append(
                (
                    season,
                    r["system_id"],
                    r["n_rows"],
                    r["graded"],
                    _num(r["mae"]),
                    _num(r["mae_line_rows"]),
                    _num(r["bias"], "+.3f"),
                    r["bets"],
                    _num(r["win_rate"], ".1%"),
                )
            )
        ref = group[0]
        table.append(
            (season, "(book line)", "", ref["line_rows"], _num(ref["line_mae"]), _num(ref["line_mae"]), "", "", "")
        )
        table.append((season, "(oracle)", "", ref["oracle_rows"], _num(ref["oracle_mae"]), "", "", "", ""))
    notes = (
        "mae, bias (predicted - actual): non-voided rows; mae_line_rows: those with a book line; win_rate: graded "
        "OVER/UNDER calls (pushes and no-line rows excluded).\n(book line): |actual - line| and (oracle): "
        "|actual - expected points|, both over the season's non-voided ensemble rows."
    )
    return format_table(columns, table) + "\n" + notes + "\n"
