"""Where caches live, and the keys that make a cache entry safe to reuse.

Every cache (formulas, images, QR codes, read documents, backend parts) is one folder per kind
under a root: ``$PUBLISH_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/publish``
(``~/.cache/publish``).  The root travels in the environment, not as an argument, because builds
run worker processes and those inherit the environment; ``--cache DIR`` on the command line sets
it.  ``cache_folder`` is the only place a cache path may come from.

Entries are keyed by a hash of what they were made from together with ``code_fingerprint()``, so
an entry written by another version, checkout or edit of publish is never reused.  Reading an
entry marks it used (its access time), and ``prune`` (run when a command ends) removes the
pickled entries nobody used for a month, then the least recently used while they take more than
2 GB: a reader who rebuilds every day leaves a laid-out part and a joined PDF behind each time.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from publish import __version__
from publish.model import Document
from publish.output import write_bytes_atomic

CACHE_ENV = "PUBLISH_CACHE_DIR"
# The packages whose files make up publish (filters/ and styles/ install inside it) and the
# suffixes of the files among them that decide what it produces.
_PACKAGES = ("publish", "publish.filters", "publish.styles")
_SOURCE_SUFFIXES = frozenset({".py", ".js", ".css", ".html", ".tex", ".svg"})
MAX_AGE = 30 * 24 * 3600  # seconds unused after which an entry belongs to a pack nobody builds any more
MAX_BYTES = 2 * 10**9  # what the pickled entries may take together


def cache_root() -> Path:
    """Read on every call, not once: ``--cache`` sets the variable after this module is imported."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "publish"


def cache_folder(kind: str) -> Path:
    """``<root>/<kind>``: what is cached survives between builds and checkouts, and is shared by workers."""
    return cache_root() / kind


@contextmanager
def cache_root_override(folder: Path) -> Iterator[None]:
    """Put every cache under ``folder`` (absolute, so workers agree) until the block ends."""
    previous = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = os.path.abspath(folder)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(CACHE_ENV, None)
        else:
            os.environ[CACHE_ENV] = previous


@functools.cache
def code_fingerprint() -> str:
    """A hash of publish's version, its source files and the versions of what it runs on.

    Computed once per process: the files do not change under a running build, and an edit in a
    checkout (or a dependency upgrade, which can change how Markdown parses) changes the hash.
    """
    digest = hashlib.sha256(f"{__version__}\0{sys.version}\0".encode())
    for name, version in _dependency_versions():
        digest.update(f"{name}={version}\0".encode())
    for relative, path in _source_files():
        digest.update(f"{relative}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def cache_key(*parts: str | bytes) -> str:
    """A hex digest of ``parts`` and ``code_fingerprint()``; each part is length-prefixed, so none can
    run into the next."""
    digest = hashlib.sha256(code_fingerprint().encode())
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def document_key(doc: Document) -> str:
    """A stable key for a loaded document, for backends to key their per-document caches on.

    A document is what the reader and filters make of its decoded text at its path, so the text,
    the path and the code identify it.  The translations sidecar is in the key too: the bundle
    renders it, and it changes without the Markdown changing.
    """
    from publish.translate import sidecar_path  # translate pulls in lxml; most users of this module never need it

    try:
        sidecar = sidecar_path(doc.path).read_bytes()
    except OSError:
        sidecar = b""
    return cache_key(str(doc.path), doc.source, sidecar)


def _dependency_versions() -> list[tuple[str, str]]:
    try:
        requirements = metadata.requires("publish") or []
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return []
    versions = []
    for requirement in requirements:
        if "extra ==" in requirement:
            continue
        name = re.match(r"[A-Za-z0-9._-]+", requirement)
        if name is None:
            continue
        try:
            versions.append((name[0], metadata.version(name[0])))
        except metadata.PackageNotFoundError:
            versions.append((name[0], "missing"))
    return sorted(versions)


def _source_files() -> list[tuple[str, Path]]:
    """Every source file of the packages, by a path relative to its package, in a fixed order."""
    files = []
    for package in _PACKAGES:
        spec = find_spec(package)
        for root in (spec.submodule_search_locations or []) if spec else []:
            for path in Path(root).rglob("*"):
                if path.suffix in _SOURCE_SUFFIXES and "__pycache__" not in path.parts and path.is_file():
                    files.append((f"{package}/{path.relative_to(root).as_posix()}", path))
    return sorted(files)


def reuse_entries(kind: str, keys: Sequence[str], complete: Callable[[list[Any]], list[Any]]) -> list[Any]:
    """The entries stored under ``keys`` in ``cache_folder(kind)``, completed by ``complete`` and stored.

    ``complete`` gets what was found (None where an entry is missing or unreadable), may reject
    found entries that turn out stale, and returns one entry per key; the ones it made (not the
    objects it was given) are written atomically, so concurrent builds only ever race to write the
    same bytes and a corrupt or half-written file is just a miss.  Backends use it for parts that
    depend on more than their own document (links into others, the images they embed): that is
    only known once every part is at hand, which is why the whole list goes through at once.
    """
    paths = [entry_path(kind, key) for key in keys]
    found = [read_entry(path) for path in paths]
    entries = complete(list(found))
    for path, old, new in zip(paths, found, entries, strict=True):
        if new is not old:
            write_entry(path, new)
    return entries


def entry_path(kind: str, key: str) -> Path:
    """Where the pickled entry ``key`` of ``kind`` lives; two hex digits of fan-out keep folders small."""
    return cache_folder(kind) / key[:2] / f"{key}.pickle"


def read_entry(path: Path) -> Any:
    """The object pickled at ``path``, or None: missing, truncated, or from classes that changed is a miss.

    A hit marks the entry used: its access time, which ``prune`` goes by (the modification time
    stays the time it was written).
    """
    try:
        value = pickle.loads(path.read_bytes())
        written = path.stat().st_mtime_ns
    except Exception:
        return None
    with suppress(OSError):  # a read-only cache is still a cache
        os.utime(path, ns=(time.time_ns(), written))
    return value


def write_entry(path: Path, value: object) -> None:
    """Atomically, so concurrent builds only ever race to write the same bytes; an unwritable cache only costs time."""
    try:
        write_bytes_atomic(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass


def prune(*, max_age: float = MAX_AGE, max_bytes: int = MAX_BYTES, now: float | None = None) -> int:
    """Remove the pickled entries unused for ``max_age`` seconds, then the least recently used ones
    until the rest fit in ``max_bytes``; return how many went.  Formulas, images and QR codes stay:
    they are small, or cost a download."""
    entries = []
    for path in cache_root().glob("*/??/*.pickle"):
        with suppress(OSError):
            stat = path.stat()
            entries.append((max(stat.st_atime, stat.st_mtime), stat.st_size, path))
    entries.sort(reverse=True)  # the most recently used first
    now = time.time() if now is None else now
    kept = removed = 0
    for used, size, path in entries:
        if now - used > max_age or kept + size > max_bytes:
            with suppress(OSError):
                path.unlink()
                removed += 1
        else:
            kept += size
    return removed
