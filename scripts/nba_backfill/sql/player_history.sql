-- Every player game of the season up to @end_date, for the Python prediction systems' history (similarity
-- matching, recent form). Each system uses only the rows dated before its prediction date.
-- DNP (as in grading): is_dnp, or no points, or 0 points with no minutes. days_rest counts from the player's
-- previous game he played this season (a DNP is not a game played); NULL before his first.
WITH
player_games AS (
  SELECT player_lookup, game_id, game_date, team_abbr, opponent_team_abbr, home_game, points, minutes_played,
    is_dnp
  FROM nba_analytics.player_game_summary
  WHERE game_date BETWEEN @season_start AND @end_date
),
team_defense AS (  -- TDZA for date D is built from games before D, so it is pre-game knowledge
  SELECT analysis_date, team_abbr, defensive_rating_last_15
  FROM nba_precompute.team_defense_zone_analysis
  WHERE analysis_date BETWEEN @season_start AND @end_date
),

flagged_games AS (
  SELECT *,
    COALESCE(is_dnp, FALSE) OR points IS NULL OR (points = 0 AND COALESCE(minutes_played, 0) = 0) AS dnp
  FROM player_games
),
with_previous AS (
  SELECT *,
    MAX(IF(dnp, NULL, game_date)) OVER (
      PARTITION BY player_lookup ORDER BY game_date ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS previous_played_date
  FROM flagged_games
)

SELECT
  g.player_lookup, g.game_id, g.game_date, g.team_abbr, g.points, g.minutes_played,
  g.home_game AS is_home,
  DATE_DIFF(g.game_date, g.previous_played_date, DAY) AS days_rest,
  g.opponent_team_abbr,
  t.defensive_rating_last_15 AS opponent_def_rating,
  g.dnp AS is_dnp
FROM with_previous AS g
LEFT JOIN team_defense AS t
  ON t.analysis_date = g.game_date AND t.team_abbr = g.opponent_team_abbr
