-- What the systems predicted before a chunk (@training_start <= game_date < @before_date, the current season and
-- the earlier ones the learned systems train on): ensemble_v2's weights and the learned systems' confidence are
-- fitted on these predictions against the points then scored (the training rows), never on the chunk's own.
SELECT game_date, player_lookup, system_id, predicted_points
FROM nba_predictions.player_prop_predictions
WHERE game_date >= @training_start AND game_date < @before_date
