rule predict_chunk:
    input:
        get_predictions_inputs,
    output:
        "markers/phase5a/predictions/{season}/{chunk}.done",
    log:
        "logs/phase5a/predictions/{season}/{chunk}.log",
    resources:
        writes_predictions=table_writes("predictions"),
    # earlier chunks first: the predictions' chain waits on them (plan.chain_priority)
    priority: chain_priority
    params:
        inputs=digest_of("predictions"),
    shell:
        "nba-backfill run predictions --season {wildcards.season} --chunk {wildcards.chunk} --marker {output} 2>&1 | tee {log}"


rule adjust_tiers:
    input:
        get_tiers_inputs,
    output:
        "markers/phase5a/{season}.done",
    log:
        "logs/phase5a/{season}.log",
    resources:
        writes_tiers=table_writes("tiers"),
        writes_predictions=table_writes("predictions"),
    params:
        inputs=digest_of("tiers"),
    shell:
        "nba-backfill tiers --season {wildcards.season} --marker {output} 2>&1 | tee {log}"


rule adjust_tiers_daily:
    input:
        "markers/phase5a/predictions/{season}/{chunk}.done",
    output:
        "markers/phase5a/{season}/{chunk}.done",
    log:
        "logs/phase5a/{season}/{chunk}.log",
    resources:
        writes_tiers=table_writes("tiers"),
        writes_predictions=table_writes("predictions"),
    params:
        inputs=digest_of("tiers"),
    shell:
        "nba-backfill tiers --season {wildcards.season} --chunk {wildcards.chunk} --marker {output} 2>&1 | tee {log}"


rule grade_chunk:
    input:
        get_grading_input,
    output:
        "markers/phase5b/{season}/{chunk}.done",
    log:
        "logs/phase5b/{season}/{chunk}.log",
    resources:
        writes_grading=table_writes("grading"),
    params:
        inputs=digest_of("grading"),
    # below the predictions' chain, as Phase 4 (rules/phase4.smk)
    shell:
        "nice -n 10 nba-backfill run grading --season {wildcards.season} --chunk {wildcards.chunk} --marker {output} 2>&1 | tee {log}"


rule rollup_grading:
    input:
        get_grading_season_inputs,
    output:
        "markers/phase5b/{season}.done",
    log:
        "logs/phase5b/{season}.log",
    shell:
        "nba-backfill rollup phase5b {input} --season {wildcards.season} --marker {output} 2>&1 | tee {log}"


rule check_tiers:
    input:
        "markers/phase5b/{season}.done",
    output:
        "markers/phase5c/{season}.done",
    log:
        "logs/phase5c/{season}.log",
    params:
        inputs=digest_of("tier_check"),
    shell:
        "nba-backfill tier-check --season {wildcards.season} --marker {output} 2>&1 | tee {log}"
