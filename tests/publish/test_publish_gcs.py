"""Phase 6 into gs://bucket/v-test through the real google-cloud-storage client, against gcp-storage-emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from publish_season import SEASON

from nba_backfill.errors import CheckFailed
from nba_backfill.publish.job import check_publish, run_publish
from nba_backfill.publish.targets import GCSTarget, open_target

TARGET = "gs://bucket/v-test"
PREFIX = "v-test/"


def expected_cache_control(rel: str) -> str:
    if rel.endswith("/latest.json"):
        return "public, max-age=300"
    if rel.startswith("v1/players/"):
        return "public, max-age=3600"
    return "public, max-age=86400"


def objects(client) -> dict:
    return {b.name: b for b in client.list_blobs("bucket", prefix=PREFIX)}


def test_gcs_publish_matches_local_with_cache_control(season, published, gcs, monkeypatch):
    monkeypatch.setattr(GCSTarget, "workers", 8)  # the production setting: uploads and reads in a thread pool
    root, _ = published
    local = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.json")}
    marker = json.loads(Path(run_publish(season, SEASON, TARGET, client=gcs)).read_text())
    assert marker["target"] == TARGET and marker["counts"]["players"] == 3

    blobs = objects(gcs)
    assert sorted(blobs) == sorted(PREFIX + rel for rel in local)
    for rel, content in local.items():
        blob = blobs[PREFIX + rel]  # metadata as listed (a download refreshes it from the emulator's headers)
        assert blob.cache_control == expected_cache_control(rel), rel
        assert blob.content_type == "application/json", rel
        assert blob.download_as_bytes() == content, rel
    assert marker["sha256"] == json.loads((root.parent / "markers/phase6/2023-24.done").read_text())["sha256"]


def test_gcs_validation_lists_the_objects_and_names_the_broken_one(season, published, gcs, monkeypatch):
    root, _ = published
    run_publish(season, SEASON, TARGET, client=gcs)
    listed = []
    list_blobs = gcs.list_blobs

    def spy(bucket, **kwargs):
        listed.append((bucket, kwargs.get("prefix")))
        return list_blobs(bucket, **kwargs)

    monkeypatch.setattr(gcs, "list_blobs", spy)
    check_publish(season, SEASON, TARGET, client=gcs)
    assert ("bucket", "v-test/v1/") in listed
    bucket = gcs.bucket("bucket")

    def put(rel: str, data: bytes, cache_control: str) -> None:
        blob = bucket.blob(PREFIX + rel)
        blob.cache_control = cache_control
        blob.upload_from_string(data, content_type="application/json")

    rel = "v1/players/alpha.json"
    bucket.blob(PREFIX + rel).delete()
    with pytest.raises(CheckFailed, match=rf"^CHECK_FAILED publish 2023-24: gs://bucket/v-test/{rel}: missing$"):
        check_publish(season, SEASON, TARGET, client=gcs)
    put(rel, (root / rel).read_bytes(), "public, max-age=3600")
    check_publish(season, SEASON, TARGET, client=gcs)

    rel = "v1/results/2023-11-09.json"
    put(rel, (root / rel).read_bytes()[:40], "public, max-age=86400")
    with pytest.raises(CheckFailed, match=rf"gs://bucket/v-test/{rel}: not valid JSON"):
        check_publish(season, SEASON, TARGET, client=gcs)
    put(rel, (root / rel).read_bytes(), "public, max-age=86400")

    rel = "v1/results/latest.json"
    put(rel, (root / rel).read_bytes(), "no-store")
    with pytest.raises(CheckFailed, match=rf"{rel}: Cache-Control 'no-store', expected 'public, max-age=300'"):
        check_publish(season, SEASON, TARGET, client=gcs)


def test_gcs_rerun_uploads_nothing_unchanged(season, gcs):
    run_publish(season, SEASON, TARGET, client=gcs)
    before = {name: (b.generation, b.md5_hash) for name, b in objects(gcs).items()}
    run_publish(season, SEASON, TARGET, client=gcs)
    after = {name: (b.generation, b.md5_hash) for name, b in objects(gcs).items()}
    assert after == before


def test_default_client_honours_the_emulator(gcs, monkeypatch):
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "test")
    target = open_target(TARGET)  # storage.Client() picks STORAGE_EMULATOR_HOST up
    assert isinstance(target, GCSTarget) and target.listing() == {}


@pytest.mark.parametrize("spec", ["gs://", "gs://B/x", "gs://bucket/a/../b", "s3://bucket/x"])
def test_bad_gcs_targets_are_usage_errors(spec):
    from nba_backfill.errors import UsageError

    with pytest.raises(UsageError):
        open_target(spec, client=object())
