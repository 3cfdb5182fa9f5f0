-- ML Feature Store v2, 25-feature baseline (facts §2.5, §2.5.1 with SPEC fixes): per (game_date D, player) in D's
-- pre-tip-off entity set, the 25 features in their documented order. Each comes from Phase 4 for D, else is
-- computed from Phase 3 rows strictly before D, else takes its default; the quality score weighs the sources.
WITH
schedule AS (
  SELECT game_id, game_date, season_year, home_team_abbr, away_team_abbr
  FROM nba_reference.nba_schedule
  WHERE game_date BETWEEN @season_start AND @end_date AND game_status = 3 AND is_regular_season
),
player_games AS (
  SELECT player_lookup, universal_player_id, game_date, team_abbr, points, minutes_played, ft_makes, is_active, is_dnp
  FROM nba_analytics.player_game_summary
  WHERE game_date >= @season_start AND game_date < @end_date  -- nothing from the last date itself
),
team_box AS (
  SELECT team_abbr, game_date, win_flag, pace, offensive_rating
  FROM nba_analytics.team_offense_game_summary
  WHERE game_date >= @season_start AND game_date < @end_date
),
daily_cache AS (
  SELECT cache_date, player_lookup, points_avg_last_5, points_avg_last_10, points_avg_season, points_std_last_10,
    games_in_last_7_days, minutes_avg_last_10, team_pace_last_10, team_off_rating_last_10
  FROM nba_precompute.player_daily_cache WHERE cache_date BETWEEN @start_date AND @end_date
),
composite AS (
  SELECT game_date, player_lookup, fatigue_score, shot_zone_mismatch_score, pace_score, usage_spike_score
  FROM nba_precompute.player_composite_factors WHERE game_date BETWEEN @start_date AND @end_date
),
shot_zones AS (
  SELECT analysis_date, player_lookup, paint_rate_last_10, mid_range_rate_last_10, three_pt_rate_last_10
  FROM nba_precompute.player_shot_zone_analysis WHERE analysis_date BETWEEN @start_date AND @end_date
),
team_defense AS (
  SELECT analysis_date, team_abbr, defensive_rating_last_15, opponent_pace
  FROM nba_precompute.team_defense_zone_analysis WHERE analysis_date BETWEEN @start_date AND @end_date
),
prop_lines AS (  -- only lines quoted before tip-off are known before the game
  SELECT game_date, player_lookup, MIN(game_id) AS game_id
  FROM nba_raw.odds_api_player_points_props
  WHERE game_date BETWEEN @start_date AND @end_date AND minutes_before_tipoff >= 0
  GROUP BY game_date, player_lookup
),

game_dates AS (
  SELECT game_date AS d, MAX(season_year) AS season_year
  FROM schedule WHERE game_date >= @start_date GROUP BY game_date
),
team_games AS (  -- each schedule game once per side
  SELECT game_date, game_id, home_team_abbr AS team_abbr, away_team_abbr AS opponent_team_abbr, TRUE AS is_home FROM schedule
  UNION ALL
  SELECT game_date, game_id, away_team_abbr, home_team_abbr, FALSE FROM schedule
),
-- "played" games are the history (active, not a DNP, on the floor); a non-DNP row is an appearance for the
-- entity set; DNP rows still tell the player's team
flagged_games AS (
  SELECT *,
    COALESCE(is_active, FALSE) AND NOT COALESCE(is_dnp, FALSE) AND points IS NOT NULL
      AND (minutes_played > 0 OR points > 0) AS played,
    COALESCE(NOT is_dnp, minutes_played > 0) AS appeared
  FROM player_games
),
-- the history: each player's played games numbered k = 1..n by date (one row per player and date), with his
-- season-to-date totals at each
played_games AS (
  SELECT player_lookup, game_date, points, minutes_played, ft_makes,
    ROW_NUMBER() OVER by_date AS k,
    SUM(points) OVER (by_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS points_season_sum,
    -- in whole seconds (integers): a float running sum's last bits depend on how many later rows the window holds
    SUM(CAST(ROUND(minutes_played * 60) AS INT64)) OVER (by_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
      AS seconds_season_sum,
    COUNT(minutes_played) OVER (by_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS minutes_season_n
  FROM flagged_games WHERE played
  WINDOW by_date AS (PARTITION BY player_lookup ORDER BY game_date)
),
-- every row with the date of the player's next row, his latest appearance and his played games so far
player_timeline AS (
  SELECT *,
    LEAD(game_date) OVER (PARTITION BY player_lookup ORDER BY game_date) AS next_row_date,
    MAX(IF(appeared, game_date, NULL)) OVER (
      PARTITION BY player_lookup ORDER BY game_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS last_appeared,
    COUNTIF(played) OVER (
      PARTITION BY player_lookup ORDER BY game_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS games_played
  FROM flagged_games
),
-- the team he plays for on D, where his row for D names it (a trade shows there first): only the team is read
-- from D's rows, never an outcome
team_on_d AS (
  SELECT DISTINCT player_lookup, game_date, team_abbr
  FROM nba_analytics.player_game_summary
  WHERE game_date BETWEEN @start_date AND @end_date
),
-- each player as of D: his team on D (team_on_d), else that of his latest row before D (game_date < D <= the
-- next row's date); his latest appearance and played games; a join on ranges, not every date against every
-- earlier row
player_as_of AS (
  SELECT c.d, t.player_lookup, t.universal_player_id, COALESCE(o.team_abbr, t.team_abbr) AS team_abbr,
    t.last_appeared, t.games_played
  FROM game_dates c JOIN player_timeline t
    ON t.game_date < c.d AND (t.next_row_date IS NULL OR t.next_row_date >= c.d)
  LEFT JOIN team_on_d o ON o.player_lookup = t.player_lookup AND o.game_date = c.d
),
-- known before tip-off: recent players of teams playing on D, plus anyone with a line for D
entities AS (
  SELECT a.d, a.player_lookup
  FROM player_as_of a JOIN team_games t ON t.game_date = a.d AND t.team_abbr = a.team_abbr
  WHERE a.last_appeared >= DATE_SUB(a.d, INTERVAL 30 DAY)
  UNION DISTINCT
  SELECT game_date, player_lookup FROM prop_lines
),
roster AS (  -- the player's game on D: his team's game, else the game of his line (team then unknown)
  SELECT e.d, e.player_lookup, a.universal_player_id, a.games_played, COALESCE(g.game_id, p.game_id) AS game_id,
    g.team_abbr, g.opponent_team_abbr, g.is_home, p.player_lookup IS NOT NULL AS has_prop_line
  FROM entities e
  LEFT JOIN player_as_of a ON a.d = e.d AND a.player_lookup = e.player_lookup
  LEFT JOIN team_games g ON g.game_date = e.d AND g.team_abbr = a.team_abbr
  LEFT JOIN prop_lines p ON p.game_date = e.d AND p.player_lookup = e.player_lookup
),
-- each rostered player's season so far, read at his latest played game before D (k = his played games as of D);
-- a player with no played game before D has no history, so no row
player_season AS (
  SELECT r.d, r.player_lookup, g.k AS games, g.game_date AS last_game_date,
    SAFE_DIVIDE(g.points_season_sum, g.k) AS points_avg_season,
    SAFE_DIVIDE(g.seconds_season_sum, 60 * g.minutes_season_n) AS minutes_season
  FROM roster r JOIN played_games g ON g.player_lookup = r.player_lookup AND g.k = r.games_played
),
-- the last-10 list: his last 10 played games before D (k within 10 of his latest), newest first; as a player plays
-- at most once a day, it holds every game of the 7-day window too; a join on k, not on every earlier game
history AS (
  SELECT p.*, p.games - g.k + 1 AS rn, g.game_date, g.points, g.minutes_played, g.ft_makes
  FROM player_season p
  JOIN played_games g ON g.player_lookup = p.player_lookup AND g.k BETWEEN p.games - 9 AND p.games
),
player_stats AS (  -- Phase 3 fallbacks and the calculated features' inputs
  SELECT d, player_lookup, games, last_game_date,
    IF(games >= 5, AVG(IF(rn <= 5, points, NULL)), NULL) AS points_avg_last_5,
    AVG(points) AS points_avg_last_10,
    points_avg_season,
    STDDEV_SAMP(points) AS points_std_last_10,
    COUNTIF(game_date > DATE_SUB(d, INTERVAL 7 DAY)) AS games_in_last_7_days,
    AVG(minutes_played) AS minutes_last_10,
    minutes_season,
    AVG(IF(rn <= 2, points, NULL)) - AVG(IF(rn BETWEEN 3 AND 5, points, NULL)) AS trend_diff,
    SAFE_DIVIDE(SUM(ft_makes), SUM(points)) AS ft_share
  FROM history GROUP BY d, player_lookup, games, last_game_date, points_avg_season, minutes_season
),
minutes_ratio AS (  -- recent minutes (PDC, else last-10 list) over season minutes; NULL when the season's are 0
  SELECT s.d, s.player_lookup, SAFE_DIVIDE(COALESCE(c.minutes_avg_last_10, s.minutes_last_10), s.minutes_season) AS ratio
  FROM player_stats s LEFT JOIN daily_cache c ON c.cache_date = s.d AND c.player_lookup = s.player_lookup
),
team_rest AS (  -- each team's previous game before D, from the schedule: the date before D in its dates
  SELECT d, team_abbr, prev_game_date
  FROM (
    SELECT game_date AS d, team_abbr, LAG(game_date) OVER (PARTITION BY team_abbr ORDER BY game_date) AS prev_game_date
    FROM (SELECT DISTINCT game_date, team_abbr FROM team_games) AS team_dates
  ) AS with_prev
  WHERE d >= @start_date AND prev_game_date IS NOT NULL
),
-- each team's box scores numbered k = 1..n by date, with its wins so far and the date of its next box score
team_box_timeline AS (
  SELECT *,
    ROW_NUMBER() OVER by_date AS k,
    COUNTIF(win_flag) OVER (by_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS wins,
    LEAD(game_date) OVER by_date AS next_game_date
  FROM team_box
  WINDOW by_date AS (PARTITION BY team_abbr ORDER BY game_date)
),
-- each team as of D: games and wins at its latest box score before D (a join on ranges), and the averages of its
-- last 10 box scores (k within 10 of that one's)
team_form AS (
  SELECT g.game_date AS d, g.team_abbr, b.k AS games, b.wins,
    AVG(w.pace) AS pace_last_10, AVG(w.offensive_rating) AS off_rating_last_10
  FROM team_games g
  JOIN team_box_timeline b ON b.team_abbr = g.team_abbr AND b.game_date < g.game_date
    AND (b.next_game_date IS NULL OR b.next_game_date >= g.game_date)
  JOIN team_box_timeline w ON w.team_abbr = b.team_abbr AND w.k BETWEEN b.k - 9 AND b.k
  WHERE g.game_date >= @start_date
  GROUP BY g.game_date, g.team_abbr, b.k, b.wins
),
features AS (
  SELECT r.*, DATE_DIFF(r.d, s.last_game_date, DAY) AS days_rest, COALESCE(s.games, 0) < 10 AS early_season_flag,
    COALESCE(c.points_avg_last_5, s.points_avg_last_5, 10.0) AS points_avg_last_5,
    COALESCE(c.points_avg_last_10, s.points_avg_last_10, 10.0) AS points_avg_last_10,
    COALESCE(c.points_avg_season, s.points_avg_season, 10.0) AS points_avg_season,
    COALESCE(c.points_std_last_10, s.points_std_last_10, 5.0) AS points_std_last_10,
    CAST(COALESCE(c.games_in_last_7_days, s.games_in_last_7_days, 3) AS FLOAT64) AS games_in_last_7_days,
    CAST(COALESCE(f.fatigue_score, 50) AS FLOAT64) AS fatigue_score,
    COALESCE(f.shot_zone_mismatch_score, 0.0) AS shot_zone_mismatch_score,
    COALESCE(f.pace_score, 0.0) AS pace_score,
    COALESCE(f.usage_spike_score, 0.0) AS usage_spike_score,
    -- player's days since his last game vs the opponent's (schedule); 0 when either is unknown
    CAST(COALESCE(GREATEST(-2, LEAST(2,
      DATE_DIFF(r.d, s.last_game_date, DAY) - DATE_DIFF(r.d, opp.prev_game_date, DAY))), 0) AS FLOAT64) AS rest_advantage,
    -- no injury report: a DNP in the team's previous game is the only pre-game signal (never D's own status)
    IF(COALESCE(prev.is_dnp, FALSE), 3.0, 0.0) AS injury_risk,
    CASE WHEN s.games < 5 OR s.games IS NULL THEN 0.0
      WHEN s.trend_diff >= 5 THEN 2.0 WHEN s.trend_diff >= 2 THEN 1.0
      WHEN s.trend_diff <= -5 THEN -2.0 WHEN s.trend_diff <= -2 THEN -1.0 ELSE 0.0 END AS recent_trend,
    CASE WHEN NOT mr.ratio > 0 OR mr.ratio IS NULL THEN 0.0  -- either side missing or 0
      WHEN mr.ratio >= 1.2 THEN 2.0 WHEN mr.ratio >= 1.1 THEN 1.0
      WHEN mr.ratio <= 0.8 THEN -2.0 WHEN mr.ratio <= 0.9 THEN -1.0 ELSE 0.0 END AS minutes_change,
    COALESCE(od.defensive_rating_last_15, 112.0) AS opponent_def_rating,
    COALESCE(od.opponent_pace, 100.0) AS opponent_pace,
    IF(r.is_home, 1.0, 0.0) AS home_away,
    -- the player's own previous game was yesterday (as PCF): a player who sat out his team's game is rested
    IF(DATE_DIFF(r.d, s.last_game_date, DAY) = 1, 1.0, 0.0) AS back_to_back,
    0.0 AS playoff_game,  -- regular season only
    COALESCE(z.paint_rate_last_10, 0.30) AS pct_paint,  -- PSZA rates are fractions already
    COALESCE(z.mid_range_rate_last_10, 0.20) AS pct_mid_range,
    COALESCE(z.three_pt_rate_last_10, 0.35) AS pct_three,
    IF(s.games >= 5 AND s.ft_share IS NOT NULL, GREATEST(0.0, LEAST(0.5, s.ft_share)), 0.15) AS pct_free_throw,
    COALESCE(c.team_pace_last_10, tf.pace_last_10, 100.0) AS team_pace,
    COALESCE(c.team_off_rating_last_10, tf.off_rating_last_10, 112.0) AS team_off_rating,
    IF(tf.games >= 5, SAFE_DIVIDE(tf.wins, tf.games), 0.5) AS team_win_pct,
    -- where each feature came from, in feature order (a defaulted calculation counts as a default)
    [IF(c.points_avg_last_5 IS NOT NULL, 'phase4', IF(s.points_avg_last_5 IS NOT NULL, 'phase3', 'default')),
     IF(c.points_avg_last_10 IS NOT NULL, 'phase4', IF(s.points_avg_last_10 IS NOT NULL, 'phase3', 'default')),
     IF(c.points_avg_season IS NOT NULL, 'phase4', IF(s.points_avg_season IS NOT NULL, 'phase3', 'default')),
     IF(c.points_std_last_10 IS NOT NULL, 'phase4', IF(s.points_std_last_10 IS NOT NULL, 'phase3', 'default')),
     IF(c.games_in_last_7_days IS NOT NULL, 'phase4', IF(s.games_in_last_7_days IS NOT NULL, 'phase3', 'default')),
     IF(f.fatigue_score IS NOT NULL, 'phase4', 'default'),
     IF(f.shot_zone_mismatch_score IS NOT NULL, 'phase4', 'default'),
     IF(f.pace_score IS NOT NULL, 'phase4', 'default'),
     IF(f.usage_spike_score IS NOT NULL, 'phase4', 'default'),
     IF(s.last_game_date IS NOT NULL AND opp.prev_game_date IS NOT NULL, 'calculated', 'default'),
     IF(tr.prev_game_date IS NOT NULL, 'calculated', 'default'),
     IF(s.games >= 5, 'calculated', 'default'),
     IF(mr.ratio > 0, 'calculated', 'default'),
     IF(od.defensive_rating_last_15 IS NOT NULL, 'phase4', 'default'),
     IF(od.opponent_pace IS NOT NULL, 'phase4', 'default'),
     IF(r.is_home IS NOT NULL, 'phase3', 'default'),
     IF(s.last_game_date IS NOT NULL, 'phase3', 'default'),
     'phase3',
     IF(z.paint_rate_last_10 IS NOT NULL, 'phase4', 'default'),
     IF(z.mid_range_rate_last_10 IS NOT NULL, 'phase4', 'default'),
     IF(z.three_pt_rate_last_10 IS NOT NULL, 'phase4', 'default'),
     IF(s.games >= 5 AND s.ft_share IS NOT NULL, 'calculated', 'default'),
     IF(c.team_pace_last_10 IS NOT NULL, 'phase4', IF(tf.pace_last_10 IS NOT NULL, 'phase3', 'default')),
     IF(c.team_off_rating_last_10 IS NOT NULL, 'phase4', IF(tf.off_rating_last_10 IS NOT NULL, 'phase3', 'default')),
     IF(tf.games >= 5, 'calculated', 'default')] AS feature_sources
  FROM roster r
  LEFT JOIN player_stats s ON s.d = r.d AND s.player_lookup = r.player_lookup
  LEFT JOIN minutes_ratio mr ON mr.d = r.d AND mr.player_lookup = r.player_lookup
  LEFT JOIN daily_cache c ON c.cache_date = r.d AND c.player_lookup = r.player_lookup
  LEFT JOIN composite f ON f.game_date = r.d AND f.player_lookup = r.player_lookup
  LEFT JOIN shot_zones z ON z.analysis_date = r.d AND z.player_lookup = r.player_lookup
  LEFT JOIN team_defense od ON od.analysis_date = r.d AND od.team_abbr = r.opponent_team_abbr
  LEFT JOIN team_rest tr ON tr.d = r.d AND tr.team_abbr = r.team_abbr
  LEFT JOIN team_rest opp ON opp.d = r.d AND opp.team_abbr = r.opponent_team_abbr
  LEFT JOIN team_form tf ON tf.d = r.d AND tf.team_abbr = r.team_abbr
  LEFT JOIN flagged_games prev
    ON prev.player_lookup = r.player_lookup AND prev.game_date = tr.prev_game_date AND prev.team_abbr = r.team_abbr
),
source_mix AS (  -- v25 weights: phase4 / calculated 100, phase3 75, default 40
  SELECT d, player_lookup, COUNTIF(src = 'phase4') AS n_phase4, COUNTIF(src = 'phase3') AS n_phase3,
    AVG(CASE src WHEN 'phase4' THEN 100 WHEN 'calculated' THEN 100 WHEN 'phase3' THEN 75 ELSE 40 END) AS quality
  FROM features, UNNEST(feature_sources) AS src
  GROUP BY d, player_lookup
)

SELECT
  f.d AS game_date, f.player_lookup, f.universal_player_id, f.game_id, f.team_abbr, f.opponent_team_abbr,
  g.season_year, f.is_home, f.days_rest, f.has_prop_line,
  f.points_avg_last_5, f.points_avg_last_10, f.points_avg_season, f.points_std_last_10, f.games_in_last_7_days,
  f.fatigue_score, f.shot_zone_mismatch_score, f.pace_score, f.usage_spike_score, f.rest_advantage, f.injury_risk,
  f.recent_trend, f.minutes_change, f.opponent_def_rating, f.opponent_pace, f.home_away, f.back_to_back,
  f.playoff_game, f.pct_paint, f.pct_mid_range, f.pct_three, f.pct_free_throw, f.team_pace, f.team_off_rating,
  f.team_win_pct,
  [f.points_avg_last_5, f.points_avg_last_10, f.points_avg_season, f.points_std_last_10, f.games_in_last_7_days,
   f.fatigue_score, f.shot_zone_mismatch_score, f.pace_score, f.usage_spike_score, f.rest_advantage, f.injury_risk,
   f.recent_trend, f.minutes_change, f.opponent_def_rating, f.opponent_pace, f.home_away, f.back_to_back,
   f.playoff_game, f.pct_paint, f.pct_mid_range, f.pct_three, f.pct_free_throw, f.team_pace, f.team_off_rating,
   f.team_win_pct] AS features,
  ['points_avg_last_5', 'points_avg_last_10', 'points_avg_season', 'points_std_last_10', 'games_in_last_7_days',
   'fatigue_score', 'shot_zone_mismatch_score', 'pace_score', 'usage_spike_score', 'rest_advantage', 'injury_risk',
   'recent_trend', 'minutes_change', 'opponent_def_rating', 'opponent_pace', 'home_away', 'back_to_back',
   'playoff_game', 'pct_paint', 'pct_mid_range', 'pct_three', 'pct_free_throw', 'team_pace', 'team_off_rating',
   'team_win_pct'] AS feature_names,
  25 AS feature_count,
  'v1_baseline_25' AS feature_version,
  ROUND(m.quality, 2) AS feature_quality_score,
  CASE WHEN m.n_phase4 >= 0.9 * 25 THEN 'phase4' WHEN m.n_phase4 >= 0.5 * 25 THEN 'phase4_partial'
    WHEN m.n_phase3 >= 0.5 * 25 THEN 'phase3' ELSE 'mixed' END AS data_source,
  f.early_season_flag
FROM features f
JOIN source_mix m ON m.d = f.d AND m.player_lookup = f.player_lookup
JOIN game_dates g ON g.d = f.d
