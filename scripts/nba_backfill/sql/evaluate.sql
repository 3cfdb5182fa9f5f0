-- Quality report for one season (@start_date..@end_date), per system: MAE and bias (signed error = predicted -
-- actual, so > 0 over-predicts) over its non-voided graded rows; the same MAE over the common rows (the player-games
-- every system of the season predicted, so systems are compared like for like); over its rows with a book line,
-- its MAE beside the line's own (|actual - line|: the bar a points model has to clear) and the hit rate of its
-- graded OVER/UNDER calls (prediction_correct not NULL: a line, no push, not voided).
WITH
graded AS (
  SELECT system_id, game_date, player_lookup, absolute_error, signed_error, prediction_correct, line_value,
    actual_points
  FROM nba_predictions.prediction_accuracy
  WHERE game_date BETWEEN @start_date AND @end_date
    AND NOT COALESCE(is_voided, FALSE)
    AND absolute_error IS NOT NULL
),
all_rows AS (
  SELECT system_id, COUNT(*) AS n_rows
  FROM nba_predictions.prediction_accuracy
  WHERE game_date BETWEEN @start_date AND @end_date
  GROUP BY system_id
),

common_games AS (  -- player-games that every system graded this season predicted
  SELECT game_date, player_lookup
  FROM graded
  GROUP BY game_date, player_lookup
  HAVING COUNT(DISTINCT system_id) = (SELECT COUNT(DISTINCT system_id) FROM graded)
),
per_system AS (
  SELECT
    g.system_id,
    COUNT(*) AS graded,
    AVG(g.absolute_error) AS mae,
    AVG(g.signed_error) AS bias,
    COUNTIF(c.game_date IS NOT NULL) AS common_rows,
    AVG(IF(c.game_date IS NOT NULL, g.absolute_error, NULL)) AS mae_common,
    COUNTIF(g.line_value IS NOT NULL) AS line_rows,
    AVG(IF(g.line_value IS NULL, NULL, g.absolute_error)) AS mae_line_rows,
    AVG(IF(g.line_value IS NULL, NULL, ABS(g.actual_points - g.line_value))) AS line_mae,
    COUNTIF(g.prediction_correct IS NOT NULL) AS bets,
    COUNTIF(g.prediction_correct) AS wins
  FROM graded AS g
  LEFT JOIN common_games AS c ON c.game_date = g.game_date AND c.player_lookup = g.player_lookup
  GROUP BY g.system_id
)

SELECT
  a.system_id, a.n_rows, COALESCE(s.graded, 0) AS graded, s.mae, s.bias, COALESCE(s.common_rows, 0) AS common_rows,
  s.mae_common, COALESCE(s.line_rows, 0) AS line_rows, s.mae_line_rows, s.line_mae,
  COALESCE(s.bets, 0) AS bets, COALESCE(s.wins, 0) AS wins,
  SAFE_DIVIDE(s.wins, s.bets) AS win_rate
FROM all_rows AS a
LEFT JOIN per_system AS s ON s.system_id = a.system_id
ORDER BY a.system_id
