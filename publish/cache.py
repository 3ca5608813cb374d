"""Where caches live: one folder per kind under ``$XDG_CACHE_HOME/publish`` (``~/.cache/publish``)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_folder(kind: str) -> Path:
    """``$XDG_CACHE_HOME/publish/<kind>``: formulas, images and QR codes survive between builds and checkouts."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "publish" / kind
