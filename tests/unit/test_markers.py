from __future__ import annotations

import datetime as dt
import json
import time

from nba_backfill.markers import read_marker, write_marker


def test_marker_body_is_deterministic_and_timing_goes_to_logs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = "markers/phase4/tdza/2022-23/2022-10-18_2022-11-16.done"
    fields = dict(season="2022-23", rows_per_date={"2022-11-01": 30}, first=dt.date(2022, 10, 18))
    write_marker(path, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), **fields)
    body = (tmp_path / path).read_bytes()
    write_marker(path, dt.datetime(2026, 2, 2, tzinfo=dt.UTC), **dict(reversed(fields.items())))
    assert (tmp_path / path).read_bytes() == body
    assert read_marker(path)["first"] == "2022-10-18"
    assert "2026" not in body.decode()
    timing = json.loads((tmp_path / "logs/phase4/tdza/2022-23/2022-10-18_2022-11-16.timing.json").read_text())
    assert timing["started"].startswith("2026-02-02") and timing["seconds"] >= 0
    assert [p.name for p in (tmp_path / path).parent.iterdir()] == [(tmp_path / path).name]  # no temp files left


def test_the_timing_sidecar_counts_the_processs_cpu(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = time.process_time()
    while time.process_time() - before < 0.2:  # burn a known amount of CPU first
        pass
    write_marker("markers/x.done", dt.datetime.now(dt.UTC))
    after = time.process_time()
    cpu = json.loads((tmp_path / "logs/x.timing.json").read_text())["cpu_seconds"]
    assert before + 0.2 - 0.01 <= cpu <= after + 0.01  # rusage and the CPU clock round differently
