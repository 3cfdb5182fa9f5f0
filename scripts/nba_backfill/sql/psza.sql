-- Player shot zone analysis: for every game date D of the chunk and every player expected before tip-off,
-- his shot mix and accuracy over his last 10 (and 20) games this season before D. Rates are fractions.
-- Nothing dated D or later is read from player_game_summary.
WITH schedule AS (
  SELECT game_date, season_year, home_team_abbr, away_team_abbr
  FROM nba_reference.nba_schedule
  WHERE game_date BETWEEN @start_date AND @end_date AND game_status = 3 AND is_regular_season
),

player_games AS (
  SELECT *
  FROM nba_analytics.player_game_summary
  WHERE game_date >= @season_start AND game_date < @end_date
),

prop_lines AS (
  SELECT DISTINCT game_date, player_lookup
  FROM nba_raw.odds_api_player_points_props
  WHERE game_date BETWEEN @start_date AND @end_date AND minutes_before_tipoff >= 0
),

analysis_dates AS (
  SELECT game_date AS analysis_date, MAX(season_year) AS season_year
  FROM schedule
  GROUP BY game_date
),

teams_playing AS (
  SELECT game_date, home_team_abbr AS team_abbr FROM schedule
  UNION DISTINCT
  SELECT game_date, away_team_abbr AS team_abbr FROM schedule
),

-- ---- entity set (player_timeline and player_state as in pcf.sql, but for the count each file needs) ----
-- every PGS row with the date of the player's next row, and his latest non-DNP date so far
player_timeline AS (
  SELECT
    player_lookup,
    universal_player_id,
    team_abbr,
    game_date,
    LEAD(game_date) OVER (PARTITION BY player_lookup ORDER BY game_date, game_id) AS next_row_date,
    MAX(IF(NOT COALESCE(is_dnp, COALESCE(minutes_played, 0) = 0), game_date, NULL)) OVER (
      PARTITION BY player_lookup ORDER BY game_date, game_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS last_appearance,
    -- PSZA only: his number of sample games (see sample_windows) up to this row; at his state before D that
    -- is K, his sample games before D
    COUNT(IF(is_active AND (minutes_played > 0 OR fg_attempts > 0), 1, NULL)) OVER (
      PARTITION BY player_lookup ORDER BY game_date, game_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS sample_games_so_far
  FROM player_games
),

-- the team he plays for on D, where his row for D names it (a trade shows there first): only the team is read
-- from D's rows, never an outcome
team_on_d AS (
  SELECT DISTINCT player_lookup, game_date, team_abbr
  FROM nba_analytics.player_game_summary
  WHERE game_date BETWEEN @start_date AND @end_date
),

-- the player's state before D = his latest row before D (game_date < D <= next row's date; which row
-- that is never depends on rows dated D or later), with his team on D where team_on_d knows it
player_state AS (
  SELECT
    d.analysis_date, t.player_lookup, t.universal_player_id, COALESCE(o.team_abbr, t.team_abbr) AS team_abbr,
    t.last_appearance, t.sample_games_so_far
  FROM analysis_dates AS d
  JOIN player_timeline AS t
    ON t.game_date < d.analysis_date AND (t.next_row_date IS NULL OR t.next_row_date >= d.analysis_date)
  LEFT JOIN team_on_d AS o ON o.player_lookup = t.player_lookup AND o.game_date = d.analysis_date
),

-- known before tip-off: his team plays on D and he appeared in the 30 days before D, or he has a line for D
entities AS (
  SELECT s.analysis_date, s.player_lookup, s.universal_player_id, s.sample_games_so_far
  FROM player_state AS s
  LEFT JOIN teams_playing AS t ON t.game_date = s.analysis_date AND t.team_abbr = s.team_abbr
  LEFT JOIN prop_lines AS p ON p.game_date = s.analysis_date AND p.player_lookup = s.player_lookup
  WHERE (t.team_abbr IS NOT NULL AND s.last_appearance >= DATE_SUB(s.analysis_date, INTERVAL 30 DAY))
    OR p.player_lookup IS NOT NULL
),
-- ---- end of entity set ----

-- upstream's sample: active rows with minutes or shots, numbered k = 1..n in the player's game order, each with
-- the sums over his last 10 and last 20 sample games up to and including it; his windows before D are the row
-- k = K (sized), so no game is read once per D
sample_windows AS (
  SELECT
    player_lookup,
    ROW_NUMBER() OVER player_order AS k,
    COUNT(*) OVER last_10 AS games_10,
    COUNT(*) OVER last_20 AS games_20,
    SUM(paint_attempts) OVER last_10 AS paint_att_10,
    SUM(paint_makes) OVER last_10 AS paint_makes_10,
    SUM(mid_range_attempts) OVER last_10 AS mid_att_10,
    SUM(mid_range_makes) OVER last_10 AS mid_makes_10,
    SUM(three_pt_attempts) OVER last_10 AS three_att_10,
    SUM(three_pt_makes) OVER last_10 AS three_makes_10,
    SUM(fg_attempts) OVER last_10 AS fg_att_10,
    SUM(fg_makes) OVER last_10 AS fg_makes_10,
    SUM(assisted_fg_makes) OVER last_10 AS assisted_10,
    SUM(unassisted_fg_makes) OVER last_10 AS unassisted_10,
    SUM(paint_attempts) OVER last_20 AS paint_att_20,
    SUM(paint_makes) OVER last_20 AS paint_makes_20,
    SUM(mid_range_attempts) OVER last_20 AS mid_att_20,
    SUM(three_pt_attempts) OVER last_20 AS three_att_20
  FROM player_games
  WHERE is_active AND (minutes_played > 0 OR fg_attempts > 0)
  WINDOW
    player_order AS (PARTITION BY player_lookup ORDER BY game_date, game_id),
    last_10 AS (player_order ROWS BETWEEN 9 PRECEDING AND CURRENT ROW),
    last_20 AS (player_order ROWS BETWEEN 19 PRECEDING AND CURRENT ROW)
),

-- upstream's early-season minimum: days since the opener <= 21 -> min(3 + floor(days / 3), 9), else 10
sized AS (
  SELECT
    e.analysis_date,
    w.*,
    e.universal_player_id,
    d.season_year,
    -- all field-goal attempts (= paint + mid-range + three when shot locations are known): the three-point
    -- share is known from a plain box score too
    w.fg_att_10 AS total_att_10,
    w.paint_att_20 + w.mid_att_20 + w.three_att_20 AS total_att_20,
    IF(
      DATE_DIFF(e.analysis_date, @season_start, DAY) <= 21,
      LEAST(3 + DIV(DATE_DIFF(e.analysis_date, @season_start, DAY), 3), 9),
      10
    ) AS min_games
  FROM entities AS e
  JOIN sample_windows AS w ON w.player_lookup = e.player_lookup AND w.k = e.sample_games_so_far
  JOIN analysis_dates AS d ON d.analysis_date = e.analysis_date
),

rates AS (
  SELECT
    *,
    SAFE_DIVIDE(paint_att_10, total_att_10) AS paint_rate_last_10,
    SAFE_DIVIDE(mid_att_10, total_att_10) AS mid_range_rate_last_10,
    SAFE_DIVIDE(three_att_10, total_att_10) AS three_pt_rate_last_10
  FROM sized
  WHERE games_10 >= min_games
)

SELECT
  analysis_date,
  player_lookup,
  universal_player_id,
  season_year,
  games_10 AS games_in_sample_10,
  paint_rate_last_10,
  mid_range_rate_last_10,
  three_pt_rate_last_10,
  total_att_10 AS total_shots_last_10,
  SAFE_DIVIDE(paint_makes_10, paint_att_10) AS paint_pct_last_10,
  SAFE_DIVIDE(mid_makes_10, mid_att_10) AS mid_range_pct_last_10,
  SAFE_DIVIDE(three_makes_10, three_att_10) AS three_pt_pct_last_10,
  SAFE_DIVIDE(paint_att_10, games_10) AS paint_attempts_per_game,
  SAFE_DIVIDE(mid_att_10, games_10) AS mid_range_attempts_per_game,
  SAFE_DIVIDE(three_att_10, games_10) AS three_pt_attempts_per_game,
  games_20 AS games_in_sample_20,
  -- the 20-game trend only from 15 games on
  IF(games_20 >= 15, SAFE_DIVIDE(paint_att_20, total_att_20), NULL) AS paint_rate_last_20,
  IF(games_20 >= 15, SAFE_DIVIDE(paint_makes_20, paint_att_20), NULL) AS paint_pct_last_20,
  SAFE_DIVIDE(assisted_10, fg_makes_10) AS assisted_rate_last_10,
  SAFE_DIVIDE(unassisted_10, fg_makes_10) AS unassisted_rate_last_10,
  CASE
    WHEN paint_rate_last_10 IS NULL THEN NULL
    WHEN paint_rate_last_10 >= 0.40 THEN 'paint'
    WHEN three_pt_rate_last_10 >= 0.40 THEN 'perimeter'
    WHEN mid_range_rate_last_10 >= 0.35 THEN 'mid_range'
    ELSE 'balanced'
  END AS primary_scoring_zone,
  CASE
    WHEN games_10 >= 10 THEN 'excellent' WHEN games_10 >= 7 THEN 'good' WHEN games_10 >= 5 THEN 'limited'
    ELSE 'insufficient'
  END AS sample_quality_10,
  CASE
    WHEN games_20 >= 20 THEN 'excellent' WHEN games_20 >= 14 THEN 'good' WHEN games_20 >= 10 THEN 'limited'
    ELSE 'insufficient'
  END AS sample_quality_20,
  CASE
    WHEN paint_att_10 IS NULL THEN 'no_shot_zones'  -- box scores: paint / mid-range rates unknown (NULL)
    WHEN games_10 >= min_games THEN 'high' WHEN games_10 >= 7 THEN 'medium' ELSE 'low'
  END AS data_quality_tier,
  min_games < 10 AS early_season_flag
FROM rates
