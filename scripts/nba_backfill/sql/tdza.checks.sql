-- Expected TDZA rows per game date D: teams with >= 15 scheduled games this season before D.
-- Counted from the schedule, not from the team table TDZA reads, so a team whose game rows went missing
-- (and silently lost its TDZA row) still counts as expected.
WITH schedule AS (
  SELECT game_date, home_team_abbr, away_team_abbr
  FROM nba_reference.nba_schedule
  WHERE game_date >= @season_start AND game_date <= @end_date AND game_status = 3 AND is_regular_season
),

check_dates AS (
  SELECT DISTINCT game_date AS check_date
  FROM schedule
  WHERE game_date >= @start_date
),

team_games AS (
  SELECT game_date, home_team_abbr AS team_abbr FROM schedule
  UNION ALL
  SELECT game_date, away_team_abbr AS team_abbr FROM schedule
),

prior_games AS (
  SELECT c.check_date, t.team_abbr, COUNT(*) AS games
  FROM check_dates AS c
  JOIN team_games AS t ON t.game_date < c.check_date
  GROUP BY c.check_date, t.team_abbr
)

SELECT c.check_date, COUNTIF(p.games >= 15) AS expected_rows
FROM check_dates AS c
LEFT JOIN prior_games AS p ON p.check_date = c.check_date
GROUP BY c.check_date
