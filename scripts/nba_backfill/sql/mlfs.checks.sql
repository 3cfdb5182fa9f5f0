-- Expected MLFS rows per game date: players on D's rosters (a PGS row on D, DNPs included: outcomes are fine
-- in a check) who appeared (a non-DNP row) in the 30 days before D. Built from D's box scores, not from the
-- pre-tip-off set, so a dropped player shows; players listed only by a prop line come on top.
WITH
schedule AS (
  SELECT DISTINCT game_date AS check_date
  FROM nba_reference.nba_schedule
  WHERE game_date BETWEEN @start_date AND @end_date AND game_status = 3 AND is_regular_season
),
player_games AS (
  SELECT player_lookup, game_date, minutes_played, is_dnp
  FROM nba_analytics.player_game_summary
  WHERE game_date BETWEEN @season_start AND @end_date
),

with_prior AS (  -- per roster row: the player's latest appearance before it
  SELECT player_lookup, game_date,
    MAX(IF(COALESCE(NOT is_dnp, minutes_played > 0), game_date, NULL)) OVER (
      PARTITION BY player_lookup ORDER BY game_date ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS prior_appearance
  FROM player_games
),
expected AS (
  SELECT game_date, COUNT(DISTINCT player_lookup) AS players
  FROM with_prior
  WHERE game_date >= @start_date AND prior_appearance >= DATE_SUB(game_date, INTERVAL 30 DAY)
  GROUP BY game_date
)

SELECT s.check_date, COALESCE(e.players, 0) AS expected_rows
FROM schedule s
LEFT JOIN expected e ON e.game_date = s.check_date
