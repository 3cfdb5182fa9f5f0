"""The synthetic league: deterministic, shaped like the warehouse tables, and realistic where the pipeline looks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from nba_backfill.config import Season
from nba_backfill.phase3.synthetic.columns import _arrow_array
from nba_backfill.phase3.synthetic.league import generate_league
from nba_backfill.phase3.synthetic.population import TEAMS
from nba_backfill.tables import table_schema

SEED = 20211019
SEASONS = (
    Season("2023-24", dt.date(2023, 10, 24), dt.date(2024, 4, 14)),
    Season("2024-25", dt.date(2024, 10, 22), dt.date(2025, 4, 13)),
)
SCHEDULE = "nba_reference.nba_schedule"
PLAYERS = "nba_analytics.player_game_summary"
DEFENSE = "nba_analytics.team_defense_game_summary"
OFFENSE = "nba_analytics.team_offense_game_summary"
PROPS = "nba_raw.odds_api_player_points_props"
ORACLE = "nba_oracle.player_game_expectations"


@pytest.fixture(scope="module")
def league():
    return generate_league(SEASONS, SEED)


@pytest.fixture(scope="module")
def frames(league):
    return {name: table.to_pandas() for name, table in league.items()}


def team_games(schedule: pd.DataFrame) -> pd.DataFrame:
    """One row per (game, team) from the schedule."""
    home = schedule.assign(team=schedule.home_team_abbr, home=True)
    away = schedule.assign(team=schedule.away_team_abbr, home=False)
    return pd.concat([home, away])[["game_id", "game_date", "season_year", "team", "home"]]


def closing_lines(props: pd.DataFrame) -> pd.DataFrame:
    """The latest pre-game snapshot per (game, player, bookmaker)."""
    pre = props[props.minutes_before_tipoff > 0].sort_values("snapshot_timestamp")
    return pre.groupby(["game_id", "player_lookup", "bookmaker"]).tail(1)


# --- determinism and shape ---------------------------------------------------------------------------------------


def test_a_seasons_tables_do_not_depend_on_the_other_seasons_generated(league):
    """The later season alone (so without the 2023 offseason's draws being preceded by a simulated 2023-24) gives
    exactly its rows of the two-season league: adding or removing another season changes none of its data."""
    alone = generate_league(SEASONS[1:], SEED)
    for name, table in league.items():
        day = table.column(table_schema(name).partition_by).to_pandas()
        later = table.filter(pa.array((day >= SEASONS[1].start).to_numpy()))
        assert alone[name].equals(later), name


def test_same_seed_gives_identical_tables(league):
    again = generate_league(SEASONS, SEED)
    assert again.keys() == league.keys()
    for name, table in league.items():
        assert again[name].equals(table), name


def test_different_seed_gives_different_tables(league):
    other = generate_league(SEASONS, SEED + 1)
    for name, table in league.items():
        assert not other[name].equals(table), name


def test_every_table_has_the_repo_schema(league):
    assert set(league) == {SCHEDULE, PLAYERS, DEFENSE, OFFENSE, PROPS, ORACLE}
    for name, table in league.items():
        assert table.schema.equals(table_schema(name).arrow_schema()), name
        assert table.num_rows > 0, name


def test_keys_are_unique(frames):
    keys = {
        SCHEDULE: ["game_id"],
        PLAYERS: ["game_id", "player_lookup"],
        DEFENSE: ["game_id", "defending_team_abbr"],
        OFFENSE: ["game_id", "team_abbr"],
        PROPS: ["game_id", "player_lookup", "bookmaker", "snapshot_timestamp"],
        ORACLE: ["game_id", "player_lookup"],
    }
    for name, key in keys.items():
        assert not frames[name].duplicated(key).any(), name


def test_a_short_window_is_refused():
    with pytest.raises(ValueError, match="too short"):
        generate_league([Season("2023-24", dt.date(2023, 10, 24), dt.date(2023, 12, 31))], SEED)


def test_scale_adds_players():
    season = SEASONS[:1]
    base = generate_league(season, SEED)[PLAYERS]
    bigger = generate_league(season, SEED, scale=1.5)[PLAYERS]
    assert len(set(bigger.column("player_lookup").to_pylist())) > len(set(base.column("player_lookup").to_pylist()))
    assert bigger.num_rows > base.num_rows


# --- schedule ----------------------------------------------------------------------------------------------------


def test_every_team_plays_82_games_half_at_home(frames):
    games = team_games(frames[SCHEDULE])
    counts = games.groupby(["season_year", "team"]).agg(games=("game_id", "size"), home=("home", "sum"))
    assert len(counts) == len(SEASONS) * len(TEAMS)
    assert (counts.games == 82).all()
    assert (counts.home == 41).all()
    assert (frames[SCHEDULE].groupby("season_year").size() == 1230).all()


def test_schedule_stays_inside_the_season_and_uses_both_ends(frames):
    schedule = frames[SCHEDULE]
    for season in SEASONS:
        days = schedule.loc[schedule.season_year == season.start.year, "game_date"]
        assert days.min() == season.start and days.max() == season.end
    assert (schedule.game_status == 3).all() and schedule.is_regular_season.all()
    ids = schedule.game_date.map(lambda d: d.strftime("%Y%m%d")) + "_" + schedule.away_team_abbr
    assert (ids + "_" + schedule.home_team_abbr == schedule.game_id).all()


def test_no_team_plays_three_days_running_and_back_to_backs_are_occasional(frames):
    games = team_games(frames[SCHEDULE])
    back_to_backs = []
    for _, team in games.groupby(["season_year", "team"]):
        day = np.sort(pd.to_datetime(team.game_date).to_numpy()).astype("datetime64[D]").astype(int)
        assert len(np.unique(day)) == len(day), "two games on one day"
        gap = np.diff(day)
        assert not ((gap[:-1] == 1) & (gap[1:] == 1)).any(), "three days in a row"
        back_to_backs.append((gap == 1).sum())
    assert 8 <= np.mean(back_to_backs) <= 20


def test_all_star_break_and_a_busy_calendar(frames):
    schedule = frames[SCHEDULE]
    for season in SEASONS:
        days = pd.to_datetime(schedule.loc[schedule.season_year == season.start.year, "game_date"])
        per_day = days.value_counts()
        assert 5 <= per_day.median() <= 12
        gaps = np.diff(np.sort(days.unique()).astype("datetime64[D]").astype(int))
        assert gaps.max() >= 7, "no six-day All-Star break"
        long_gap_end = np.sort(days.unique())[1:][gaps.argmax()]
        assert pd.Timestamp(long_gap_end).month == 2


# --- box scores ---------------------------------------------------------------------------------------------------


def test_points_add_up_from_the_zones(frames):
    p = frames[PLAYERS]
    assert (p.points == 2 * (p.paint_makes + p.mid_range_makes) + 3 * p.three_makes_pbp + p.ft_makes).all()
    assert (p.fg_attempts == p.paint_attempts + p.mid_range_attempts + p.three_attempts_pbp).all()
    assert (p.fg_makes == p.paint_makes + p.mid_range_makes + p.three_makes_pbp).all()
    assert (p.three_pt_makes == p.three_makes_pbp).all() and (p.three_pt_attempts == p.three_attempts_pbp).all()
    assert (p.assisted_fg_makes + p.unassisted_fg_makes == p.fg_makes).all()
    assert (p.fg_makes <= p.fg_attempts).all() and (p.ft_makes <= p.ft_attempts).all()


def test_every_rostered_player_has_a_row_per_team_game(frames):
    p = frames[PLAYERS]
    per_team_game = p.groupby(["game_id", "team_abbr"]).size()
    assert len(per_team_game) == 2 * len(frames[SCHEDULE])
    assert per_team_game.nunique() == 1
    appeared = p[~p.is_dnp].groupby(["game_id", "team_abbr"]).size()
    assert 9.5 <= appeared.mean() <= 11.5
    minutes = p.groupby(["game_id", "team_abbr"]).minutes_played.sum()
    assert np.allclose(minutes, 240, atol=8)


def test_dnp_rows_are_empty(frames):
    p = frames[PLAYERS]
    dnp = p[p.is_dnp]
    assert len(dnp) > 0
    assert (dnp.minutes_played == 0).all() and (dnp.points == 0).all() and (dnp.fg_attempts == 0).all()
    assert dnp.usage_rate.isna().all() and dnp.ts_pct.isna().all()
    injured = p[p.dnp_reason == "injury"]
    assert len(injured) > 0 and injured.is_dnp.all() and not injured.is_active.any()
    assert (injured.player_status == "out").all()
    played = p[~p.is_dnp]
    assert (played.minutes_played > 0).all() and played.is_active.all() and played.dnp_reason.isna().all()
    # usage is NULL exactly where the estimate says more than all of his team's plays (a seconds-long appearance)
    team = played.groupby(["game_id", "team_abbr"])[["fg_attempts", "ft_attempts", "turnovers"]].transform("sum")
    load = played.fg_attempts + 0.44 * played.ft_attempts + played.turnovers
    estimate = 100 * load * 48 / (played.minutes_played * (team.fg_attempts + 0.44 * team.ft_attempts + team.turnovers))
    assert (played.usage_rate.isna() == (estimate > 100)).all()
    assert played.usage_rate.max() <= 100


def test_injuries_span_consecutive_team_games(frames):
    p = frames[PLAYERS].sort_values(["season_year", "player_lookup", "game_date"])  # a player's games together
    out = p.dnp_reason == "injury"
    starts = out & ~out.groupby([p.season_year, p.player_lookup]).shift(fill_value=False)
    spells = out[out].groupby(starts.cumsum()[out]).size()
    assert len(spells) >= 2 * len(TEAMS) * len(SEASONS)
    assert spells.max() <= 15 and (spells > 1).mean() > 0.5


def test_scorers_have_a_realistic_spread(frames):
    p = frames[PLAYERS]
    ppg = p[~p.is_dnp].groupby(["season_year", "player_lookup"]).points.agg(["mean", "size"])
    ppg = ppg[ppg["size"] >= 20]["mean"]
    assert (ppg >= 25).sum() >= 5 * len(SEASONS)
    assert (ppg.between(10, 20)).sum() >= 60 * len(SEASONS)
    assert (ppg < 10).sum() >= 100 * len(SEASONS)


def test_players_keep_their_lookup_and_some_change_team(frames):
    p = frames[PLAYERS]
    team = p.groupby(["player_lookup", "season_year"]).team_abbr.agg(["first", "nunique"])
    assert (team["nunique"] == 1).all(), "a player changed team within a season"
    by_season = team["first"].unstack()
    both = by_season.dropna()
    assert len(both) == len(by_season)
    moved = (both.iloc[:, 0] != both.iloc[:, 1]).mean()
    assert 0.02 < moved < 0.3
    assert (p.universal_player_id == p.player_lookup + "_001").all()


# --- team tables -------------------------------------------------------------------------------------------------


def test_team_offense_is_the_sum_of_its_players(frames):
    columns = ["points", "fg_attempts", "paint_makes", "assists", "assisted_fg_makes"]
    sums = frames[PLAYERS].groupby(["game_id", "team_abbr"])[columns].sum()
    offense = frames[OFFENSE].set_index(["game_id", "team_abbr"]).loc[sums.index]
    assert (offense.points_scored == sums.points).all()
    assert (offense.fg_attempts == sums.fg_attempts).all()
    assert (offense.team_paint_makes == sums.paint_makes).all()
    assert (offense.assists == sums.assists).all() and (sums.assists == sums.assisted_fg_makes).all()
    assert (offense.points_scored != offense.opponent_points).all(), "a tied game"
    assert (offense.win_flag == (offense.points_scored > offense.opponent_points)).all()
    assert offense.groupby("game_id").win_flag.sum().eq(1).all()


def test_team_defense_is_the_opponents_offense(frames):
    offense = frames[OFFENSE].set_index(["game_id", "team_abbr"])
    defense = frames[DEFENSE].set_index(["game_id", "opponent_team_abbr"])
    opponent = offense.loc[defense.index]
    assert (defense.points_allowed == opponent.points_scored).all()
    assert (defense.opp_fg_attempts == opponent.fg_attempts).all()
    assert (defense.turnovers_forced == opponent.turnovers).all()
    assert (defense.points_in_paint_allowed == 2 * opponent.team_paint_makes).all()
    assert (defense.win_flag == ~opponent.win_flag).all()
    assert np.allclose(defense.opponent_pace, opponent.possessions)
    mean_points = offense.points_scored.mean()
    assert 100 <= mean_points <= 120


# --- bookmaker lines and the oracle ---------------------------------------------------------------------------------


def test_most_rotation_players_have_a_pre_game_line(frames):
    p = frames[PLAYERS]
    pre = frames[PROPS][frames[PROPS].minutes_before_tipoff > 0]
    quoted = p.merge(pre[["game_id", "player_lookup"]].drop_duplicates(), how="left", indicator=True)
    heavy = quoted[quoted.minutes_played >= 25]
    assert (heavy._merge == "both").mean() >= 0.8
    bench = quoted[~quoted.is_dnp & (quoted.minutes_played < 8)]
    assert (bench._merge == "both").mean() < 0.3
    books = frames[PROPS].groupby(["game_id", "player_lookup"]).bookmaker.nunique()
    assert 0.8 <= (books == 2).mean() <= 0.97


def test_snapshots_bracket_tip_off(frames):
    props = frames[PROPS]
    tipoff = pd.to_datetime(props.game_date).dt.tz_localize("UTC") + pd.Timedelta(hours=19)
    in_game = props.minutes_before_tipoff < 0
    assert in_game.any() and (~in_game).any()
    assert (props.snapshot_timestamp[in_game] > tipoff[in_game]).all()
    assert (props.snapshot_timestamp[~in_game] < tipoff[~in_game]).all()
    assert (props.snapshot_timestamp == tipoff - pd.to_timedelta(props.minutes_before_tipoff, unit="m")).all()
    pre_per_quote = props[~in_game].groupby(["game_id", "player_lookup", "bookmaker"]).size()
    assert pre_per_quote.between(2, 3).all()
    assert (props.points_line % 1 == 0.5).all()


def test_only_in_game_lines_know_the_result(frames):
    actual = frames[PLAYERS][["game_id", "player_lookup", "points"]].merge(frames[ORACLE])
    in_game = frames[PROPS][frames[PROPS].minutes_before_tipoff < 0].merge(actual)
    closing = closing_lines(frames[PROPS]).merge(actual)

    def mae(rows, column):
        return (rows.points - rows[column]).abs().mean()

    # A pre-game line cannot beat the true expectation; one that peeked at the game would.
    assert mae(closing, "points_line") > mae(closing, "expected_points")
    assert mae(in_game, "points_line") < 0.6 * mae(in_game, "expected_points")


def test_only_late_scratches_of_injured_players_are_quoted(frames):
    p = frames[PLAYERS].sort_values("game_date")
    injured = p.dnp_reason == "injury"
    first_out = injured & ~injured.groupby([p.season_year, p.player_lookup]).shift(fill_value=False)
    quoted = p.merge(frames[PROPS][["game_id", "player_lookup"]].drop_duplicates(), how="left", indicator=True)
    quoted = (quoted._merge == "both").to_numpy()
    assert not quoted[(injured & ~first_out).to_numpy()].any(), "a line for a player already known to be out"
    regular = p.player_lookup.map(p[~p.is_dnp].groupby("player_lookup").minutes_played.mean() >= 25)
    late = quoted[(first_out & regular).to_numpy()].mean()
    assert 0.05 < late < 0.4


def test_lines_shade_stars_low_and_bench_high(frames):
    p = frames[PLAYERS].sort_values("game_date")
    # tiers by the season average before the game, as the tier adjustments define them
    by_player = [p.season_year, p.player_lookup]
    points, played = p.points.where(~p.is_dnp, 0), (~p.is_dnp).astype(int)
    games_before = played.groupby(by_player).cumsum() - played
    p["season_avg"] = (points.groupby(by_player).cumsum() - points) / games_before.where(games_before > 0)
    lines = closing_lines(frames[PROPS]).merge(p[~p.is_dnp][["game_id", "player_lookup", "points", "season_avg"]])
    edge = lines.points - lines.points_line
    stars = edge[lines.season_avg >= 25].mean()
    bench = edge[lines.season_avg < 10].mean()
    assert stars > 0.5 and bench < 0 and stars - bench > 1


def test_oracle_expectation_tracks_points(frames):
    p = frames[PLAYERS]
    oracle = frames[ORACLE].merge(p[["game_id", "player_lookup", "points", "is_dnp"]], how="left")
    assert len(oracle) == (~p.is_dnp).sum() and not oracle.is_dnp.any()
    assert np.corrcoef(oracle.points, oracle.expected_points)[0, 1] > 0.5
    assert 3 <= (oracle.points - oracle.expected_points).abs().mean() <= 8
    assert abs((oracle.points - oracle.expected_points).mean()) < 0.2


@pytest.mark.parametrize(
    ("kind", "parts"),
    [
        (pa.string(), [np.array(["Nikola Jokić", None, ""], dtype=object), np.array(["b"], dtype=object)]),
        (pa.float64(), [np.ma.masked_array([1.5, -0.0, np.nan], mask=[False, True, False]), np.array([2.0])]),
        (pa.int64(), [np.array([1, -2]), np.array([True, False])]),  # bools are stored as 1 and 0
        (pa.bool_(), [np.arange(11) % 3 == 0, np.array([True])]),  # more than a byte of bits
        (pa.date32(), [np.array(["2023-10-24", "1969-12-31"], dtype="datetime64[D]")]),
        (pa.timestamp("us", tz="UTC"), [np.array(["2023-10-24T18:55:00.000001"], dtype="datetime64[us]")]),
    ],
)
def test_a_column_from_buffers_is_what_pyarrow_array_makes_of_it(kind, parts):
    """The league's columns are built from Arrow buffers, without pyarrow.array() (which imports pandas)."""
    merged = np.ma.concatenate(parts)
    expected = pa.array(merged.data, type=kind, mask=np.ma.getmaskarray(merged) | np.equal(merged.data, None))
    built = _arrow_array(kind, parts)
    assert built.type == expected.type and repr(built.to_pylist()) == repr(expected.to_pylist())  # NaN, -0.0 too


def test_a_column_that_would_lose_its_fractions_is_refused():
    with pytest.raises(TypeError, match="cannot store float64 values as int64"):
        _arrow_array(pa.int64(), [np.array([1.5])])
