-- Phase 5A inputs: each feature-store row of the date range plus the player's real pre-tip-off points line
-- (SPEC "Real lines"; facts §1.6): DraftKings if it quoted one, else the other bookmakers; within the chosen
-- bookmaker its latest snapshot. In-game snapshots (minutes_before_tipoff < 0) are look-ahead and never used.
WITH
features AS (
  SELECT *
  FROM nba_predictions.ml_feature_store_v2
  WHERE game_date BETWEEN @start_date AND @end_date
),
props AS (
  SELECT player_lookup, game_date, bookmaker, points_line, snapshot_timestamp
  FROM nba_raw.odds_api_player_points_props
  WHERE game_date BETWEEN @start_date AND @end_date
    AND minutes_before_tipoff >= 0
),

-- one line per player and date; among non-DraftKings books the latest snapshot wins (ties: bookmaker name)
current_lines AS (
  SELECT player_lookup, game_date, points_line AS current_points_line, bookmaker AS line_bookmaker
  FROM props
  WHERE points_line IS NOT NULL  -- a snapshot without a line is no line
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY player_lookup, game_date
    ORDER BY IF(LOWER(bookmaker) = 'draftkings', 0, 1), snapshot_timestamp DESC, bookmaker
  ) = 1
)

SELECT f.*, l.current_points_line, l.line_bookmaker
FROM features AS f
LEFT JOIN current_lines AS l
  ON l.player_lookup = f.player_lookup AND l.game_date = f.game_date
