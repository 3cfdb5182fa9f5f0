-- Player Daily Cache (facts §2.4): per (cache_date D, player) in D's pre-tip-off entity set, the player's
-- scoring, usage and fatigue context plus his team's pace, from games strictly before D this season.
-- Skipped: players with < 3 played games this season or whose last game is more than 30 days before D.
WITH
schedule AS (
  SELECT game_id, game_date, season_year, home_team_abbr, away_team_abbr
  FROM nba_reference.nba_schedule
  WHERE game_date BETWEEN @season_start AND @end_date AND game_status = 3 AND is_regular_season
),
player_games AS (
  SELECT player_lookup, universal_player_id, game_date, team_abbr, points, minutes_played, usage_rate,
    fg_attempts, ft_attempts, fg_makes, assisted_fg_makes, is_active, is_dnp
  FROM nba_analytics.player_game_summary
  WHERE game_date >= @season_start AND game_date < @end_date  -- nothing from the last date itself
),
team_games_box AS (
  SELECT team_abbr, game_date, pace, offensive_rating
  FROM nba_analytics.team_offense_game_summary
  WHERE game_date >= @season_start AND game_date < @end_date
),
shot_zones AS (
  SELECT analysis_date, player_lookup, primary_scoring_zone, paint_rate_last_10, three_pt_rate_last_10
  FROM nba_precompute.player_shot_zone_analysis
  WHERE analysis_date BETWEEN @start_date AND @end_date
),
prop_lines AS (  -- only lines quoted before tip-off are known before the game
  SELECT DISTINCT game_date, player_lookup
  FROM nba_raw.odds_api_player_points_props
  WHERE game_date BETWEEN @start_date AND @end_date AND minutes_before_tipoff >= 0
),

cache_dates AS (
  SELECT game_date AS d, MAX(season_year) AS season_year
  FROM schedule WHERE game_date >= @start_date GROUP BY game_date
),
teams_playing AS (
  SELECT game_date, home_team_abbr AS team_abbr FROM schedule WHERE game_date >= @start_date
  UNION DISTINCT
  SELECT game_date, away_team_abbr FROM schedule WHERE game_date >= @start_date
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
  SELECT *,
    ROW_NUMBER() OVER by_date AS k,
    LAG(game_date) OVER by_date AS prev_game_date,
    SUM(points) OVER (by_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS points_season_sum,
    -- usage weighted by minutes (a seconds-long game's usage counts for its seconds), summed in billionths
    -- (integers): a float running sum's last bits depend on how many later rows the window holds
    SUM(CAST(ROUND(usage_rate * minutes_played * 1e9) AS INT64))
      OVER (by_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS usage_minutes_season,
    SUM(IF(usage_rate IS NULL, NULL, CAST(ROUND(minutes_played * 1e9) AS INT64)))
      OVER (by_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS usage_weight_season
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
  FROM cache_dates c JOIN player_timeline t
    ON t.game_date < c.d AND (t.next_row_date IS NULL OR t.next_row_date >= c.d)
  LEFT JOIN team_on_d o ON o.player_lookup = t.player_lookup AND o.game_date = c.d
),
-- known before tip-off: recent players of teams playing on D, plus anyone with a line for D
entities AS (
  SELECT a.d, a.player_lookup
  FROM player_as_of a JOIN teams_playing t ON t.game_date = a.d AND t.team_abbr = a.team_abbr
  WHERE a.last_appeared >= DATE_SUB(a.d, INTERVAL 30 DAY)
  UNION DISTINCT
  SELECT game_date, player_lookup FROM prop_lines
),
-- each entity's season so far, read at his latest played game before D (k = his played games as of D), and PDC's
-- skip rules; an entity with no played game before D has no history, so no row
cached_players AS (
  SELECT a.d, a.player_lookup, a.universal_player_id, a.team_abbr,
    g.k AS games_played_season,
    g.game_date AS last_game_date,
    SAFE_DIVIDE(g.points_season_sum, g.k) AS points_avg_season,
    SAFE_DIVIDE(g.usage_minutes_season, g.usage_weight_season) AS player_usage_rate_season
  FROM entities e
  JOIN player_as_of a ON a.d = e.d AND a.player_lookup = e.player_lookup
  JOIN played_games g ON g.player_lookup = a.player_lookup AND g.k = a.games_played
  WHERE g.k >= 3 AND g.game_date >= DATE_SUB(a.d, INTERVAL 30 DAY)
),
-- each cached player's last 14 played games before D (k within 14 of his latest), newest first: the last-10 list
-- and, as a player plays at most once a day, every game of the 14-day window; a join on k, not on every earlier game
history AS (
  SELECT p.d, p.player_lookup, p.games_played_season - g.k + 1 AS rn, g.game_date, g.prev_game_date, g.points,
    g.minutes_played, g.usage_rate, g.fg_attempts, g.ft_attempts, g.fg_makes, g.assisted_fg_makes
  FROM cached_players p
  JOIN played_games g ON g.player_lookup = p.player_lookup
    AND g.k BETWEEN p.games_played_season - 13 AND p.games_played_season
),
recent_stats AS (
  SELECT d, player_lookup,
    AVG(IF(rn <= 5, points, NULL)) AS points_avg_last_5,
    AVG(IF(rn <= 10, points, NULL)) AS points_avg_last_10,
    STDDEV_SAMP(IF(rn <= 10, points, NULL)) AS points_std_last_10,
    AVG(IF(rn <= 10, minutes_played, NULL)) AS minutes_avg_last_10,
    -- window rates are rates of the window's sums (minutes-weighted for usage), as statisticians compute them: a
    -- 0.03-minute game with one shot counts for its 0.03 minutes and its one shot, not as a tenth of the window
    SAFE_DIVIDE(
      SUM(IF(rn <= 10, CAST(ROUND(usage_rate * minutes_played * 1e9) AS INT64), NULL)),
      SUM(IF(rn <= 10 AND usage_rate IS NOT NULL, CAST(ROUND(minutes_played * 1e9) AS INT64), NULL))
    ) AS usage_rate_last_10,
    -- true shooting PTS / (2 (FGA + 0.44 FTA)) of the window's totals (integer sums: exact in any order)
    SAFE_DIVIDE(
      SUM(IF(rn <= 10, points, NULL)),
      2 * (SUM(IF(rn <= 10, fg_attempts, NULL)) + 0.44 * SUM(IF(rn <= 10, ft_attempts, NULL)))
    ) AS ts_pct_last_10,
    SAFE_DIVIDE(SUM(IF(rn <= 10, assisted_fg_makes, NULL)), SUM(IF(rn <= 10, fg_makes, NULL))) AS assisted_rate_last_10,
    -- "last 7 days" = D-6 .. D-1 (upstream: D - 7 < game_date < D)
    COUNTIF(game_date > DATE_SUB(d, INTERVAL 7 DAY)) AS games_in_last_7_days,
    COUNTIF(game_date > DATE_SUB(d, INTERVAL 14 DAY)) AS games_in_last_14_days,
    COALESCE(SUM(IF(game_date > DATE_SUB(d, INTERVAL 7 DAY), minutes_played, NULL)), 0) AS minutes_in_last_7_days,
    COALESCE(SUM(IF(game_date > DATE_SUB(d, INTERVAL 14 DAY), minutes_played, NULL)), 0) AS minutes_in_last_14_days,
    -- consecutive-day pairs with both games inside the 14-day window
    COUNTIF(game_date > DATE_SUB(d, INTERVAL 14 DAY) AND prev_game_date > DATE_SUB(d, INTERVAL 14 DAY)
      AND DATE_DIFF(game_date, prev_game_date, DAY) = 1) AS back_to_backs_last_14_days
  FROM history
  GROUP BY d, player_lookup
),
team_window AS (  -- the team's games before D this season, newest first
  SELECT c.d, c.team_abbr, g.pace, g.offensive_rating,
    ROW_NUMBER() OVER (PARTITION BY c.d, c.team_abbr ORDER BY g.game_date DESC) AS rn
  FROM (SELECT DISTINCT d, team_abbr FROM cached_players) AS c
  JOIN team_games_box g ON g.team_abbr = c.team_abbr AND g.game_date < c.d
),
team_recent AS (
  SELECT d, team_abbr, AVG(pace) AS team_pace_last_10, AVG(offensive_rating) AS team_off_rating_last_10
  FROM team_window WHERE rn <= 10 GROUP BY d, team_abbr
)

SELECT
  p.d AS cache_date, p.player_lookup, p.universal_player_id, p.team_abbr, c.season_year,
  s.points_avg_last_5, s.points_avg_last_10, p.points_avg_season, s.points_std_last_10, s.minutes_avg_last_10,
  s.usage_rate_last_10, s.ts_pct_last_10, p.games_played_season, p.player_usage_rate_season,
  s.assisted_rate_last_10, r.team_pace_last_10, r.team_off_rating_last_10,
  s.games_in_last_7_days, s.games_in_last_14_days, s.minutes_in_last_7_days, s.minutes_in_last_14_days,
  s.back_to_backs_last_14_days,
  SAFE_DIVIDE(s.minutes_in_last_7_days, s.games_in_last_7_days) AS avg_minutes_per_game_last_7,
  z.primary_scoring_zone, z.paint_rate_last_10, z.three_pt_rate_last_10,
  p.games_played_season < 10 AS early_season_flag
FROM cached_players p
JOIN recent_stats s ON s.d = p.d AND s.player_lookup = p.player_lookup
JOIN cache_dates c ON c.d = p.d
LEFT JOIN team_recent r ON r.d = p.d AND r.team_abbr = p.team_abbr
LEFT JOIN shot_zones z ON z.analysis_date = p.d AND z.player_lookup = p.player_lookup
