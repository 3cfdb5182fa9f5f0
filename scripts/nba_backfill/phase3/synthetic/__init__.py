"""A deterministic synthetic NBA league: the Phase 3 input tables of a backfill on the embedded warehouse.

`league.generate_league(seasons, seed, scale)` returns one pyarrow Table per input table (schedule, player and team box
scores, bookmaker points lines) plus the oracle table of true expected points. Everything is drawn from random
streams of `seed` (the population; each offseason by its year; each season by its start year), so a seed always
gives byte-identical tables, and a season's do not depend on the other seasons generated. No I/O happens here.

The generative model, in short:
- 30 teams, each with a pace factor and a zone defence (make-probability multipliers for paint / mid-range /
  three) that drift a little between seasons. 82 games a team in the season window, no three days running,
  a six-day All-Star break.
- Players with healthy minutes, a usage (share of the team's shots), a zone mix, make skills per zone, a
  free-throw rate and percentage, a form that random-walks through the season, aging between seasons and the odd
  trade; injuries keep them out for 1-15 games.
- Per team-game: a minutes plan over the healthy rotation (240 minutes), realised minutes around it; the team's
  shot volume (both teams' pace) is shared out by usage x minutes over the zones; makes ~ Binomial(attempts,
  skill x opponent zone defence x home edge x back-to-back fatigue x form); free throws alike, without defence.
  The oracle's expected points are the exact expectation of points given the pre-game plan: realised minutes
  are a zero-mean perturbation of the plan, and attempt means are linear in minutes.
- Bookmaker lines follow the player's recent actual points with a tier-dependent bias (stars low, bench high),
  and ~30% of the (player-game, bookmaker) pairs carry an in-game snapshot that leans towards the actual result
  (a leakage trap for consumers: only minutes_before_tipoff > 0 is usable).

Modules: `population` (teams, players, offseasons), `calendar` (the schedule), `games` (minutes, shots, box scores),
`bookmaker` (points lines), `columns` (the tables' columns), `season` (one season through all of them), `league`.
"""
