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
    # column -> (low, high): values outside fail the chunk
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    # check name -> SQL predicate over the table's columns (and @first, @last) that is TRUE for an offending row:
    # a bound that depends on the row (e.g. on its date), where a constant range cannot state it
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
            f"range:{col}": (f"{col} < {lo} OR {col} > {hi}", f"outside [{lo}, {hi}]")
            for col, (lo, hi) in self.ranges.items()
        }
        bounds = {f"bound:{name}": (predicate, f"where {predicate}") for name, predicate in self.bounds.items()}
        return {**ranges, **bounds}


RATE = (0.0, 1.0)
PHASE4 = {
    p.name: p
    for p in (
        Processor(
            "tdza",
            "nba_precompute.team_defense_zone_analysis",
            ("analysis_date", "team_abbr"),
            reads=("nba_analytics.team_defense_game_summary",),
            ranges={
                "paint_pct_allowed_last_15": RATE,
                "mid_range_pct_allowed_last_15": RATE,
                "three_pt_pct_allowed_last_15": RATE,
                "league_paint_pct": RATE,
                "league_mid_range_pct": RATE,
                "league_three_pt_pct": RATE,
                "games_in_sample": (15, 15),
                "defensive_rating_last_15": (70, 160),
                "opponent_pace": (70, 130),
            },
        ),
        Processor(
            "psza",
            "nba_precompute.player_shot_zone_analysis",
            ("analysis_date", "player_lookup"),
            reads=("nba_analytics.player_game_summary",),
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
                "games_in_sample_10": (3, 10),
            },
        ),
        Processor(
            "pcf",
            "nba_precompute.player_composite_factors",
            ("game_date", "player_lookup"),
            upstream=("tdza", "psza"),
            reads=("nba_analytics.player_game_summary", "nba_analytics.team_offense_game_summary"),
            ranges={
                "fatigue_score": (0, 100),
                "shot_zone_mismatch_score": (-10, 10),
                "pace_score": (-3, 3),
                "usage_spike_score": (-3, 3),
                "total_composite_adjustment": (-30, 30),
                "data_completeness_pct": (0, 100),
            },
        ),
        Processor(
            "pdc",
            "nba_precompute.player_daily_cache",
            ("cache_date", "player_lookup"),
            upstream=("pcf", "psza"),
            reads=("nba_analytics.player_game_summary", "nba_analytics.team_offense_game_summary"),
            ranges={
                "points_avg_last_5": (0, 80),
                "points_avg_season": (0, 80),
                "ts_pct_last_10": (0, 1.5),
                "assisted_rate_last_10": RATE,
                "paint_rate_last_10": RATE,
                "three_pt_rate_last_10": RATE,
                "games_played_season": (3, 82),
                "games_in_last_7_days": (0, 6),
                "games_in_last_14_days": (0, 13),
                "minutes_avg_last_10": (0, 60),
                "usage_rate_last_10": (0, 100),
                "team_pace_last_10": (70, 130),
                "team_off_rating_last_10": (70, 160),
            },
        ),
        Processor(
            "mlfs",
            "nba_predictions.ml_feature_store_v2",
            ("game_date", "player_lookup"),
            upstream=("tdza", "psza", "pcf", "pdc"),
            reads=("nba_analytics.player_game_summary", "nba_analytics.team_offense_game_summary"),
            ranges={
                "fatigue_score": (0, 100),
                "shot_zone_mismatch_score": (-10, 10),
                "pace_score": (-3, 3),
                "usage_spike_score": (-3, 3),
                "rest_advantage": (-2, 2),
                "recent_trend": (-2, 2),
                "minutes_change": (-2, 2),
                "injury_risk": (0, 3),
                "home_away": (0, 1),
                "back_to_back": (0, 1),
                "playoff_game": (0, 1),
                "opponent_def_rating": (70, 160),
                "opponent_pace": (70, 130),
                "team_pace": (70, 130),
                "team_off_rating": (70, 160),
                "pct_paint": RATE,
                "pct_mid_range": RATE,
                "pct_three": RATE,
                "pct_free_throw": (0, 0.5),
                "team_win_pct": RATE,
                "feature_quality_score": (40, 100),
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
            ranges={"predicted_points": (0, 60), "confidence_score": RATE},
            later_columns=("scoring_tier", "tier_adjustment", "adjusted_points", "tier_as_of_date"),
        ),
        Processor(
            "grading",
            "nba_predictions.prediction_accuracy",
            ("game_date", "player_lookup", "system_id"),
            upstream=("predictions",),
            reads=("nba_analytics.player_game_summary",),
            ranges={"absolute_error": (0, 60), "confidence_decile": (1, 10)},
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
