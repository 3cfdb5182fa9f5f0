-- nba_raw.odds_api_player_points_props from the lines' player-points rows (DuckDB, local). `events` maps an
-- event to its game, `players` a (game, player name) to a player_lookup; rows of unmatched events or players
-- are left out here and listed in the import report. A row without snapshot_time is taken as the pre-game
-- line: snapshot at tip-off, 0 minutes before it.
WITH quotes AS (
  SELECT
    r._file,
    r._row,
    e.game_id,
    e.game_date,
    r.player,
    LOWER(r.bookmaker) AS bookmaker,
    CAST(r.line AS DOUBLE) AS points_line,
    CAST(ROUND(CAST(r.over_price AS DOUBLE)) AS BIGINT) AS over_price_american,
    CAST(ROUND(CAST(r.under_price AS DOUBLE)) AS BIGINT) AS under_price_american,
    CAST(r.commence_time AS TIMESTAMPTZ) AS tipoff,
    COALESCE(CAST(r.snapshot_time AS TIMESTAMPTZ), CAST(r.commence_time AS TIMESTAMPTZ)) AS snapshot_timestamp
  FROM raw AS r
  JOIN events AS e ON e.event_id = r.event_id
  WHERE LOWER(r.market) = 'player_points'
)

SELECT
  p.player_lookup,
  q.game_id,
  q.game_date,
  q.bookmaker,
  q.points_line,
  q.over_price_american,
  q.under_price_american,
  q.snapshot_timestamp,
  CAST(FLOOR(EPOCH(q.tipoff - q.snapshot_timestamp) / 60) AS BIGINT) AS minutes_before_tipoff,
  q._file,
  q._row
FROM quotes AS q
JOIN players AS p ON p.game_id = q.game_id AND p.player = q.player
