# One job per season: adding a later season writes only its own league, so nothing else reruns.
rule write_league:
    output:
        "markers/league/{season}.done",
    log:
        "logs/league/{season}.log",
    params:
        inputs=digest_of("league"),
    shell:
        "nba-backfill league --season {wildcards.season} --marker {output} 2>&1 | tee {log}"


rule check_preflight:
    input:
        get_league_input,
    output:
        "markers/preflight/{season}.done",
    log:
        "logs/preflight/{season}.log",
    # Every season's chain starts as soon as the league is there; otherwise one season can wait behind the others'
    # Phase 4 and finish alone at the end.
    priority: 10
    params:
        inputs=digest_of("preflight"),
    shell:
        "nba-backfill preflight --season {wildcards.season} --marker {output} 2>&1 | tee {log}"


rule check_daily_preflight:
    input:
        get_league_input,
    output:
        "markers/preflight/{season}/{chunk}.done",
    log:
        "logs/preflight/{season}/{chunk}.log",
    params:
        inputs=digest_of("preflight"),
    shell:
        "nba-backfill preflight --season {wildcards.season} --chunk {wildcards.chunk} --marker {output} 2>&1 | tee {log}"
