-- Phase 5C (facts §5 validate_adjustments_improve_mae; SPEC): does the tier adjustment lower @system_id's MAE, or
-- at least not raise it?
-- Both MAEs over the SAME rows — graded, not voided, with a raw and an adjusted error (a zero adjustment keeps
-- adjusted = predicted and counts on both sides; upstream dropped those rows from one side only).
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

SELECT n, mae_raw, mae_adjusted, mae_adjusted - mae_raw AS mae_change, mae_adjusted - mae_raw < 0 AS is_improving,
  -- a tier step that found nothing worth correcting applies nothing: adjusted = raw, not worse
  mae_adjusted <= mae_raw AS is_not_worse
FROM compared
