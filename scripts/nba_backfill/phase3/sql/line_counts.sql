-- The lines part of the import report: rows read, rows of other markets, player-points rows without a snapshot.
SELECT
  COUNT(*) AS rows,
  COUNT(*) FILTER (LOWER(market) <> 'player_points') AS other_markets,
  COUNT(*) FILTER (LOWER(market) = 'player_points' AND snapshot_time IS NULL) AS without_snapshot
FROM raw
