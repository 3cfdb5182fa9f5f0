-- Phase 6 publishing (facts §3.8; SPEC "Publishing (6)"): one season's graded rows of one system (@system_id,
-- publish.system_id) with the context the JSON files show. One row per (game_date, player_lookup); voided (DNP) rows
-- included, so the files can show them as VOID. Shaping into JSON happens in publish/documents.py.
--   context: MLFS of the same date and player (points_avg_season = features[2] for the player tier,
--            back_to_back = features[16], is_home, days_rest, fatigue_score); PGS for the player's full name.
--   prior_decided / prior_wins: the player's decided picks (prediction_correct not NULL: no PASS, NO_LINE, push
--            or void) of this system on earlier dates of the season, for best bets' "prior hit rate" — strictly
--            before the date, and within the season (seasons never read each other).
WITH
graded AS (
  SELECT player_lookup, game_id, game_date, team_abbr, opponent_team_abbr, predicted_points, confidence_score,
    recommendation, line_value, actual_points, minutes_played, absolute_error, signed_error, prediction_correct,
    within_3_points, within_5_points, is_push, is_voided, void_reason
  FROM nba_predictions.prediction_accuracy
  WHERE game_date BETWEEN @start_date AND @end_date
    AND system_id = @system_id
),
prior AS (
  SELECT player_lookup, game_date,
    SUM(IF(prediction_correct IS NOT NULL, 1, 0)) OVER (
      PARTITION BY player_lookup ORDER BY game_date ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS prior_decided,
    SUM(IF(prediction_correct, 1, 0)) OVER (
      PARTITION BY player_lookup ORDER BY game_date ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS prior_wins
  FROM graded
),
features AS (
  SELECT game_date, player_lookup, is_home, days_rest, points_avg_season, back_to_back, fatigue_score
  FROM nba_predictions.ml_feature_store_v2
  WHERE game_date BETWEEN @start_date AND @end_date
),
names AS (
  SELECT game_date, player_lookup, ANY_VALUE(player_full_name) AS player_full_name
  FROM nba_analytics.player_game_summary
  WHERE game_date BETWEEN @start_date AND @end_date
  GROUP BY game_date, player_lookup
)

SELECT
  g.game_date,
  g.player_lookup,
  n.player_full_name,
  g.game_id,
  g.team_abbr AS team,
  g.opponent_team_abbr AS opponent,
  g.predicted_points AS predicted,
  g.confidence_score AS confidence,
  g.recommendation,
  g.line_value AS line,
  g.actual_points AS actual,
  g.minutes_played AS minutes,
  g.absolute_error AS error,
  g.signed_error AS bias,
  g.prediction_correct AS correct,
  g.within_3_points AS within_3,
  g.within_5_points AS within_5,
  COALESCE(g.is_push, FALSE) AS is_push,
  COALESCE(g.is_voided, FALSE) AS is_voided,
  g.void_reason,
  f.points_avg_season AS season_avg,
  f.is_home,
  f.days_rest,
  f.back_to_back > 0 AS is_back_to_back,
  f.fatigue_score,
  COALESCE(p.prior_decided, 0) AS prior_decided,
  COALESCE(p.prior_wins, 0) AS prior_wins
FROM graded AS g
LEFT JOIN prior AS p ON p.player_lookup = g.player_lookup AND p.game_date = g.game_date
LEFT JOIN features AS f ON f.player_lookup = g.player_lookup AND f.game_date = g.game_date
LEFT JOIN names AS n ON n.player_lookup = g.player_lookup AND n.game_date = g.game_date
ORDER BY g.game_date, g.player_lookup
