"""nba-backfill: backfill an NBA props warehouse's derived tables with Snakemake, gated by validation."""

__version__ = "0.1.0"
