-- Box-score player rows, typed (DuckDB, local): `raw` holds the files' text values with lower-case column
-- names, the file (_file) and the row in it (_row). Unparseable values become NULL here; box_problems.sql names them.
CREATE OR REPLACE TEMP VIEW box AS
WITH typed AS (
  SELECT
    _file,
    _row,
    season_id,
    TRY_CAST(SUBSTR(season_id, 2) AS INTEGER) AS season_year,
    -- SEASON_ID's first digit: 1 preseason, 2 regular season, 3 All-Star, 4 playoffs, 5 play-in, 6 NBA Cup final
    LEFT(season_id, 1) = '2' AS is_regular_season,
    player_id,
    player_name,
    team_abbreviation AS team_abbr,
    game_id,
    game_date AS game_date_text,
    TRY_CAST(game_date AS TIMESTAMP)::DATE AS game_date,
    matchup,
    CASE WHEN matchup LIKE '% vs. %' THEN TRUE WHEN matchup LIKE '% @ %' THEN FALSE END AS home_game,
    "min" AS min_text,
    -- MIN: decimal minutes, whole minutes, or "MM:SS"; blank for a player who did not play
    CASE
      WHEN "min" LIKE '%:%' THEN TRY_CAST(SPLIT_PART("min", ':', 1) AS DOUBLE) + TRY_CAST(SPLIT_PART("min", ':', 2) AS DOUBLE) / 60
      ELSE TRY_CAST("min" AS DOUBLE)
    END AS minutes,
    TRY_CAST(fgm AS DOUBLE) AS fgm,
    TRY_CAST(fga AS DOUBLE) AS fga,
    TRY_CAST(fg3m AS DOUBLE) AS fg3m,
    TRY_CAST(fg3a AS DOUBLE) AS fg3a,
    TRY_CAST(ftm AS DOUBLE) AS ftm,
    TRY_CAST(fta AS DOUBLE) AS fta,
    TRY_CAST(oreb AS DOUBLE) AS oreb,
    TRY_CAST(dreb AS DOUBLE) AS dreb,
    TRY_CAST(ast AS DOUBLE) AS ast,
    TRY_CAST(stl AS DOUBLE) AS stl,
    TRY_CAST(blk AS DOUBLE) AS blk,
    TRY_CAST(tov AS DOUBLE) AS tov,
    TRY_CAST(pf AS DOUBLE) AS pf,
    TRY_CAST(pts AS DOUBLE) AS pts,
    TRY_CAST(plus_minus AS DOUBLE) AS plus_minus,
    NULLIF(TRIM(start_position), '') AS start_position,
    NULLIF(TRIM("comment"), '') AS "comment"
  FROM raw
)

-- leaguegamelog lists only players who appeared: MIN present is a played game, even at 0.00 (seconds on the floor);
-- did not play is a blank MIN or a DNP / DND / NWT comment
SELECT
  *,
  minutes IS NULL OR COALESCE(regexp_matches("comment", '^(DNP|DND|NWT)'), FALSE) AS is_dnp
FROM typed
