"""The conda environment and pyproject.toml list the same dependencies with the same bounds."""

from __future__ import annotations

import re
import tomllib

import yaml

from helpers import REPO

# conda-forge names for PyPI names that differ there.
CONDA_NAME = {
    "snakemake": "snakemake-minimal",
    "duckdb": "python-duckdb",
    "xgboost-cpu": "py-xgboost-cpu",
    "matplotlib": "matplotlib-base",
    "fastjsonschema": "python-fastjsonschema",
}


def _split(requirement: str) -> tuple[str, str]:
    name, bounds = re.match(r"([A-Za-z0-9_.-]+)(.*)", requirement.replace(" ", "")).groups()
    return name.lower(), bounds


def test_conda_env_matches_pyproject_dependencies():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    wanted = {CONDA_NAME.get(n, n): b for n, b in map(_split, pyproject["project"]["dependencies"])}
    env = yaml.safe_load((REPO / "envs" / "nba-backfill.yaml").read_text())
    listed = dict(
        _split(dep) for dep in env["dependencies"] if isinstance(dep, str) and not dep.startswith(("python=", "pip"))
    )
    assert listed == wanted
