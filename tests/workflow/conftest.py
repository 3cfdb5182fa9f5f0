"""Workflow fixtures. `season_run` (session scope) is one real `snakemake --cores 2 all_seasons` of 2023-24 with
chunk_days=60, shared read-only by the tests that inspect a finished backfill; a test that changes anything works
on `season_run.clone(tmp_path / ...)` (hard-linked partitions, so a clone costs well under a second)."""

from __future__ import annotations

import pytest
from workflow_helpers import CHUNK_DAYS, ONE_SEASON, CompletedRun, Workflow, make_workflow


@pytest.fixture(scope="session")
def sql_cache_env(tmp_path_factory) -> dict[str, str]:
    """The same per-session SQL cache the autouse fixture gives function-scoped tests."""
    return {"NBA_BACKFILL_CACHE": str(tmp_path_factory.getbasetemp() / "sql-cache")}


@pytest.fixture(scope="session")
def season_run(tmp_path_factory, sql_cache_env) -> CompletedRun:
    workflow = make_workflow(tmp_path_factory.mktemp("season_run"), ONE_SEASON, sql_cache_env, chunk_days=CHUNK_DAYS)
    # keep-going is in the profile: a failing job elsewhere still leaves every other marker for the tests;
    # --verbose logs each scheduling round ("Ready jobs"), which a test counts
    return CompletedRun(workflow, workflow.run("--verbose", "all_seasons", check=False))


@pytest.fixture
def workflow(tmp_path) -> Workflow:
    return make_workflow(tmp_path, ONE_SEASON, chunk_days=CHUNK_DAYS)
