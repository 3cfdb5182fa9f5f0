-- Status (runbook "Validate Grading Coverage"): @system_id's graded dates, rows and mean absolute error in one
-- season. As in the runbook, every row counts and AVG skips the NULL errors of voided rows.
SELECT
  COUNT(DISTINCT game_date) AS graded_dates,
  COUNT(*) AS total_graded,
  AVG(absolute_error) AS avg_mae
FROM nba_predictions.prediction_accuracy
WHERE game_date BETWEEN @start_date AND @end_date
  AND system_id = @system_id
