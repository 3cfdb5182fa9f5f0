"""Phase 6: publish one season's graded predictions as the website's JSON files (facts §3.8; SPEC "Publishing (6)").

One job per season (`job`): read the season's graded rows of one system (`publish.system_id`, by default the tier
step's `tier_adjustments.system_id`) with their context (sql/publish_results.sql), shape them into the files below,
validate each against its JSON Schema (publish_schemas/, `schemas`), write them to the target (`targets`: a folder
or gs://), list the target and check every expected file (`files`), then write the marker
`markers/phase6/{season}.done`. The documents themselves are pure functions of the rows (`documents`).

Files (under the target; `{date}` is every graded date of the season):
  v1/results/{date}.json       results_doc     schema results.json        Cache-Control public, max-age=86400
  v1/best-bets/{date}.json     best_bets_doc   schema best_bets.json      public, max-age=86400
  v1/results/latest.json,
  v1/best-bets/latest.json     byte copies of the season's last date      public, max-age=300
  v1/players/{lookup}.json     player_doc      schema player.json         public, max-age=3600
  v1/players/index.json        index_doc       schema players_index.json  public, max-age=3600
Player files exist for players with >= `publish.min_games` graded (non-voided) games in the season; the index lists
exactly those players.

A daily run (`chunk_name`, one day or any chunk of the season; marker `markers/phase6/{season}/{chunk}.done`) writes
the dated files of the chunk's dates only, and latest / players / index from the season's rows up to the chunk's
last day, so they are what the season job writes once that day is the season's last graded date. A daily chunk with
no graded rows (bootstrap days, off days) is not an error: the dated files are simply none.

Deterministic: no clock in any file. `generated_at` is noon UTC of the day after the data's last game date (a
date's own files: that date; player files and the index: the season's last graded date), keys are sorted, numbers
rounded (points 2 decimals, rates 4), so an unchanged rerun writes byte-identical files and an identical marker.

Several seasons (or days) in one target: dated files never collide. The shared files (both latest.json, the
players' files and the index) belong to the newest data published there: a job writes them unless the target's
players/index.json names a newer (season, through) than its own (then its marker records `shared: superseded by
<season> through <date>`). So latest is the newest date across what was published, whatever order seasons run in,
and rerunning an old daily chunk does not move it back. Player files of an older season whose player is absent from
the newer one stay (orphans, not in the index). Run publish jobs one at a time per target (local targets also take
a lock file; GCS has none).

Player keys become file names only if they match `[a-z0-9_-]+` (and are not `index`); any other key (`../x`, `a/b`,
empty) gets no file and no index entry, with a warning in the marker. Every local path is also resolved and must
lie inside the target; every GCS object name must be `<prefix>/v1/...` without `.`/`..` segments.
"""
