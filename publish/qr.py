"""QR codes for print: a reader with the paper in hand reaches the online page with a phone.

Each code is a standalone SVG drawn as one path (sharp at any size, cheap to
draw), with a viewBox and no fixed size: the stylesheet gives its printed size.
Choosing the best mask is most of segno's time (``qr_masks`` halves it), so
codes are kept on disk like formulas, keyed by the URL, and a build makes the
missing ones on every core first (``make_missing``).
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import segno

from publish import qr_masks
from publish.cache import cache_folder
from publish.output import write_text_atomic
from publish.workers import process_pool

VERSION = "1"  # bump when the SVG written for a URL changes


def make_svg(url: str) -> str:
    """An ``<svg xmlns=…>`` document encoding ``url``.

    Error correction level M: a code printed at 12 mm still scans after a pen
    stroke crosses it.  No quiet zone is drawn; the stylesheet leaves margin.
    """
    qr_masks.install()
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False, boost_error=False).save(
        buffer, kind="svg", xmldecl=False, svgns=True, scale=1, border=0, omitsize=True, dark="#000",
        svgclass=None, lineclass=None,
    )
    return buffer.getvalue().decode("utf-8")


def _path(url: str, cache_dir: Path | None) -> Path:
    folder = cache_dir if cache_dir is not None else cache_folder("qr")
    key = hashlib.sha256(f"{VERSION} {url}".encode()).hexdigest()
    return folder / key[:2] / f"{key}.svg"


@lru_cache(maxsize=4096)
def qr_svg(url: str, cache_dir: Path | None = None) -> str:
    """``make_svg(url)``, from the disk cache when it was made before; an unwritable cache only costs time."""
    path = _path(url, cache_dir)
    try:
        return path.read_text("utf-8")
    except OSError:
        pass
    svg = make_svg(url)
    try:
        write_text_atomic(path, svg)
    except OSError:
        pass
    return svg


MIN_PARALLEL = 40  # fewer codes take less than starting the processes would save


@contextmanager
def make_missing(urls: Iterable[str], jobs: int) -> Iterator[None]:
    """Make the codes of ``urls`` not yet on disk in ``jobs`` other processes while the body runs;
    ``qr_svg`` reads them after (and makes any that a worker did not)."""
    missing = [url for url in dict.fromkeys(urls) if url and not _path(url, None).exists()]
    if jobs < 2 or len(missing) < MIN_PARALLEL:
        yield
        return
    with process_pool(jobs, preload=["publish.qr"]) as pool:
        # Starting the workers waits for the worker server, which may still be importing: not here.
        chunk = max(1, len(missing) // (4 * jobs))
        making = threading.Thread(target=lambda: list(pool.map(_made, missing, chunksize=chunk)), daemon=True)
        making.start()
        yield
        making.join()


def _made(url: str) -> bool:
    """Whether ``url``'s code is on disk now: an address too long for a code has none (the page says so)."""
    try:
        qr_svg(url)
    except segno.DataOverflowError:
        return False
    return True
