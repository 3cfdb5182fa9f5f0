-- Bets judged as a bettor would, for one season (@start_date..@end_date), per system and book type: over its
-- non-voided graded rows with a line, its MAE beside the line's own; a bet wherever |predicted - line| >=
-- @min_edge (every system alike, whatever its recommendation): OVER above the line, UNDER below; a push returns
-- the stake. Units at the price recorded for the side taken (the latest pre-tip-off snapshot of the line's own
-- bookmaker at that line), -110 where none is recorded. Pick'em books post one line and no real prices (their
-- files carry placeholders), so they count at -110. Beside the two MAEs, the standard error of their gap with each
-- player's games as one cluster: his games' errors go together (the same role, the same book's view of him), so a
-- gap made of a few players' seasons is less evidence than the same gap spread over many.
WITH
graded AS (
  SELECT system_id, game_date, player_lookup, predicted_points, line_value, actual_points
  FROM nba_predictions.prediction_accuracy
  WHERE game_date BETWEEN @start_date AND @end_date
    AND NOT COALESCE(is_voided, FALSE)
    AND absolute_error IS NOT NULL
    AND line_value IS NOT NULL
),
books AS (  -- pick'em: The Odds API's DFS books (PrizePicks, Underdog, Sleeper, DraftKings Pick6, Betr Picks)
  SELECT system_id, game_date, player_lookup, line_bookmaker,
    IF(LOWER(line_bookmaker) IN ('prizepicks', 'underdog', 'sleeper', 'pick6', 'betr_us_dfs'), 'pickem', 'sportsbook')
      AS book_type
  FROM nba_predictions.player_prop_predictions
  WHERE game_date BETWEEN @start_date AND @end_date
    AND current_points_line IS NOT NULL
),
quotes AS (
  SELECT player_lookup, game_date, bookmaker, points_line, over_price_american, under_price_american,
    snapshot_timestamp
  FROM nba_raw.odds_api_player_points_props
  WHERE game_date BETWEEN @start_date AND @end_date
    AND minutes_before_tipoff >= 0
),

priced AS (
  SELECT g.*,
    COALESCE(b.book_type, 'sportsbook') AS book_type,
    ABS(g.predicted_points - g.line_value) >= @min_edge AS is_bet,
    g.predicted_points > g.line_value AS is_over,
    IF(b.book_type = 'pickem', NULL,
      IF(g.predicted_points > g.line_value, q.over_price_american, q.under_price_american)) AS recorded_price
  FROM graded AS g
  LEFT JOIN books AS b
    ON b.system_id = g.system_id AND b.game_date = g.game_date AND b.player_lookup = g.player_lookup
  LEFT JOIN quotes AS q
    ON q.player_lookup = g.player_lookup AND q.game_date = g.game_date AND q.bookmaker = b.line_bookmaker
    AND q.points_line = g.line_value
  -- the bookmaker's latest pre-tip-off snapshot at that line: the one the line was read from
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY g.system_id, g.game_date, g.player_lookup ORDER BY q.snapshot_timestamp DESC
  ) = 1
),
bets AS (
  SELECT *,
    actual_points = line_value AS is_push,
    (actual_points > line_value) = is_over AS is_win,
    COALESCE(recorded_price, -110) AS price
  FROM priced
),
gaps AS (  -- per line row, how much closer than the line the system came, centred on its mean over the group
  SELECT system_id, book_type, player_lookup,
    gap - AVG(gap) OVER (PARTITION BY system_id, book_type) AS centred_gap
  FROM (
    SELECT system_id, book_type, player_lookup,
      ABS(predicted_points - actual_points) - ABS(line_value - actual_points) AS gap
    FROM bets
  )
),
gap_spread AS (  -- the players, and the sum over players of the square of their summed centred gaps
  SELECT system_id, book_type, COUNT(*) AS players, SUM(player_gap * player_gap) AS squares
  FROM (
    SELECT system_id, book_type, player_lookup, SUM(centred_gap) AS player_gap
    FROM gaps
    GROUP BY system_id, book_type, player_lookup
  )
  GROUP BY system_id, book_type
),
totals AS (
  SELECT
    system_id,
    book_type,
    COUNT(*) AS line_rows,
    AVG(ABS(predicted_points - actual_points)) AS mae,
    AVG(ABS(line_value - actual_points)) AS line_mae,
    COUNTIF(is_bet) AS bets,
    COUNTIF(is_bet AND is_push) AS pushes,
    COUNTIF(is_bet AND NOT is_push AND is_win) AS wins,
    COUNTIF(is_bet AND recorded_price IS NOT NULL) AS priced_bets,
    COALESCE(SUM(IF(is_bet AND NOT is_push,
      IF(is_win, IF(price > 0, price / 100, SAFE_DIVIDE(100, -price)), -1.0), 0.0)), 0.0) AS units
  FROM bets
  GROUP BY system_id, book_type
)

-- the cluster-robust standard error of mae - line_mae: sqrt(G / (G - 1) x squares) / rows (none with one player)
SELECT t.*,
  SAFE_DIVIDE(SQRT(SAFE_DIVIDE(s.players, s.players - 1) * s.squares), t.line_rows) AS mae_vs_line_se
FROM totals AS t
JOIN gap_spread AS s ON s.system_id = t.system_id AND s.book_type = t.book_type
ORDER BY t.system_id, t.book_type
