# Phase 3: the synthetic league, or the configured files imported. It reruns when what defines Phase 3 changes
# (the digest: source, seed/scale and seasons' bounds, or each file's size and sha256), and so does what follows.
rule write_league:
    input:
        get_phase3_files,
    output:
        "markers/league.done",
    log:
        "logs/league.log",
    params:
        digest=phase3.digest(PHASE3),
        command="league" if CONFIG.phase3["source"] == "synthetic" else "import",
    shell:
        "nba-backfill {params.command} --marker {output} 2>&1 | tee {log}"


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
