-- Phase 5A: apply the tier adjustments to @system_id's predictions (facts §5 "Application"; SPEC). A prediction
-- for D uses its tier's row with the latest as_of_date <= D (computed from games before that date, so from
-- games before D); only this season's key dates count (@season_start), so seasons stay independent. A correction
-- was shown to help the models that predicted its holdout (the later half of its lookback, tier_adjustments.sql),
-- so it is applied only to rows one of them predicted (same ml_model_id): a retrain after the key date (a new
-- stack, a new line weight) ends it. No such row or another model -> adjustment 0 and adjusted_points =
-- predicted_points, so 5C compares the same rows on both sides. Output: the predictions table's columns, for
-- @system_id's rows only (the replace owns just those, so every other system's rows on these dates stay as they are).
WITH
predictions AS (
  SELECT *
  FROM nba_predictions.player_prop_predictions
  WHERE game_date BETWEEN @start_date AND @end_date AND system_id = @system_id
),
adjustments AS (
  -- the median correction, scaled by tier, times the share that helped before the key date (0: none applied)
  SELECT as_of_date, scoring_tier, recommended_adjustment * scale_factor * adjustment_confidence AS tier_adjustment
  FROM nba_predictions.scoring_tier_adjustments
  WHERE system_id = @system_id AND as_of_date BETWEEN @season_start AND @end_date
),
holdout_models AS (  -- per key date, the models that predicted its holdout half ('' for a system without model ids)
  SELECT DISTINCT a.as_of_date, COALESCE(p.ml_model_id, '') AS model
  FROM (SELECT DISTINCT as_of_date FROM adjustments) AS a
  JOIN nba_predictions.player_prop_predictions AS p
    ON p.game_date >= DATE_SUB(a.as_of_date, INTERVAL DIV(@lookback_days, 2) DAY) AND p.game_date < a.as_of_date
  WHERE p.system_id = @system_id
    AND p.game_date BETWEEN DATE_SUB(@season_start, INTERVAL @lookback_days DAY) AND @end_date
),

tiered AS (  -- tier by the season average before the game (facts §5 classify_tier_by_season_avg)
  SELECT *,
    CASE
      WHEN season_avg_points >= 30 THEN 'STAR_30PLUS'
      WHEN season_avg_points >= 20 THEN 'STARTER_20_29'
      WHEN season_avg_points >= 10 THEN 'ROTATION_10_19'
      ELSE 'BENCH_0_9'  -- including no season average yet
    END AS tier
  FROM predictions
),
latest_adjustments AS (  -- per (date, tier): the newest adjustment dated on or before the game date
  SELECT d.game_date, d.tier, a.as_of_date, a.tier_adjustment
  FROM (SELECT DISTINCT game_date, tier FROM tiered) AS d
  JOIN adjustments AS a ON a.scoring_tier = d.tier
  WHERE a.as_of_date <= d.game_date
  QUALIFY ROW_NUMBER() OVER (PARTITION BY d.game_date, d.tier ORDER BY a.as_of_date DESC) = 1
),
adjusted AS (
  SELECT t.*,
    IF(h.model IS NULL, 0, l.tier_adjustment) AS new_tier_adjustment,
    IF(h.model IS NULL, NULL, l.as_of_date) AS new_tier_as_of_date
  FROM tiered AS t
  LEFT JOIN latest_adjustments AS l ON l.game_date = t.game_date AND l.tier = t.tier
  LEFT JOIN holdout_models AS h ON h.as_of_date = l.as_of_date AND h.model = COALESCE(t.ml_model_id, '')
)

SELECT * EXCEPT (tier, new_tier_adjustment, new_tier_as_of_date) REPLACE (
  tier AS scoring_tier,
  new_tier_adjustment AS tier_adjustment,
  predicted_points + new_tier_adjustment AS adjusted_points,
  new_tier_as_of_date AS tier_as_of_date
)
FROM adjusted
