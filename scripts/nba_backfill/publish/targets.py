"""Where published files go: a local folder or gs://bucket/prefix, behind one small interface (lock, listing,
read, write, Cache-Control). Every path is checked before the first write: it must be a plain path under v1/ that
stays inside the target."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..markers import atomic_write_text

API_VERSION = "v1"


@dataclass(frozen=True)
class PublishedFile:
    path: str  # relative to the target, e.g. v1/results/2024-01-02.json
    kind: str  # results, best_bets, latest, players, players_index (the marker's counts)
    schema: str
    cache_control: str
    text: str


class UnsafePath(ValueError):
    """A file name that would leave the target."""


def _relative_parts(rel: str) -> list[str]:
    parts = rel.split("/")
    if "\\" in rel or "\0" in rel or any(p in ("", ".", "..") for p in parts) or parts[0] != API_VERSION:
        raise UnsafePath(f"{rel!r} is not a plain path under {API_VERSION}/")
    return parts


class LocalTarget:
    """A folder (relative to the working directory); each file written atomically (temp + rename)."""

    def __init__(self, spec: str):
        self.spec = spec
        self.root = Path(spec)

    def location(self, rel: str) -> str:
        return str(self.root / rel)

    def path(self, rel: str) -> Path:
        """The resolved path of `rel`, which must lie inside the target's folder."""
        _relative_parts(rel)
        root = self.root.resolve()
        path = (root / rel).resolve()
        if not path.is_relative_to(root) or path == root:
            raise UnsafePath(f"{rel!r} resolves to {path}, outside the target {root}")
        return path

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        import fcntl

        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".publish.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def listing(self) -> dict[str, Any]:
        """Every file under <target>/v1, by path relative to the target."""
        out: dict[str, Any] = {}
        top = self.root / API_VERSION
        for folder, _, names in os.walk(top):
            for name in names:
                out[(Path(folder) / name).relative_to(self.root).as_posix()] = None
        return out

    def read(self, rel: str) -> bytes | None:
        try:
            return self.path(rel).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def read_many(self, rels: list[str]) -> dict[str, bytes | None]:
        return {rel: self.read(rel) for rel in rels}

    def write(self, files: list[PublishedFile]) -> int:
        paths = [(self.path(f.path), f) for f in files]  # every path checked before the first write
        for path, f in paths:
            atomic_write_text(path, f.text)
        return len(paths)

    def cache_control(self, meta: Any) -> str | None:
        return None  # a folder has no object metadata


GS_TARGET = re.compile(r"gs://([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(/.*)?")


class GCSTarget:
    """gs://bucket/prefix: objects uploaded with google-cloud-storage, JSON content type and Cache-Control.
    `client` defaults to `storage.Client()` (which honours STORAGE_EMULATOR_HOST)."""

    workers = 8

    def __init__(self, spec: str, client: Any = None):
        match = GS_TARGET.fullmatch(spec)
        if not match:
            raise UsageError(f"publish target {spec!r} is not gs://bucket[/prefix]")
        self.spec = spec
        self.bucket_name = match.group(1)
        self.prefix = (match.group(2) or "").strip("/")
        if self.prefix and any(p in ("", ".", "..") for p in self.prefix.split("/")):
            raise UsageError(f"publish target {spec!r}: the prefix has an empty, '.' or '..' segment")
        if client is None:
            from google.cloud import storage

            client = storage.Client()
        self.client = client
        self.bucket = client.bucket(self.bucket_name)

    def name(self, rel: str) -> str:
        _relative_parts(rel)
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def location(self, rel: str) -> str:
        return f"gs://{self.bucket_name}/{self.name(rel)}"

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        yield  # no lock on GCS: run one publish job per target at a time

    def listing(self) -> dict[str, Any]:
        """Every object under <prefix>/v1/, by path relative to the target, with its metadata (list_blobs)."""
        start = f"{self.prefix}/" if self.prefix else ""
        blobs = self.client.list_blobs(self.bucket_name, prefix=f"{start}{API_VERSION}/")
        return {blob.name[len(start) :]: blob for blob in blobs}

    def _map(self, fn: Callable, items: list) -> list:
        if len(items) < 2:
            return [fn(i) for i in items]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(self.workers) as pool:
            return list(pool.map(fn, items))

    def read(self, rel: str) -> bytes | None:
        from google.api_core.exceptions import NotFound

        try:
            return self.bucket.blob(self.name(rel)).download_as_bytes()
        except NotFound:
            return None

    def read_many(self, rels: list[str]) -> dict[str, bytes | None]:
        return dict(zip(rels, self._map(self.read, rels), strict=True))

    def write(self, files: list[PublishedFile]) -> int:
        """Upload each file, skipping objects whose content (MD5) and Cache-Control already match."""
        names = [(self.name(f.path), f) for f in files]  # every name checked before the first upload
        present = self.listing()

        def upload(item: tuple[str, PublishedFile]) -> int:
            name, f = item
            data = f.text.encode()
            old = present.get(f.path)
            md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
            if (
                old is not None
                and old.md5_hash == md5
                and old.cache_control == f.cache_control
                and old.content_type == "application/json"
            ):
                return 0
            blob = self.bucket.blob(name)
            blob.cache_control = f.cache_control
            blob.upload_from_string(data, content_type="application/json")
            return 1

        return sum(self._map(upload, names))

    def cache_control(self, meta: Any) -> str | None:
        return getattr(meta, "cache_control", None)


def open_target(spec: str, client: Any = None) -> LocalTarget | GCSTarget:
    if spec.startswith("gs://"):
        return GCSTarget(spec, client)
    if "://" in spec:
        raise UsageError(f"publish target {spec!r}: only a folder or gs://bucket/prefix")
    return LocalTarget(spec)
