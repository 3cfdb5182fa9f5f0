"""`moving_average_baseline_v1` (facts §4.2, with SPEC's fatigue sign fix).

base = 0.5·points_avg_last_5 + 0.3·points_avg_last_10 + 0.2·points_avg_season, plus:
- fatigue (fatigue_score 0–100, 100 = fresh): < 50 → −2.5, < 70 → −1.0, else 0; a back-to-back adds −1.5
  (stored together as fatigue_adjustment: both are rest/fatigue);
- shot zone 0.3·shot_zone_mismatch_score; pace 0.3·pace_score; usage 0.4·usage_spike_score;
- venue +0.5 at home, −0.5 away.
Clamped to [0, 60]. Confidence and recommendation: the rule-based ones of §4.1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import Chunk, clamp_points, result_frame, rule_based_confidence, rule_based_recommendation

SYSTEM_ID = "moving_average_baseline_v1"


def back_to_back(chunk: Chunk) -> np.ndarray:
    """The back_to_back feature; when it is NULL, a game the day after the player's previous one."""
    feature = chunk.raw["back_to_back"].to_numpy()
    return np.where(np.isnan(feature), chunk.days_rest == 1, feature == 1)


def predict(chunk: Chunk) -> pd.DataFrame:
    f = chunk.filled
    base = 0.5 * f["points_avg_last_5"] + 0.3 * f["points_avg_last_10"] + 0.2 * f["points_avg_season"]
    fatigue = f["fatigue_score"].to_numpy()
    fatigue_adj = np.where(fatigue < 50, -2.5, np.where(fatigue < 70, -1.0, 0.0))
    fatigue_adj = fatigue_adj + np.where(back_to_back(chunk), -1.5, 0.0)
    zone_adj = 0.3 * f["shot_zone_mismatch_score"].to_numpy()
    pace_adj = 0.3 * f["pace_score"].to_numpy()
    usage_adj = 0.4 * f["usage_spike_score"].to_numpy()
    venue_adj = np.where(chunk.is_home, 0.5, -0.5)
    predicted = clamp_points(base.to_numpy() + fatigue_adj + zone_adj + pace_adj + usage_adj + venue_adj)
    confidence = rule_based_confidence(f["points_std_last_10"], f["games_in_last_7_days"])
    return result_frame(
        np.arange(len(chunk)),
        predicted,
        confidence,
        rule_based_recommendation(predicted, confidence, chunk.line),
        fatigue_adjustment=fatigue_adj,
        shot_zone_adjustment=zone_adj,
        pace_adjustment=pace_adj,
        usage_spike_adjustment=usage_adj,
        home_away_adjustment=venue_adj,
    )
