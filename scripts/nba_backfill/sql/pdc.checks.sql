-- Expected PDC rows per game date: players on D's rosters (a PGS row on D, DNPs included: outcomes are fine in
-- a check) with at least 3 played games this season before D, the latest within 30 days of D (PDC's skip
-- rules, facts §2.4). Built from D's box scores, not from the pre-tip-off set, so a dropped player shows.
WITH
schedule AS (
  SELECT DISTINCT game_date AS check_date
  FROM nba_reference.nba_schedule
  WHERE game_date BETWEEN @start_date AND @end_date AND game_status = 3 AND is_regular_season
),
player_games AS (
  SELECT player_lookup, game_date, points, minutes_played, is_active, is_dnp
  FROM nba_analytics.player_game_summary
  WHERE game_date BETWEEN @season_start AND @end_date
),

flagged AS (
  SELECT player_lookup, game_date,
    COALESCE(is_active, FALSE) AND NOT COALESCE(is_dnp, FALSE) AND points IS NOT NULL
      AND (minutes_played > 0 OR points > 0) AS played
  FROM player_games
),
with_prior AS (  -- per roster row: the player's played games before it
  SELECT player_lookup, game_date,
    COUNTIF(played) OVER (PARTITION BY player_lookup ORDER BY game_date
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prior_games,
    MAX(IF(played, game_date, NULL)) OVER (PARTITION BY player_lookup ORDER BY game_date
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prior_game_date
  FROM flagged
),
expected AS (
  SELECT game_date, COUNT(DISTINCT player_lookup) AS players
  FROM with_prior
  WHERE game_date >= @start_date AND prior_games >= 3
    AND prior_game_date >= DATE_SUB(game_date, INTERVAL 30 DAY)
  GROUP BY game_date
)

SELECT s.check_date, COALESCE(e.players, 0) AS expected_rows
FROM schedule s
LEFT JOIN expected e ON e.game_date = s.check_date
