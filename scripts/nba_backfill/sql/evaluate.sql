-- Quality report for one season (@start_date..@end_date): per system, MAE and bias (signed error = predicted -
-- actual, so > 0 over-predicts) over non-voided graded rows, the win rate over graded recommendations
-- (prediction_correct not NULL: OVER/UNDER with a line, no push, not voided), and the system's MAE on the rows
-- that have a book line. Beside them, the book line's own MAE (|actual - line|) over the non-voided @system_id
-- rows with a line: the bar a points model has to clear.
WITH
graded AS (
  SELECT system_id, game_date, player_lookup, absolute_error, signed_error, prediction_correct, line_value,
    actual_points, COALESCE(is_voided, FALSE) AS is_voided
  FROM nba_predictions.prediction_accuracy
  WHERE game_date BETWEEN @start_date AND @end_date
),

per_system AS (
  SELECT
    system_id,
    COUNT(*) AS n_rows,
    COUNTIF(NOT is_voided AND absolute_error IS NOT NULL) AS graded,
    AVG(IF(is_voided, NULL, absolute_error)) AS mae,
    AVG(IF(is_voided, NULL, signed_error)) AS bias,
    AVG(IF(is_voided OR line_value IS NULL, NULL, absolute_error)) AS mae_line_rows,
    COUNTIF(prediction_correct IS NOT NULL) AS bets,
    COUNTIF(prediction_correct) AS wins
  FROM graded
  GROUP BY system_id
),

book AS (
  SELECT
    COUNT(*) AS line_rows,
    AVG(ABS(actual_points - line_value)) AS line_mae
  FROM graded
  WHERE system_id = @system_id AND NOT is_voided AND actual_points IS NOT NULL AND line_value IS NOT NULL
)

SELECT
  s.system_id, s.n_rows, s.graded, s.mae, s.bias, s.mae_line_rows, s.bets, s.wins,
  SAFE_DIVIDE(s.wins, s.bets) AS win_rate,
  b.line_rows, b.line_mae
FROM per_system AS s
CROSS JOIN book AS b
ORDER BY s.system_id
