rule run_chunk:
    input:
        get_phase4_inputs,
    output:
        "markers/phase4/{processor}/{season}/{chunk}.done",
    log:
        "logs/phase4/{processor}/{season}/{chunk}.log",
    resources:
        writes_tdza=table_writes("tdza"),
        writes_psza=table_writes("psza"),
        writes_pcf=table_writes("pcf"),
        writes_pdc=table_writes("pdc"),
        writes_mlfs=table_writes("mlfs"),
    # earlier chunks first: the predictions' chain waits on them (plan.chain_priority)
    priority: chain_priority
    params:
        inputs=digest_of(),
    # At a lower CPU priority than the predictions' chain (the run's longest path), which a Phase 4 job running
    # beside it would otherwise slow down by half: season chunks 42-44 s -> 38 s on 2 cores (bench/RESULTS.md).
    shell:
        "nice -n 10 nba-backfill run {wildcards.processor} --season {wildcards.season} --chunk {wildcards.chunk} --marker {output} 2>&1 | tee {log}"


rule rollup_phase4:
    input:
        get_phase4_season_inputs,
    output:
        "markers/phase4/{season}.done",
    log:
        "logs/phase4/{season}.log",
    shell:
        "nba-backfill rollup phase4 {input} --season {wildcards.season} --marker {output} 2>&1 | tee {log}"
