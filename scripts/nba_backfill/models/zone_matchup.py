"""`zone_matchup_v1` (facts §4.3, with SPEC's sign fixes).

base = points_avg_season. Zone score per zone z (paint ×1.2, mid-range ×1.0, three ×1.1, free throw ×0.8):
clamp(0.3·(opponent_def_rating − 110)·mult_z, −3, 3) — a higher defensive rating is a worse defence, so more
points. Each zone's score is weighted by the player's share of it (pct_* fractions): ≥ 0.40 → 1.0, ≥ 0.20 → 0.7,
else 0.4. Context: pace 0.4·pace_score; venue +0.8 home / −0.8 away; fatigue (100 = fresh) < 50 → −1.5,
< 70 → −0.8. Clamped to [0, 60]; confidence and recommendation as §4.1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import Chunk, clamp_points, result_frame, rule_based_confidence, rule_based_recommendation

SYSTEM_ID = "zone_matchup_v1"
ZONES = {"pct_paint": 1.2, "pct_mid_range": 1.0, "pct_three": 1.1, "pct_free_throw": 0.8}


def zone_adjustment(opponent_def_rating, shares: pd.DataFrame) -> np.ndarray:
    rating = np.asarray(opponent_def_rating, dtype="float64")
    total = np.zeros(len(rating))
    for zone, mult in ZONES.items():
        score = np.clip(0.3 * (rating - 110.0) * mult, -3.0, 3.0)
        share = shares[zone].to_numpy()
        weight = np.where(share >= 0.40, 1.0, np.where(share >= 0.20, 0.7, 0.4))
        total = total + score * weight
    return total


def predict(chunk: Chunk) -> pd.DataFrame:
    f = chunk.filled
    zone_adj = zone_adjustment(f["opponent_def_rating"], f)
    pace_adj = 0.4 * f["pace_score"].to_numpy()
    venue_adj = np.where(chunk.is_home, 0.8, -0.8)
    fatigue = f["fatigue_score"].to_numpy()
    fatigue_adj = np.where(fatigue < 50, -1.5, np.where(fatigue < 70, -0.8, 0.0))
    predicted = clamp_points(f["points_avg_season"].to_numpy() + zone_adj + pace_adj + venue_adj + fatigue_adj)
    confidence = rule_based_confidence(f["points_std_last_10"], f["games_in_last_7_days"])
    return result_frame(
        np.arange(len(chunk)),
        predicted,
        confidence,
        rule_based_recommendation(predicted, confidence, chunk.line),
        fatigue_adjustment=fatigue_adj,
        shot_zone_adjustment=zone_adj,
        pace_adjustment=pace_adj,
        home_away_adjustment=venue_adj,
    )
