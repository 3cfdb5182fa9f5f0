-- The first thing wrong with the box-score files, in file and row order (DuckDB, local): the column it is in
-- and what is wrong. `seasons` holds the configured seasons (name, year, start, end); rows of other kinds of
-- games (preseason, playoffs, the NBA Cup final: SEASON_ID not 2xxxx) are only checked for their types.
WITH numbers AS (
  UNPIVOT (
    SELECT _file, _row, "min", fgm, fga, fg3m, fg3a, ftm, fta, oreb, dreb, ast, stl, blk, tov, pf, pts, plus_minus
    FROM raw
  )
  ON COLUMNS(* EXCLUDE (_file, _row))
  INTO NAME column_name VALUE text
),

bad_numbers AS (
  SELECT
    _file, _row, UPPER(column_name) AS column_name,
    printf('%s is not a number', to_json(text)) AS message
  FROM numbers
  WHERE IF(
    column_name = 'min',
    NOT regexp_full_match(text, '\d+(\.\d*)?|\d+:[0-5]?\d(\.\d*)?'),
    TRY_CAST(text AS DOUBLE) IS NULL
  )
),

games AS (
  SELECT
    game_id,
    COUNT(DISTINCT team_abbr) AS teams,
    STRING_AGG(DISTINCT team_abbr, ', ' ORDER BY team_abbr) AS team_list,
    COUNT(DISTINCT game_date) AS dates,
    COUNT(DISTINCT IF(home_game, team_abbr, NULL)) AS home_teams,
    MIN((_file, _row)) AS first_row
  FROM box
  WHERE is_regular_season
  GROUP BY game_id
),

duplicates AS (
  SELECT
    _file, _row, player_id, game_id,
    FIRST_VALUE(_row) OVER (PARTITION BY player_id, game_id ORDER BY _file, _row) AS first_row
  FROM box
  WHERE is_regular_season
  QUALIFY ROW_NUMBER() OVER (PARTITION BY player_id, game_id ORDER BY _file, _row) > 1
),

problems AS (
  SELECT _file, _row, 'GAME_DATE' AS column_name, printf('%s is not a date', to_json(game_date_text)) AS message
  FROM box WHERE game_date IS NULL
  UNION ALL
  SELECT _file, _row, 'SEASON_ID', printf('%s is not a season id (e.g. 22021)', to_json(season_id))
  FROM box WHERE season_year IS NULL OR LENGTH(season_id) <> 5
  UNION ALL
  SELECT * FROM bad_numbers
  UNION ALL
  SELECT _file, _row, column_name, printf('%s is blank', to_json(column_name))
  FROM (
    SELECT _file, _row, unnest(['PLAYER_ID', 'PLAYER_NAME', 'TEAM_ABBREVIATION', 'GAME_ID']) AS column_name,
      unnest([player_id, player_name, team_abbr, game_id]) AS value
    FROM box
  )
  WHERE value IS NULL OR TRIM(value) = ''
  UNION ALL
  -- a player who played has every box-score number
  SELECT _file, _row, column_name, printf('%s is blank for a player who played', column_name)
  FROM (
    SELECT _file, _row,
      unnest(['FGM', 'FGA', 'FG3M', 'FG3A', 'FTM', 'FTA', 'OREB', 'DREB', 'AST', 'STL', 'BLK', 'TOV', 'PF', 'PTS']) AS column_name,
      unnest([fgm, fga, fg3m, fg3a, ftm, fta, oreb, dreb, ast, stl, blk, tov, pf, pts]) AS value
    FROM box
    WHERE NOT is_dnp
  )
  WHERE value IS NULL
  UNION ALL
  SELECT _file, _row, 'MATCHUP', printf('%s is neither "TEAM vs. OPP" (home) nor "TEAM @ OPP" (away)', to_json(matchup))
  FROM box WHERE is_regular_season AND home_game IS NULL
  UNION ALL
  SELECT _file, _row, 'PTS', printf('%d points but 2*FGM + FG3M + FTM = %d', pts::BIGINT, (2 * fgm + fg3m + ftm)::BIGINT)
  FROM box WHERE pts <> 2 * fgm + fg3m + ftm
  UNION ALL
  SELECT first_row[1], first_row[2], 'TEAM_ABBREVIATION',
    printf('game %s has %d team(s) (%s), not 2', game_id, teams, team_list)
  FROM games WHERE teams <> 2
  UNION ALL
  SELECT first_row[1], first_row[2], 'GAME_DATE', printf('game %s is on %d different dates', game_id, dates)
  FROM games WHERE dates > 1
  UNION ALL
  SELECT first_row[1], first_row[2], 'MATCHUP', printf('game %s has %d home team(s), not 1', game_id, home_teams)
  FROM games WHERE teams = 2 AND home_teams <> 1
  UNION ALL
  SELECT b._file, b._row, 'MIN',
    printf('%s minutes but game %s lasted %d (48 + 5 per overtime; its teams'' minutes show %d overtime(s))',
      b.min_text, b.game_id, g.game_minutes, (g.game_minutes - 48) // 5)
  FROM box AS b
  JOIN (SELECT DISTINCT game_id, game_minutes FROM team_minutes) AS g ON g.game_id = b.game_id
  WHERE b.is_regular_season AND b.minutes > g.game_minutes + 0.01  -- MIN to the hundredth
  UNION ALL
  SELECT _file, _row, 'PLAYER_ID', printf('player %s appears twice in game %s (first at row %d)', player_id, game_id, first_row)
  FROM duplicates
  UNION ALL
  SELECT b._file, b._row, 'SEASON_ID',
    printf('season %d-%02d (%s) is not in the config (configured: %s)', b.season_year, (b.season_year + 1) % 100,
      b.season_id, (SELECT STRING_AGG(name, ', ' ORDER BY name) FROM seasons))
  FROM box AS b
  WHERE b.is_regular_season AND b.season_year NOT IN (SELECT year FROM seasons)
  UNION ALL
  SELECT b._file, b._row, 'GAME_DATE', printf('%s is outside season %s (%s..%s)', b.game_date, s.name, s.start, s."end")
  FROM box AS b
  JOIN seasons AS s ON s.year = b.season_year
  WHERE b.is_regular_season AND b.game_date NOT BETWEEN s.start AND s."end"
)

SELECT _file, _row, column_name, message
FROM problems
ORDER BY _file, _row, column_name
LIMIT 1
