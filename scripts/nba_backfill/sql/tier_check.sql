-- Phase 5C (facts §5 validate_adjustments_improve_mae; SPEC): does the tier adjustment lower the MAE of @system_id
-- (is_improving), or at least not raise it (is_not_worse: PASS)?
-- Both MAEs over the SAME rows — graded, not voided, with a raw and an adjusted error (a zero adjustment keeps
-- adjusted = predicted and counts on both sides, where upstream dropped those rows from one side only).
WITH
graded AS (
  SELECT absolute_error, adjusted_absolute_error
  FROM nba_predictions.prediction_accuracy
  WHERE game_date BETWEEN @start_date AND @end_date
    AND system_id = @system_id
    AND NOT COALESCE(is_voided, FALSE)
),

compared AS (
  SELECT
    COUNT(*) AS n,
    AVG(absolute_error) AS mae_raw,
    AVG(adjusted_absolute_error) AS mae_adjusted
  FROM graded
  WHERE absolute_error IS NOT NULL AND adjusted_absolute_error IS NOT NULL
)

-- is_not_worse: a tier step that found nothing worth correcting applies nothing, adjusted = raw
SELECT n, mae_raw, mae_adjusted, mae_adjusted - mae_raw AS mae_change, mae_adjusted - mae_raw < 0 AS is_improving,
  mae_adjusted <= mae_raw AS is_not_worse
FROM compared
