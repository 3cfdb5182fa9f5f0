"""Markers: one JSON file per validated unit of work, written last and atomically.

The body is deterministic (sorted keys, no timestamps, no job ids) so an unchanged rerun writes an identical
file; when and how long a job ran goes to a sidecar under logs/ instead.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import tempfile
from pathlib import Path
from typing import Any

from . import __version__
from .errors import MarkerError
from .plan import log_path


def _default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot put {type(value).__name__} in a marker")


def marker_body(**fields: Any) -> str:
    body = {"code_version": __version__, **fields}
    return json.dumps(body, sort_keys=True, indent=1, default=_default) + "\n"


def atomic_write_text(path: Path | str, text: str) -> None:
    """Write to a temp file beside `path`, fsync, then rename: readers see the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_marker(path: Path | str, started: dt.datetime, warehouse=None, **fields: Any) -> None:
    """The timing sidecar first, the marker last: a marker on disk means everything before it happened.
    With `warehouse`, the sidecar also says how much of the job was spent in warehouse calls, and how many
    statements were re-run after a transient failure (e.g. a concurrent-update abort on BigQuery)."""
    finished = dt.datetime.now(dt.UTC)
    used = resource.getrusage(resource.RUSAGE_SELF)  # a job server's fork starts at zero: the job's own CPU
    timing = {
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "seconds": round((finished - started).total_seconds(), 3),
        "cpu_seconds": round(used.ru_utime + used.ru_stime, 3),
    }
    if warehouse is not None:
        timing["warehouse_seconds"] = round(warehouse.warehouse_seconds, 3)
        timing["warehouse_retries"] = warehouse.warehouse_retries
    atomic_write_text(Path(log_path(str(path))).with_suffix(".timing.json"), json.dumps(timing) + "\n")
    atomic_write_text(path, marker_body(**fields))


def read_marker(path: Path | str, *fields: str) -> dict[str, Any]:
    """The marker's body, which must be a JSON object holding `fields` (what the caller reads from it)."""
    try:
        body = json.loads(Path(path).read_text())
    except ValueError as err:
        raise MarkerError(f"marker {path}: not valid JSON ({err}); delete it to redo its job") from None
    if not isinstance(body, dict):
        raise MarkerError(f"marker {path}: not a JSON object; delete it to redo its job")
    missing = [name for name in fields if name not in body]
    if missing:
        raise MarkerError(f"marker {path}: missing field {', '.join(missing)}; delete it to redo its job")
    return body
