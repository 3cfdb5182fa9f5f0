-- Status (runbook "Validate Phase 4"): ML Feature Store coverage of one season.
SELECT
  MIN(game_date) AS first_date,
  MAX(game_date) AS last_date,
  COUNT(DISTINCT game_date) AS dates
FROM nba_predictions.ml_feature_store_v2
WHERE game_date BETWEEN @start_date AND @end_date
