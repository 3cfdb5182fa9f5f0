"""Phase 6 into a local folder: files, shapes, numbers recomputed from the hand-made season, validation, safety,
determinism."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
from publish_season import DATES, ENSEMBLE, SEASON, game_specs

from nba_backfill.errors import CheckFailed
from nba_backfill.publish.files import player_file
from nba_backfill.publish.job import check_publish, publish_settings, run_publish
from nba_backfill.publish.schemas import validator
from nba_backfill.publish.targets import LocalTarget, UnsafePath

SCHEMA_OF = {"results": "results", "best-bets": "best_bets"}


def voided(g):
    return g["dnp"] or g["actual"] is None


def is_pick(g):
    return not voided(g) and g["rec"] in ("OVER", "UNDER") and g["line"] is not None


def decided(g):
    return is_pick(g) and g["actual"] != g["line"]


def won(g):
    return decided(g) and (g["actual"] > g["line"]) == (g["rec"] == "OVER")


def load(path: Path):
    return json.loads(path.read_text())


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def published_copy(season, published):
    """A copy of the published folder in the test's working directory, to damage."""
    shutil.copytree(published[0], "published")
    return Path("published")


def test_files_exist_and_validate(published):
    root, marker = published
    files = {p.relative_to(root).as_posix() for p in root.rglob("*.json")}
    dated = {f"v1/{kind}/{d.isoformat()}.json" for kind in ("results", "best-bets") for d in DATES}
    assert files == dated | {
        "v1/results/latest.json",
        "v1/best-bets/latest.json",
        "v1/players/index.json",
        "v1/players/alpha.json",
        "v1/players/bravo.json",
        "v1/players/delta.json",
    }
    for rel in files:
        kind = rel.split("/")[1]
        schema = "players_index" if rel.endswith("index.json") else SCHEMA_OF.get(kind, "player")
        validator(schema).validate(load(root / rel))
    assert marker.as_posix().endswith("/markers/phase6/2023-24.done")
    body = load(marker)
    assert body["counts"] == {"results": 6, "best_bets": 6, "latest": 2, "players": 3, "players_index": 1}
    assert body["season"] == SEASON and body["target"] == "published" and body["shared"] == "written"
    assert len(body["sha256"]) == 64 and all(c["ok"] for c in body["checks"])


def test_latest_is_the_last_date(published):
    root, _ = published
    last = DATES[-1].isoformat()
    assert (root / "v1/results/latest.json").read_bytes() == (root / f"v1/results/{last}.json").read_bytes()
    assert (root / "v1/best-bets/latest.json").read_bytes() == (root / f"v1/best-bets/{last}.json").read_bytes()


def test_results_summary_recomputed(published):
    root, _ = published
    specs = game_specs()
    for day in DATES:
        games = [g for g in specs if g["day"] == day]
        graded = [g for g in games if not voided(g)]
        wins = sum(won(g) for g in games)
        losses = sum(decided(g) and not won(g) for g in games)
        pushes = sum(is_pick(g) and g["actual"] == g["line"] for g in games)
        errors = [g["predicted"] - g["actual"] for g in graded]
        doc = load(root / f"v1/results/{day.isoformat()}.json")
        summary = doc["summary"]
        assert doc["game_date"] == day.isoformat() and doc["system_id"] == ENSEMBLE
        assert summary["total_predictions"] == len(games)
        assert summary["voided"] == len(games) - len(graded)
        assert (summary["correct"], summary["incorrect"], summary["pushes"]) == (wins, losses, pushes)
        assert summary["recommendations"] == wins + losses + pushes
        assert summary["pass_count"] == sum(g["rec"] == "PASS" for g in graded)
        assert summary["no_line_count"] == sum(g["rec"] == "NO_LINE" for g in graded)
        assert summary["win_rate"] == pytest.approx(wins / (wins + losses), abs=1e-4)
        assert summary["avg_mae"] == pytest.approx(statistics.mean(abs(e) for e in errors), abs=0.005)
        assert summary["avg_bias"] == pytest.approx(statistics.mean(errors), abs=0.005)
        assert summary["within_3_points"] == sum(abs(e) <= 3 for e in errors)
        assert summary["within_5_pct"] == pytest.approx(sum(abs(e) <= 5 for e in errors) / len(errors), abs=1e-4)
        # every ensemble row listed once; the other system's rows (predicted 40.0) nowhere
        assert sorted(r["player_lookup"] for r in doc["results"]) == sorted(g["player"] for g in games)
        assert all(r["predicted"] != 40.0 for r in doc["results"])
        by_rec = doc["breakdowns"]["by_recommendation"]
        assert by_rec["over"]["wins"] + by_rec["under"]["wins"] == wins
        best = doc["highlights"]["best_prediction"]
        assert best["error"] == pytest.approx(min(abs(e) for e in errors), abs=0.005)


def test_results_special_rows(published):
    root, _ = published
    by_day = {
        d: {r["player_lookup"]: r for r in load(root / f"v1/results/{d.isoformat()}.json")["results"]} for d in DATES
    }
    assert by_day[DATES[1]]["bravo"]["result"] == "PUSH"
    assert by_day[DATES[2]]["bravo"]["result"] == "PASS"
    assert by_day[DATES[3]]["delta"]["result"] == "VOID" and by_day[DATES[3]]["delta"]["error"] is None
    assert by_day[DATES[4]]["delta"]["result"] == "NO_LINE" and by_day[DATES[4]]["delta"]["line"] is None
    alpha = by_day[DATES[0]]["alpha"]
    assert (alpha["result"], alpha["player_tier"], alpha["confidence_tier"], alpha["player_full_name"]) == (
        "WIN",
        "elite",
        "high",
        "Alpha One",
    )
    assert by_day[DATES[0]]["echo"]["player_tier"] is None  # no MLFS row


def test_best_bets_ranking_recomputed(published):
    root, _ = published
    specs = game_specs()
    for day in DATES:
        candidates = []
        for g in (g for g in specs if g["day"] == day and g["rec"] in ("OVER", "UNDER") and g["line"] is not None):
            prior = [p for p in specs if p["player"] == g["player"] and p["day"] < day and decided(p)]
            hit = sum(won(p) for p in prior) / len(prior) if prior else 0.85
            score = g["conf"] * min(1.5, 1 + abs(g["predicted"] - g["line"]) / 10) * hit
            candidates.append((-score, g["player"], score, len(prior)))
        candidates.sort()
        doc = load(root / f"v1/best-bets/{day.isoformat()}.json")
        assert [p["player_lookup"] for p in doc["picks"]] == [c[1] for c in candidates[:15]]
        assert [p["rank"] for p in doc["picks"]] == list(range(1, len(doc["picks"]) + 1))
        assert [p["composite_score"] for p in doc["picks"]] == pytest.approx([c[2] for c in candidates[:15]], abs=1e-4)
        assert [p["player_sample_size"] for p in doc["picks"]] == [c[3] for c in candidates[:15]]
        assert doc["total_picks"] == min(15, len(candidates))
    last = load(root / f"v1/best-bets/{DATES[-1].isoformat()}.json")
    assert last["total_picks"] == 15  # more candidates than that on the last date
    assert {p["result"] for p in last["picks"]} <= {"WIN", "LOSS", "PUSH", "VOID"}


def test_player_files_and_min_games(published):
    root, _ = published
    index = load(root / "v1/players/index.json")
    assert [p["player_lookup"] for p in index["players"]] == ["alpha", "bravo", "delta"]
    assert index["total_players"] == 3 and index["min_games"] == 5
    for under in ("charlie", "echo"):  # 3 games; 4 graded + 1 DNP
        assert not (root / f"v1/players/{under}.json").exists()
    delta = load(root / "v1/players/delta.json")
    assert delta["summary"]["games_predicted"] == 5 and delta["summary"]["voided"] == 1
    assert [g["game_date"] for g in delta["game_log"]] == [d.isoformat() for d in reversed(DATES)]
    bravo = load(root / "v1/players/bravo.json")
    games = [g for g in game_specs() if g["player"] == "bravo"]
    assert bravo["summary"]["correct"] == sum(won(g) for g in games)
    assert bravo["summary"]["pushes"] == 1
    assert bravo["summary"]["mae"] == pytest.approx(
        statistics.mean(abs(g["predicted"] - g["actual"]) for g in games), abs=0.005
    )
    assert bravo["player_full_name"] == "Bravo Two" and bravo["season"] == SEASON


def test_generated_at_comes_from_the_data(published):
    root, _ = published
    assert load(root / "v1/results/2023-11-06.json")["generated_at"] == "2023-11-07T12:00:00Z"
    assert load(root / "v1/best-bets/2023-11-12.json")["generated_at"] == "2023-11-13T12:00:00Z"
    assert load(root / "v1/players/index.json")["generated_at"] == "2023-11-14T12:00:00Z"
    assert load(root / "v1/players/alpha.json")["generated_at"] == "2023-11-14T12:00:00Z"


def test_rerun_writes_identical_bytes(season):
    run_publish(season, SEASON)
    root = Path("published")
    before, marker_before = snapshot(root), Path("markers/phase6/2023-24.done").read_bytes()
    run_publish(season, SEASON)
    assert snapshot(root) == before
    assert Path("markers/phase6/2023-24.done").read_bytes() == marker_before


@pytest.mark.parametrize(
    ("damage", "rel", "reason"),
    [
        ("truncate", "v1/results/2023-11-09.json", "not valid JSON"),
        ("delete", "v1/players/bravo.json", "missing"),
        ("delete", "v1/best-bets/latest.json", "missing"),
        ("extra_key", "v1/best-bets/2023-11-07.json", "does not match schema best_bets.json"),
        ("edit", "v1/players/index.json", "valid, but not the content this job published"),
    ],
)
def test_validation_names_the_broken_file(published_copy, season, damage, rel, reason):
    check_publish(season, SEASON)  # intact: passes
    path = published_copy / rel
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    elif damage == "delete":
        path.unlink()
    elif damage == "extra_key":
        path.write_text(json.dumps({**load(path), "surprise": 1}))
    else:
        doc = load(path)
        doc["total_players"] = 99
        path.write_text(json.dumps(doc))
    with pytest.raises(CheckFailed) as err:
        check_publish(season, SEASON)
    message = str(err.value)
    assert message.startswith(f"CHECK_FAILED publish {SEASON}: published/{rel}: {reason}")


def test_broken_write_leaves_no_marker(season, monkeypatch):
    write = LocalTarget.write

    def write_then_truncate(self, files):
        count = write(self, files)
        victim = self.root / "v1/players/alpha.json"
        victim.write_text(victim.read_text()[:10])
        return count

    monkeypatch.setattr(LocalTarget, "write", write_then_truncate)
    with pytest.raises(CheckFailed, match=r"published/v1/players/alpha\.json: not valid JSON"):
        run_publish(season, SEASON)
    assert not Path("markers/phase6/2023-24.done").exists()


def test_unsafe_player_key_stays_inside_the_target(published):
    root, marker = published
    run = root.parent
    outside = [
        p for p in run.rglob("*") if p.is_file() and p.relative_to(run).parts[0] not in ("published", "markers", "logs")
    ]
    assert outside == []
    assert not (run / "x.json").exists() and not (root / "x.json").exists() and not (run.parent / "x.json").exists()
    assert not list(run.parent.glob("*.json")) and not list((root / "v1").glob("*.json"))
    assert any("'../x'" in w for w in load(marker)["warnings"])
    assert "../x" not in [p["player_lookup"] for p in load(root / "v1/players/index.json")["players"]]
    # the player's games are still in the dated files (only the file name is refused)
    assert "../x" in [r["player_lookup"] for r in load(root / "v1/results/2023-11-06.json")["results"]]


@pytest.mark.parametrize("key", ["../x", "a/b", "", "index", "LeBron", "x.json", "abc\n", "..", "a\\b", None])
def test_unsafe_keys_have_no_file(key):
    assert player_file(key) is None


@pytest.mark.parametrize("key", ["lebronjames", "stephen_curry", "jr-smith", "x"])
def test_safe_keys_have_a_file(key):
    assert player_file(key) == f"v1/players/{key}.json"


def test_local_paths_resolve_inside_the_target(tmp_path):
    target = LocalTarget(str(tmp_path / "pub"))
    for rel in ("v1/players/../../../x.json", "v1/../x.json", "../x.json", "v1//x.json", "/etc/x.json"):
        with pytest.raises(UnsafePath):
            target.path(rel)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (tmp_path / "pub" / "v1").mkdir(parents=True)
    os.symlink(outside, tmp_path / "pub" / "v1" / "players")  # a link out of the target
    with pytest.raises(UnsafePath):
        target.path("v1/players/alpha.json")


def test_symlink_out_of_the_target_fails_before_any_write(season):
    outside = Path("elsewhere")
    outside.mkdir()
    Path("published/v1").mkdir(parents=True)
    os.symlink(outside.resolve(), "published/v1/players")
    with pytest.raises(CheckFailed, match="outside the target"):
        run_publish(season, SEASON)
    assert list(outside.iterdir()) == [] and not Path("published/v1/results").exists()
    assert not Path("markers/phase6/2023-24.done").exists()


def test_newer_season_keeps_the_shared_files(season):
    index = {
        "generated_at": "2025-04-14T12:00:00Z",
        "season": "2024-25",
        "through": "2025-04-13",
        "system_id": ENSEMBLE,
        "min_games": 5,
        "total_players": 0,
        "players": [],
    }
    text = json.dumps(index)
    Path("published/v1/players").mkdir(parents=True)
    Path("published/v1/players/index.json").write_text(text)
    marker = load(Path(run_publish(season, SEASON)))
    assert marker["shared"] == "superseded by 2024-25 through 2025-04-13"
    assert marker["counts"] == {"results": 6, "best_bets": 6, "latest": 0, "players": 0, "players_index": 0}
    assert Path("published/v1/players/index.json").read_text() == text
    assert not Path("published/v1/results/latest.json").exists()
    assert not Path("published/v1/players/alpha.json").exists()
    check_publish(season, SEASON)


def test_settings_defaults_and_override(season):
    import dataclasses

    bare = dataclasses.replace(season, raw={k: v for k, v in season.raw.items() if k != "publish"})
    # without publish.system_id, the system the tier step adjusts is the one published
    assert publish_settings(bare) == {"target": "published", "min_games": 5, "system_id": "line_blend_v1"}
    tiered = dataclasses.replace(bare, tier_adjustments={**bare.tier_adjustments, "system_id": "xgboost_v1"})
    assert publish_settings(tiered)["system_id"] == "xgboost_v1"
    assert publish_settings(bare, "out")["target"] == "out"
    marker = load(Path(run_publish(season, SEASON, target="elsewhere/site")))
    assert marker["target"] == "elsewhere/site" and Path("elsewhere/site/v1/players/index.json").exists()


def test_min_games_from_config(season):
    import dataclasses

    strict = dataclasses.replace(season, raw={**season.raw, "publish": {"min_games": 6, "system_id": ENSEMBLE}})
    run_publish(strict, SEASON)
    index = load(Path("published/v1/players/index.json"))
    assert [p["player_lookup"] for p in index["players"]] == ["alpha", "bravo"]  # delta has 5 graded games


def test_no_graded_rows_fails(config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CheckFailed, match="no graded ensemble_v1 rows"):
        run_publish(config, SEASON)
    assert not Path("markers/phase6/2023-24.done").exists()


def test_schemas_are_strict():
    import jsonschema

    for name in ("results", "best_bets", "player", "players_index"):
        jsonschema.Draft202012Validator.check_schema(validator(name).schema)
    index = {
        "generated_at": "2025-04-14T12:00:00Z",
        "season": "2024-25",
        "through": "2025-04-13",
        "system_id": ENSEMBLE,
        "min_games": 5,
        "total_players": 0,
        "players": [],
    }
    assert validator("players_index").is_valid(index)
    assert not validator("players_index").is_valid({**index, "extra": 1})
    assert not validator("players_index").is_valid({k: v for k, v in index.items() if k != "season"})
    entry = {
        "player_lookup": "../x",
        "player_full_name": None,
        "team": "NYK",
        "games_predicted": 5,
        "recommendations": 4,
        "mae": 3.0,
        "win_rate": 0.5,
        "bias": 0.1,
        "within_5_pct": 0.8,
    }
    assert not validator("players_index").is_valid({**index, "players": [entry]})
    assert validator("players_index").is_valid({**index, "players": [{**entry, "player_lookup": "x"}]})
    assert not validator("players_index").is_valid(
        {**index, "players": [{**entry, "player_lookup": "x", "win_rate": 1.5}]}
    )


def test_local_publish_does_not_import_gcs():
    code = (
        "import sys; from nba_backfill.publish.targets import open_target; open_target('published'); "
        "assert 'google.cloud.storage' not in sys.modules, 'imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- daily chunks ----------------------------------------------------------------------------------------------------
def test_daily_chunk_publishes_its_day_and_the_season_so_far(season, published):
    root, _ = published
    day = DATES[4].isoformat()
    marker = run_publish(season, SEASON, chunk_name=f"{day}_{day}")
    assert marker == f"markers/phase6/{SEASON}/{day}_{day}.done"
    daily = Path("published")
    files = {p.relative_to(daily).as_posix() for p in daily.rglob("*.json")}
    # delta has 4 graded games through that day (the DNP does not count): no file yet
    assert files == {
        f"v1/results/{day}.json",
        f"v1/best-bets/{day}.json",
        "v1/results/latest.json",
        "v1/best-bets/latest.json",
        "v1/players/index.json",
        "v1/players/alpha.json",
        "v1/players/bravo.json",
    }
    for kind in ("results", "best-bets"):  # the day's files are the season job's, byte for byte
        assert (daily / f"v1/{kind}/{day}.json").read_bytes() == (root / f"v1/{kind}/{day}.json").read_bytes()
        assert (daily / f"v1/{kind}/latest.json").read_bytes() == (daily / f"v1/{kind}/{day}.json").read_bytes()
    body = load(Path(marker))
    assert body["chunk"] == f"{day}_{day}" and body["dates"] == {"first": day, "last": day}
    assert load(daily / "v1/players/alpha.json")["summary"]["date_range"]["last"] == day


def test_daily_chunk_on_the_last_day_matches_the_season_job(season, published):
    root, _ = published
    day = DATES[-1].isoformat()
    run_publish(season, SEASON, chunk_name=f"{day}_{day}", marker="elsewhere/m.done")
    assert Path("elsewhere/m.done").exists()
    daily = snapshot(Path("published"))
    season_files = snapshot(root)
    assert daily == {k: v for k, v in season_files.items() if "/20" not in k or day in k}


def test_daily_chunk_before_any_graded_date_is_empty(season):
    marker = load(Path(run_publish(season, SEASON, chunk_name="2023-10-25_2023-10-25")))
    assert marker["counts"] == {"results": 0, "best_bets": 0, "latest": 0, "players": 0, "players_index": 0}
    assert marker["warnings"] == ["no graded ensemble_v1 rows through 2023-10-25"]


def test_rerunning_an_old_daily_chunk_keeps_the_newer_shared_files(season):
    run_publish(season, SEASON)
    before = snapshot(Path("published"))
    day = DATES[2].isoformat()
    marker = load(Path(run_publish(season, SEASON, chunk_name=f"{day}_{day}")))
    assert marker["shared"] == f"superseded by {SEASON} through {DATES[-1].isoformat()}"
    assert marker["counts"] == {"results": 1, "best_bets": 1, "latest": 0, "players": 0, "players_index": 0}
    assert snapshot(Path("published")) == before  # latest, players and index still the season's
