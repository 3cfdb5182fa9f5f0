-- One row per (game, team) of the regular season: the team's sums over its player rows, beside its opponent's.
--   possessions = FGA + 0.44 * FTA - OREB + TOV          (the standard box-score estimate; 0.44 FTA ~ trips to
--                                                         the line, and-ones and technicals excluded)
--   pace        = 48 * possessions / (team minutes / 5)  (possessions per 48 minutes; overtime counts)
--   offensive_rating = 100 * points / possessions,  defensive_rating = 100 * opponent points / opponent possessions
CREATE OR REPLACE TEMP VIEW team_box AS
WITH sums AS (
  SELECT
    game_id,
    team_abbr,
    ANY_VALUE(game_date) AS game_date,
    ANY_VALUE(season_year) AS season_year,
    BOOL_OR(home_game) AS home_game,
    SUM(minutes) AS minutes,
    SUM(pts) AS points,
    SUM(fga) AS fga,
    SUM(fgm) AS fgm,
    SUM(fg3a) AS fg3a,
    SUM(fg3m) AS fg3m,
    SUM(fta) AS fta,
    SUM(ftm) AS ftm,
    SUM(oreb) AS oreb,
    SUM(tov) AS tov,
    SUM(ast) AS ast
  FROM box
  WHERE is_regular_season
  GROUP BY game_id, team_abbr
),

rated AS (
  SELECT
    *,
    fga + 0.44 * fta - oreb + tov AS possessions,
    48 * (fga + 0.44 * fta - oreb + tov) / NULLIF(minutes / 5, 0) AS pace
  FROM sums
)

SELECT
  t.*,
  o.team_abbr AS opponent_team_abbr,
  o.points AS opponent_points,
  o.fga AS opp_fga,
  o.fgm AS opp_fgm,
  o.fg3a AS opp_fg3a,
  o.fg3m AS opp_fg3m,
  o.fta AS opp_fta,
  o.ftm AS opp_ftm,
  o.oreb AS opp_oreb,
  o.tov AS opp_tov,
  o.possessions AS opp_possessions,
  o.pace AS opp_pace
FROM rated AS t
JOIN rated AS o ON o.game_id = t.game_id AND o.team_abbr <> t.team_abbr
