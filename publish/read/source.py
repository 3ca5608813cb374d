"""Bytes on disk → one normalized text: the only place that knows about encodings.

Authors save digests from many editors: UTF-8 with a BOM, CRLF line ends, GBK
from old Windows tools.  Everything after this module sees ``\\n``-separated
Unicode text whose line numbers match what the author's editor shows.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

from publish.errors import PublishError
from publish.pack import MARKDOWN_SUFFIXES

SUFFIXES = MARKDOWN_SUFFIXES

# Legacy encodings Chinese authors actually produce; decoded with their
# supersets so a rare character does not turn into U+FFFD.
_CHINESE = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "gb18030": "gb18030",
    "hz": "hz",
    "big5": "big5hkscs",
    "big5hkscs": "big5hkscs",
    "cp950": "cp950",
}
_MAX_CHAOS = 0.2  # charset-normalizer's mess ratio above which a guess is noise
_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


@dataclass
class Source:
    """Decoded text plus what the author should hear about its encoding."""

    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def read_source(path: Path) -> Source:
    """Read and decode ``path``; PublishError only when there is nothing to read."""
    if path.suffix.lower() not in SUFFIXES:
        raise PublishError(
            f"{path}: unsupported file type {path.suffix or '(none)'!r}; "
            f"give a Markdown file ending in {', '.join(SUFFIXES)}"
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PublishError(f"{path}: file not found; check the path and spelling") from None
    except IsADirectoryError:
        raise PublishError(f"{path}: is a directory; give the Markdown files inside it") from None
    except OSError as exc:
        raise PublishError(f"{path}: cannot be read ({exc.strerror or exc}); check its permissions") from None
    return decode(data)


def decode(data: bytes) -> Source:
    """Decode bytes of unknown encoding; never fails, warns instead."""
    source = _decode_bytes(data)
    source.text = normalize_newlines(source.text)
    if "\x00" in source.text:
        source.text = source.text.replace("\x00", "\ufffd")
        source.warnings.append("the file contains NUL bytes (is it binary?); they were replaced with U+FFFD")
    return source


# C0 and C1 controls other than tab and newline: invisible, illegal in XML, .notdef boxes in a PDF.
_CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> tuple[str, tuple[int, int] | None]:
    """``text`` without control characters, and (line of the first, how many) when there were some."""
    first = _CONTROLS.search(text)
    if first is None:
        return text, None
    stripped, count = _CONTROLS.subn("", text)
    return stripped, (text.count("\n", 0, first.start()) + 1, count)


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so line numbers agree with every editor."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_bytes(data: bytes) -> Source:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    for bom, encoding in _UTF16_BOMS:
        if data.startswith(bom):
            text = data[len(bom) :].decode(encoding, errors="replace")
            return Source(text, encoding, [_convert_hint(encoding)])
    try:
        return Source(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    guess = _guess_legacy(data)
    if guess is not None:
        return Source(data.decode(guess, errors="replace"), guess, [_convert_hint(guess)])
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    return Source(
        text,
        "utf-8",
        [f"the file is not valid UTF-8 and its encoding could not be recognized; {bad} undecodable "
         "byte sequence(s) were replaced with U+FFFD (re-save the file as UTF-8)"],
    )


def _guess_legacy(data: bytes) -> str | None:
    """charset-normalizer's codec when it is confident, else a strict GB18030 try."""
    if b"\x00" in data:
        return None  # binary: any "encoding" found for it would be noise
    best = from_bytes(data).best()
    if best is not None and best.chaos <= _MAX_CHAOS:
        name = best.encoding.lower()
        if name in _CHINESE or not _looks_chinese(data):
            return _CHINESE.get(name, name)
    # Short GBK snippets are often misread as another CJK code page; GB18030
    # decodes any byte string that is really GBK, and binary junk rarely is.
    return "gb18030" if _looks_chinese(data) else None


def _looks_chinese(data: bytes) -> bool:
    """Decodes strictly as GB18030 into mostly Han characters."""
    try:
        text = "".join(data.decode("gb18030").split())
    except UnicodeDecodeError:
        return False
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return bool(text) and han * 3 >= len(text)


def _convert_hint(encoding: str) -> str:
    return (
        f"the file is encoded in {encoding.upper()}, not UTF-8; it was decoded, "
        f"but convert it to UTF-8 (e.g. `iconv -f {encoding} -t utf-8`) so other tools read it too"
    )
