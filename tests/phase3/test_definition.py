"""What defines Phase 3 (the Phase 3 rule's params, inputs.job_digest of kind `league`): canonical, so key
order and unrelated keys change nothing; a new seed or a changed file changes it, and a new seed really rewrites
Phase 3."""

from __future__ import annotations

import yaml
from phase3_data import BOXSCORES

from nba_backfill.config import load_config, validate_config
from nba_backfill.inputs import job_digest
from nba_backfill.phase3.definition import definition
from nba_backfill.phase3.write import write_phase3
from nba_backfill.warehouse.duckdb import DuckDBWarehouse


def digest(config) -> str:
    """The Phase 3 rule's params for the config's first season."""
    return job_digest(config, "league", config.seasons[0].name)


def test_key_order_and_unrelated_keys_change_nothing(phase3_config):
    raw = yaml.safe_load(phase3_config().read_text())
    before = digest(validate_config(raw))
    reordered = dict(reversed(list(raw.items())))
    reordered["phase3"] = dict(reversed(list(raw["phase3"].items())))
    reordered["chunk_days"] = 30
    reordered["checks"] = {**raw["checks"], "min_row_share": 0.5}
    assert digest(validate_config(reordered)) == before
    # the synthetic source does not depend on files, the files source not on the seed
    assert digest(validate_config({**raw, "league": {"seed": 1, "scale": 1.0}})) == before


def test_a_changed_file_or_seed_changes_it(tmp_path, phase3_config):
    copy = tmp_path / "box.csv"
    copy.write_bytes(BOXSCORES.read_bytes())
    raw = yaml.safe_load(phase3_config(boxscores=[copy]).read_text())
    before = digest(validate_config(raw))
    copy.write_bytes(BOXSCORES.read_bytes().replace(b"36.5,10,22", b"36.6,10,22"))
    record = definition(validate_config(raw))
    assert digest(validate_config(raw)) != before
    assert record["boxscores"][0]["name"] == str(copy) and record["boxscores"][0]["size"] == copy.stat().st_size
    synthetic = {**raw, "phase3": {"source": "synthetic"}}
    seeds = {digest(validate_config({**synthetic, "league": {"seed": s, "scale": 1.0}})) for s in (1, 2)}
    assert len(seeds) == 2


def test_a_new_seed_rewrites_phase3(tmp_path, phase3_config):
    raw = yaml.safe_load(phase3_config().read_text())
    raw["phase3"] = {"source": "synthetic"}
    schedules = []
    for seed in (1, 2):
        path = tmp_path / f"seed{seed}.yaml"
        path.write_text(yaml.safe_dump({**raw, "league": {"seed": seed, "scale": 1.0}}))
        config = load_config(path)
        write_phase3(config, marker=str(tmp_path / "league.done"))
        warehouse = DuckDBWarehouse(config.warehouse["path"])
        schedules.append(warehouse.query("SELECT game_id FROM nba_reference.nba_schedule ORDER BY game_id").rows)
    assert schedules[0] != schedules[1] and len(schedules[0]) == len(schedules[1]) == 1230
    assert '"seed": 2' in (tmp_path / "league.done").read_text()
