-- The irreducible error for one season: |actual - expected_points| of the synthetic league's oracle over the
-- non-voided @system_id rows (joined on player and date). Run only where nba_oracle exists (the embedded league).
WITH
graded AS (
  SELECT player_lookup, game_date, actual_points
  FROM nba_predictions.prediction_accuracy
  WHERE game_date BETWEEN @start_date AND @end_date
    AND system_id = @system_id
    AND NOT COALESCE(is_voided, FALSE)
    AND actual_points IS NOT NULL
),

oracle AS (
  SELECT player_lookup, game_date, expected_points
  FROM nba_oracle.player_game_expectations
  WHERE game_date BETWEEN @start_date AND @end_date
)

SELECT
  COUNT(*) AS oracle_rows,
  AVG(ABS(g.actual_points - o.expected_points)) AS oracle_mae
FROM graded AS g
JOIN oracle AS o ON o.player_lookup = g.player_lookup AND o.game_date = g.game_date
