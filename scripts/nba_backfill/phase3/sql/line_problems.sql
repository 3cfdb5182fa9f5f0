-- The first thing wrong with the lines files, in file and row order (DuckDB, local): `raw` holds their text.
WITH problems AS (
  SELECT _file, _row, 'commence_time' AS column_name, printf('%s is not a UTC time', to_json(commence_time)) AS message
  FROM raw WHERE TRY_CAST(commence_time AS TIMESTAMPTZ) IS NULL
  UNION ALL
  SELECT _file, _row, 'snapshot_time', printf('%s is not a UTC time', to_json(snapshot_time))
  FROM raw WHERE snapshot_time IS NOT NULL AND TRY_CAST(snapshot_time AS TIMESTAMPTZ) IS NULL
  UNION ALL
  SELECT _file, _row, 'line', printf('%s is not a number', to_json(line))
  FROM raw WHERE TRY_CAST(line AS DOUBLE) IS NULL
  UNION ALL
  SELECT _file, _row, 'over_price', printf('%s is not American odds', to_json(over_price))
  FROM raw WHERE over_price IS NOT NULL AND TRY_CAST(over_price AS DOUBLE) IS NULL
  UNION ALL
  SELECT _file, _row, 'under_price', printf('%s is not American odds', to_json(under_price))
  FROM raw WHERE under_price IS NOT NULL AND TRY_CAST(under_price AS DOUBLE) IS NULL
  UNION ALL
  SELECT _file, _row, column_name, printf('%s is blank', column_name)
  FROM (
    SELECT _file, _row, unnest(['event_id', 'home_team', 'away_team', 'bookmaker', 'market', 'player']) AS column_name,
      unnest([event_id, home_team, away_team, bookmaker, market, player]) AS value
    FROM raw
  )
  WHERE value IS NULL OR TRIM(value) = ''
)

SELECT _file, _row, column_name, message
FROM problems
ORDER BY _file, _row, column_name
LIMIT 1
