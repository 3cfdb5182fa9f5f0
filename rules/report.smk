rule plot_coverage:
    input:
        all_season_targets(CONFIG),
    output:
        report("reports/coverage.png", caption="../report/coverage.rst", category="Coverage"),
    log:
        "logs/report/coverage.log",
    shell:
        "nba-backfill status --plot {output} > {log} 2>&1"
