-- What the systems predicted before a chunk (@training_start <= game_date < @before_date, the current season and
-- the earlier ones the learned systems train on): ensemble_v2's weights and the learned systems' confidence are
-- fitted on these predictions against the points then scored (the training rows), never on the chunk's own; the
-- line each was made against (the pre-tip-off one) is line_blend_v1's.
SELECT game_date, player_lookup, system_id, predicted_points, current_points_line
FROM nba_predictions.player_prop_predictions
WHERE game_date >= @training_start AND game_date < @before_date
