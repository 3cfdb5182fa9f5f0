-- Phase 5A tier adjustments (facts §5; SPEC "Tier adjustments"): for each key date A, per scoring tier, the
-- median error of @system_id's predictions over games in [A - @lookback_days, A) — strictly before A, so nothing
-- from A itself (upstream included A) — and the share of it applied (adjustment_confidence), chosen on those games
-- alone: the earlier half's median, scaled, is tried on the later half at shares 1/4 .. 1, and the share that cut
-- its errors most is kept if it clearly did (0 otherwise: nothing is applied). Tier = the player's season average
-- before the game (the prediction's season_avg_points), never the outcome. Tiers with fewer than @min_sample
-- graded games get no row.
-- Every key date lies in @start_date..@end_date: the reads filter their partitions on those parameters directly,
-- so BigQuery prunes them (it cannot through a subquery over the key dates); the join below narrows each key
-- date to its own window.
WITH
key_dates AS (
  SELECT as_of_date FROM UNNEST(@key_dates) AS as_of_date
),
predictions AS (
  SELECT player_lookup, game_date, predicted_points, recommendation, current_points_line, season_avg_points
  FROM nba_predictions.player_prop_predictions
  WHERE system_id = @system_id
    AND game_date >= DATE_SUB(@start_date, INTERVAL @lookback_days DAY)
    AND game_date < @end_date
    AND predicted_points IS NOT NULL
),
actuals AS (
  SELECT player_lookup, game_date, points, minutes_played, is_dnp
  FROM nba_analytics.player_game_summary
  WHERE game_date >= DATE_SUB(@start_date, INTERVAL @lookback_days DAY)
    AND game_date < @end_date
),
tiers AS (  -- lower bound inclusive, upper exclusive; scale factors from SPEC
  SELECT 'STAR_30PLUS' AS scoring_tier, 30.0 AS tier_min_points, CAST(NULL AS FLOAT64) AS tier_max_points,
    1.0 AS scale_factor
  UNION ALL SELECT 'STARTER_20_29', 20.0, 30.0, 0.75
  UNION ALL SELECT 'ROTATION_10_19', 10.0, 20.0, 0.5
  UNION ALL SELECT 'BENCH_0_9', 0.0, 10.0, 0.5
),

-- graded games: a DNP (same rule as grading's voiding) has no error to learn from
errors AS (
  SELECT p.game_date,
    CASE
      WHEN p.season_avg_points >= 30 THEN 'STAR_30PLUS'
      WHEN p.season_avg_points >= 20 THEN 'STARTER_20_29'
      WHEN p.season_avg_points >= 10 THEN 'ROTATION_10_19'
      ELSE 'BENCH_0_9'  -- including no season average yet
    END AS scoring_tier,
    p.predicted_points - a.points AS signed_error,
    -- a real hit rate: only OVER/UNDER calls against a line, pushes excluded
    IF(
      p.current_points_line IS NOT NULL AND p.recommendation IN ('OVER', 'UNDER') AND a.points != p.current_points_line,
      (a.points > p.current_points_line) = (p.recommendation = 'OVER'),
      NULL
    ) AS call_correct
  FROM predictions AS p
  JOIN actuals AS a ON a.player_lookup = p.player_lookup AND a.game_date = p.game_date
  WHERE NOT COALESCE(a.is_dnp, FALSE)
    AND a.points IS NOT NULL
    AND NOT (a.points = 0 AND COALESCE(a.minutes_played, 0) = 0)
),
windowed AS (  -- each key date's errors; the later half of its lookback is the holdout that chooses the share
  SELECT k.as_of_date, e.*,
    e.game_date >= DATE_SUB(k.as_of_date, INTERVAL DIV(@lookback_days, 2) DAY) AS is_holdout
  FROM key_dates AS k
  JOIN errors AS e
    ON e.game_date >= DATE_SUB(k.as_of_date, INTERVAL @lookback_days DAY) AND e.game_date < k.as_of_date
),
medians AS (  -- MAE is the statistic, so the correction is the median error: of the whole lookback, of its earlier half
  SELECT DISTINCT as_of_date, scoring_tier,
    PERCENTILE_CONT(signed_error, 0.5) OVER (PARTITION BY as_of_date, scoring_tier) AS median_error,
    PERCENTILE_CONT(IF(is_holdout, NULL, signed_error), 0.5)
      OVER (PARTITION BY as_of_date, scoring_tier) AS fit_median_error
  FROM windowed
),
holdout_gain AS (  -- per holdout game, how much each share of the earlier half's scaled correction cut its error
  SELECT w.as_of_date, w.scoring_tier, share,
    ABS(w.signed_error) - ABS(w.signed_error - share * t.scale_factor * COALESCE(m.fit_median_error, 0)) AS gain
  FROM windowed AS w
  JOIN medians AS m ON m.as_of_date = w.as_of_date AND m.scoring_tier = w.scoring_tier
  JOIN tiers AS t ON t.scoring_tier = w.scoring_tier
  CROSS JOIN UNNEST([0.25, 0.5, 0.75, 1.0]) AS share
  WHERE w.is_holdout
),
shares AS (  -- the share that helped most among those that clearly helped: mean gain above @min_z standard errors
  -- (one-sided, Bonferroni over every correction the season tries, nba_backfill.phase5.tier_learning: corrections
  -- that only fit the noise of a few games are not applied); none -> 0, adjusted = raw
  SELECT as_of_date, scoring_tier, share
  FROM holdout_gain
  GROUP BY as_of_date, scoring_tier, share
  HAVING AVG(gain) > @min_z * SAFE_DIVIDE(STDDEV_SAMP(gain), SQRT(COUNT(*)))
  QUALIFY ROW_NUMBER() OVER (PARTITION BY as_of_date, scoring_tier ORDER BY AVG(gain) DESC, share) = 1
),
tier_stats AS (
  SELECT as_of_date, scoring_tier,
    COUNT(*) AS sample_size,
    AVG(signed_error) AS avg_signed_error,
    AVG(ABS(signed_error)) AS avg_absolute_error,
    STDDEV_SAMP(signed_error) AS std_signed_error,
    -- share of decided OVER/UNDER calls that won (upstream counted PASS and pushes as losses); NULL if none
    SAFE_DIVIDE(COUNTIF(call_correct), COUNTIF(call_correct IS NOT NULL)) AS current_win_rate
  FROM windowed
  GROUP BY as_of_date, scoring_tier
  HAVING COUNT(*) >= @min_sample
)

SELECT
  s.as_of_date,
  @system_id AS system_id,
  s.scoring_tier,
  s.sample_size,
  @lookback_days AS lookback_days,
  s.avg_signed_error,
  s.avg_absolute_error,
  s.std_signed_error,
  -m.median_error AS recommended_adjustment,  -- signed = predicted - actual: under-prediction -> raise
  t.scale_factor,
  -- the share of the scaled correction applied: what helped on the holdout (0: it did not, adjusted = raw)
  COALESCE(h.share, 0.0) AS adjustment_confidence,
  s.current_win_rate,
  t.tier_min_points,
  t.tier_max_points
FROM tier_stats AS s
JOIN tiers AS t ON t.scoring_tier = s.scoring_tier
JOIN medians AS m ON m.as_of_date = s.as_of_date AND m.scoring_tier = s.scoring_tier
LEFT JOIN shares AS h ON h.as_of_date = s.as_of_date AND h.scoring_tier = s.scoring_tier
