-- Phase 5B grading (facts §6; SPEC "Grading"): every prediction of the date range against the player's box
-- score. A DNP (is_dnp, no points, or 0 points with no minutes) or a missing box score voids the row: errors,
-- margins and correctness stay NULL. prediction_correct is NULL for PASS / NO_LINE / no line / push / voided.
-- Only the backfill's systems (@system_ids): the platform's other systems grade their own rows.
WITH
predictions AS (
  SELECT player_lookup, game_id, game_date, system_id, team_abbr, opponent_team_abbr, predicted_points,
    adjusted_points, confidence_score, recommendation, current_points_line, has_prop_line
  FROM nba_predictions.player_prop_predictions
  WHERE game_date BETWEEN @start_date AND @end_date AND system_id IN UNNEST(@system_ids)
),
actuals AS (
  SELECT player_lookup, game_date, team_abbr, opponent_team_abbr, points, minutes_played, is_dnp
  FROM nba_analytics.player_game_summary
  WHERE game_date BETWEEN @start_date AND @end_date
),

joined AS (
  SELECT p.*,
    a.team_abbr AS actual_team_abbr, a.opponent_team_abbr AS actual_opponent_team_abbr,
    a.points AS actual_points, a.minutes_played,
    CASE
      WHEN a.player_lookup IS NULL THEN 'no_box_score'
      WHEN COALESCE(a.is_dnp, FALSE) OR a.points IS NULL
        OR (a.points = 0 AND COALESCE(a.minutes_played, 0) = 0) THEN 'dnp'
    END AS void_reason
  FROM predictions AS p
  LEFT JOIN actuals AS a ON a.player_lookup = p.player_lookup AND a.game_date = p.game_date
),
outcomes AS (  -- NULL actual for voided rows, so every outcome-based column below is NULL for them
  SELECT *,
    void_reason IS NOT NULL AS is_voided,
    IF(void_reason IS NULL, actual_points, NULL) AS graded_points
  FROM joined
)

SELECT
  player_lookup, game_id, game_date, system_id,
  COALESCE(actual_team_abbr, team_abbr) AS team_abbr,
  COALESCE(actual_opponent_team_abbr, opponent_team_abbr) AS opponent_team_abbr,
  predicted_points, adjusted_points, confidence_score,
  LEAST(10, CAST(FLOOR(confidence_score * 10) AS INT64) + 1) AS confidence_decile,
  recommendation,
  current_points_line AS line_value,
  COALESCE(has_prop_line, current_points_line IS NOT NULL) AS has_prop_line,
  actual_points, minutes_played,
  ABS(predicted_points - graded_points) AS absolute_error,
  predicted_points - graded_points AS signed_error,
  ABS(adjusted_points - graded_points) AS adjusted_absolute_error,
  adjusted_points - graded_points AS adjusted_signed_error,
  IF(recommendation IN ('OVER', 'UNDER') AND graded_points != current_points_line,
    (graded_points > current_points_line) = (recommendation = 'OVER'),
    NULL) AS prediction_correct,
  predicted_points - current_points_line AS predicted_margin,
  graded_points - current_points_line AS actual_margin,
  ABS(predicted_points - graded_points) <= 3 AS within_3_points,
  ABS(predicted_points - graded_points) <= 5 AS within_5_points,
  COALESCE(graded_points = current_points_line, FALSE) AS is_push,
  is_voided,
  void_reason
FROM outcomes
