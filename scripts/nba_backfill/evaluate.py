"""`nba-backfill evaluate`: how good the backfilled predictions are, per season and system.

Per (season, system) from prediction_accuracy (sql/evaluate.sql), over non-voided graded rows: MAE and bias
(predicted - actual) on the system's own rows and MAE on the common rows (every system of the season predicted
them: a like-for-like comparison); over its rows with a book line, its MAE beside the line's own and the hit rate
of its OVER/UNDER calls against BREAK_EVEN (-110 odds). Beside them, per season, where the synthetic league's
oracle exists, the oracle's MAE (|actual - expected_points| over the published system's rows;
sql/evaluate_oracle.sql): the error no model can beat; real data has none. Per (season, system), the MAE of each
confidence decile (sql/evaluate_deciles.sql) and the Spearman correlation of decile and MAE: confidence means
something when it is near -1. Per (season, system, book type: sportsbook / pick'em), bets as a bettor would
judge them (sql/evaluate_bets.sql): MAE beside the line's on the line rows and their gap with a 95 % interval
(each player's games one cluster), a bet wherever |predicted - line| >= predictions.min_edge_points, its hit rate
with a 95 % Wilson interval and the units won at the recorded prices (-110 where none). One query of each per
season, dates from config.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import Config
from .figures import save_figure
from .processors import PROCESSORS

ACCURACY_TABLE = PROCESSORS["grading"].table
ORACLE_TABLE = "nba_oracle.player_game_expectations"
BREAK_EVEN = 110 / 210  # the hit rate that breaks even at -110 odds: 52.4 %

FIELDS = (
    "season",
    "system_id",
    "published",
    "n_rows",
    "graded",
    "mae",
    "bias",
    "common_rows",
    "mae_common",
    "line_rows",
    "mae_line_rows",
    "line_mae",
    "bets",
    "wins",
    "win_rate",
    "oracle_rows",
    "oracle_mae",
)
DECILE_FIELDS = ("season", "system_id", "decile", "n", "confidence", "mae")
BET_FIELDS = (
    "season", "system_id", "published", "book_type", "line_rows", "mae", "line_mae", "mae_vs_line",
    "mae_vs_line_low", "mae_vs_line_high", "bets", "pushes", "wins", "hit_rate", "hit_low", "hit_high",
    "priced_bets", "units", "roi",
)  # fmt: skip
# min_edge_points is a fixed setting, never fitted: so no season's bets were chosen on that season's outcomes
MIN_EDGE_SOURCE = "fixed config (predictions.min_edge_points), not chosen on any data"
WILSON_Z = 1.959964  # 95 %: the normal quantile, for the Wilson interval and the MAE gap's


def wilson(wins: int, n: int, z: float = WILSON_Z) -> tuple[float | None, float | None]:
    """The Wilson score interval of a hit rate of wins / n (None, None with n = 0)."""
    if n == 0:
        return None, None
    p = wins / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return centre - half, centre + half


def bet_row(season: str, published: str, row: dict[str, Any]) -> dict[str, Any]:
    """One (season, system, book type) of the bets report from evaluate_bets.sql's row."""
    counts = {k: int(row[k] or 0) for k in ("line_rows", "bets", "pushes", "wins", "priced_bets")}
    decided = counts["bets"] - counts["pushes"]
    low, high = wilson(counts["wins"], decided)
    units = float(row["units"] or 0.0)
    mae, line_mae, se = (_float(row[k]) for k in ("mae", "line_mae", "mae_vs_line_se"))
    gap = None if mae is None or line_mae is None else mae - line_mae
    half = None if gap is None or se is None else WILSON_Z * se  # 95 %, players as clusters; none from one player
    values = {
        "season": season,
        "system_id": row["system_id"],
        "published": row["system_id"] == published,
        "book_type": row["book_type"],
        **counts,
        "mae": mae,
        "line_mae": line_mae,
        "mae_vs_line": gap,
        "mae_vs_line_low": None if half is None else gap - half,
        "mae_vs_line_high": None if half is None else gap + half,
        "hit_rate": counts["wins"] / decided if decided else None,
        "hit_low": low,
        "hit_high": high,
        "units": units,
        "roi": units / counts["bets"] if counts["bets"] else None,
    }
    return {k: values[k] for k in BET_FIELDS}


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def evaluate(config: Config) -> dict[str, list[dict[str, Any]]]:
    """{"systems": one dict per (season, system_id) with graded rows (keys FIELDS), "deciles": one per (season,
    system_id, decile) (keys DECILE_FIELDS), "spearman": one per (season, system_id), "bets": one per (season,
    system_id, book_type) with graded line rows (keys BET_FIELDS), "min_edge": {"points", "source"}}; seasons in
    config order, systems by name. Metrics over no rows are None; a season without graded rows contributes
    nothing."""
    from .processors import sql_text
    from .warehouse import open_warehouse

    published = config.tier_adjustments["system_id"]
    min_edge = float(config.predictions["min_edge_points"])
    report: dict[str, Any] = {
        "systems": [],
        "deciles": [],
        "spearman": [],
        "bets": [],
        "min_edge": {"points": min_edge, "source": MIN_EDGE_SOURCE},
    }
    for season in config.seasons:
        warehouse = open_warehouse(
            config, {"processor": "evaluate", "season": season.name}, scope=(season.start, season.end)
        )
        if not warehouse.partitions(ACCURACY_TABLE, season.start, season.end):
            continue
        params = {"start_date": season.start, "end_date": season.end, "system_id": published}
        span = {"start_date": season.start, "end_date": season.end}
        oracle = {"oracle_rows": 0, "oracle_mae": None}
        if warehouse.partitions(ORACLE_TABLE, season.start, season.end):
            oracle = warehouse.query(sql_text("evaluate_oracle"), params).dicts()[0]
        for row in warehouse.query(sql_text("evaluate"), span).dicts():
            values = {
                "season": season.name,
                "published": row["system_id"] == published,
                **{k: int(row[k] or 0) for k in ("n_rows", "graded", "common_rows", "line_rows", "bets", "wins")},
                **{k: _float(row[k]) for k in ("mae", "bias", "mae_common", "mae_line_rows", "line_mae", "win_rate")},
                "oracle_rows": int(oracle["oracle_rows"] or 0),
                "oracle_mae": _float(oracle["oracle_mae"]),
            }
            report["systems"].append({k: values.get(k, row.get(k)) for k in FIELDS})
        deciles = [
            {"season": season.name, **{k: row[k] for k in ("system_id", "decile", "n")}}
            | {"confidence": _float(row["confidence"]), "mae": _float(row["mae"])}
            for row in warehouse.query(sql_text("evaluate_deciles"), span).dicts()
        ]
        report["deciles"] += deciles
        bets = warehouse.query(sql_text("evaluate_bets"), {**span, "min_edge": min_edge}).dicts()
        report["bets"] += [bet_row(season.name, published, row) for row in bets]
        for system_id in sorted({d["system_id"] for d in deciles}):
            mine = [d for d in deciles if d["system_id"] == system_id]
            rho = spearman([d["decile"] for d in mine], [d["mae"] for d in mine])
            report["spearman"].append({"season": season.name, "system_id": system_id, "spearman": rho})
    return report


def spearman(x: list[float], y: list[float]) -> float | None:
    """Spearman's rank correlation (average ranks for ties); None with fewer than 3 points or a constant side."""
    import pandas as pd

    if len(x) < 3:
        return None
    rx, ry = pd.Series(x).rank(), pd.Series(y).rank()
    if rx.nunique() < 2 or ry.nunique() < 2:
        return None
    return float(rx.corr(ry))


def _num(value: Any, fmt: str = ".3f") -> str:
    return "—" if value is None else format(value, fmt)


def format_evaluation(report: dict[str, list[dict[str, Any]]]) -> str:
    """Two tables: per season its systems (then the oracle as a reference row), and MAE by confidence decile."""
    from .tabulate import format_table

    rows = report["systems"]
    if not rows:
        return "no graded predictions in any configured season\n"
    columns = [
        "season", "system", "graded", "mae", "common", "mae_common", "line_rows", "mae_line_rows", "line_mae",
        "bets", "hit_rate", "vs_52.4%", "bias",
    ]  # fmt: skip
    table = []
    for season in dict.fromkeys(r["season"] for r in rows):
        group = [r for r in rows if r["season"] == season]
        for r in group:
            edge = None if r["win_rate"] is None else 100 * (r["win_rate"] - BREAK_EVEN)
            table.append(
                (
                    season,
                    r["system_id"] + (" *" if r["published"] else ""),
                    r["graded"],
                    _num(r["mae"]),
                    r["common_rows"],
                    _num(r["mae_common"]),
                    r["line_rows"],
                    _num(r["mae_line_rows"]),
                    _num(r["line_mae"]),
                    r["bets"],
                    _num(r["win_rate"], ".1%"),
                    _num(edge, "+.1f"),
                    _num(r["bias"], "+.3f"),
                )
            )
        ref = group[0]
        table.append((season, "(oracle)", ref["oracle_rows"], _num(ref["oracle_mae"]), *[""] * 9))
    rho = {(s["season"], s["system_id"]): s["spearman"] for s in report["spearman"]}
    decile_table = []
    for season, system_id in rho:
        mine = [d for d in report["deciles"] if (d["season"], d["system_id"]) == (season, system_id)]
        maes = {d["decile"]: d["mae"] for d in mine}
        decile_table.append(
            (season, system_id, *[_num(maes.get(k), ".2f") for k in range(1, 11)], _num(rho[season, system_id], "+.2f"))
        )
    notes = (
        "* the published system (tier_adjustments.system_id). mae, bias (predicted - actual): non-voided graded rows; "
        "common: the rows every system predicted; line_rows: those with a book line, where mae_line_rows is the "
        "system's MAE and line_mae the line's own (|actual - line|); hit_rate: graded OVER/UNDER calls (pushes and "
        "no-line rows excluded), vs_52.4%: points above the break-even of -110 odds. (oracle): |actual - expected "
        "points| over the published system's rows (— without an oracle: real data).\n"
    )
    deciles = format_table(["season", "system", *[f"d{k}" for k in range(1, 11)], "spearman"], decile_table)
    return (
        format_table(columns, table)
        + "\n"
        + notes
        + format_bets(report)
        + "\nMAE by confidence decile (d1 least confident; spearman of decile and MAE: -1 = confidence ranks errors)\n"
        + deciles
        + "\n"
    )


def format_bets(report: dict[str, Any]) -> str:
    """The bets table: per season, book type and system, MAE vs the line, bets, hit rate (95 % Wilson), units."""
    from .tabulate import format_table

    if not report["bets"]:
        return ""
    columns = ["season", "book", "system", "line_rows", "mae", "line_mae", "mae - line (95% CI)", "bets", "pushes",
               "hit_rate", "95% CI", "units", "roi"]  # fmt: skip
    table = [
        (
            r["season"],
            r["book_type"],
            r["system_id"] + (" *" if r["published"] else ""),
            r["line_rows"],
            _num(r["mae"]),
            _num(r["line_mae"]),
            _gap(r),
            r["bets"],
            r["pushes"],
            _num(r["hit_rate"], ".1%"),
            "—" if r["hit_low"] is None else f"{r['hit_low']:.1%}..{r['hit_high']:.1%}",
            _num(r["units"], "+.1f"),
            _num(r["roi"], "+.1%"),
        )
        for r in sorted(report["bets"], key=lambda r: (r["season"], r["book_type"], r["system_id"]))
    ]
    edge = report["min_edge"]
    return (
        f"\nBets: |predicted - line| >= {edge['points']} points ({edge['source']}); OVER above the line, UNDER below; "
        "mae - line: the system's MAE minus the line's on the same rows, 95% interval with each player's games as one "
        "cluster (below 0 throughout: closer than the line); hit_rate over bets that did not push, 95% Wilson "
        "interval; units at the recorded price of the side taken, "
        "-110 where none (pick'em books: always); roi = units per bet\n" + format_table(columns, table)
    )


def _gap(r: dict[str, Any]) -> str:
    if r["mae_vs_line"] is None:
        return "—"
    interval = "" if r["mae_vs_line_low"] is None else f" ({r['mae_vs_line_low']:+.3f}..{r['mae_vs_line_high']:+.3f})"
    return f"{r['mae_vs_line']:+.3f}{interval}"


def plot_evaluation(report: dict[str, list[dict[str, Any]]], path: str | Path) -> Path:
    """A PNG: MAE per system and season (the oracle as a dashed line where there is one), and each system's MAE
    by confidence decile (all seasons' rows of a decile weighted by their count)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    rows = report["systems"]
    seasons = list(dict.fromkeys(r["season"] for r in rows))
    systems = sorted({r["system_id"] for r in rows})
    fig = Figure(figsize=(13, 5), dpi=100)
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    width = 0.8 / max(1, len(systems))
    for i, system_id in enumerate(systems):
        mae = {r["season"]: r["mae"] for r in rows if r["system_id"] == system_id}
        xs = [k + (i - (len(systems) - 1) / 2) * width for k in range(len(seasons))]
        left.bar(xs, [mae.get(s) or 0.0 for s in seasons], width, label=system_id)
        deciles = [d for d in report["deciles"] if d["system_id"] == system_id]
        by_decile = {
            k: sum(d["mae"] * d["n"] for d in deciles if d["decile"] == k)
            / max(1, sum(d["n"] for d in deciles if d["decile"] == k))
            for k in sorted({d["decile"] for d in deciles})
        }
        right.plot(list(by_decile), list(by_decile.values()), marker="o", label=system_id)
    oracle = {r["season"]: r["oracle_mae"] for r in rows}
    for k, season in enumerate(seasons):
        if oracle[season] is not None:
            left.hlines(oracle[season], k - 0.45, k + 0.45, colors="black", linestyles="dashed")
    left.set_xticks(range(len(seasons)), seasons)
    left.set_ylabel("MAE (points)")
    left.set_title("MAE per season and system (dashed: the oracle)", loc="left", fontsize=10)
    lows = [r["mae"] for r in rows if r["mae"] is not None] + [v for v in oracle.values() if v is not None]
    if lows:
        left.set_ylim(min(lows) * 0.9, max(lows) * 1.03)
    right.set_xticks(range(1, 11))
    right.set_xlabel("confidence decile (1 = least confident)")
    right.set_ylabel("MAE (points)")
    right.set_title("MAE by confidence decile, all seasons", loc="left", fontsize=10)
    # one legend for both panels: a system has the same colour in each
    fig.legend(*left.get_legend_handles_labels(), loc="lower center", ncol=len(systems), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return save_figure(fig, path)
