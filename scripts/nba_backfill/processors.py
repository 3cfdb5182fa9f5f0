"""The processor registry: name -> its SQL, output table, key, upstream, and checks.

A processor's SQL is `sql/<name>.sql` (BigQuery dialect; parameters @start_date, @end_date, @season_start)
and its expected row counts per date are `sql/<name>.checks.sql`; the grain sentence is the output table's
(schemas/<table>.json). `predictions` has no SQL of its own: its rows come from the Python systems in
`models/`. Pure data: importing this module costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"


def sql_text(name: str) -> str:
    """A statement from sql/ by file stem (processors, their inputs, and season-level steps)."""
    return (SQL_DIR / f"{name}.sql").read_text()


@dataclass(frozen=True)
class Processor:
    name: str
    table: str
    key: tuple[str, ...]
    # processors of the same chunk that must be marked first (the DAG's edges)
    upstream: tuple[str, ...] = ()
    # Phase 3 tables whose partitions must exist on every game date of the chunk before the job writes
    # (upstream processors are checked on the dates their own checks expect rows)
    reads: tuple[str, ...] = ()
    # column -> (low, high): values outside fail the chunk; high None: the rules set no upper limit
    ranges: dict[str, tuple[float, float | None]] = field(default_factory=dict)
    # check name -> SQL predicate over the table's columns (and @first, @last, @season_start) that is TRUE for an
    # offending row: a bound that depends on the row (e.g. on its date), where a constant range cannot state it
    bounds: dict[str, str] = field(default_factory=dict)
    # columns a later step fills in (the tier step, on predictions): not part of the chunk's fingerprint
    later_columns: tuple[str, ...] = ()

    @property
    def date_column(self) -> str:
        return self.key[0]

    def sql(self) -> str:
        return sql_text(self.name)

    def checks_sql(self) -> str:
        return sql_text(f"{self.name}.checks")

    def violations(self) -> dict[str, tuple[str, str]]:
        """Every value check by its name (`range:<column>`, `bound:<name>`) -> (the predicate TRUE for an offending
        row, what an offending row is, for the failure's message)."""
        ranges = {
            f"range:{col}": (f"{col} < {lo}", f"below {lo}")
            if hi is None
            else (f"{col} < {lo} OR {col} > {hi}", f"outside [{lo}, {hi}]")
            for col, (lo, hi) in self.ranges.items()
        }
        bounds = {f"bound:{name}": (predicate, f"where {predicate}") for name, predicate in self.bounds.items()}
        return {**ranges, **bounds}


# Every bound below follows from the rules of the game or from the column's formula, never from what one season
# showed: a real season must not break one (a traded player's 86 games, a seconds-long appearance's usage).
# An upper bound None is one the rules do not set (a game's overtimes, a player's points, a rating's points
# per possession have no limit).
RATE = (0.0, 1.0)  # a share of a whole: makes of attempts, attempts of all attempts, assisted makes of makes, wins
NON_NEGATIVE = (0.0, None)  # points, minutes; ratings and pace (points per 100 possessions, possessions per 48)
# fatigue starts at 100 and is clamped to [0, 100]; the other PCF scores are clamped as SPEC states
FATIGUE, SHOT_ZONE, PACE_SCORE, USAGE_SPIKE = (0, 100), (-10, 10), (-3, 3), (-3, 3)
# a usage rate is the share x 100 of his team's plays he used while on the floor: at most all of them (Phase 3
# leaves a game's usage NULL where the estimate of the team's plays in his minutes says more, as upstream does),
# and a minutes-weighted mean of values in [0, 100] stays in [0, 100]
USAGE = (0, 100)
# true shooting PTS / (2 (FGA + 0.44 FTA)) is highest for a made three (3 / 2): an and-one is 4 / 2.88, a free
# throw 1 / 0.88; a rate of the window's sums is at most its best game's
TRUE_SHOOTING = (0, 1.5)
# a player plays at most one game a day, and a season's windows start at its opener (@season_start): at most one
# game per day from the opener to D - 1. (The 82-game schedule does not bound him: traded, he can play more.)
ONE_GAME_A_DAY = "{count} > DATE_DIFF({date}, @season_start, DAY)"
# the entity's day windows: D-7 < game < D is 6 days, D-14 < game < D is 13
LAST_7_DAYS, LAST_14_DAYS = (0, 6), (0, 13)
PHASE4 = {
    p.name: p
    for p in (
        Processor(
            "tdza",
            "nba_precompute.team_defense_zone_analysis",
            ("analysis_date", "team_abbr"),
            reads=("nba_analytics.team_defense_game_summary",),
            # the pcts are makes over attempts summed over the window; the ratings and pace are means over 15
            # whole games (each ~100 possessions and >= 48 minutes: no denominator near zero, so a game's rate
            # cannot dominate the mean)
            ranges={
                "paint_pct_allowed_last_15": RATE,
                "mid_range_pct_allowed_last_15": RATE,
                "three_pt_pct_allowed_last_15": RATE,
                "league_paint_pct": RATE,
                "league_mid_range_pct": RATE,
                "league_three_pt_pct": RATE,
                "games_in_sample": (15, 15),  # the last 15 games, and no row before a team has 15
                "defensive_rating_last_15": NON_NEGATIVE,
                "opponent_pace": NON_NEGATIVE,
            },
        ),
        Processor(
            "psza",
            "nba_precompute.player_shot_zone_analysis",
            ("analysis_date", "player_lookup"),
            reads=("nba_analytics.player_game_summary",),
            # every rate is a ratio of the window's sums (zone attempts / attempts, makes / attempts)
            ranges={
                "paint_rate_last_10": RATE,
                "mid_range_rate_last_10": RATE,
                "three_pt_rate_last_10": RATE,
                "paint_pct_last_10": RATE,
                "mid_range_pct_last_10": RATE,
                "three_pt_pct_last_10": RATE,
                "assisted_rate_last_10": RATE,
                "unassisted_rate_last_10": RATE,
                "paint_rate_last_20": RATE,
                "paint_pct_last_20": RATE,
                "games_in_sample_10": (3, 10),  # the skip rule (>= 3 games) and the window (the last 10)
            },
        ),
        Processor(
            "pcf",
            "nba_precompute.player_composite_factors",
            ("game_date", "player_lookup"),
            upstream=("tdza", "psza"),
            reads=("nba_analytics.player_game_summary", "nba_analytics.team_offense_game_summary"),
            ranges={
                "fatigue_score": FATIGUE,
                "shot_zone_mismatch_score": SHOT_ZONE,
                "pace_score": PACE_SCORE,
                "usage_spike_score": USAGE_SPIKE,
                # (fatigue - 100) / 20 in [-5, 0], plus the three clamped scores
                "total_composite_adjustment": (-5 - 10 - 3 - 3, 0 + 10 + 3 + 3),
                "data_completeness_pct": (0, 100),  # 20 x the inputs present, of five
                "games_in_last_7_days": LAST_7_DAYS,
                "usage_rate_last_3_games": USAGE,
                "season_usage_rate": USAGE,
                "avg_usage_rate_last_7_games": USAGE,
            },
        ),
        Processor(
            "pdc",
            "nba_precompute.player_daily_cache",
            ("cache_date", "player_lookup"),
            upstream=("pcf", "psza"),
            reads=("nba_analytics.player_game_summary", "nba_analytics.team_offense_game_summary"),
            ranges={
                "points_avg_last_5": NON_NEGATIVE,
                "points_avg_season": NON_NEGATIVE,
                "ts_pct_last_10": TRUE_SHOOTING,
                "assisted_rate_last_10": RATE,
                "paint_rate_last_10": RATE,
                "three_pt_rate_last_10": RATE,
                "games_played_season": (3, None),  # the skip rule; the top is the row's own (one_game_a_day)
                "games_in_last_7_days": LAST_7_DAYS,
                "games_in_last_14_days": LAST_14_DAYS,
                # a game lasts 48 + 5 per overtime minutes, and the rules set no limit on overtimes
                "minutes_avg_last_10": NON_NEGATIVE,
                "usage_rate_last_10": USAGE,
                "player_usage_rate_season": USAGE,
                "team_pace_last_10": NON_NEGATIVE,
                "team_off_rating_last_10": NON_NEGATIVE,
            },
            bounds={
                "one_game_a_day": ONE_GAME_A_DAY.format(count="games_played_season", date="cache_date"),
                # the 7-day window lies inside the 14-day one
                "week_within_fortnight": "minutes_in_last_7_days > minutes_in_last_14_days",
            },
        ),
        Processor(
            "mlfs",
            "nba_predictions.ml_feature_store_v2",
            ("game_date", "player_lookup"),
            upstream=("tdza", "psza", "pcf", "pdc"),
            reads=("nba_analytics.player_game_summary", "nba_analytics.team_offense_game_summary"),
            ranges={
                "fatigue_score": FATIGUE,
                "shot_zone_mismatch_score": SHOT_ZONE,
                "pace_score": PACE_SCORE,
                "usage_spike_score": USAGE_SPIKE,
                # the feature formulas' own clamps and steps (facts, ML feature store)
                "rest_advantage": (-2, 2),
                "recent_trend": (-2, 2),
                "minutes_change": (-2, 2),
                "injury_risk": (0, 3),
                "home_away": (0, 1),
                "back_to_back": (0, 1),
                "playoff_game": (0, 1),
                "opponent_def_rating": NON_NEGATIVE,
                "opponent_pace": NON_NEGATIVE,
                "team_pace": NON_NEGATIVE,
                "team_off_rating": NON_NEGATIVE,
                "pct_paint": RATE,
                "pct_mid_range": RATE,
                "pct_three": RATE,
                "pct_free_throw": (0, 0.5),  # free-throw points of all points, clamped to [0, 0.5] as upstream
                "team_win_pct": RATE,
                "feature_quality_score": (40, 100),  # the mean of per-feature scores 100, 75 or 40
                "feature_count": (25, 25),
            },
        ),
    )
}


PHASE5 = {
    p.name: p
    for p in (
        Processor(
            "predictions",
            "nba_predictions.player_prop_predictions",
            ("game_date", "player_lookup", "system_id"),
            upstream=("mlfs",),
            # every system's points are clamped to [0, 60] (models.common.clamp_points); confidences are shares
            ranges={"predicted_points": (0, 60), "confidence_score": RATE},
            later_columns=("scoring_tier", "tier_adjustment", "adjusted_points", "tier_as_of_date"),
        ),
        Processor(
            "grading",
            "nba_predictions.prediction_accuracy",
            ("game_date", "player_lookup", "system_id"),
            upstream=("predictions",),
            reads=("nba_analytics.player_game_summary",),
            ranges={"absolute_error": NON_NEGATIVE, "confidence_decile": (1, 10)},
            # |predicted - actual| of two non-negative numbers is at most the larger
            bounds={"error_within_points": "absolute_error > GREATEST(predicted_points, actual_points)"},
        ),
    )
}

PROCESSORS = {**PHASE4, **PHASE5}

# Season-level table written by the tier-adjustment step (phase5a), checked like a processor's output.
TIERS = Processor(
    "tier_adjustments",
    "nba_predictions.scoring_tier_adjustments",
    ("as_of_date", "system_id", "scoring_tier"),
    ranges={"adjustment_confidence": RATE, "scale_factor": RATE, "recommended_adjustment": (-20, 20)},
)
