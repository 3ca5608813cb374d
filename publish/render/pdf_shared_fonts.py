"""One subset of each font for the whole joined PDF, made once at the join instead of once per part.

Every part WeasyPrint lays out embeds its own subset of each font it uses.  A
month's 31 parts each carried their own copy of every Noto CJK face: fonts were
19.8 MB of the 25 MB PDF, and subsetting them was a seventh of each part's
layout (HarfBuzz walks all 65,535 glyph slots of a CJK face every time).
WeasyPrint keeps each glyph at its id in the whole font when it subsets
(``RETAIN_GIDS``), so every part's text draws the same glyphs from any subset
that has them.  So a part leaves its fonts out (``deferring``): it notes, for
each, the file, the face in it and the glyphs it drew, and embeds a four-byte
stand-in that only says what kind of font it is (WeasyPrint picks the PDF font
type from those bytes).  The join makes one subset per font with the glyphs of
every part (``Programs``, with ``pdf_subset``) and puts it in place of each
stand-in (``fill``).  The month's PDF went from 25 to 6 MB, its 312 pages the
same to the pixel.

Only fonts whose embedded file would be HarfBuzz's plain subset are left out,
and only from files the engine names (the Latin and Chinese faces the build
found), whose size and time are in the parts' cache key: a cached part never
meets another file than the one it was laid out with.  Bitmap, colour or
variable fonts, fonts with glyphs WeasyPrint had to invent, fonts used in forms,
and fonts fontconfig found for a rare character keep their part's own subset.
"""

from __future__ import annotations

import contextlib
import hashlib
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publish.errors import PublishError
from publish.render import pdf_subset
from publish.render.pdf_deflate import LEVEL as DEFLATE_LEVEL

CHECKED_VERSIONS = ("70.",)  # ``Font.clean`` as this module replaces it
HEAD_BYTES = 64 * 1024  # with the length, tells which file it is: its table directory, checksums and all, leads
FONT_FILE_KEYS = ("/FontFile2", "/FontFile3")


@dataclass(frozen=True)
class LeftOut:
    """A font a part left out: the face ``index`` of the file ``path``, and the glyphs it drew."""

    path: str
    index: int
    glyphs: tuple[int, ...]


# --------------------------------------------------------------------------
# In the layout worker
# --------------------------------------------------------------------------


class _Deferring:
    """While a part is written: the files its fonts may be left out for, and what was left out."""

    def __init__(self, files: Iterable[Path]) -> None:
        self.by_length: dict[int, list[Path]] = {}
        for path in files:
            with contextlib.suppress(OSError):
                self.by_length.setdefault(path.stat().st_size, []).append(path)
        self.left_out: dict[str, LeftOut] = {}

    def source(self, font: Any) -> Path | None:
        """The file among ours that ``font`` was read from: same length, same first bytes."""
        from weasyprint.text.ffi import ffi, harfbuzz

        blob = harfbuzz.hb_face_reference_blob(font.hb_face)
        try:
            length = harfbuzz.hb_blob_get_length(blob)
            candidates = self.by_length.get(length, [])
            if not candidates:
                return None
            head = bytes(ffi.buffer(harfbuzz.hb_blob_get_data(blob, ffi.NULL), min(length, HEAD_BYTES)))
        finally:
            harfbuzz.hb_blob_destroy(blob)
        for path in candidates:
            with contextlib.suppress(OSError), path.open("rb") as handle:
                if handle.read(HEAD_BYTES) == head:
                    return path
        return None


_deferring: _Deferring | None = None


@contextlib.contextmanager
def deferring(files: Iterable[Path]) -> Iterator[dict[str, LeftOut]]:
    """While WeasyPrint writes a part: fonts from ``files`` are left out; yields what was left out,
    by font name.  Without ``install`` (another WeasyPrint version) nothing is left out."""
    global _deferring
    state = _Deferring(files)
    _deferring = state
    try:
        yield state.left_out
    finally:
        _deferring = None


def _plain(font: Any) -> bool:
    """The font's embedded file would be HarfBuzz's subset and nothing more (see ``Font.clean``)."""
    return not (font.bitmap or font.png or font.svg or font.colr or font.missing or font.used_in_forms
                or "fvar" in font.tables)


def leaving_out(clean: Callable[..., None]) -> Callable[..., None]:
    """``Font.clean`` that, while ``deferring``, leaves a plain font from our files out of the part."""

    def clean_or_leave_out(font: Any, to_unicode: Mapping[int, str], hinting: bool) -> None:
        state = _deferring
        path = state.source(font) if state is not None and to_unicode and not hinting and _plain(font) else None
        if state is None or path is None:
            clean(font, to_unicode, hinting)
            return
        state.left_out[font.name.decode()] = LeftOut(str(path), font.index, tuple(sorted(to_unicode)))
        # What a face's file starts with, "OTTO" for CFF outlines: WeasyPrint picks the PDF font type by it.
        font.file_content = b"OTTO" if "CFF " in font.tables else b"\0\1\0\0"

    return clean_or_leave_out


def install() -> bool:
    """Let ``deferring`` leave fonts out; ``False`` where the WeasyPrint version was not checked."""
    import weasyprint
    from weasyprint.pdf.fonts import Font

    if getattr(Font.clean, "leaves_out", False):
        return True
    if not weasyprint.__version__.startswith(CHECKED_VERSIONS):
        return False
    replaced = leaving_out(Font.clean)
    replaced.leaves_out = True  # type: ignore[attr-defined]
    Font.clean = replaced  # type: ignore[method-assign]
    return True


# --------------------------------------------------------------------------
# In the joining process
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Program:
    """A font program made for the joined PDF, deflated, and its length before."""

    data: bytes
    length: int


class Programs:
    """The fonts the parts left out, made on two threads as the parts come (HarfBuzz and zlib let go
    of the interpreter): ``start`` begins with the parts noted so far, and a part noted after that
    has a font made again only if it drew glyphs the one begun lacks."""

    THREADS = 2

    def __init__(self) -> None:
        self.uses: dict[str, list[LeftOut]] = {}
        self.begun: dict[str, tuple[frozenset[int], Future[Program]]] = {}
        self.executor: ThreadPoolExecutor | None = None

    def note(self, fonts: Mapping[str, LeftOut]) -> None:
        for name, embedded in fonts.items():
            self.uses.setdefault(name, []).append(embedded)
        if self.executor is not None:
            self._begin(fonts)

    def start(self) -> None:
        if self.executor is None:
            self.executor = ThreadPoolExecutor(self.THREADS, thread_name_prefix="fonts")
            self._begin(self.uses)

    def _begin(self, names: Iterable[str]) -> None:
        assert self.executor is not None
        for name in sorted(names):
            glyphs = frozenset(g for e in self.uses[name] for g in e.glyphs)
            if name not in self.begun or not self.begun[name][0].issuperset(glyphs):
                self.begun[name] = glyphs, self.executor.submit(_program, name, list(self.uses[name]))

    def result(self) -> dict[str, Program]:
        """A program for every font noted, with all the glyphs drawn in it (``note`` saw to that)."""
        self.start()  # every font noted is begun by now
        assert self.executor is not None
        made = {name: future.result() for name, (_, future) in self.begun.items()}
        self.executor.shutdown(wait=False)
        return made


def _program(name: str, found: Sequence[LeftOut]) -> Program:
    sources = {(e.path, e.index) for e in found}
    glyphs = frozenset(g for e in found for g in e.glyphs)
    if len(sources) != 1:  # a font name is a digest of its description: one name, one face
        raise PublishError(f"font {name} came from several files ({sorted(sources)}); delete the cache and build again")
    path, index = sources.pop()
    data = pdf_subset.subset(Path(path), index, glyphs)
    if data is None:
        raise PublishError(
            f"could not subset the font file {path} for the PDF: if it was just replaced, build again; "
            "otherwise install HarfBuzz's subsetter (libharfbuzz-subset0)"
        )
    return Program(zlib.compress(data, DEFLATE_LEVEL), len(data))


def font_descriptors(font_dicts: Iterable[Any], names: Iterable[str]) -> dict[str, list[Any]]:
    """The descriptors of the fonts named ``names`` among ``font_dicts`` (pages' resources), each once."""
    wanted = set(names)
    found: dict[str, dict[tuple[int, int], Any]] = {}
    for font in font_dicts:
        for descendant in font.get("/DescendantFonts", []):
            descriptor = descendant.get("/FontDescriptor")
            name = str(descriptor.get("/FontName", "")) if descriptor is not None else ""
            if name in wanted:
                found.setdefault(name, {})[descriptor.objgen] = descriptor
    return {name: list(descriptors.values()) for name, descriptors in found.items()}


def fill(pdf: Any, descriptors: Iterable[Mapping[str, Sequence[Any]]], programs: Mapping[str, Program]) -> None:
    """Put its program in every font left out, through each part's ``descriptors`` (by font name)."""
    from pikepdf import Name

    by_name: dict[str, list[Any]] = {}
    for found in descriptors:
        for name, these in found.items():
            by_name.setdefault(name, []).extend(these)
    for name, program in sorted(programs.items()):
        stream = pdf.make_stream(program.data)
        stream.Filter = Name.FlateDecode
        for descriptor in by_name.get(name, []):
            key = next(k for k in FONT_FILE_KEYS if k in descriptor)
            if "/Subtype" in descriptor[key]:
                stream.Subtype = descriptor[key].Subtype
            if key == "/FontFile2":
                stream.Length1 = program.length
            descriptor[key] = stream


def font_files_digest(files: Iterable[Path]) -> bytes:
    """What identifies ``files`` for the parts' cache key: path, size and time of each."""
    digest = hashlib.sha256()
    for path in sorted(files):
        try:
            stat = path.stat()
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
        except OSError:
            digest.update(f"{path}\0missing\0".encode())
    return digest.digest()
