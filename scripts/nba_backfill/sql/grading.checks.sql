-- Expected graded rows per date: every prediction of the backfill's systems (@system_ids) on the date is graded
-- (voided DNPs included).
WITH predictions AS (
  SELECT game_date
  FROM nba_predictions.player_prop_predictions
  WHERE game_date BETWEEN @start_date AND @end_date AND system_id IN UNNEST(@system_ids)
)

SELECT game_date AS check_date, COUNT(*) AS expected_rows
FROM predictions
GROUP BY game_date
