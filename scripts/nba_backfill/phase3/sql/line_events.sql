-- Each player-points event of the lines files once, with its tip-off, teams and rows, to match to a game.
SELECT
  event_id,
  CAST(ANY_VALUE(commence_time) AS TIMESTAMPTZ) AS commence_time,
  ANY_VALUE(home_team) AS home_team,
  ANY_VALUE(away_team) AS away_team,
  COUNT(*) AS rows
FROM raw
WHERE LOWER(market) = 'player_points'
GROUP BY event_id
ORDER BY event_id
