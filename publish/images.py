"""The shared image store: every backend gets images from here, never from the network itself.

Authors point at screenshots on image hosts that are slow, dead or answer
with an HTML error page, and at files beside their Markdown.  A build must
neither hang on a host nor read a file outside the pack, and an image that
cannot be had must still leave something on the page.  So every image goes
through one gate:

* ``http(s)`` URLs are fetched once (bounded time, size and redirects,
  content type and Pillow verification), downscaled, and cached on disk under
  ``$XDG_CACHE_HOME/publish/images`` keyed by the URL's hash; failures are
  remembered for the rest of the build only, so a later build tries again.
* relative paths are read only inside ``allowed_roots`` (by default the
  document's own folder);
* ``file:``, ``data:``, absolute paths and anything else are refused.

The result is an :class:`ImageResult` that either names a local JPEG or PNG
ready to embed or says in ``error`` why there is none (for the placeholder and
the warning).  ``offline=True`` reads only the disk cache and opens no socket.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from urllib.parse import unquote, urlsplit

from PIL import Image, ImageOps, UnidentifiedImageError

from publish import __version__
from publish.cache import cache_folder

MAX_SIDE = 1600  # px: sharp at 300 dpi across a printed A4 text column, small enough to embed fast
MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 64_000_000  # refuse decompression bombs before decoding
TIMEOUT = 10.0  # seconds per connect or read
DEADLINE = 30.0  # seconds for one whole download, so a trickling host cannot stall the build
MAX_REDIRECTS = 5
WORKERS = 8
PER_HOST = 2  # concurrent downloads from one host: polite, and bounds what a dead host costs
USER_AGENT = f"publish/{__version__} (reading-pack builder; +https://github.com/)"
CACHE_VERSION = "1"  # bump when what is stored for a URL changes

# Formats we accept from a host or a file; everything is stored as JPEG or PNG.
ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF"}
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
SUFFIXES = {"JPEG": ".jpg", "PNG": ".png"}
# Some image hosts label everything as bytes; Pillow then decides.
OPAQUE_TYPES = ("application/octet-stream", "binary/octet-stream")


@dataclass(frozen=True)
class ImageResult:
    """One image, ready to embed, or the reason it is missing."""

    url: str
    path: Path | None  # local file ready to embed (cached, downscaled to <= 1600px, JPEG or PNG); None when unavailable
    media_type: str  # 'image/jpeg' | 'image/png' | ''
    width: int
    height: int
    error: str  # why it is missing, for the placeholder and the warning; '' when ok

    @property
    def ok(self) -> bool:
        return self.path is not None and not self.error


class ImageError(Exception):
    """Why one image cannot be had; the message ends up in a warning and on the page."""


class HostUnreachable(ImageError):
    """The host did not answer at all (DNS, refused, timeout): its other images will fail the same way."""


def _failed(url: str, error: str) -> ImageResult:
    return ImageResult(url=url, path=None, media_type="", width=0, height=0, error=error)


# --------------------------------------------------------------------------
# Decoding and normalising
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Normalised:
    data: bytes
    format: str  # 'JPEG' or 'PNG'
    width: int
    height: int


def normalise(data: bytes) -> _Normalised:
    """Verify ``data`` is an image and return it as a JPEG or PNG no larger than ``MAX_SIDE``.

    A JPEG or PNG that is already small enough and upright is kept byte for
    byte: re-encoding would only lose quality and time.
    """
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format or ""
            size = probe.size
            probe.verify()
        if kind not in ACCEPTED_FORMATS:
            raise ImageError(f"unsupported image format {kind or 'unknown'}")
        if size[0] * size[1] > MAX_PIXELS:
            raise ImageError(f"image too large ({size[0]}×{size[1]} pixels)")
        with Image.open(io.BytesIO(data)) as image:
            return _reencode(data, image)
    except ImageError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ImageError(f"not a readable image ({type(exc).__name__})") from exc
    except (OSError, SyntaxError, ValueError) as exc:  # Pillow's ways of saying "corrupt"
        raise ImageError(f"broken image data ({exc})") from exc


def _reencode(data: bytes, image: Image.Image) -> _Normalised:
    """Keep what is fine as it is; otherwise upright, at most ``MAX_SIDE``, JPEG or PNG."""
    orientation = image.getexif().get(0x0112, 1)
    small = max(image.size) <= MAX_SIDE
    if image.format in MEDIA_TYPES and small and orientation == 1 and image.mode in ("RGB", "L", "RGBA", "LA", "P"):
        return _Normalised(data, image.format, *image.size)
    if image.format == "JPEG":
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at reduced scale: much faster for big photos
    image.seek(0)  # the first frame of an animation is what prints
    upright = ImageOps.exif_transpose(image)
    upright.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # Screenshots of papers stay lossless (JPEG blurs their text); photos stay JPEG.
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    kind = "JPEG" if image.format in ("JPEG", "WEBP") and not has_alpha else "PNG"
    out = io.BytesIO()
    if kind == "PNG":
        upright.convert("RGBA" if has_alpha else "RGB").save(out, "PNG")
    else:
        upright.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    return _Normalised(out.getvalue(), kind, *upright.size)


# --------------------------------------------------------------------------
# Downloading
# --------------------------------------------------------------------------


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follow a few redirects, and only to http(s): a host must not send us to ``file:`` or ``ftp:``."""

    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            message = f"redirect to a non-web URL {newurl} is not allowed"
            raise urllib.error.HTTPError(newurl, code, message, headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    """http(s) only: no file, ftp or data handlers are installed at all."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        _RedirectHandler(),
    ):
        opener.add_handler(handler)
    return opener


def download(url: str, *, timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES) -> bytes:
    """The body of ``url`` if it is an image of at most ``max_bytes``; ``ImageError`` otherwise."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "image/*"})
    started = time.monotonic()
    try:
        with _opener().open(request, timeout=timeout) as response:
            content_type = response.headers.get_content_type()
            if not (content_type.startswith("image/") or content_type in OPAQUE_TYPES):
                raise ImageError(f"the server answered with {content_type}, not an image")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise ImageError(f"image larger than {max_bytes // (1024 * 1024)} MB ({int(declared)} bytes)")
            return _read_bounded(response, max_bytes, started)
    except urllib.error.HTTPError as exc:
        raise ImageError(f"HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise HostUnreachable(f"timed out after {timeout:g} s") from exc
        raise HostUnreachable(f"cannot reach the host ({exc.reason})") from exc
    except TimeoutError as exc:
        raise HostUnreachable(f"timed out after {timeout:g} s") from exc
    except (HTTPException, OSError, ValueError) as exc:
        raise ImageError(f"download failed ({type(exc).__name__}: {exc})") from exc


def _read_bounded(response: io.BufferedIOBase, max_bytes: int, started: float) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while chunk := response.read(64 * 1024):
        total += len(chunk)
        if total > max_bytes:
            raise ImageError(f"image larger than {max_bytes // (1024 * 1024)} MB")
        if time.monotonic() - started > DEADLINE:
            raise ImageError(f"download took longer than {DEADLINE:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


# --------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------


class ImageStore:
    """Fetch, verify, downscale and cache images; thread-safe, one instance per build."""

    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        offline: bool = False,
        allowed_roots: Sequence[Path] = (),
        timeout: float = TIMEOUT,
    ) -> None:
        self.cache_dir = cache_dir if cache_dir is not None else cache_folder("images")
        self.offline = offline
        self.allowed_roots = tuple(Path(root).resolve() for root in allowed_roots)
        self.timeout = timeout
        self._results: dict[tuple[str, Path], ImageResult] = {}
        self._pending: dict[tuple[str, Path], threading.Event] = {}
        self._dead_hosts: dict[str, str] = {}
        self._host_slots: dict[str, threading.Semaphore] = {}
        self._lock = threading.Lock()

    # -- public -------------------------------------------------------------

    def fetch(self, url: str, base: Path) -> ImageResult:
        """The image ``url`` names, relative paths resolved against ``base`` (the document's folder).

        Never raises for a bad image: the result's ``error`` says what went wrong.
        Each (url, base) is worked out once per store, even when threads ask at once.
        """
        key = (url, base)
        with self._lock:
            if key in self._results:
                return self._results[key]
            waiting = self._pending.get(key)
            if waiting is None:
                self._pending[key] = threading.Event()
        if waiting is not None:
            waiting.wait()
            return self._results[key]
        result = _failed(url, "internal error while fetching")
        try:
            result = self._resolve(url.strip(), base)
        finally:  # threads waiting on this key must wake even if resolving failed
            with self._lock:
                self._results[key] = result
                self._pending.pop(key).set()
        return result

    def fetch_all(self, requests: Iterable[tuple[str, Path]]) -> dict[tuple[str, Path], ImageResult]:
        """Fetch many images at once: a slow host then costs one timeout, not one per image."""
        keys = list(dict.fromkeys(requests))
        if len(keys) <= 1:
            return {key: self.fetch(*key) for key in keys}
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(keys)), thread_name_prefix="publish-image") as pool:
            results = list(pool.map(lambda key: self.fetch(*key), keys))
        return dict(zip(keys, results, strict=True))

    # -- dispatch -----------------------------------------------------------

    def _resolve(self, url: str, base: Path) -> ImageResult:
        if not url:
            return _failed(url, "empty image address")
        try:
            parts = urlsplit(url)
        except ValueError as exc:
            return _failed(url, f"not a valid address ({exc})")
        scheme = parts.scheme.lower()
        try:
            if scheme in ("http", "https"):
                if not parts.hostname:
                    raise ImageError("not a valid web address (no host)")
                return self._remote(url)
            if scheme:
                raise ImageError(f"'{scheme}:' addresses are not allowed for images: use http(s) or a relative path")
            return self._local(url, parts.path, base)
        except ImageError as exc:
            return _failed(url, str(exc))
        except OSError as exc:  # a name too long for the file system, an unreadable file
            return _failed(url, f"cannot read the image ({exc.strerror or exc})")

    # -- local files ----------------------------------------------------------

    def _local(self, url: str, path_text: str, base: Path) -> ImageResult:
        raw = Path(unquote(path_text))
        if raw.is_absolute():
            raise ImageError("absolute paths are not allowed for images: use a path relative to the document")
        path = (base / raw).resolve()
        roots = self.allowed_roots or (base.resolve(),)
        if not any(path.is_relative_to(root) for root in roots):
            raise ImageError("the path leads outside the pack folder")
        if not path.is_file():
            raise ImageError(f"no such file: {raw}")
        stat = path.stat()
        if stat.st_size > MAX_BYTES:
            raise ImageError(f"image file larger than {MAX_BYTES // (1024 * 1024)} MB")
        cache_key = f"file:{path}:{stat.st_mtime_ns}:{stat.st_size}"
        return self._cached(url, cache_key) or self._store(url, cache_key, path.read_bytes(), original=path)

    # -- remote images --------------------------------------------------------

    def _remote(self, url: str) -> ImageResult:
        cached = self._cached(url, url)
        if cached is not None:
            return cached
        if self.offline:
            raise ImageError("offline build: not in the image cache")
        return self._store(url, url, self._download(url))

    def _download(self, url: str) -> bytes:
        """At most ``PER_HOST`` downloads per host at once, and none after the host proved unreachable.

        Fifty screenshots on one dead host would otherwise cost fifty timeouts.
        """
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            slot = self._host_slots.setdefault(host, threading.Semaphore(PER_HOST))
        with slot:
            with self._lock:
                dead = self._dead_hosts.get(host)
            if dead:
                raise ImageError(f"{host} did not answer earlier in this build ({dead})")
            try:
                return download(url, timeout=self.timeout)
            except HostUnreachable as exc:
                with self._lock:
                    self._dead_hosts[host] = str(exc)
                raise

    # -- the disk cache -------------------------------------------------------

    def _paths(self, cache_key: str) -> tuple[Path, Path]:
        digest = hashlib.sha256(f"{CACHE_VERSION}\n{cache_key}".encode()).hexdigest()
        folder = self.cache_dir / digest[:2]
        return folder / f"{digest}.json", folder / digest

    def _cached(self, url: str, cache_key: str) -> ImageResult | None:
        meta_path, stem = self._paths(cache_key)
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            path = Path(meta["path"]) if meta.get("original") else stem.with_suffix(SUFFIXES[meta["format"]])
            if not path.is_file():
                return None
            return ImageResult(url, path, MEDIA_TYPES[meta["format"]], int(meta["width"]), int(meta["height"]), "")
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _store(self, url: str, cache_key: str, data: bytes, original: Path | None = None) -> ImageResult:
        """Normalise and write the image; an unwritable cache only costs a re-download next time."""
        image = normalise(data)
        meta_path, stem = self._paths(cache_key)
        keep_original = original is not None and image.data is data
        target = original if keep_original and original is not None else stem.with_suffix(SUFFIXES[image.format])
        meta = {"url": url, "format": image.format, "width": image.width, "height": image.height,
                "original": keep_original, "path": str(target)}
        try:
            if not keep_original:
                _write_atomic(target, image.data)
            _write_atomic(meta_path, json.dumps(meta, ensure_ascii=False).encode("utf-8"))
        except OSError as exc:
            raise ImageError(f"cannot write the image cache {self.cache_dir} ({exc.strerror or exc})") from exc
        return ImageResult(url, target, MEDIA_TYPES[image.format], image.width, image.height, "")


def _write_atomic(path: Path, data: bytes) -> None:
    """Two builds may share the cache: never let one read the other's half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

