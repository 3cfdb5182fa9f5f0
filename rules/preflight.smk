# Phase 3, one job per season: the synthetic league, or the configured files imported. It reruns when what defines
# the season's Phase 3 changes (nba_backfill.inputs: source, seed/scale and the seasons' bounds up to it, or each
# file's size and sha256), and so does what follows; adding a later season writes only its own.
rule write_league:
    input:
        get_phase3_files,
    output:
        "markers/league/{season}.done",
    log:
        "logs/league/{season}.log",
    params:
        inputs=digest_of("league"),
        command="league" if CONFIG.phase3["source"] == "synthetic" else "import",
    shell:
        "nba-backfill {params.command} --season {wildcards.season} --marker {output} 2>&1 | tee {log}"


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
