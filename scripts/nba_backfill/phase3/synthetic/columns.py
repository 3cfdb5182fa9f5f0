"""The Phase 3 tables' columns from a simulated season (schedule, player and team box scores, the oracle), and
the seasons' columns as one table of the repo's schema."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ...tables import table_schema
from .population import TEAM_ABBR, Players


def _per_row(values: np.ndarray, roster: int) -> np.ndarray:
    """A (G, 2) per-team-game value repeated for each of the team's R player rows."""
    return np.repeat(values.ravel(), roster)


def schedule_columns(games: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    n = len(games["game_id"])
    return {
        "game_id": games["game_id"],
        "game_date": games["game_date"],
        "season_year": games["season_year"],
        "home_team_abbr": TEAM_ABBR[games["team"][:, 0]],
        "away_team_abbr": TEAM_ABBR[games["team"][:, 1]],
        "game_status": np.full(n, 3),  # final
        "is_regular_season": np.ones(n, dtype=bool),
    }


def player_columns(
    rng: np.random.Generator,
    games: dict[str, np.ndarray],
    players: Players,
    pid: np.ndarray,
    out: np.ndarray,
    box: dict[str, np.ndarray],
    offense: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    roster = pid.shape[2]
    flat = {name: values.ravel() for name, values in box.items()}
    minutes = flat["minutes"]
    played = minutes > 0
    out = out.ravel()
    margin = _per_row(offense["points"] - offense["points"][:, ::-1], roster)
    plus_minus = np.round(margin * minutes / 48 + rng.normal(0, 4, len(minutes)) * np.sqrt(minutes / 48))
    team_load = _per_row(offense["fg_attempts"] + 0.44 * offense["ft_attempts"] + offense["turnovers"], roster)
    load = flat["fg_attempts"] + 0.44 * flat["ft_attempts"] + flat["turnovers"]
    # above 100 it is no share of his team's plays: the estimate of the team's plays in his minutes breaks down
    # for a seconds-long appearance, so NULL (as upstream's player game summary)
    usage_rate = np.ma.masked_greater(_ratio(100 * load * 48, minutes * team_load), 100)
    ts_pct = _ratio(flat["points"], 2 * (flat["fg_attempts"] + 0.44 * flat["ft_attempts"]))
    row_game = np.repeat(np.arange(len(games["game_id"])), 2 * roster)
    return {
        "player_lookup": players.lookup[pid.ravel()],
        "universal_player_id": players.lookup[pid.ravel()] + "_001",
        "player_full_name": players.full_name[pid.ravel()],
        "game_id": games["game_id"][row_game],
        "game_date": games["game_date"][row_game],
        "team_abbr": TEAM_ABBR[_per_row(games["team"], roster)],
        "opponent_team_abbr": TEAM_ABBR[_per_row(games["opponent"], roster)],
        "season_year": games["season_year"][row_game],
        "home_game": _per_row(_home_side(games), roster),
        "points": flat["points"],
        "minutes_played": minutes,
        "assists": flat["assists"],
        "offensive_rebounds": flat["offensive_rebounds"],
        "defensive_rebounds": flat["defensive_rebounds"],
        "steals": flat["steals"],
        "blocks": flat["blocks"],
        "turnovers": flat["turnovers"],
        "personal_fouls": flat["personal_fouls"],
        "plus_minus": np.where(played, plus_minus, 0).astype(np.int64),
        "fg_attempts": flat["fg_attempts"],
        "fg_makes": flat["fg_makes"],
        "three_pt_attempts": flat["three_attempts"],
        "three_pt_makes": flat["three_makes"],
        "ft_attempts": flat["ft_attempts"],
        "ft_makes": flat["ft_makes"],
        "paint_attempts": flat["paint_attempts"],
        "paint_makes": flat["paint_makes"],
        "mid_range_attempts": flat["mid_range_attempts"],
        "mid_range_makes": flat["mid_range_makes"],
        "three_attempts_pbp": flat["three_attempts"],
        "three_makes_pbp": flat["three_makes"],
        "assisted_fg_makes": flat["assisted_fg_makes"],
        "unassisted_fg_makes": flat["unassisted_fg_makes"],
        "usage_rate": usage_rate,
        "ts_pct": ts_pct,
        # Injured players are inactive; healthy players outside the rotation are active but did not play.
        "is_active": ~out,
        "is_dnp": ~played,
        "player_status": np.where(out, "out", "active").astype(object),
        "dnp_reason": np.where(out, "injury", np.where(played, None, "coach_decision")).astype(object),
    }


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ma.MaskedArray:
    """numerator / denominator, NULL (masked) where the denominator is 0."""
    zero = denominator == 0
    return np.ma.masked_array(numerator / np.where(zero, 1, denominator), mask=zero)


def _home_side(games: dict[str, np.ndarray]) -> np.ndarray:
    return np.broadcast_to(np.array([True, False]), games["team"].shape)


def _team_rows(games: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The key columns shared by the two team tables, one row per (game, side)."""
    return {
        "game_id": np.repeat(games["game_id"], 2),
        "game_date": np.repeat(games["game_date"], 2),
        "season_year": np.repeat(games["season_year"], 2),
        "home_game": _home_side(games).ravel(),
    }


def offense_columns(games: dict[str, np.ndarray], offense: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    points = offense["points"]
    possessions = offense["possessions"]
    keys = _team_rows(games)
    return {
        "game_id": keys["game_id"],
        "game_date": keys["game_date"],
        "team_abbr": TEAM_ABBR[games["team"].ravel()],
        "opponent_team_abbr": TEAM_ABBR[games["opponent"].ravel()],
        "season_year": keys["season_year"],
        "home_game": keys["home_game"],
        "win_flag": (points > points[:, ::-1]).ravel(),
        "points_scored": points.ravel(),
        "opponent_points": points[:, ::-1].ravel(),
        "fg_attempts": offense["fg_attempts"].ravel(),
        "fg_makes": offense["fg_makes"].ravel(),
        "three_pt_attempts": offense["three_attempts"].ravel(),
        "three_pt_makes": offense["three_makes"].ravel(),
        "ft_attempts": offense["ft_attempts"].ravel(),
        "ft_makes": offense["ft_makes"].ravel(),
        "offensive_rebounds": offense["offensive_rebounds"].ravel(),
        "turnovers": offense["turnovers"].ravel(),
        "assists": offense["assists"].ravel(),
        "team_paint_attempts": offense["paint_attempts"].ravel(),
        "team_paint_makes": offense["paint_makes"].ravel(),
        "team_mid_range_attempts": offense["mid_range_attempts"].ravel(),
        "team_mid_range_makes": offense["mid_range_makes"].ravel(),
        "possessions": possessions.ravel(),
        "pace": possessions.ravel(),  # 48-minute games: possessions per 48 minutes
        "offensive_rating": (100 * points / possessions).ravel(),
    }


def defense_columns(
    rng: np.random.Generator, games: dict[str, np.ndarray], box: dict[str, np.ndarray], offense: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Row (game, side) = what the other side's players did against this side."""
    opp = {name: values[:, ::-1] for name, values in offense.items()}
    misses = np.stack(
        [opp[f"{zone}_attempts"] - opp[f"{zone}_makes"] for zone in ("paint", "mid_range", "three")], axis=2
    )
    # The defenders' blocks, split over the zones where the opponent missed (paint shots get blocked most).
    weight = misses * np.array([0.15, 0.05, 0.02]) + 1e-9
    zone_blocks = rng.multinomial(box["blocks"].sum(axis=2), weight / weight.sum(axis=2, keepdims=True))
    keys = _team_rows(games)
    return {
        "game_id": keys["game_id"],
        "game_date": keys["game_date"],
        "defending_team_abbr": TEAM_ABBR[games["team"].ravel()],
        "opponent_team_abbr": TEAM_ABBR[games["opponent"].ravel()],
        "season_year": keys["season_year"],
        "home_game": keys["home_game"],
        "win_flag": (offense["points"] > opp["points"]).ravel(),
        "points_allowed": opp["points"].ravel(),
        "opp_fg_attempts": opp["fg_attempts"].ravel(),
        "opp_fg_makes": opp["fg_makes"].ravel(),
        "opp_three_pt_attempts": opp["three_attempts"].ravel(),
        "opp_three_pt_makes": opp["three_makes"].ravel(),
        "opp_ft_attempts": opp["ft_attempts"].ravel(),
        "opp_ft_makes": opp["ft_makes"].ravel(),
        "opp_offensive_rebounds": opp["offensive_rebounds"].ravel(),
        "turnovers_forced": opp["turnovers"].ravel(),
        "opp_paint_attempts": opp["paint_attempts"].ravel(),
        "opp_paint_makes": opp["paint_makes"].ravel(),
        "opp_mid_range_attempts": opp["mid_range_attempts"].ravel(),
        "opp_mid_range_makes": opp["mid_range_makes"].ravel(),
        "points_in_paint_allowed": 2 * opp["paint_makes"].ravel(),
        "mid_range_points_allowed": 2 * opp["mid_range_makes"].ravel(),
        "three_pt_points_allowed": 3 * opp["three_makes"].ravel(),
        "blocks_paint": zone_blocks[..., 0].ravel(),
        "blocks_mid_range": zone_blocks[..., 1].ravel(),
        "blocks_three_pt": zone_blocks[..., 2].ravel(),
        "defensive_rating": (100 * opp["points"] / opp["possessions"]).ravel(),
        "opponent_pace": opp["possessions"].ravel(),
    }


def oracle_columns(
    games: dict[str, np.ndarray], players: Players, pid: np.ndarray, minutes: np.ndarray, expected: np.ndarray
) -> dict[str, np.ndarray]:
    played = (minutes > 0).ravel()
    row_game = np.repeat(np.arange(len(games["game_id"])), pid.shape[1] * pid.shape[2])[played]
    return {
        "player_lookup": players.lookup[pid.ravel()[played]],
        "game_id": games["game_id"][row_game],
        "game_date": games["game_date"][row_game],
        "expected_points": expected.ravel()[played],
    }


def to_table(name: str, parts: list[dict[str, np.ndarray]]) -> pa.Table:
    """Concatenate the seasons' columns into one table with exactly the schema kept in the repo."""
    schema = table_schema(name).arrow_schema()
    return pa.Table.from_arrays([_arrow_array(f.type, [part[f.name] for part in parts]) for f in schema], schema=schema)


# The Phase 3 schemas' numeric Arrow types -> the numpy type of their data buffer.
NUMBERS = {pa.int64(): np.int64, pa.float64(): np.float64}


def _arrow_array(kind: pa.DataType, parts: list[np.ndarray]) -> pa.Array:
    """One column from its numpy parts (masked entries and None are NULL), built from Arrow buffers: pyarrow.array()
    imports pandas to look for pandas types, which costs a league job a fifth of a second."""
    merged = np.ma.concatenate(parts) if any(np.ma.isMaskedArray(p) for p in parts) else np.concatenate(parts)
    values, null = np.ma.getdata(merged), np.ma.getmaskarray(merged)
    if pa.types.is_string(kind):
        null = null | np.equal(values, None)
        texts = values.tolist()
        if null.any():
            texts = ["" if text is None else text for text in texts]
        joined = "".join(texts)
        if joined.isascii():  # a byte a character: no text needs encoding on its own
            lengths, text_bytes = map(len, texts), joined.encode("ascii")
        else:
            encoded = [text.encode() for text in texts]
            lengths, text_bytes = map(len, encoded), b"".join(encoded)
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(lengths, dtype=np.int64, count=len(texts)), out=offsets[1:])
        if offsets[-1] > np.iinfo(np.int32).max:
            raise ValueError(f"{offsets[-1]} bytes of text exceed one Arrow string column")
        data = [offsets.astype(np.int32), text_bytes]
    elif pa.types.is_timestamp(kind):
        data = [values.astype(f"datetime64[{kind.unit}]").astype(np.int64)]
    elif kind == pa.date32():
        data = [values.astype("datetime64[D]").astype(np.int32)]
    elif kind == pa.bool_():
        data = [np.packbits(values.astype(np.bool_), bitorder="little")]
    elif kind in NUMBERS and np.can_cast(values.dtype, NUMBERS[kind], "same_kind"):
        data = [values.astype(NUMBERS[kind])]
    else:
        raise TypeError(f"cannot store {values.dtype} values as {kind}")
    validity = np.packbits(~null, bitorder="little") if null.any() else None
    buffers = [None if b is None else pa.py_buffer(b) for b in (validity, *data)]
    return pa.Array.from_buffers(kind, len(values), buffers)
