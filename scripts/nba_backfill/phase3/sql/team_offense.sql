-- nba_analytics.team_offense_game_summary from team_box.sql (formulas there). No shot locations in a box
-- score: the paint / mid-range columns stay NULL.
SELECT
  game_id,
  game_date,
  team_abbr,
  opponent_team_abbr,
  season_year,
  home_game,
  points > opponent_points AS win_flag,
  points AS points_scored,
  opponent_points,
  fga AS fg_attempts,
  fgm AS fg_makes,
  fg3a AS three_pt_attempts,
  fg3m AS three_pt_makes,
  fta AS ft_attempts,
  ftm AS ft_makes,
  oreb AS offensive_rebounds,
  tov AS turnovers,
  ast AS assists,
  NULL AS team_paint_attempts,
  NULL AS team_paint_makes,
  NULL AS team_mid_range_attempts,
  NULL AS team_mid_range_makes,
  possessions,
  pace,
  100 * points / NULLIF(possessions, 0) AS offensive_rating
FROM team_box
