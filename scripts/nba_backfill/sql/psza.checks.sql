-- Expected PSZA rows per game date D: players who actually played on D (a non-DNP row dated D; outcomes are
-- fine in a check) and already had enough games before D for a row: >= the early-season minimum
-- (days since the opener <= 21 -> min(3 + floor(days / 3), 9), else 10) of active games with minutes or shots.
-- Independent of PSZA's pre-tip-off entity set, so a processor that silently drops players fails it.
WITH check_dates AS (
  SELECT DISTINCT game_date AS check_date
  FROM nba_reference.nba_schedule
  WHERE game_date BETWEEN @start_date AND @end_date AND game_status = 3 AND is_regular_season
),

player_games AS (
  SELECT player_lookup, game_date, is_active, is_dnp, minutes_played, fg_attempts
  FROM nba_analytics.player_game_summary
  WHERE game_date >= @season_start AND game_date <= @end_date
),

played_on_date AS (
  SELECT DISTINCT c.check_date, g.player_lookup
  FROM check_dates AS c
  JOIN player_games AS g ON g.game_date = c.check_date
  WHERE NOT COALESCE(g.is_dnp, COALESCE(g.minutes_played, 0) = 0)
),

games_before AS (
  SELECT p.check_date, p.player_lookup, COUNT(*) AS games
  FROM played_on_date AS p
  JOIN player_games AS g ON g.player_lookup = p.player_lookup AND g.game_date < p.check_date
  WHERE g.is_active AND (g.minutes_played > 0 OR g.fg_attempts > 0)
  GROUP BY p.check_date, p.player_lookup
)

SELECT
  c.check_date,
  COUNTIF(
    b.games >= IF(
      DATE_DIFF(c.check_date, @season_start, DAY) <= 21,
      LEAST(3 + DIV(DATE_DIFF(c.check_date, @season_start, DAY), 3), 9),
      10
    )
  ) AS expected_rows
FROM check_dates AS c
LEFT JOIN games_before AS b ON b.check_date = c.check_date
GROUP BY c.check_date
