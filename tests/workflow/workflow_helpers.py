"""Run the real Snakemake on the repo's Snakefile in a temp working directory, and look at what it left.
(Shared by the workflow tests; the fixtures live in conftest.py.)

`Workflow` wraps one working directory: Snakemake runs and dry runs (with the job table and the outputs it
names), `nba-backfill` commands run there, the runbook's queries, the warehouse's rows and files, and a cheap
clone (warehouse files hard-linked: every warehouse write replaces a file by rename, never in place).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from helpers import REPO
from nba_backfill.tables import table_schema

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
NBA_BACKFILL = str(Path(sys.executable).with_name("nba-backfill"))

PHASE4 = ("tdza", "psza", "pcf", "pdc", "mlfs")
PHASE4_TABLES = {
    "tdza": "nba_precompute.team_defense_zone_analysis",
    "psza": "nba_precompute.player_shot_zone_analysis",
    "pcf": "nba_precompute.player_composite_factors",
    "pdc": "nba_precompute.player_daily_cache",
    "mlfs": "nba_predictions.ml_feature_store_v2",
}
SCHEDULE = "nba_reference.nba_schedule"
PGS = "nba_analytics.player_game_summary"
PREDICTIONS = "nba_predictions.player_prop_predictions"
PHASE3_DATASETS = ("nba_reference", "nba_analytics", "nba_raw", "nba_oracle")


@dataclass
class Workflow:
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)  # extra environment for every subprocess
    snakefile: Path = REPO / "Snakefile"  # a test of a code change runs a changed copy of the repo

    # -- processes ---------------------------------------------------------------------------------------
    def environ(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "NBA_BACKFILL_CONFIG"}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env.update(self.env)
        return env

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [SNAKEMAKE, "-s", str(self.snakefile), "-d", str(self.workdir), "--cores", "2", *args],
            capture_output=True,
            text=True,
            env=self.environ(),
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        return proc

    def dry_run(self, *targets: str) -> str:
        return self.run("-n", *targets).stdout

    @staticmethod
    def job_table(out: str) -> dict[str, int]:
        """Snakemake's own job table of a dry run: rule -> count ({} when nothing is left)."""
        if "Job stats:" not in out:
            return {}
        table = out.split("Job stats:")[1].split("\n\n")[0].splitlines()[3:]
        return {rule: int(n) for rule, n in (line.split() for line in table) if rule != "total"}

    @staticmethod
    def job_outputs(out: str) -> dict[str, str]:
        """Every output a dry run names -> the rule of the job that makes it."""
        outputs, rule = {}, None
        for line in out.splitlines():
            text = line.strip()
            if line.startswith(("rule ", "localrule ")) and text.endswith(":"):
                rule = text.split()[1].rstrip(":")
            elif text.startswith("output:") and rule:
                for path in text.removeprefix("output:").split(","):
                    outputs[path.strip()] = rule
        return outputs

    def dry_run_jobs(self, *targets: str) -> dict[str, int]:
        return self.job_table(self.dry_run(*targets))

    def nba(self, *args: str) -> subprocess.CompletedProcess:
        """`nba-backfill ARGS` in the working directory, reading its config/seasons.yaml."""
        return subprocess.run(
            [NBA_BACKFILL, *args], cwd=self.workdir, capture_output=True, text=True, env=self.environ()
        )

    def query(self, sql: str) -> list[dict[str, str]]:
        """`nba-backfill query SQL`, its printed table parsed back into rows of strings."""
        proc = self.nba("query", sql)
        assert proc.returncode == 0, proc.stderr
        lines = [line for line in proc.stdout.splitlines() if line.startswith("|")]
        cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
        return [dict(zip(cells[0], row)) for row in cells[1:]]

    # -- config ------------------------------------------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.workdir / "config" / "seasons.yaml"

    def raw_config(self) -> dict:
        return yaml.safe_load(self.config_path.read_text())

    def write_config(self, raw: dict) -> None:
        self.config_path.parent.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(yaml.safe_dump(raw))

    def config(self):
        from nba_backfill.config import load_config

        return load_config(self.config_path)

    # -- files -------------------------------------------------------------------------------------------
    def marker(self, path: str) -> Path:
        return self.workdir / path

    def table_dir(self, table: str) -> Path:
        dataset, name = table.split(".")
        return self.workdir / "warehouse" / dataset / name

    def table_files(self, table: str) -> list[Path]:
        """The table's Parquet files (one per month)."""
        folder = self.table_dir(table)
        return sorted(folder.glob("*.parquet")) if folder.exists() else []

    def partition_dates(self, table: str) -> list[dt.date]:
        """The dates the table has rows on, read with plain DuckDB."""
        part = table_schema(table).partition_by
        return sorted({r[part] for r in self.read_rows(table)})

    def drop_partition(self, table: str, day: dt.date) -> None:
        """Lose one date's rows, as a damaged warehouse would: its month file rewritten without them, with plain
        DuckDB, beside the old one and renamed (a clone shares the old file with the session's run)."""
        import duckdb

        part = table_schema(table).partition_by
        path = self.table_dir(table) / f"{day:%Y-%m}.parquet"
        tmp = path.with_suffix(".rewrite")
        con = duckdb.connect()
        try:
            con.execute(
                f"COPY (SELECT * FROM read_parquet(?) WHERE {part} <> ?) TO '{tmp}' (FORMAT parquet)", [str(path), day]
            )
        finally:
            con.close()
        os.replace(tmp, path)

    def read_rows(
        self, table: str, first: dt.date | None = None, last: dt.date | None = None, where: str = "TRUE"
    ) -> list[dict]:
        """The table's rows dated first..last (and matching `where`), read with plain DuckDB."""
        import duckdb

        files = [str(p) for p in self.table_files(table)]
        if not files:
            return []
        part = table_schema(table).partition_by
        con = duckdb.connect()
        try:
            cur = con.execute(
                f"SELECT * FROM read_parquet(?) WHERE {part} BETWEEN ? AND ? AND ({where})",
                [files, first or dt.date.min, last or dt.date.max],
            )
            columns = [c[0] for c in cur.description]
            return [dict(zip(columns, row)) for row in cur.fetchall()]
        finally:
            con.close()

    def game_dates(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """Distinct game dates of the schedule table inside first..last, read from its rows."""
        return sorted({r["game_date"] for r in self.read_rows(SCHEDULE, first, last)})

    def clone(self, dst: Path) -> Workflow:
        """A copy to change: partition files hard-linked (writes replace files by rename, so the original never
        sees them), everything else (markers with their mtimes, config, Snakemake's metadata) copied."""
        dst.mkdir(parents=True, exist_ok=True)
        for entry in self.workdir.iterdir():
            if entry.name == "warehouse":
                shutil.copytree(entry, dst / entry.name, copy_function=os.link)
            elif entry.is_dir():
                shutil.copytree(
                    entry, dst / entry.name, symlinks=True, ignore=shutil.ignore_patterns("log", "locks", "incomplete")
                )
            else:
                shutil.copy2(entry, dst / entry.name)
        return Workflow(dst, dict(self.env))


def make_workflow(tmp_path: Path, seasons: dict, env: dict | None = None, **changes) -> Workflow:
    config = yaml.safe_load((REPO / "config" / "seasons.yaml").read_text())
    config["seasons"] = seasons
    config.update(changes)
    workflow = Workflow(tmp_path, dict(env or {}))
    workflow.write_config(config)
    return workflow


ONE_SEASON = {"2023-24": {"start": "2023-10-24", "end": "2024-04-14"}}
TWO_SEASONS = {**ONE_SEASON, "2024-25": {"start": "2024-10-22", "end": "2025-04-13"}}
SEASON = "2023-24"
CHUNK_DAYS = 60


# -- comparing rows ------------------------------------------------------------------------------------------
def same_value(a, b) -> bool:
    """Equal, bit for bit (a NaN equals a NaN): a date's rows must not change at all when later dates do."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def changed_columns(a: dict, b: dict, ignore: tuple[str, ...] = ()) -> list[str]:
    return [c for c in a if c not in ignore and not same_value(a[c], b.get(c))]


def by_key(rows: list[dict], key: tuple[str, ...]) -> dict[tuple, dict]:
    out = {}
    for row in rows:
        k = tuple(row[c] for c in key)
        assert k not in out, f"duplicate key {k}"
        out[k] = row
    return out


@dataclass
class CompletedRun:
    """A finished `snakemake --cores 2 all_seasons` (read-only: clone it to change anything)."""

    workflow: Workflow
    proc: subprocess.CompletedProcess

    def clone(self, dst: Path) -> Workflow:
        return self.workflow.clone(dst)
