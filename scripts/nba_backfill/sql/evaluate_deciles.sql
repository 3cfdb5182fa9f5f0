-- Does confidence mean something? For one season (@start_date..@end_date) and each system, its non-voided graded
-- rows cut into ten equal groups by confidence_score (1 = least confident; ties broken by date and player), with
-- each group's MAE: it should fall as confidence rises.
WITH
graded AS (
  SELECT system_id, game_date, player_lookup, confidence_score, absolute_error
  FROM nba_predictions.prediction_accuracy
  WHERE game_date BETWEEN @start_date AND @end_date
    AND NOT COALESCE(is_voided, FALSE)
    AND absolute_error IS NOT NULL
    AND confidence_score IS NOT NULL
),

ranked AS (
  SELECT *,
    NTILE(10) OVER (PARTITION BY system_id ORDER BY confidence_score, game_date, player_lookup) AS decile
  FROM graded
)

SELECT system_id, decile, COUNT(*) AS n, AVG(confidence_score) AS confidence, AVG(absolute_error) AS mae
FROM ranked
GROUP BY system_id, decile
ORDER BY system_id, decile
