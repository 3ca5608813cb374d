"""Helpers several test modules share: the words a reader must find, PDF text, the Nu Html Checker,
a web server on 127.0.0.1."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

_MARKUP = [
    re.compile(r"\A\s*---\n.*?\n---\n", re.S),  # front matter: metadata, checked elsewhere
    re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$|\\\(.*?\\\)", re.S),  # formulas become SVG, not text
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"^ {0,3}\[(?!\^)[^\]]+\]:.*$", re.M),  # link reference definitions
    re.compile(r"\[\^[^\]\s]+\]:?"),  # footnote markers: a number in the output
    re.compile(r"^ {0,3}(?:`{3,}|~{3,})[^\n]*", re.M),  # code fences and their language
    re.compile(r"<(script|style|iframe)\b.*?</\1>", re.S | re.I),  # never published, by design
    re.compile(r"<[^>]+>"),  # HTML tags and their attributes
    re.compile(r"https?://\S+"),  # bare URLs are links; their text is checked as link text elsewhere
    re.compile(r"\\[A-Za-z]+"),  # LaTeX command names in prose become structure
]
_WORD = re.compile(r"[A-Za-z0-9]+|[\u4e00-\u9fff]+")


def fold(text: str) -> str:
    """Compare letters, not accents or spacing: repairs like M¨uller → Müller must still match."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c) and not c.isspace()).lower()


def source_words(text: str) -> set[str]:
    """The words of Markdown source a reader sees: markup, formulas, addresses and scripts left out."""
    for pattern in _MARKUP:
        text = pattern.sub(" ", text)
    return set(_WORD.findall(unicodedata.normalize("NFKD", text)))


def missing_words(words: Iterable[str], shown: str) -> list[str]:
    """The words not in ``shown`` (folded), sorted."""
    folded = fold(shown)
    return sorted(w if len(w) < 40 else f"{w[:30]}…({len(w)} chars)" for w in words if fold(w) not in folded)


def squeeze(text: str) -> str:
    """Text without any whitespace: line breaks and CJK–Latin gaps fall where layout puts them."""
    return "".join(text.split())


def pdf_text(path: Path, *, top: int = 0, bottom: int = 0) -> str:
    """The text of a PDF as pdftotext extracts it, leaving out ``top`` and ``bottom`` points of each
    page (running heads, page numbers: a word that runs across pages stays whole); skips without poppler-utils."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    crop: list[str] = []
    if top or bottom:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        height = float(re.search(r"Page size:\s+[\d.]+ x ([\d.]+)", info)[1])  # type: ignore[index]
        crop = ["-x", "0", "-y", str(top), "-W", "100000", "-H", str(int(height) - top - bottom)]
    command = ["pdftotext", "-enc", "UTF-8", *crop, str(path), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def vnu_errors(pages: Iterable[Path]) -> str:
    """The Nu Html Checker's errors for ``pages`` (one JVM for all); skips without Java or vnu-jar."""
    java = shutil.which("java")
    if java is None or not VNU.is_file():
        pytest.skip("the Nu Html Checker needs Java and `npm install` (vnu-jar) at the repository root")
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", *map(str, pages)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    return "" if result.returncode == 0 else result.stderr[-4000:]


@contextmanager
def local_server(handler: Callable[..., BaseHTTPRequestHandler]) -> Iterator[str]:
    """The base URL of a server on 127.0.0.1 answering with ``handler``: tests never reach the internet."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Requests are part of the test, not of its output."""


def serve_folder(root: Path) -> AbstractContextManager[str]:
    """The files under ``root``, served on 127.0.0.1."""
    return local_server(functools.partial(QuietFiles, directory=str(root)))
