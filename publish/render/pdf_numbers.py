"""Page numbers and the contents' numbers, set glyph by glyph into the joined PDF.

No part knows its page numbers, nor can the contents know the pages its
entries point to: both are known once every part is laid out.  Laying out
pages only to carry numbers costs a WeasyPrint run per hundred pages, and all
of it again whenever the page count changes, which is on nearly every rebuild.
So WeasyPrint lays out, once per set of stylesheets (cached like any part), a
*specimen*:

* four empty pages numbered 8 to 11, the page count written as ``0123456789``:
  for each side of a spread, the folio's font, size, colour, baseline and
  glyphs, and, from a one- and a two-digit number, how the folio is aligned
  (left, centred, right: whatever the stylesheet says);
* for each font size and weight of the contents' numbers, the ten digits.

Numbers are then composed of those glyphs, with the advances WeasyPrint gave
them, and drawn in the specimen's fonts as artifacts of the joined pages.
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pikepdf

from publish.errors import PublishError
from publish.render.pdf_parts import Engine, Part, Slot

DIGITS = "0123456789"  # stands for the page count in the specimen: every digit, once
FIRST = 8  # the specimen's first page number: 8, 9, 10, 11 are one- and two-digit numbers on either side
SIDES = 2  # right-hand (odd) pages, then left-hand pages
UNNUMBERED_PAGE = "numbers-specimen"

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")


def specimen_engine(engine: Engine) -> Engine:
    """``engine`` with every digit where the page count would be."""
    sheets = tuple(text.replace("counter(pages)", f'"{DIGITS}"') for text in engine.stylesheets)
    return dataclasses.replace(engine, stylesheets=sheets)


def specimen_part(styles: Sequence[tuple[float, int]]) -> Part:
    """Four numbered empty pages, then a page of digits for each (font size in px, weight) of ``styles``,
    in the font of the contents' numbers."""
    folio = [f'<div style="break-before: {"page" if n else "auto"}"></div>' for n in range(2 * SIDES)]
    digits = [
        f'<div style="break-before: page; page: {UNNUMBERED_PAGE}"><div class="toc-page" style="font-size: '
        f'{size:.6f}px; font-weight: {weight}; white-space: nowrap">{DIGITS}</div></div>'
        for size, weight in styles
    ]
    boxes = "".join(f"@{box} {{ content: none; }} " for box in ("bottom-left", "bottom-center", "bottom-right"))
    style = f"@page :first {{ counter-reset: page {FIRST}; }}\n@page {UNNUMBERED_PAGE} {{ {boxes}}}\n"
    body = "".join(folio + digits)
    return Part("page numbers", f'<!DOCTYPE html>\n<html lang="zh-Hans"><body>{body}</body></html>\n', style=style)


@dataclass(frozen=True)
class Face:
    """A line of text as WeasyPrint set it on a specimen page: enough to set other text the same way.

    Positions are in CSS px from the page's top left, as in WeasyPrint's text matrices (``ctm`` maps
    them to the page); ``glyphs`` holds each character's code and advance in px."""

    page: int
    font: str
    size: float
    color: bytes
    ctm: Matrix
    tm: Matrix
    glyphs: Mapping[str, tuple[bytes, float]]
    text: str

    def width(self, text: str) -> float:
        return sum(self.glyphs[char][1] for char in text)

    def show(self, text: str, x: float, y: float, font: str) -> bytes:
        """Content-stream operators that draw ``text`` from (``x``, ``y``) in font resource ``font``."""
        codes = b"".join(self.glyphs[char][0] for char in text).hex().encode()
        tm = (*self.tm[:4], x, y)
        return b"q %s cm %s BT /%s %s Tf %s Tm <%s> Tj ET Q\n" % (
            _numbers(self.ctm), self.color, font.lstrip("/").encode(), _numbers((self.size,)), _numbers(tm), codes
        )


@dataclass(frozen=True)
class Folio:
    """The page number on one side of a spread: how it reads and how it sits on its baseline."""

    face: Face
    template: str  # "{page} / {total}"
    align: float  # how much of a wider number goes to the left: 0 flush left, 0.5 centred, 1 flush right

    def text(self, page: int, total: int) -> str:
        return self.template.format(page=page, total=total)

    def origin(self, text: str) -> tuple[float, float]:
        x, y = self.face.tm[4], self.face.tm[5]
        return x - self.align * (self.face.width(text) - self.face.width(self.face.text)), y


@dataclass(frozen=True)
class Numbers:
    """What the specimen taught: the folio on each side (None: that side has none), and the digits
    in each style of the contents' numbers, in the order they were asked for."""

    folios: tuple[Folio | None, ...]
    contents: tuple[Face, ...]


@dataclass(frozen=True)
class Placement:
    """``text`` set in ``face`` from (``x``, ``y``)."""

    face: Face
    text: str
    x: float
    y: float

    @property
    def font(self) -> tuple[int, str] | None:
        """The specimen page and resource name of the font it needs."""
        return self.face.page, self.face.font

    def operators(self, font: str) -> bytes:
        return self.face.show(self.text, self.x, self.y, font)


# A contents entry's leader: round grey dots on a grid from the entry's left edge, across its foot.
# WeasyPrint would draw them dot by dot, as a pattern tile by tile, or as an SVG per entry, the
# last costing a third of the contents' layout; one dashed stroke here costs nothing.
DOT = 1.2  # diameter, px
DOT_STEP = 4.533  # px from dot to dot
DOT_GREY = 0.467  # #777
DOT_RISE = 0.28  # em, from the foot of the entry's content box to the bottom of the dots' band
DOT_BAND = 1.6  # px (1.2 pt), the dots centred in it


@dataclass(frozen=True)
class Dots:
    """A leader from ``x0`` to ``x1`` on ``y``, in CSS px of a page ``ctm`` maps."""

    ctm: Matrix
    x0: float
    x1: float
    y: float

    @property
    def font(self) -> None:
        """Dots need no font."""
        return None

    def operators(self, font: str) -> bytes:
        return b"q %s cm %s RG %s w 1 J [0 %s] 0 d %s m %s l S Q\n" % (
            _numbers(self.ctm), _numbers((DOT_GREY,) * 3), _numbers((DOT,)), _numbers((DOT_STEP,)),
            _numbers((self.x0, self.y)), _numbers((self.x1, self.y)),
        )


Mark = Placement | Dots  # what is drawn onto a joined page


def leader(slot: Slot, ctm: Matrix) -> Dots | None:
    """The dots between a slot's title and its number's column, on the grid of its entry; None if none fit."""
    first = slot.left + DOT / 2 + math.ceil((slot.start - slot.left - DOT / 2) / DOT_STEP) * DOT_STEP
    last = slot.column - DOT / 2
    if first > last:
        return None
    return Dots(ctm, first, last, slot.foot - DOT_RISE * slot.font_size - DOT_BAND / 2)


def read_specimen(data: bytes, styles: int) -> Numbers:
    """The specimen laid out from ``specimen_part`` with ``styles`` styles of contents' numbers."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        lines = [read_lines(pdf, number) for number in range(len(pdf.pages))]
    if len(lines) != 2 * SIDES + styles:
        raise PublishError(f"the page numbers' specimen has {len(lines)} pages, not {2 * SIDES + styles}: "
                           "a stylesheet breaks or adds pages where it should not")
    folios = tuple(_folio(lines[side], lines[side + SIDES], FIRST + side) for side in range(SIDES))
    contents = []
    for page in lines[2 * SIDES:]:
        face = next((line for line in page if line.text == DIGITS), None)
        if face is None:
            raise PublishError("the contents' page numbers could not be set: their font has no digits")
        contents.append(face)
    return Numbers(folios, tuple(contents))


def _folio(short: list[Face], long: list[Face], number: int) -> Folio | None:
    """A side's folio from its pages with a one-digit and a two-digit number (``number`` and ``number + 2``)."""
    if not short and not long:
        return None  # the stylesheet numbers only the other side
    if len(short) != 1 or len(long) != 1:
        raise PublishError("the page number must be set in one font: give its margin box a font with digits")
    one, two = short[0], long[0]
    escaped = one.text.replace("{", "{{").replace("}", "}}")
    template = escaped.replace(DIGITS, "{total}").replace(str(number), "{page}", 1)
    if "{page}" not in template or template.format(page=number + 2, total=DIGITS) != two.text:
        raise PublishError(f"the page number reads {one.text!r}: it must show counter(page) once, in one font")
    grown = two.width(two.text) - one.width(one.text)
    align = (one.tm[4] - two.tm[4]) / grown if grown else 0.0
    return Folio(one, template, align)


def read_lines(pdf: pikepdf.Pdf, number: int) -> list[Face]:
    """Every text-showing operation on page ``number``, as a ``Face``."""
    page = pdf.pages[number]
    fonts = page.obj.get("/Resources", pikepdf.Dictionary()).get("/Font", pikepdf.Dictionary())
    ctm, color = IDENTITY, b"0 g"
    saved: list[tuple[Matrix, bytes]] = []
    font, size, tm = "", 0.0, IDENTITY
    out = []
    for operands, operator in pikepdf.parse_content_stream(page, "q Q cm rg g Tf Tm TJ Tj"):
        op = str(operator)
        if op == "q":
            saved.append((ctm, color))
        elif op == "Q":
            ctm, color = saved.pop()
        elif op == "cm":
            ctm = _multiply(_matrix(operands), ctm)
        elif op in ("rg", "g"):
            color = _numbers(float(v) for v in operands) + b" " + op.encode()
        elif op == "Tf":
            font, size = str(operands[0]), float(operands[1])
        elif op == "Tm":
            tm = _matrix(operands)
        else:
            shown = list(operands[0]) if op == "TJ" else [operands[0]]
            glyphs, text = _glyphs(fonts[font], shown, size)
            out.append(Face(number, font, size, color, ctm, tm, glyphs, text))
    return out


Glyphs = dict[str, tuple[bytes, float]]


def _glyphs(font: pikepdf.Object, shown: list[pikepdf.Object], size: float) -> tuple[Glyphs, str]:
    """Each shown character's code and advance (the font's width less the TJ adjustment after it), and the text."""
    if font.get("/Encoding") != pikepdf.Name("/Identity-H"):
        raise PublishError("the page numbers' font is not a CID font as WeasyPrint writes them")
    descendant = font.DescendantFonts[0]
    widths = _widths(descendant.get("/W", pikepdf.Array()))
    default = float(descendant.get("/DW", 1000))
    unicode = {int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
               for code, text in _BFCHAR.findall(font.ToUnicode.read_bytes())}
    glyphs: Glyphs = {}
    text = []
    last = ""
    for item in shown:
        if isinstance(item, pikepdf.String):
            raw = bytes(item)
            for i in range(0, len(raw) - 1, 2):
                code = int.from_bytes(raw[i:i + 2], "big")
                last = unicode.get(code, "")
                text.append(last)
                if len(last) == 1:
                    glyphs[last] = (raw[i:i + 2], widths.get(code, default) * size / 1000)
        elif last in glyphs:  # an adjustment moves the next glyph: it belongs to this one's advance
            code, advance = glyphs[last]
            glyphs[last] = (code, advance - float(item) * size / 1000)
    return glyphs, "".join(text)


def _widths(array: pikepdf.Array) -> dict[int, float]:
    """A CID font's ``/W``: ``c [w1 w2 …]`` and ``c_first c_last w`` entries."""
    items = list(array)
    out: dict[int, float] = {}
    i = 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            out.update((first + n, float(w)) for n, w in enumerate(items[i + 1]))
            i += 2
        else:
            out.update((code, float(items[i + 2])) for code in range(first, int(items[i + 1]) + 1))
            i += 3
    return out


def placements(
    numbers: Numbers,
    total: int,
    skip: Iterable[int],
    slots: Mapping[str, Slot],
    pages: Mapping[str, int],
    styles: Sequence[tuple[float, int]],
) -> dict[int, list[Mark]]:
    """What to draw on each page (from 0) of a ``total``-page PDF: its number, unless in ``skip``, and on
    the contents' pages, the page number of each slot (``pages``), flush right in the slot's padding,
    with its leader."""
    out: dict[int, list[Mark]] = {}
    skipped = set(skip)
    for page in range(total):
        folio = numbers.folios[page % SIDES]
        if folio is not None and page not in skipped:
            text = folio.text(page + 1, total)
            out.setdefault(page, []).append(Placement(folio.face, text, *folio.origin(text)))
    faces = dict(zip(styles, numbers.contents, strict=True))
    for name, slot in slots.items():
        if name in pages:
            face, text = faces[(slot.font_size, slot.font_weight)], str(pages[name])
            marks = out.setdefault(slot.page, [])
            marks.append(Placement(face, text, slot.right - face.width(text), slot.baseline))
            dots = leader(slot, face.ctm)
            if dots is not None:
                marks.append(dots)
    return out


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


def _matrix(operands: Sequence[object]) -> Matrix:
    a, b, c, d, e, f = (float(v) for v in operands)  # type: ignore[arg-type]
    return (a, b, c, d, e, f)


def _numbers(values: Iterable[float]) -> bytes:
    return " ".join(f"{v:.6f}".rstrip("0").rstrip(".") or "0" for v in values).encode()

