-- nba_reference.nba_schedule from the games in the box scores: each was played, so each is final (status 3).
SELECT
  game_id,
  game_date,
  season_year,
  team_abbr AS home_team_abbr,
  opponent_team_abbr AS away_team_abbr,
  3 AS game_status,
  TRUE AS is_regular_season
FROM team_box
WHERE home_game
