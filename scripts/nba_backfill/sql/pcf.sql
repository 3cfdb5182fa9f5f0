-- Player composite factors: for every game date D of the chunk and every player expected before tip-off
-- whose team plays on D, his rest/workload/usage context from games before D, and the four factors:
-- fatigue (0-100, 100 = fresh), shot-zone mismatch vs the opponent's TDZA row, pace, usage spike.
-- Nothing dated D or later is read from player_game_summary or team_offense_game_summary.
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

team_offense AS (
  SELECT team_abbr, game_date, pace
  FROM nba_analytics.team_offense_game_summary
  WHERE game_date >= @season_start AND game_date < @end_date
),

prop_lines AS (
  SELECT DISTINCT game_date, player_lookup
  FROM nba_raw.odds_api_player_points_props
  WHERE game_date BETWEEN @start_date AND @end_date AND minutes_before_tipoff >= 0
),

shot_zones AS (
  SELECT analysis_date, player_lookup, primary_scoring_zone, paint_rate_last_10, mid_range_rate_last_10,
    three_pt_rate_last_10, paint_attempts_per_game
  FROM nba_precompute.player_shot_zone_analysis
  WHERE analysis_date BETWEEN @start_date AND @end_date
),

zone_defense AS (
  SELECT analysis_date, team_abbr, paint_defense_vs_league_avg, mid_range_defense_vs_league_avg,
    three_pt_defense_vs_league_avg, paint_attempts_allowed_per_game
  FROM nba_precompute.team_defense_zone_analysis
  WHERE analysis_date BETWEEN @start_date AND @end_date
),

analysis_dates AS (
  SELECT DISTINCT game_date AS analysis_date
  FROM schedule
),

team_games AS (
  SELECT game_date, season_year, home_team_abbr AS team_abbr, away_team_abbr AS opponent_team_abbr FROM schedule
  UNION ALL
  SELECT game_date, season_year, away_team_abbr AS team_abbr, home_team_abbr AS opponent_team_abbr FROM schedule
),

-- ---- entity set (player_timeline and player_state as in psza.sql, but for the count each file needs) ----
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
    -- PCF only: his number of games (non-DNP rows, see played_games) up to this row; at his state before D
    -- that is K, his games before D
    COUNT(IF(NOT COALESCE(is_dnp, COALESCE(minutes_played, 0) = 0), 1, NULL)) OVER (
      PARTITION BY player_lookup ORDER BY game_date, game_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS games_so_far
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
    t.last_appearance, t.games_so_far
  FROM analysis_dates AS d
  JOIN player_timeline AS t
    ON t.game_date < d.analysis_date AND (t.next_row_date IS NULL OR t.next_row_date >= d.analysis_date)
  LEFT JOIN team_on_d AS o ON o.player_lookup = t.player_lookup AND o.game_date = d.analysis_date
),

-- known before tip-off: he appeared in the 30 days before D or has a line for D; PCF also needs his
-- team (from his latest row) to play on D, for the opponent
entities AS (
  SELECT
    s.analysis_date AS game_date,
    s.player_lookup,
    s.universal_player_id,
    t.team_abbr,
    t.opponent_team_abbr,
    t.season_year,
    p.player_lookup IS NOT NULL AS has_prop_line,
    s.games_so_far
  FROM player_state AS s
  JOIN team_games AS t ON t.game_date = s.analysis_date AND t.team_abbr = s.team_abbr
  LEFT JOIN prop_lines AS p ON p.game_date = s.analysis_date AND p.player_lookup = s.player_lookup
  WHERE s.last_appearance >= DATE_SUB(s.analysis_date, INTERVAL 30 DAY) OR p.player_lookup IS NOT NULL
),
-- ---- end of entity set ----

-- the player's games this season (non-DNP rows), numbered k = 1..n in order, each with his previous game's
-- date and what depends on k alone: his usage over his last 3 games and over the season up to game k, each
-- weighted by minutes (a seconds-long game's usage counts for its seconds, not as a third of the window)
played_games AS (
  SELECT
    player_lookup,
    ROW_NUMBER() OVER player_order AS k,
    game_date,
    minutes_played,
    usage_rate,
    LAG(game_date) OVER player_order AS previous_game_date,
    -- both summed in billionths (integers): a float running sum's last bits depend on how many later rows the
    -- window holds, so on the chunk's size; an integer sum's do not (and the same games give the same rate)
    SAFE_DIVIDE(
      SUM(CAST(ROUND(usage_rate * minutes_played * 1e9) AS INT64))
        OVER (player_order ROWS BETWEEN 2 PRECEDING AND CURRENT ROW),
      SUM(IF(usage_rate IS NULL, NULL, CAST(ROUND(minutes_played * 1e9) AS INT64)))
        OVER (player_order ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
    ) AS usage_rate_last_3_games,
    SAFE_DIVIDE(
      SUM(CAST(ROUND(usage_rate * minutes_played * 1e9) AS INT64))
        OVER (player_order ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
      SUM(IF(usage_rate IS NULL, NULL, CAST(ROUND(minutes_played * 1e9) AS INT64)))
        OVER (player_order ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ) AS season_usage_rate
  FROM player_games
  WHERE NOT COALESCE(is_dnp, COALESCE(minutes_played, 0) = 0)
  WINDOW player_order AS (PARTITION BY player_lookup ORDER BY game_date, game_id)
),

-- the numbers of his last 12 games before D, k = K, K-1, ..., K-11 (k < 1: none), instead of joining all his
-- earlier games for every D. He plays at most once a day, so the day windows below (games from D-12 on) lie inside.
recent_numbers AS (
  SELECT e.game_date, e.player_lookup, games_back, e.games_so_far - games_back AS k
  FROM entities AS e
  CROSS JOIN UNNEST(GENERATE_ARRAY(0, 11)) AS games_back
),

recent_games AS (
  SELECT
    r.game_date,
    r.player_lookup,
    g.game_date AS played_date,
    g.minutes_played,
    g.usage_rate,
    g.previous_game_date,
    g.game_date > DATE_SUB(r.game_date, INTERVAL 7 DAY) AS in_last_7
  FROM recent_numbers AS r
  JOIN played_games AS g ON g.player_lookup = r.player_lookup AND g.k = r.k
),

-- UPCG semantics: day windows are D-7 < g < D, D-14 < g < D (for a back-to-back's first game); days_rest and
-- the usage means come from his latest game (k = K), in inputs
context AS (
  SELECT
    game_date,
    player_lookup,
    COUNTIF(in_last_7) AS games_in_last_7_days,
    -- minutes as whole seconds: an integer sum is exact in any order, so fatigue's "more than 240 minutes" and
    -- "more than 35 a game" never turn on a float sum's last bit (30.1 + 34.2 + 40.7 = 105.00000000000001)
    SUM(IF(in_last_7, CAST(ROUND(minutes_played * 60) AS INT64), NULL)) AS seconds_in_last_7_days,
    COUNTIF(
      previous_game_date > DATE_SUB(game_date, INTERVAL 14 DAY) AND DATE_DIFF(played_date, previous_game_date, DAY) = 1
    ) AS back_to_backs_last_14_days,
    -- minutes-weighted in billionths, as season_usage_rate: a float sum's last bits follow the join's row order
    SAFE_DIVIDE(
      SUM(IF(in_last_7, CAST(ROUND(usage_rate * minutes_played * 1e9) AS INT64), NULL)),
      SUM(IF(in_last_7 AND usage_rate IS NOT NULL, CAST(ROUND(minutes_played * 1e9) AS INT64), NULL))
    ) AS avg_usage_rate_last_7_games
  FROM recent_games
  GROUP BY game_date, player_lookup
),

-- mean pace of each team's last 10 games before D
team_recent_games AS (
  SELECT
    t.game_date,
    t.team_abbr,
    o.pace,
    ROW_NUMBER() OVER (PARTITION BY t.game_date, t.team_abbr ORDER BY o.game_date DESC) AS recency
  FROM team_games AS t
  JOIN team_offense AS o ON o.team_abbr = t.team_abbr AND o.game_date < t.game_date
),

team_pace AS (
  SELECT game_date, team_abbr, AVG(pace) AS pace_last_10
  FROM team_recent_games
  WHERE recency <= 10
  GROUP BY game_date, team_abbr
),

inputs AS (
  SELECT
    e.*,
    -- UPCG semantics: days_rest = D - last game (back-to-back = 1)
    DATE_DIFF(e.game_date, latest.game_date, DAY) AS days_rest,
    DATE_DIFF(e.game_date, latest.game_date, DAY) = 1 AS back_to_back,
    COALESCE(c.games_in_last_7_days, 0) AS games_in_last_7_days,
    COALESCE(c.seconds_in_last_7_days, 0) AS seconds_in_last_7_days,
    COALESCE(c.seconds_in_last_7_days, 0) / 60 AS minutes_in_last_7_days,
    SAFE_DIVIDE(c.seconds_in_last_7_days, 60 * c.games_in_last_7_days) AS avg_minutes_per_game_last_7,
    COALESCE(c.back_to_backs_last_14_days, 0) AS back_to_backs_last_14_days,
    c.avg_usage_rate_last_7_games,
    latest.usage_rate_last_3_games,
    latest.season_usage_rate,
    own.pace_last_10 - opp.pace_last_10 AS pace_differential,
    -- a PSZA / TDZA row whose source had shot locations (box scores have none: their zone columns are NULL)
    z.player_lookup IS NOT NULL AND z.paint_attempts_per_game IS NOT NULL AS has_shot_zones,
    dz.team_abbr IS NOT NULL AND dz.paint_attempts_allowed_per_game IS NOT NULL AS has_zone_defense,
    (z.player_lookup IS NOT NULL AND z.paint_attempts_per_game IS NULL)
      OR (dz.team_abbr IS NOT NULL AND dz.paint_attempts_allowed_per_game IS NULL) AS zones_unknown,
    -- the player's zone: 'balanced', unknown or missing use the paint fields (upstream)
    CASE z.primary_scoring_zone
      WHEN 'mid_range' THEN z.mid_range_rate_last_10
      WHEN 'perimeter' THEN z.three_pt_rate_last_10
      ELSE z.paint_rate_last_10
    END AS zone_rate,
    CASE z.primary_scoring_zone
      WHEN 'mid_range' THEN dz.mid_range_defense_vs_league_avg
      WHEN 'perimeter' THEN dz.three_pt_defense_vs_league_avg
      ELSE dz.paint_defense_vs_league_avg
    END AS zone_defense_vs_league
  FROM entities AS e
  LEFT JOIN context AS c ON c.game_date = e.game_date AND c.player_lookup = e.player_lookup
  LEFT JOIN played_games AS latest ON latest.player_lookup = e.player_lookup AND latest.k = e.games_so_far
  LEFT JOIN team_pace AS own ON own.game_date = e.game_date AND own.team_abbr = e.team_abbr
  LEFT JOIN team_pace AS opp ON opp.game_date = e.game_date AND opp.team_abbr = e.opponent_team_abbr
  LEFT JOIN shot_zones AS z ON z.analysis_date = e.game_date AND z.player_lookup = e.player_lookup
  LEFT JOIN zone_defense AS dz ON dz.analysis_date = e.game_date AND dz.team_abbr = e.opponent_team_abbr
),

factors AS (
  SELECT
    *,
    -- upstream fatigue_factor with its NULL defaults (days_rest 1, avg minutes 30); player_age unknown
    GREATEST(0, LEAST(100,
      100
      + CASE WHEN back_to_back THEN -15 WHEN COALESCE(days_rest, 1) >= 3 THEN 5 ELSE 0 END
      + IF(games_in_last_7_days >= 4, -10, 0)
      + IF(seconds_in_last_7_days > 240 * 60, -10, 0)
      + IF(games_in_last_7_days > 0 AND seconds_in_last_7_days > 35 * 60 * games_in_last_7_days, -8, 0)
      + CASE WHEN back_to_backs_last_14_days >= 2 THEN -12 WHEN back_to_backs_last_14_days = 1 THEN -5 ELSE 0 END
    )) AS fatigue_score,
    -- opponent's vs-league points in the player's zone, weighted by how much he uses it (rate 0.5+ = full)
    COALESCE(zone_defense_vs_league, 0) * LEAST(COALESCE(zone_rate, 0.5) / 0.5, 1) AS zone_mismatch,
    IF(pace_differential IS NULL, 0, GREATEST(-3, LEAST(3, pace_differential / 2))) AS pace_score,
    IF(
      usage_rate_last_3_games IS NULL OR season_usage_rate IS NULL,
      0,
      GREATEST(-3, LEAST(3, 0.3 * (usage_rate_last_3_games - season_usage_rate)))
    ) AS usage_spike_score
  FROM inputs
),

scored AS (
  SELECT
    *,
    -- NULL when the zones are unknown (the feature store then falls back to its default, flagged 'default')
    CASE
      WHEN has_shot_zones AND has_zone_defense
        THEN GREATEST(-10, LEAST(10, IF(ABS(zone_mismatch) > 5, zone_mismatch * 1.2, zone_mismatch)))
      WHEN NOT zones_unknown THEN 0
    END AS shot_zone_mismatch_score
  FROM factors
)

SELECT
  game_date,
  game_date AS analysis_date,
  player_lookup,
  universal_player_id,
  team_abbr,
  opponent_team_abbr,
  season_year,
  has_prop_line,
  days_rest,
  back_to_back,
  games_in_last_7_days,
  minutes_in_last_7_days,
  avg_minutes_per_game_last_7,
  back_to_backs_last_14_days,
  avg_usage_rate_last_7_games,
  usage_rate_last_3_games,
  season_usage_rate,
  pace_differential,
  fatigue_score,
  shot_zone_mismatch_score,
  pace_score,
  usage_spike_score,
  (fatigue_score - 100) / 20 + COALESCE(shot_zone_mismatch_score, 0) + pace_score + usage_spike_score
    AS total_composite_adjustment,
  -- share of the five inputs present: rest, usage history, pace, the player's PSZA row, the opponent's TDZA row
  CAST(
    20 * (
      IF(days_rest IS NOT NULL, 1, 0)
      + IF(usage_rate_last_3_games IS NOT NULL AND season_usage_rate IS NOT NULL, 1, 0)
      + IF(pace_differential IS NOT NULL, 1, 0)
      + IF(has_shot_zones, 1, 0)
      + IF(has_zone_defense, 1, 0)
    ) AS FLOAT64
  ) AS data_completeness_pct
FROM scored
