"""Run the real Snakemake on the repo's Snakefile in a temp working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from helpers import REPO

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


@dataclass
class Workflow:
    workdir: Path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k != "NBA_BACKFILL_CONFIG"}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        proc = subprocess.run(
            [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(self.workdir), "--cores", "2", *args],
            capture_output=True,
            text=True,
            env=env,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        return proc

    def dry_run_jobs(self, *targets: str) -> dict[str, int]:
        """Snakemake's own job table of a dry run: rule -> count ({} when nothing is left)."""
        out = self.run("-n", *targets).stdout
        if "Job stats:" not in out:
            return {}
        table = out.split("Job stats:")[1].split("\n\n")[0].splitlines()[3:]
        return {rule: int(n) for rule, n in (line.split() for line in table) if rule != "total"}

    def marker(self, path: str) -> Path:
        return self.workdir / path


def make_workflow(tmp_path: Path, seasons: dict, **changes) -> Workflow:
    config = yaml.safe_load((REPO / "config" / "seasons.yaml").read_text())
    config["seasons"] = seasons
    config.update(changes)
    (tmp_path / "config").mkdir(parents=True, exist_ok=True)
    (tmp_path / "config" / "seasons.yaml").write_text(yaml.safe_dump(config))
    return Workflow(tmp_path)


ONE_SEASON = {"2023-24": {"start": "2023-10-24", "end": "2024-04-14"}}
TWO_SEASONS = {**ONE_SEASON, "2024-25": {"start": "2024-10-22", "end": "2025-04-13"}}


@pytest.fixture
def workflow(tmp_path) -> Workflow:
    return make_workflow(tmp_path, ONE_SEASON, chunk_days=60)
