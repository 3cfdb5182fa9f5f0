-- Expected prediction rows per date: two per feature-store row, because the two rule-based systems
-- (moving_average_baseline_v1, zone_matchup_v1) predict every player the feature store has; the learned,
-- similarity and ensemble systems add rows on top when they do not abstain.
WITH features AS (
  SELECT game_date
  FROM nba_predictions.ml_feature_store_v2
  WHERE game_date BETWEEN @start_date AND @end_date
)

SELECT game_date AS check_date, 2 * COUNT(*) AS expected_rows
FROM features
GROUP BY game_date
