-- The box-score part of the import report: regular-season rows, their DNP rows, rows of other kinds of games.
SELECT
  COUNT(*) FILTER (is_regular_season) AS player_rows,
  COUNT(*) FILTER (is_regular_season AND is_dnp) AS dnp_rows,
  COUNT(*) FILTER (NOT is_regular_season) AS other_game_rows
FROM box
