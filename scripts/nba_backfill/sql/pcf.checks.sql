-- Expected PCF rows per game date D: players who actually played on D (a non-DNP row dated D; outcomes are
-- fine in a check). Nearly all of them are in PCF's pre-tip-off set (they appeared in the 30 days before,
-- or have a line); counting them independently of that set's own logic means a processor that silently
-- drops players (a bad join, a wrong team or window) falls below the share and fails.
WITH check_dates AS (
  SELECT DISTINCT game_date AS check_date
  FROM nba_reference.nba_schedule
  WHERE game_date BETWEEN @start_date AND @end_date AND game_status = 3 AND is_regular_season
),

played_on_date AS (
  SELECT game_date, player_lookup
  FROM nba_analytics.player_game_summary
  WHERE game_date BETWEEN @start_date AND @end_date
    AND NOT COALESCE(is_dnp, COALESCE(minutes_played, 0) = 0)
)

SELECT c.check_date, COUNT(DISTINCT p.player_lookup) AS expected_rows
FROM check_dates AS c
LEFT JOIN played_on_date AS p ON p.game_date = c.check_date
GROUP BY c.check_date
