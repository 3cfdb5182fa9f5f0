"""The package installs the ways it is deployed: into profiles/gcp's conda environment from the repo's absolute path
(wherever Snakemake and conda copy the environment file), and as a built wheel that runs outside the repo (the
config schema ships inside it); building leaves no untracked files behind."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

from helpers import REPO

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))

# A stand-in for the `conda` executable (conda itself and conda-forge are out of reach here): it keeps the
# environment file Snakemake hands over and the environment it runs with, which is all this test asserts on.
FAKE_CONDA = """#!{python}
import json, os, shutil, sys
state, args = {state!r}, sys.argv[1:]
envs = os.path.join(state, "envs")
if args[:2] == ["env", "list"]:
    print(json.dumps({{"envs": [os.path.join(envs, n) for n in os.listdir(envs)] if os.path.isdir(envs) else []}}))
elif args[:2] == ["env", "create"]:
    shutil.copy(args[args.index("-f") + 1], os.path.join(state, "env.yaml"))
    with open(os.path.join(state, "environ.json"), "w") as out:
        json.dump(dict(os.environ), out)
    os.makedirs(os.path.join(envs, args[args.index("--name") + 1]))
else:
    sys.exit("unexpected: conda " + " ".join(args))
"""


def _repo_files() -> list[str]:
    """What a clone holds (tracked and new, not ignored, files), relative to the repo."""
    out = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [name for name in out.splitlines() if (REPO / name).exists() or (REPO / name).is_symlink()]


def test_the_conda_environment_installs_the_package_from_the_repo_wherever_the_file_is_read(tmp_path):
    state, work, bin_dir = tmp_path / "state", tmp_path / "work", tmp_path / "bin"
    for folder in (state, work / "config", bin_dir):
        folder.mkdir(parents=True)
    shutil.copy(REPO / "config" / "seasons.yaml", work / "config" / "seasons.yaml")
    (bin_dir / "conda").write_text(FAKE_CONDA.format(python=sys.executable, state=str(state)))
    (bin_dir / "conda").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("NBA_BACKFILL_REPO", None)

    proc = subprocess.run(
        [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(work), "-n", "--sdm", "conda", "--cores", "1"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]

    # conda writes the pip entries of the file Snakemake gave it into a requirements file beside its own copy, in
    # a folder unrelated to the repo, and runs `pip install -r` on it with Snakemake's environment.
    rendered = yaml.safe_load((state / "env.yaml").read_text())
    (pip_entries,) = [d["pip"] for d in rendered["dependencies"] if isinstance(d, dict)]
    copied = tmp_path / "elsewhere" / "condaenv.requirements.txt"
    copied.parent.mkdir()
    copied.write_text("\n".join(pip_entries) + "\n")
    snakemake_environ = json.loads((state / "environ.json").read_text())

    from pip._internal.network.session import PipSession
    from pip._internal.req.req_file import parse_requirements

    saved = os.environ.get("NBA_BACKFILL_REPO")
    os.environ["NBA_BACKFILL_REPO"] = snakemake_environ["NBA_BACKFILL_REPO"]
    try:
        (requirement,) = parse_requirements(str(copied), session=PipSession())
    finally:
        os.environ.pop("NBA_BACKFILL_REPO")
        if saved is not None:
            os.environ["NBA_BACKFILL_REPO"] = saved
    assert not requirement.is_editable  # the environment must not depend on a checkout
    assert Path(requirement.requirement).resolve() == REPO.resolve()
    project = tomllib.loads((Path(requirement.requirement) / "pyproject.toml").read_text())["project"]
    assert project["name"] == "nba-backfill"


@pytest.mark.slow
def test_a_built_wheel_runs_outside_the_repo_and_the_build_leaves_nothing_untracked(tmp_path):
    src = tmp_path / "clone"
    for name in _repo_files():
        target = src / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target, follow_symlinks=False)
    subprocess.run(["git", "init", "-q", str(src)], check=True)
    subprocess.run(["git", "-C", str(src), "add", "-A"], check=True)

    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(src), "-w", str(tmp_path / "dist")],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-3000:]

    status = subprocess.run(
        ["git", "-C", str(src), "status", "--porcelain", "--untracked-files=all"], capture_output=True, text=True
    ).stdout
    assert [line for line in status.splitlines() if line.startswith("??")] == []
    (wheel,) = (tmp_path / "dist").glob("nba_backfill-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        schema = archive.read("nba_backfill/config_schema.yaml")
        archive.extractall(site)
    assert schema == (REPO / "config" / "schema.yaml").read_bytes()  # the one schema, copied in

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "seasons.yaml").write_text((REPO / "config" / "seasons.yaml").read_text())
    env = {k: v for k, v in os.environ.items() if k not in ("NBA_BACKFILL_CONFIG", "NBA_BACKFILL_REPO")}
    env["PYTHONPATH"] = str(site)  # the wheel's files, ahead of any checkout

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "nba_backfill", *args], cwd=elsewhere, capture_output=True, text=True, env=env
        )

    where = subprocess.run(
        [sys.executable, "-c", "import nba_backfill; print(nba_backfill.__file__)"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
    )
    assert Path(where.stdout.strip()).is_relative_to(site)
    assert run("--help").returncode == 0
    planned = run("--configfile", "seasons.yaml", "plan")  # validates the config against the shipped schema
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.splitlines()[-2].split("|")[1].strip() == "total"
