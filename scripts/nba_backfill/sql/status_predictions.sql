-- Status (runbook "Validate Predictions Coverage"): @system_id's prediction dates and rows in one season.
SELECT
  COUNT(DISTINCT game_date) AS prediction_dates,
  COUNT(*) AS total_predictions
FROM nba_predictions.player_prop_predictions
WHERE game_date BETWEEN @start_date AND @end_date
  AND system_id = @system_id
