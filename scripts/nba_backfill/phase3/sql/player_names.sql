-- Each player (PLAYER_ID) of the regular-season box scores: his latest name, whose player_lookup keys all his
-- rows, and every name he has there. NBA Stats renames a player now and then ("Jeff Dowtin" -> "Jeff Dowtin Jr."
-- in 2021-22): still one person, one history.
SELECT
  player_id,
  ARG_MAX(player_name, game_date) AS latest_name,
  LIST(DISTINCT player_name ORDER BY player_name) AS names
FROM box
WHERE is_regular_season
GROUP BY player_id
ORDER BY player_id
