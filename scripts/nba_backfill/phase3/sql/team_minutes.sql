-- Each regular-season team box's minutes and its game's length (DuckDB, local; over the `box` view). A game lasts 48
-- minutes plus 5 per overtime, and its five players on the floor give each team 5 x that in the box: the
-- overtimes are what the larger team total shows past 240 (0.1 of slack: decimal MIN is rounded to the
-- hundredth, so a team's total strays by a few hundredths). A box missing rows only makes the game look shorter.
CREATE OR REPLACE TEMP VIEW team_minutes AS
WITH teams AS (
  SELECT game_id, team_abbr, SUM(minutes) AS team_minutes
  FROM box
  WHERE is_regular_season AND NOT is_dnp
  GROUP BY game_id, team_abbr
)

SELECT *,
  CAST(48 + 5 * GREATEST(0, CEIL((MAX(team_minutes) OVER (PARTITION BY game_id) / 5 - 48 - 0.1) / 5)) AS BIGINT)
    AS game_minutes
FROM teams
