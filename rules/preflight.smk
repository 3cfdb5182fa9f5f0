rule write_league:
    output:
        "markers/league.done",
    log:
        "logs/league.log",
    params:
        seasons=[s.name for s in CONFIG.seasons],
        league=CONFIG.league,
    shell:
        "nba-backfill league --if-absent --marker {output} 2>&1 | tee {log}"


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
    shell:
        "nba-backfill preflight --season {wildcards.season} --marker {output} 2>&1 | tee {log}"


rule check_daily_preflight:
    input:
        get_league_input,
    output:
        "markers/preflight/{season}/{chunk}.done",
    log:
        "logs/preflight/{season}/{chunk}.log",
    shell:
        "nba-backfill preflight --season {wildcards.season} --chunk {wildcards.chunk} --marker {output} 2>&1 | tee {log}"
