-- nba_analytics.player_game_summary from the box-score rows (DuckDB, local). `lookups` maps each PLAYER_ID
-- to his player_lookup (player_names.sql). A box score has no shot locations: the paint / mid-range split, the
-- play-by-play three counts and assisted makes stay NULL. A player who did not play (blank MIN) has 0 minutes
-- and 0 of everything.
SELECT
  l.player_lookup,
  b.player_id AS universal_player_id,
  b.player_name AS player_full_name,
  b.game_id,
  b.game_date,
  b.team_abbr,
  t.opponent_team_abbr,
  b.season_year,
  b.home_game,
  COALESCE(b.pts, 0) AS points,
  COALESCE(b.minutes, 0) AS minutes_played,
  COALESCE(b.ast, 0) AS assists,
  COALESCE(b.oreb, 0) AS offensive_rebounds,
  COALESCE(b.dreb, 0) AS defensive_rebounds,
  COALESCE(b.stl, 0) AS steals,
  COALESCE(b.blk, 0) AS blocks,
  COALESCE(b.tov, 0) AS turnovers,
  COALESCE(b.pf, 0) AS personal_fouls,
  COALESCE(b.plus_minus, 0) AS plus_minus,
  COALESCE(b.fga, 0) AS fg_attempts,
  COALESCE(b.fgm, 0) AS fg_makes,
  COALESCE(b.fg3a, 0) AS three_pt_attempts,
  COALESCE(b.fg3m, 0) AS three_pt_makes,
  COALESCE(b.fta, 0) AS ft_attempts,
  COALESCE(b.ftm, 0) AS ft_makes,
  NULL AS paint_attempts,
  NULL AS paint_makes,
  NULL AS mid_range_attempts,
  NULL AS mid_range_makes,
  NULL AS three_attempts_pbp,
  NULL AS three_makes_pbp,
  NULL AS assisted_fg_makes,
  NULL AS unassisted_fg_makes,
  -- usage: 100 * (FGA + 0.44 FTA + TOV) * (team minutes / 5) / (minutes * team's FGA + 0.44 FTA + TOV); NULL above
  -- 100, which is no share of the team's plays: the estimate of the team's plays in his minutes breaks down for a
  -- seconds-long appearance (one shot in 2 seconds reads ~1600), as upstream's player game summary
  (
    SELECT IF(u > 100, NULL, u)
    FROM (SELECT IF(
      b.is_dnp, NULL,
      100 * (b.fga + 0.44 * b.fta + b.tov) * (t.minutes / 5) / NULLIF(b.minutes * (t.fga + 0.44 * t.fta + t.tov), 0)
    ) AS u)
  ) AS usage_rate,
  IF(b.is_dnp, NULL, b.pts / NULLIF(2 * (b.fga + 0.44 * b.fta), 0)) AS ts_pct,
  -- "DNP - Coach's Decision": dressed but did not play; "DND" (did not dress) and "NWT" (not with team): out
  NOT b.is_dnp OR COALESCE(b."comment", 'DNP') LIKE 'DNP%' AS is_active,
  b.is_dnp,
  IF(NOT b.is_dnp OR COALESCE(b."comment", 'DNP') LIKE 'DNP%', 'active', 'out') AS player_status,
  IF(b.is_dnp, COALESCE(b."comment", 'did not play'), NULL) AS dnp_reason
FROM box AS b
JOIN lookups AS l ON l.player_id = b.player_id
JOIN team_box AS t ON t.game_id = b.game_id AND t.team_abbr = b.team_abbr
WHERE b.is_regular_season
