-- Each (matched game, player name) of the player-points rows once, with its rows, to match to a player_lookup.
SELECT e.game_id, r.player, COUNT(*) AS rows
FROM raw AS r
JOIN events AS e USING (event_id)
WHERE LOWER(r.market) = 'player_points'
GROUP BY e.game_id, r.player
ORDER BY e.game_id, r.player
