-- The first thing wrong with the lines files, in file and row order (DuckDB, local): `raw` holds their text.
WITH cells AS (
  SELECT
    _file,
    _row,
    unnest(['commence_time', 'snapshot_time', 'line', 'over_price', 'under_price']) AS column_name,
    unnest([commence_time, snapshot_time, line, over_price, under_price]) AS text,
    unnest(['time', 'time', 'number', 'number', 'number']) AS kind
  FROM raw
),

problems AS (
  SELECT _file, _row, column_name, printf('%s is not a UTC time', to_json(text)) AS message
  FROM cells
  WHERE kind = 'time' AND text IS NOT NULL AND TRY_CAST(text AS TIMESTAMPTZ) IS NULL
  UNION ALL
  SELECT _file, _row, column_name, printf('%s is not a number', to_json(text))
  FROM cells
  WHERE kind = 'number' AND text IS NOT NULL AND TRY_CAST(text AS DOUBLE) IS NULL
  UNION ALL
  -- required values: the event's time and teams, the quote's bookmaker, market, player and line
  SELECT _file, _row, column_name, printf('%s is blank', column_name)
  FROM (
    SELECT
      _file,
      _row,
      unnest(['event_id', 'commence_time', 'home_team', 'away_team', 'bookmaker', 'market', 'player', 'line'])
        AS column_name,
      unnest([event_id, commence_time, home_team, away_team, bookmaker, market, player, line]) AS value
    FROM raw
  )
  WHERE value IS NULL OR TRIM(value) = ''
)

SELECT _file, _row, column_name, message
FROM problems
ORDER BY _file, _row, column_name
LIMIT 1
