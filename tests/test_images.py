"""The shared image store against a web server on 127.0.0.1 that the tests start (never the internet)."""

from __future__ import annotations

import io
import socket
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest
from _helpers import local_server
from PIL import Image

from publish.images import MAX_BYTES, MAX_SIDE, ImageStore


def image_bytes(size: tuple[int, int], kind: str = "PNG", color: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, kind)
    return buffer.getvalue()


SMALL_PNG = image_bytes((40, 30))
BIG_JPEG = image_bytes((2400, 1800), "JPEG")


class Handler(BaseHTTPRequestHandler):
    """Routes for every way an image host fails, and two that work."""

    hits: ClassVar[Counter[str]] = Counter()

    def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
        pass

    def _send(self, status: int, content_type: str, body: bytes, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        Handler.hits[self.path] += 1
        route = self.path.split("?")[0]
        if route == "/ok.png":
            self._send(200, "image/png", SMALL_PNG)
        elif route == "/big.jpg":
            self._send(200, "image/jpeg", BIG_JPEG)
        elif route == "/octet":
            self._send(200, "application/octet-stream", SMALL_PNG)
        elif route == "/page.html":
            self._send(200, "text/html; charset=utf-8", b"<html><body>Not found, but 200</body></html>")
        elif route == "/fake.png":
            self._send(200, "image/png", b"this is not a PNG at all")
        elif route == "/slow.png":
            time.sleep(3)
            self._send(200, "image/png", SMALL_PNG)
        elif route == "/huge.jpg":
            self._send(200, "image/jpeg", b"", length=50 * 1024 * 1024)
        elif route == "/endless.jpg":
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.end_headers()
            chunk = b"\xff" * (1024 * 1024)
            try:
                for _ in range(MAX_BYTES // len(chunk) + 2):
                    self.wfile.write(chunk)
            except OSError:
                pass  # the client hung up once it had read enough, as it should
        elif route == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/ok.png")
            self.end_headers()
        elif route == "/to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
        else:
            self._send(404, "text/html", b"missing")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with local_server(Handler) as url:
        yield url


@pytest.fixture
def store(tmp_path: Path) -> ImageStore:
    pack = tmp_path / "pack"
    pack.mkdir()
    return ImageStore(cache_dir=tmp_path / "cache", allowed_roots=[pack], timeout=1.0)


def pack_dir(store: ImageStore) -> Path:
    return store.allowed_roots[0]


# -- remote images ----------------------------------------------------------


def test_fetches_verifies_and_caches_on_disk(store: ImageStore, server: str, tmp_path: Path) -> None:
    result = store.fetch(f"{server}/ok.png", pack_dir(store))
    assert result.ok and result.error == ""
    assert result.media_type == "image/png" and (result.width, result.height) == (40, 30)
    assert result.path is not None and result.path.is_file() and result.path.is_relative_to(tmp_path / "cache")
    # A later offline build finds it in the cache without opening a socket.
    offline = ImageStore(cache_dir=tmp_path / "cache", offline=True)
    assert offline.fetch(f"{server}/ok.png", pack_dir(store)).path == result.path


def test_large_images_are_downscaled(store: ImageStore, server: str) -> None:
    result = store.fetch(f"{server}/big.jpg", pack_dir(store))
    assert result.ok and result.media_type == "image/jpeg"
    assert max(result.width, result.height) == MAX_SIDE
    assert result.path is not None
    with Image.open(result.path) as image:
        assert image.size == (result.width, result.height)


def test_follows_redirects_and_trusts_pillow_over_a_vague_content_type(store: ImageStore, server: str) -> None:
    assert store.fetch(f"{server}/redirect", pack_dir(store)).ok
    assert store.fetch(f"{server}/octet", pack_dir(store)).ok


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        ("/missing.png", "HTTP 404"),
        ("/page.html", "text/html, not an image"),
        ("/fake.png", "not a readable image"),
        ("/huge.jpg", "larger than 20 MB"),
        ("/endless.jpg", "larger than 20 MB"),
        ("/to-file", "is not allowed"),
    ],
)
def test_bad_answers_become_errors(store: ImageStore, server: str, route: str, expected: str) -> None:
    result = store.fetch(f"{server}{route}", pack_dir(store))
    assert not result.ok and result.path is None and result.media_type == ""
    assert expected in result.error


def test_a_slow_host_times_out_and_is_not_asked_again(store: ImageStore, server: str) -> None:
    started = time.monotonic()
    first = store.fetch(f"{server}/slow.png", pack_dir(store))
    second = store.fetch(f"{server}/slow.png?again", pack_dir(store))
    assert "timed out" in first.error
    assert "did not answer earlier in this build" in second.error
    assert time.monotonic() - started < 2.5


def test_failures_are_remembered_for_the_build_only(tmp_path: Path, server: str) -> None:
    url = f"{server}/missing.png?counted"
    store = ImageStore(cache_dir=tmp_path / "cache")
    store.fetch(url, tmp_path)
    store.fetch(url, tmp_path)
    assert Handler.hits["/missing.png?counted"] == 1
    ImageStore(cache_dir=tmp_path / "cache").fetch(url, tmp_path)
    assert Handler.hits["/missing.png?counted"] == 2


def test_fetch_all_fetches_each_image_once_concurrently(store: ImageStore, server: str) -> None:
    base = pack_dir(store)
    requests = [(f"{server}/ok.png?n={i % 4}", base) for i in range(12)]
    results = store.fetch_all(requests)
    assert set(results) == set(requests) and all(r.ok for r in results.values())
    assert all(Handler.hits[f"/ok.png?n={i}"] == 1 for i in range(4))


def test_offline_never_opens_a_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened in an offline build")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    result = ImageStore(cache_dir=tmp_path / "cache", offline=True).fetch("https://example.org/a.png", tmp_path)
    assert "offline" in result.error


# -- local paths and addresses that are not allowed ---------------------------


def test_relative_paths_inside_the_pack(store: ImageStore) -> None:
    base = pack_dir(store)
    (base / "images").mkdir()
    (base / "images" / "small.png").write_bytes(SMALL_PNG)
    (base / "images" / "wide.png").write_bytes(image_bytes((3200, 400)))
    small = store.fetch("images/small.png", base)
    assert small.ok and small.path == (base / "images" / "small.png").resolve()  # used in place
    wide = store.fetch("images/wide.png", base)
    assert wide.ok and (wide.width, wide.height) == (MAX_SIDE, 200) and wide.path != base / "images" / "wide.png"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file:///etc/passwd", "'file:' addresses are not allowed"),
        ("../../etc/passwd", "outside the pack folder"),
        ("/etc/passwd", "absolute paths are not allowed"),
        ("data:image/png;base64,iVBORw0KGgo=", "'data:' addresses are not allowed"),
        ("javascript:alert(1)", "'javascript:' addresses are not allowed"),
        ("论文链接地址", "no such file"),
        ("http//example.org/a.png", "no such file"),
        ("https:///a.png", "no host"),
        ("", "empty image address"),
    ],
)
def test_addresses_that_are_refused(
    store: ImageStore, url: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = Path.read_bytes

    def guarded(path: Path) -> bytes:
        assert path.resolve().is_relative_to(pack_dir(store)), f"read {path} outside the pack"
        return read(path)

    monkeypatch.setattr(Path, "read_bytes", guarded)
    result = store.fetch(url, pack_dir(store))
    assert not result.ok and expected in result.error


def test_a_symlink_out_of_the_pack_is_refused(store: ImageStore, tmp_path: Path) -> None:
    outside = tmp_path / "secret.png"
    outside.write_bytes(SMALL_PNG)
    (pack_dir(store) / "link.png").symlink_to(outside)
    assert "outside the pack folder" in store.fetch("link.png", pack_dir(store)).error


def test_without_allowed_roots_a_document_reads_only_its_own_folder(tmp_path: Path) -> None:
    (tmp_path / "doc").mkdir()
    (tmp_path / "doc" / "a.png").write_bytes(SMALL_PNG)
    (tmp_path / "b.png").write_bytes(SMALL_PNG)
    store = ImageStore(cache_dir=tmp_path / "cache")
    assert store.fetch("a.png", tmp_path / "doc").ok
    assert "outside the pack folder" in store.fetch("../b.png", tmp_path / "doc").error
