-- Team defense zone analysis: for every game date D of the chunk and every team with >= 15 games this season
-- before D (playing on D or not), its zone defence over its last 15 games before D, against the league's
-- average over the 30 days before D. Nothing dated D or later is read from the team tables.
WITH schedule AS (
  SELECT game_date, season_year
  FROM nba_reference.nba_schedule
  WHERE game_date BETWEEN @start_date AND @end_date AND game_status = 3 AND is_regular_season
),

team_defense AS (
  SELECT *
  FROM nba_analytics.team_defense_game_summary
  WHERE game_date >= @season_start AND game_date < @end_date
),

analysis_dates AS (
  SELECT game_date AS analysis_date, MAX(season_year) AS season_year
  FROM schedule
  GROUP BY game_date
),

-- each team's games this season before D, newest first
prior_games AS (
  SELECT
    d.analysis_date,
    g.*,
    ROW_NUMBER() OVER (
      PARTITION BY d.analysis_date, g.defending_team_abbr ORDER BY g.game_date DESC, g.game_id DESC
    ) AS recency
  FROM analysis_dates AS d
  JOIN team_defense AS g ON g.game_date < d.analysis_date
),

last_15 AS (
  SELECT
    analysis_date,
    defending_team_abbr AS team_abbr,
    COUNT(*) AS games_in_sample,
    SAFE_DIVIDE(SUM(opp_paint_makes), SUM(opp_paint_attempts)) AS paint_pct_allowed_last_15,
    SAFE_DIVIDE(SUM(opp_mid_range_makes), SUM(opp_mid_range_attempts)) AS mid_range_pct_allowed_last_15,
    SAFE_DIVIDE(SUM(opp_three_pt_makes), SUM(opp_three_pt_attempts)) AS three_pt_pct_allowed_last_15,
    SAFE_DIVIDE(SUM(opp_paint_attempts), COUNT(*)) AS paint_attempts_allowed_per_game,
    SAFE_DIVIDE(SUM(opp_mid_range_attempts), COUNT(*)) AS mid_range_attempts_allowed_per_game,
    SAFE_DIVIDE(SUM(opp_three_pt_attempts), COUNT(*)) AS three_pt_attempts_allowed_per_game,
    SAFE_DIVIDE(SUM(points_in_paint_allowed), COUNT(*)) AS paint_points_allowed_per_game,
    -- NULL when the source has no shot locations (box scores): never 0 for unknown
    SAFE_DIVIDE(SUM(blocks_paint), COUNT(*)) AS paint_blocks_per_game,
    SAFE_DIVIDE(SUM(blocks_mid_range), COUNT(*)) AS mid_range_blocks_per_game,
    SAFE_DIVIDE(SUM(blocks_three_pt), COUNT(*)) AS three_pt_blocks_per_game,
    SAFE_DIVIDE(SUM(points_allowed), COUNT(*)) AS opponent_points_per_game,
    AVG(defensive_rating) AS defensive_rating_last_15,
    AVG(opponent_pace) AS opponent_pace
  FROM prior_games
  WHERE recency <= 15
  GROUP BY analysis_date, defending_team_abbr
  -- fewer than 15 games before D: no row (upstream's effective minimum once past the bootstrap days)
  HAVING COUNT(*) = 15
),

-- per team over [D - 30 days, D), teams with >= 10 games there
league_team_pcts AS (
  SELECT
    d.analysis_date,
    g.defending_team_abbr,
    SAFE_DIVIDE(SUM(g.opp_paint_makes), SUM(g.opp_paint_attempts)) AS paint_pct,
    SAFE_DIVIDE(SUM(g.opp_mid_range_makes), SUM(g.opp_mid_range_attempts)) AS mid_range_pct,
    SAFE_DIVIDE(SUM(g.opp_three_pt_makes), SUM(g.opp_three_pt_attempts)) AS three_pt_pct
  FROM analysis_dates AS d
  JOIN team_defense AS g
    ON g.game_date >= DATE_SUB(d.analysis_date, INTERVAL 30 DAY) AND g.game_date < d.analysis_date
  GROUP BY d.analysis_date, g.defending_team_abbr
  HAVING COUNT(*) >= 10
),

-- unweighted mean over those teams; upstream's fixed defaults when fewer than 10 teams qualify. Summed as
-- integers (units of 1e-15, exact in a FLOAT64): a float sum's last bits follow the join's row order, which
-- changes with the chunk's size, and the vs-league values these give are compared with each other below
league AS (
  SELECT
    d.analysis_date,
    IF(COUNT(t.defending_team_abbr) >= 10,
      SAFE_DIVIDE(SUM(CAST(ROUND(t.paint_pct * 1e15) AS INT64)), 1e15 * COUNT(t.paint_pct)), 0.580) AS league_paint_pct,
    IF(COUNT(t.defending_team_abbr) >= 10,
      SAFE_DIVIDE(SUM(CAST(ROUND(t.mid_range_pct * 1e15) AS INT64)), 1e15 * COUNT(t.mid_range_pct)), 0.410) AS league_mid_range_pct,
    IF(COUNT(t.defending_team_abbr) >= 10,
      SAFE_DIVIDE(SUM(CAST(ROUND(t.three_pt_pct * 1e15) AS INT64)), 1e15 * COUNT(t.three_pt_pct)), 0.355) AS league_three_pt_pct
  FROM analysis_dates AS d
  LEFT JOIN league_team_pcts AS t ON t.analysis_date = d.analysis_date
  GROUP BY d.analysis_date
),

-- percentage points above the league (positive = the team allows more = weaker defence there)
versus_league AS (
  SELECT
    s.*,
    l.league_paint_pct,
    l.league_mid_range_pct,
    l.league_three_pt_pct,
    (s.paint_pct_allowed_last_15 - l.league_paint_pct) * 100 AS paint_defense_vs_league_avg,
    (s.mid_range_pct_allowed_last_15 - l.league_mid_range_pct) * 100 AS mid_range_defense_vs_league_avg,
    (s.three_pt_pct_allowed_last_15 - l.league_three_pt_pct) * 100 AS three_pt_defense_vs_league_avg
  FROM last_15 AS s
  JOIN league AS l ON l.analysis_date = s.analysis_date
)

SELECT
  v.*,
  d.season_year,
  -- lowest vs-league value = strongest zone, highest = weakest; zones without attempts are skipped,
  -- ties go to the first of paint, mid_range, perimeter; none without shot locations (paint and mid-range unknown)
  CASE
    WHEN v.paint_attempts_allowed_per_game IS NULL THEN NULL
    WHEN v.paint_defense_vs_league_avg <= COALESCE(v.mid_range_defense_vs_league_avg, v.paint_defense_vs_league_avg)
      AND v.paint_defense_vs_league_avg <= COALESCE(v.three_pt_defense_vs_league_avg, v.paint_defense_vs_league_avg)
      THEN 'paint'
    WHEN v.mid_range_defense_vs_league_avg <= COALESCE(v.three_pt_defense_vs_league_avg, v.mid_range_defense_vs_league_avg)
      THEN 'mid_range'
    WHEN v.three_pt_defense_vs_league_avg IS NOT NULL THEN 'perimeter'
  END AS strongest_zone,
  CASE
    WHEN v.paint_attempts_allowed_per_game IS NULL THEN NULL
    WHEN v.paint_defense_vs_league_avg >= COALESCE(v.mid_range_defense_vs_league_avg, v.paint_defense_vs_league_avg)
      AND v.paint_defense_vs_league_avg >= COALESCE(v.three_pt_defense_vs_league_avg, v.paint_defense_vs_league_avg)
      THEN 'paint'
    WHEN v.mid_range_defense_vs_league_avg >= COALESCE(v.three_pt_defense_vs_league_avg, v.mid_range_defense_vs_league_avg)
      THEN 'mid_range'
    WHEN v.three_pt_defense_vs_league_avg IS NOT NULL THEN 'perimeter'
  END AS weakest_zone,
  -- always 15 games (upstream: >= 15 'high'); 'no_shot_zones' when the source has no shot locations
  IF(v.paint_attempts_allowed_per_game IS NULL, 'no_shot_zones', 'high') AS data_quality_tier
FROM versus_league AS v
JOIN analysis_dates AS d ON d.analysis_date = v.analysis_date
