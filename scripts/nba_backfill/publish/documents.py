"""The website's JSON documents of a season's graded rows (one row per prediction, with its `result`): a date's
results and best bets, a player's profile, the players' index. Pure functions: no I/O, no clock; numbers rounded
(points 2 decimals, rates 4), so the same rows always give the same documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

BEST_BETS_LIMIT = 15
DEFAULT_HIT_RATE = 0.85  # a player's prior hit rate when they have no decided pick before the date
MAX_EDGE_FACTOR = 1.5
HIGH_CONFIDENCE, MEDIUM_CONFIDENCE = 0.70, 0.55
ELITE_PPG, STARTER_PPG = 25.0, 15.0
FRESH, NORMAL = 95.0, 75.0  # fatigue_score: 100 = fresh
GAME_LOG_GAMES = 50
DECIDED = ("WIN", "LOSS", "PUSH")

METHODOLOGY = (
    f"Top {BEST_BETS_LIMIT} OVER/UNDER picks of the date ranked by composite_score = confidence x "
    f"min({MAX_EDGE_FACTOR}, 1 + edge / 10) x the player's hit rate on decided picks before the date this season "
    f"({DEFAULT_HIT_RATE} without any), edge = |predicted - line|. Only pre-game information ranks; a pick whose "
    "player did not play is shown as VOID."
)


# -- numbers -------------------------------------------------------------------------------------------------------
def _num(value: Any, digits: int) -> float | None:
    """`value` rounded to `digits` decimals; None for NULL, NaN and infinities (round keeps both); never -0.0."""
    if value is None:
        return None
    out = round(float(value), digits)
    if out - out != 0.0:  # NaN or an infinity
        return None
    return out or 0.0  # -0.0 is falsy


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _rate(part: int, whole: int) -> float | None:
    return _num(part / whole, 4) if whole else None


def _mean(values: Iterable[Any], digits: int) -> float | None:
    present = [float(v) for v in values if v is not None]
    return _num(sum(present) / len(present), digits) if present else None


def stamp(day: dt.date) -> str:
    """generated_at: noon UTC on the day after `day` (the data's own date, never the clock)."""
    return f"{(day + dt.timedelta(days=1)).isoformat()}T12:00:00Z"


# -- classification ------------------------------------------------------------------------------------------------
def outcome(row: dict[str, Any]) -> str:
    """WIN / LOSS / PUSH for an OVER/UNDER pick, PASS / NO_LINE as recommended, VOID for a DNP."""
    if row["is_voided"]:
        return "VOID"
    rec = row["recommendation"]
    if rec not in ("OVER", "UNDER"):
        return rec  # PASS, NO_LINE; anything else fails the schema
    if row["line"] is None:
        return "NO_LINE"
    if row["is_push"]:
        return "PUSH"
    if row["correct"] is None:
        return "VOID"
    return "WIN" if row["correct"] else "LOSS"


def confidence_tier(confidence: float | None) -> str | None:
    if confidence is None:
        return None
    return "high" if confidence >= HIGH_CONFIDENCE else "medium" if confidence >= MEDIUM_CONFIDENCE else "low"


def player_tier(season_avg: float | None) -> str | None:
    if season_avg is None:
        return None
    return "elite" if season_avg >= ELITE_PPG else "starter" if season_avg >= STARTER_PPG else "role_player"


def fatigue_level(score: float | None) -> str | None:
    if score is None:
        return None
    return "fresh" if score >= FRESH else "normal" if score >= NORMAL else "tired"


def is_rested(row: dict[str, Any]) -> bool:
    return row["days_rest"] is not None and row["days_rest"] >= 2


def record(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Over the graded (non-voided) rows: count, WIN/LOSS/PUSH, wins / (wins + losses), mean absolute error."""
    counts = {"WIN": 0, "LOSS": 0, "PUSH": 0}
    total = 0
    errors = []
    for r in rows:  # one pass: a season's documents take ~4,000 records
        if r["is_voided"]:
            continue
        total += 1
        if r["result"] in counts:
            counts[r["result"]] += 1
        if r["error"] is not None:
            errors.append(float(r["error"]))
    wins, losses = counts["WIN"], counts["LOSS"]
    return {
        "total": total,
        "wins": wins,
        "losses": losses,
        "pushes": counts["PUSH"],
        "win_rate": _rate(wins, wins + losses),
        "avg_error": _num(sum(errors) / len(errors), 2) if errors else None,
    }


def _context_records(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "home": record([r for r in rows if r["is_home"] is True]),
        "away": record([r for r in rows if r["is_home"] is False]),
        "back_to_back": record([r for r in rows if r["is_back_to_back"] is True]),
        "rested": record([r for r in rows if is_rested(r)]),
    }


# -- documents -----------------------------------------------------------------------------------------------------
def _pick(r: dict[str, Any]) -> dict[str, Any]:
    """What every document shows of a prediction: the game, the pick and how it ended."""
    return {
        "game_id": r["game_id"],
        "predicted": _num(r["predicted"], 2),
        "actual": _int(r["actual"]),
        "line": _num(r["line"], 2),
        "recommendation": r["recommendation"],
        "result": r["result"],
        "error": _num(r["error"], 2),
    }


def _result_row(r: dict[str, Any]) -> dict[str, Any]:
    return {
        **_pick(r),
        "player_lookup": r["player_lookup"],
        "player_full_name": r["player_full_name"],
        "team": r["team"],
        "opponent": r["opponent"],
        "bias": _num(r["bias"], 2),
        "confidence": _num(r["confidence"], 4),
        "minutes": _num(r["minutes"], 2),
        "confidence_tier": confidence_tier(r["confidence"]),
        "player_tier": player_tier(r["season_avg"]),
        "is_home": r["is_home"],
        "is_back_to_back": r["is_back_to_back"],
        "days_rest": _int(r["days_rest"]),
        "void_reason": r["void_reason"],
    }


def _highlight(r: dict[str, Any] | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {**_pick(r), "player_lookup": r["player_lookup"], "player_full_name": r["player_full_name"]}


def results_doc(day: dt.date, rows: list[dict[str, Any]], system_id: str) -> dict[str, Any]:
    """v1/results/{date}.json. Pushes are counted apart and left out of win_rate (SPEC: a push is not graded
    correct or incorrect; upstream counted it as incorrect); voided rows are listed (VOID) but not graded."""
    rows = sorted(rows, key=lambda r: (r["player_lookup"], r["game_id"]))
    graded = [r for r in rows if not r["is_voided"]]
    wins = sum(r["result"] == "WIN" for r in graded)
    losses = sum(r["result"] == "LOSS" for r in graded)
    errors = [r for r in graded if r["error"] is not None]
    within_3 = sum(bool(r["within_3"]) for r in errors)
    within_5 = sum(bool(r["within_5"]) for r in errors)
    summary = {
        "total_predictions": len(rows),
        "voided": len(rows) - len(graded),
        "recommendations": sum(r["result"] in DECIDED for r in graded),
        "correct": wins,
        "incorrect": losses,
        "pushes": sum(r["result"] == "PUSH" for r in graded),
        "pass_count": sum(r["result"] == "PASS" for r in graded),
        "no_line_count": sum(r["result"] == "NO_LINE" for r in graded),
        "win_rate": _rate(wins, wins + losses),
        "avg_mae": _mean((r["error"] for r in errors), 2),
        "avg_bias": _mean((r["bias"] for r in errors), 2),
        "within_3_points": within_3,
        "within_3_pct": _rate(within_3, len(errors)),
        "within_5_points": within_5,
        "within_5_pct": _rate(within_5, len(errors)),
    }
    breakdowns = {
        "by_player_tier": {
            t: record([r for r in rows if player_tier(r["season_avg"]) == t])
            for t in ("elite", "starter", "role_player")
        },
        "by_confidence": {
            t: record([r for r in rows if confidence_tier(r["confidence"]) == t]) for t in ("high", "medium", "low")
        },
        "by_recommendation": {
            t.lower(): record([r for r in rows if r["recommendation"] == t]) for t in ("OVER", "UNDER")
        },
        "by_context": _context_records(rows),
    }
    best = min(errors, key=lambda r: (r["error"], r["player_lookup"]), default=None)
    worst = min(errors, key=lambda r: (-r["error"], r["player_lookup"]), default=None)
    return {
        "game_date": day.isoformat(),
        "generated_at": stamp(day),
        "system_id": system_id,
        "summary": summary,
        "breakdowns": breakdowns,
        "results": [_result_row(r) for r in rows],
        "highlights": {"best_prediction": _highlight(best), "worst_prediction": _highlight(worst)},
    }


def composite_score(r: dict[str, Any]) -> tuple[float, float, float | None]:
    """(composite, edge, prior hit rate or None): confidence x min(1.5, 1 + edge/10) x COALESCE(hit rate, 0.85)."""
    edge = abs(r["predicted"] - r["line"])
    hit = r["prior_wins"] / r["prior_decided"] if r["prior_decided"] else None
    score = (r["confidence"] or 0.0) * min(MAX_EDGE_FACTOR, 1 + edge / 10) * (DEFAULT_HIT_RATE if hit is None else hit)
    return score, edge, hit


def _rationale(r: dict[str, Any], edge: float, hit: float | None) -> list[str]:
    out = [f"{r['recommendation']} {r['line']:.1f}: predicted {r['predicted']:.1f} points (edge {edge:.1f})"]
    if r["confidence"] is not None:
        out.append(f"Model confidence {r['confidence']:.0%}")
    if hit is None:
        out.append(f"No decided picks for this player earlier in the season (hit rate {DEFAULT_HIT_RATE:.0%} assumed)")
    else:
        out.append(f"{r['prior_wins']} of {r['prior_decided']} earlier picks for this player won ({hit:.0%})")
    if r["fatigue_score"] is not None:
        out.append(f"Fatigue {fatigue_level(r['fatigue_score'])} ({r['fatigue_score']:.0f}/100)")
    return out


def best_bets_doc(day: dt.date, rows: list[dict[str, Any]], system_id: str) -> dict[str, Any]:
    """v1/best-bets/{date}.json: the top OVER/UNDER picks by composite score; ties by player, game."""
    scored = []
    for r in rows:
        if r["recommendation"] in ("OVER", "UNDER") and r["line"] is not None:
            score, edge, hit = composite_score(r)
            scored.append((-score, r["player_lookup"], r["game_id"], r, score, edge, hit))
    scored.sort(key=lambda s: s[:3])
    picks = []
    for rank, (_, _, _, r, score, edge, hit) in enumerate(scored[:BEST_BETS_LIMIT], start=1):
        picks.append(
            {
                **_pick(r),
                "rank": rank,
                "player_lookup": r["player_lookup"],
                "player_full_name": r["player_full_name"],
                "team": r["team"],
                "opponent": r["opponent"],
                "edge": _num(edge, 2),
                "confidence": _num(r["confidence"], 4),
                "composite_score": _num(score, 4),
                "player_historical_accuracy": _num(hit, 4),
                "player_sample_size": int(r["prior_decided"]),
                "fatigue_score": _num(r["fatigue_score"], 1),
                "fatigue_level": fatigue_level(r["fatigue_score"]),
                "rationale": _rationale(r, edge, hit),
            }
        )
    return {
        "game_date": day.isoformat(),
        "generated_at": stamp(day),
        "system_id": system_id,
        "methodology": METHODOLOGY,
        "total_picks": len(picks),
        "picks": picks,
    }


def player_doc(lookup: str, rows: list[dict[str, Any]], season: str, system_id: str, generated_at: str) -> dict:
    """v1/players/{lookup}.json: the season's profile. Dropped from upstream's shape (no data here): recent_news,
    interpretation, next_game; no injuries."""
    rows = sorted(rows, key=lambda r: r["game_date"])
    graded = [r for r in rows if not r["is_voided"]]
    errors = [r for r in graded if r["error"] is not None]
    wins = sum(r["result"] == "WIN" for r in graded)
    losses = sum(r["result"] == "LOSS" for r in graded)
    names = [r["player_full_name"] for r in rows if r["player_full_name"]]
    summary = {
        "team": rows[-1]["team"],
        "games_predicted": len(graded),
        "voided": len(rows) - len(graded),
        "total_recommendations": sum(r["result"] in DECIDED for r in graded),
        "correct": wins,
        "incorrect": losses,
        "pushes": sum(r["result"] == "PUSH" for r in graded),
        "mae": _mean((r["error"] for r in errors), 2),
        "win_rate": _rate(wins, wins + losses),
        "bias": _mean((r["bias"] for r in errors), 2),
        "avg_confidence": _mean((r["confidence"] for r in graded), 4),
        "within_3_pct": _rate(sum(bool(r["within_3"]) for r in errors), len(errors)),
        "within_5_pct": _rate(sum(bool(r["within_5"]) for r in errors), len(errors)),
        "date_range": {"first": graded[0]["game_date"].isoformat(), "last": graded[-1]["game_date"].isoformat()},
    }
    game_log = [
        {
            **_pick(r),
            "game_date": r["game_date"].isoformat(),
            "team": r["team"],
            "opponent": r["opponent"],
            "is_home": r["is_home"],
            "confidence": _num(r["confidence"], 4),
            "minutes": _num(r["minutes"], 2),
        }
        for r in reversed(rows[-GAME_LOG_GAMES:])
    ]
    return {
        "player_lookup": lookup,
        "player_full_name": names[-1] if names else None,
        "generated_at": generated_at,
        "season": season,
        "system_id": system_id,
        "summary": summary,
        "game_log": game_log,
        "splits": _context_records(rows),
        "our_track_record": {
            "all": record(rows),
            "over": record([r for r in rows if r["recommendation"] == "OVER"]),
            "under": record([r for r in rows if r["recommendation"] == "UNDER"]),
            "high_confidence": record([r for r in rows if (r["confidence"] or 0) >= HIGH_CONFIDENCE]),
        },
    }


def index_doc(players: list[dict[str, Any]], season: str, through: dt.date, system_id: str, min_games: int) -> dict:
    entries = [
        {
            "player_lookup": p["player_lookup"],
            "player_full_name": p["player_full_name"],
            "team": p["summary"]["team"],
            "games_predicted": p["summary"]["games_predicted"],
            "recommendations": p["summary"]["total_recommendations"],
            "mae": p["summary"]["mae"],
            "win_rate": p["summary"]["win_rate"],
            "bias": p["summary"]["bias"],
            "within_5_pct": p["summary"]["within_5_pct"],
        }
        for p in sorted(players, key=lambda p: p["player_lookup"])
    ]
    return {
        "generated_at": stamp(through),
        "season": season,
        "through": through.isoformat(),
        "system_id": system_id,
        "min_games": min_games,
        "total_players": len(entries),
        "players": entries,
    }
