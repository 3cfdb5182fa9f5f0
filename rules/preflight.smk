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
    # earlier seasons first: the predictions' chain waits on them (plan.chain_priority)
    priority: chain_priority
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
    # earlier seasons first: the predictions' chain waits on them (plan.chain_priority)
    priority: chain_priority
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
