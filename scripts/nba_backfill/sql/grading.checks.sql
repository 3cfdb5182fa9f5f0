-- Expected graded rows per date: every prediction of the date is graded (voided DNPs included).
WITH predictions AS (
  SELECT game_date
  FROM nba_predictions.player_prop_predictions
  WHERE game_date BETWEEN @start_date AND @end_date
)

SELECT game_date AS check_date, COUNT(*) AS expected_rows
FROM predictions
GROUP BY game_date
