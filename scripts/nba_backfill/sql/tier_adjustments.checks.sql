-- After the tier adjustments are applied to a season: every row of the adjusted system carries a tier and an
-- adjusted prediction, and no row of the backfill's other systems (@system_ids) does; the platform's own
-- systems' rows on these dates are not the backfill's to judge.
WITH predictions AS (
  SELECT system_id, scoring_tier, adjusted_points
  FROM nba_predictions.player_prop_predictions
  WHERE game_date BETWEEN @start_date AND @end_date AND system_id IN UNNEST(@system_ids)
)

SELECT
  COUNTIF(system_id = @system_id) AS adjusted_system_rows,
  COUNTIF(system_id = @system_id AND (scoring_tier IS NULL OR adjusted_points IS NULL)) AS unadjusted_rows,
  COUNTIF(system_id != @system_id AND scoring_tier IS NOT NULL) AS stray_rows
FROM predictions
