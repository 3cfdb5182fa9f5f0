-- Team boxes with fewer minutes than five players on the floor for the whole game (team_minutes.sql): rows are
-- missing from the files (a partial download), or the file is a sample. Half a minute of slack: a box's decimal
-- MIN, rounded to the hundredth, strays by at most a few hundredths, and a missing player row of less than half
-- a minute changes no total that matters. The import report lists them; the real 2021-22 and 2024-25 seasons have
-- none (every team 239.97..315.07, the two teams of a game within 0.07).
SELECT game_id, team_abbr, team_minutes, 5 * game_minutes AS full_minutes
FROM team_minutes
WHERE team_minutes < 5 * game_minutes - 0.5
ORDER BY game_id, team_abbr
