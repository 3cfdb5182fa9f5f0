-- The walk-forward training set for the learned systems: feature-store rows dated from @training_start (the first
-- season they train on: the current one or up to predictions.training_seasons earlier) to before @before_date (the
-- last retrain window's first date; SPEC "No look-ahead") with the points the player then scored. DNPs are left
-- out (same rule as grading's voiding), so the models learn from games actually played.
WITH
features AS (
  SELECT *
  FROM nba_predictions.ml_feature_store_v2
  WHERE game_date >= @training_start AND game_date < @before_date
),
actuals AS (
  SELECT player_lookup, game_date, points, minutes_played, is_dnp
  FROM nba_analytics.player_game_summary
  WHERE game_date >= @training_start AND game_date < @before_date
),

played AS (
  SELECT player_lookup, game_date, points
  FROM actuals
  WHERE NOT COALESCE(is_dnp, FALSE)
    AND points IS NOT NULL
    AND NOT (points = 0 AND COALESCE(minutes_played, 0) = 0)
)

SELECT f.*, p.points AS actual_points
FROM features AS f
JOIN played AS p
  ON p.player_lookup = f.player_lookup AND p.game_date = f.game_date
