"""Saving the PNGs `status --plot` and `evaluate --plot` draw: an unwritable path is one line (exit 2)."""

from __future__ import annotations

from pathlib import Path

from .errors import UsageError


def save_figure(fig, path: Path) -> Path:
    if not path.parent.is_dir():  # never create folders: a typo would scatter them anywhere
        raise UsageError(f"--plot {path}: cannot write it (no folder {str(path.parent)!r})")
    try:
        fig.savefig(path, dpi=100)
    except OSError as err:
        raise UsageError(f"--plot {path}: cannot write it ({err.strerror or err})") from None
    return path
