"""Phase 3, the backfill's input tables, from one of two sources side by side.

- `synthetic`: a deterministic synthetic league (the default; no data needed).
- `files`: real box scores (NBA Stats `leaguegamelog` player rows) and, optionally, real prop lines (The Odds
  API's player-points market, flat rows), read by `files` and `lines`.

`write` puts either source's tables into the configured warehouse and records what defined them.
"""

SCHEDULE = "nba_reference.nba_schedule"
PLAYER_GAMES = "nba_analytics.player_game_summary"
TEAM_DEFENSE = "nba_analytics.team_defense_game_summary"
TEAM_OFFENSE = "nba_analytics.team_offense_game_summary"
PROPS = "nba_raw.odds_api_player_points_props"
ORACLE = "nba_oracle.player_game_expectations"
TABLES = (SCHEDULE, PLAYER_GAMES, TEAM_DEFENSE, TEAM_OFFENSE, PROPS, ORACLE)
