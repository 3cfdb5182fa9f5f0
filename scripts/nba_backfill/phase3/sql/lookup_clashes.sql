-- Two people whose names normalise to one player_lookup (they would become one player): the first such row.
SELECT
  l.player_lookup,
  STRING_AGG(DISTINCT b.player_id || ' ' || b.player_name, ' and ') AS who,
  MIN((b._file, b._row)) AS first_row
FROM box AS b
JOIN lookups AS l USING (player_id)
WHERE b.is_regular_season
GROUP BY l.player_lookup
HAVING COUNT(DISTINCT b.player_id) > 1
ORDER BY first_row
LIMIT 1
