"""Issue 12: `verify` on BigQuery sends one grouped query per table and season, and compares its answer with the
markers the same way as on the embedded warehouse (the fake server answers with canned per-date rows)."""

from __future__ import annotations

import datetime as dt
import json

from fake_bigquery import CONFIG

from nba_backfill.config import validate_config
from nba_backfill.verify import verify_warehouse

SEASON = "2023-24"
D1, D2 = dt.date(2023, 11, 7), dt.date(2023, 11, 8)
FP1, FP2 = 0x1234_5678_9ABC_DEF0, -5  # FARM_FINGERPRINT is a signed INT64
SCHEMA = [("analysis_date", "DATE"), ("row_count", "INT64"), ("fingerprint", "INT64")]


def write_marker(tmp_path) -> str:
    path = tmp_path / "markers" / "phase4" / "tdza" / SEASON / "2023-10-24_2024-04-14.done"
    path.parent.mkdir(parents=True)
    xor = (FP1 ^ FP2) & (2**64 - 1)  # the fingerprint of a range: BIT_XOR of its rows', as unsigned hex
    body = {"chunk": {"first": "2023-10-24", "last": "2024-04-14"}, "rows_per_date": {str(D1): 30, str(D2): 30}}
    path.write_text(json.dumps({**body, "fingerprint": format(xor, "016x")}))
    return str(path.relative_to(tmp_path))


def test_verify_asks_once_per_table_and_season_and_sees_a_lost_date(fake, warehouse, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = write_marker(tmp_path)
    config = validate_config({"seasons": {SEASON: {"start": "2023-10-24", "end": "2024-04-14"}}, "warehouse": CONFIG})
    season = config.season(SEASON)
    fake.on_query("team_defense_zone_analysis", schema=SCHEMA, rows=[[D1, 30, FP1], [D2, 30, FP2]])

    assert verify_warehouse(config, season, warehouse) == ([], 1)
    (query,) = fake.queries()
    sql = query["query"]["query"]
    assert "GROUP BY analysis_date" in sql and "BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(t)))" in sql
    params = {p["name"]: p["parameterValue"]["value"] for p in query["query"]["queryParameters"]}
    assert params == {"first": "2023-10-24", "last": "2024-04-14"}

    fake.on_query("team_defense_zone_analysis", schema=SCHEMA, rows=[[D1, 30, FP1]])  # someone deleted D2
    (mismatch,), checked = verify_warehouse(config, season, warehouse)
    assert checked == 1
    assert mismatch.line() == (
        f"{marker}: nba_precompute.team_defense_zone_analysis: rows differ on 1 date(s) {D2}: {D2}: 30 expected, "
        "0 found"
    )
