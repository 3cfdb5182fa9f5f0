rule publish_season:
    input:
        "markers/phase5b/{season}.done",
    output:
        "markers/phase6/{season}.done",
    log:
        "logs/phase6/{season}.log",
    resources:
        publish_target=publish_slot(),
    params:
        inputs=digest_of("publish"),
    shell:
        "nba-backfill publish --season {wildcards.season} --marker {output} 2>&1 | tee {log}"


rule publish_daily:
    input:
        "markers/phase5b/{season}/{chunk}.done",
    output:
        "markers/phase6/{season}/{chunk}.done",
    log:
        "logs/phase6/{season}/{chunk}.log",
    resources:
        publish_target=publish_slot(),
    params:
        inputs=digest_of("publish"),
    shell:
        "nba-backfill publish --season {wildcards.season} --chunk {wildcards.chunk} --marker {output} 2>&1 | tee {log}"
