"""WeasyPrint's fonts without two overheads: whole font files copied into memory, and C arrays parsed anew.

Every font WeasyPrint draws with becomes a ``Font`` that holds the whole file
it came from (``file_content``), though it embeds only a subset made from
HarfBuzz's own face.  The Noto CJK collections are 19-27 MB each, so a part
set in four CJK faces held about 100 MB per layout worker for nothing, while
HarfBuzz has the same file mapped, shared between the workers, and reading
it made all of the mapping resident too.  Here a ``Font`` is made without
reading the file, and ``file_content`` reads it from HarfBuzz only if
something asks for it: the subset, which replaces it, does not.

The subsetter also asks cffi for arrays declared with their length
(``hb_codepoint_t[1234]``), and cffi parses each new declaration with
pycparser, about 7 ms: a dozen per part.  Here such arrays are made from the
unsized declaration, parsed once.

Like ``pdf_svg_paths`` this reaches into WeasyPrint, so it is applied only to
the versions it was checked against (``tests/test_pdf_font_files.py`` compares
the PDFs made with and without it); elsewhere the build just uses more memory and time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

CHECKED_VERSIONS = ("70.",)


class FileContent:
    """``Font.file_content``: what was set after the font was made (a subset), else the file, read when asked."""

    slot = "_file_content_replaced"

    def __get__(self, font: Any, owner: type | None = None) -> Any:
        if font is None:
            return self
        replaced = font.__dict__.get(self.slot)
        if replaced is not None:
            return replaced
        from weasyprint.text.fonts import get_hb_object_data

        return get_hb_object_data(font.hb_face)

    def __set__(self, font: Any, value: bytes) -> None:
        if "hash" not in font.__dict__:  # set in ``Font.__init__``, before its name: the whole file, dropped
            return
        font.__dict__[self.slot] = value


def without_reading(init: Callable[..., None]) -> Callable[..., None]:
    """``Font.__init__`` that does not read the font file: reading it would bring all of the
    mapped file into this process's memory, though the copy is dropped."""
    from weasyprint.pdf import fonts

    def lean_init(font: Any, *args: Any) -> None:
        fonts.get_hb_object_data = _not_read
        try:
            init(font, *args)
        finally:
            fonts.get_hb_object_data = _read

    _read = fonts.get_hb_object_data
    return lean_init


def _not_read(hb_object: Any, ot_color: Any = None, glyph: Any = None) -> bytes:
    return b""


_SIZED_ARRAY = re.compile(r"(\w+)\[(\d+)\]")


class UnsizedArrays:
    """WeasyPrint's ``ffi`` for its font module, making ``T[n]`` arrays as ``T[]`` ones of ``n`` items."""

    def __init__(self, ffi: Any) -> None:
        self.ffi = ffi

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ffi, name)

    def new(self, cdecl: Any, init: Any = None) -> Any:
        match = _SIZED_ARRAY.fullmatch(cdecl) if isinstance(cdecl, str) else None
        if match is None:
            return self.ffi.new(cdecl, init)
        length = int(match[2])
        if init is None or len(init) != length:
            array = self.ffi.new(f"{match[1]}[]", length)
            if init is not None:
                array[0 : len(init)] = init
            return array
        return self.ffi.new(f"{match[1]}[]", init)


def install() -> bool:
    """Make WeasyPrint's ``Font`` read its file lazily and its module's arrays unsized; ``False`` where the
    version was not checked."""
    import weasyprint
    from weasyprint.pdf import fonts
    from weasyprint.pdf.fonts import Font

    if isinstance(Font.__dict__.get("file_content"), FileContent):
        return True
    if not weasyprint.__version__.startswith(CHECKED_VERSIONS):
        return False
    Font.file_content = FileContent()  # type: ignore[attr-defined]
    Font.__init__ = without_reading(Font.__init__)  # type: ignore[method-assign]
    fonts.ffi = UnsizedArrays(fonts.ffi)
    return True
