"""One subset of each font for the whole joined PDF, instead of one per part.

Every part WeasyPrint lays out embeds its own subset of each font it uses.  A
month's 31 parts each carried their own copy of every Noto CJK face: fonts were
19.8 MB of the 25 MB PDF, which then took its time to join, save, cache and
write.  WeasyPrint keeps each glyph at its id in the whole font when it
subsets (``RETAIN_GIDS``), so every part's text draws the same glyphs from any
subset that has them: the join embeds one subset with the glyphs of all the
documents and points their fonts at it.  The month's PDF went from 25 to 6.3 MB;
its 312 pages are pixel for pixel the same.  The front matter keeps its own
subsets: it is often laid out last, and the shared ones are made meanwhile.

A layout worker notes, for each font it embedded, which face of which file it
subset and the glyphs it kept (``embedded_fonts``); the joining process finds
the file by its length and first bytes, because a ``@font-face`` font is read
from a temporary copy (``FontFiles``), and subsets it with ``pdf_subset``.
Fonts WeasyPrint embeds otherwise (bitmap, colour or variable fonts, fonts with
glyphs it had to invent, fonts used in forms) keep their part's own subset.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pikepdf import Name, Object, Pdf

from publish.render import pdf_subset
from publish.render.pdf_deflate import LEVEL as DEFLATE_LEVEL

HEAD_BYTES = 64 * 1024  # how much of a font file, with its length, tells which file it is
FONT_FILE_KEYS = ("/FontFile2", "/FontFile3")


@dataclass(frozen=True)
class Embedded:
    """A font a part embeds as WeasyPrint's plain subset: the file it came from (its length and the
    digest of its first bytes), the face in that file, and the glyphs kept."""

    length: int
    head: str
    index: int
    glyphs: tuple[int, ...]

    @property
    def source(self) -> tuple[int, str, int]:
        return self.length, self.head, self.index


def embedded_fonts(fonts: Mapping[Any, Any]) -> dict[str, Embedded]:
    """``Document.fonts`` once written: each font whose embedded file is HarfBuzz's plain subset,
    by its name in the PDF.  Empty where WeasyPrint subsets with fontTools instead."""
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset

    if harfbuzz_subset is None:
        return {}
    by_name: dict[str, list[Any]] = {}
    for font in fonts.values():  # several fonts may share one file and name: WeasyPrint subsets them together
        by_name.setdefault(font.name.decode(), []).append(font)
    found = {}
    for name, same in by_name.items():
        font = same[0]
        plain = not (font.bitmap or font.png or font.svg or font.colr or "fvar" in font.tables)
        if plain and not any(f.missing or f.used_in_forms for f in same):
            glyphs = sorted({glyph for f in same for glyph in f.to_unicode})
            if glyphs:
                blob = harfbuzz.hb_face_reference_blob(font.hb_face)
                try:
                    length = harfbuzz.hb_blob_get_length(blob)
                    data = harfbuzz.hb_blob_get_data(blob, ffi.NULL)
                    head = hashlib.sha256(ffi.buffer(data, min(length, HEAD_BYTES))).hexdigest()
                finally:
                    harfbuzz.hb_blob_destroy(blob)
                found[name] = Embedded(length, head, font.index, tuple(glyphs))
    return found


class FontFiles:
    """Font files known by their length and first bytes: fontconfig's, and ``extra`` ones."""

    def __init__(self, extra: Iterable[Path] = ()) -> None:
        self.extra = tuple(extra)
        self._by_length: dict[int, list[Path]] | None = None

    def find(self, length: int, head: str) -> Path | None:
        for path in self._lengths().get(length, []):
            try:
                with path.open("rb") as handle:
                    if hashlib.sha256(handle.read(HEAD_BYTES)).hexdigest() == head:
                        return path
            except OSError:
                continue
        return None

    def _lengths(self) -> dict[int, list[Path]]:
        if self._by_length is None:
            self._by_length = {}
            for path in dict.fromkeys([*self.extra, *_fontconfig_files()]):
                try:
                    self._by_length.setdefault(path.stat().st_size, []).append(path)
                except OSError:
                    continue
        return self._by_length


def _fontconfig_files() -> list[Path]:
    if shutil.which("fc-list") is None:
        return []
    listed = subprocess.run(
        ["fc-list", "--format", "%{file}\n"], capture_output=True, text=True, check=False, timeout=30
    ).stdout
    return [Path(line) for line in listed.splitlines() if line]


def font_descriptors(font_dicts: Iterable[Object], names: Iterable[str]) -> dict[str, list[Object]]:
    """The descriptors of the fonts named ``names`` among ``font_dicts`` (a page's resources), each once."""
    wanted = set(names)
    found: dict[str, dict[tuple[int, int], Object]] = {}
    for font in font_dicts:
        for descendant in font.get("/DescendantFonts", []):
            descriptor = descendant.get("/FontDescriptor")
            name = str(descriptor.get("/FontName", "")) if descriptor is not None else ""
            if name in wanted:
                found.setdefault(name, {})[descriptor.objgen] = descriptor
    return {name: list(descriptors.values()) for name, descriptors in found.items()}


@dataclass(frozen=True)
class Deflated:
    """A font file as it goes into the PDF, and its length before deflating."""

    data: bytes
    length: int


def shared_fonts(uses: Sequence[Mapping[str, Embedded]], files: FontFiles) -> dict[str, Deflated]:
    """For every font name used by two parts or more, from one face: a subset with all their glyphs.
    Meant for another thread, while parts are still being laid out: HarfBuzz and zlib let go of the
    interpreter."""
    by_name: dict[str, list[Embedded]] = {}
    for fonts in uses:
        for name, embedded in fonts.items():
            by_name.setdefault(name, []).append(embedded)
    shared = {}
    for name, embedded in sorted(by_name.items()):
        sources = {e.source for e in embedded}
        if len(embedded) < 2 or len(sources) != 1:
            continue  # one part only, or the same name for different files: nothing to gain, or unsafe
        length, head, index = sources.pop()
        path = files.find(length, head)
        data = pdf_subset.subset(path, index, {g for e in embedded for g in e.glyphs}) if path else None
        if data is not None:
            shared[name] = Deflated(zlib.compress(data, DEFLATE_LEVEL), len(data))
    return shared


def share(pdf: Pdf, parts: Iterable[Mapping[str, Sequence[Object]]], shared: Mapping[str, Deflated]) -> None:
    """Point the font descriptors of ``parts`` (each part's, by font name) at the ``shared`` files."""
    by_name: dict[str, list[Object]] = {}
    for descriptors in parts:
        for name, found in descriptors.items():
            by_name.setdefault(name, []).extend(found)
    for name, file in shared.items():
        found = by_name.get(name, [])
        key = next((k for k in FONT_FILE_KEYS if found and k in found[0]), None)
        if key is None:
            continue
        stream = pdf.make_stream(file.data)
        stream.Filter = Name.FlateDecode
        if key == "/FontFile3":
            stream.Subtype = found[0][key].get("/Subtype", Name.OpenType)
        else:
            stream.Length1 = file.length
        for descriptor in found:
            if key in descriptor:
                descriptor[key] = stream
