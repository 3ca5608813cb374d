"""QR codes drawn into the PDF after WeasyPrint's layout, not laid out by it.

A month prints some 550 codes, each a distinct SVG image that WeasyPrint fetches,
parses, sizes and draws: a tenth of the layout of all its documents (the month's
31 parts laid out in one process took 20.6 s of CPU, 18.4 s with empty boxes in the
codes' places).  So the HTML has an empty box where each code goes (``data-qr``,
sized by the stylesheet; a link, so the code stays clickable), the layout reports
where each box landed (``pdf_parts.CodeBox``), and as WeasyPrint writes the PDF
(its ``finisher``) each page gets the codes of its boxes: one stroked path of the
dark modules, as segno draws them, under the page's content and marked as an
artifact, as an image's alternate text "QR" told a screen reader nothing the link
does not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from publish.errors import PublishError
from publish.qr import qr_svg
from publish.render.pdf_parts import CodeBox

PT_PER_PX = 0.75  # 72 PDF points to 96 CSS px
_VIEWBOX = re.compile(r'viewBox="0 0 (\d+) \1"')
_PATH = re.compile(r'<path [^>]*\bd="((?:[Mm]-?\d+(?:\.5)? -?\d+(?:\.5)?|h\d+)+)"')  # how segno writes a code
_STEP = re.compile(r"([Mm])(-?[\d.]+) (-?[\d.]+)|h(\d+)")  # a move, or a run of dark modules along a row

Finisher = Callable[[Any, Any], None]  # WeasyPrint's: called with its document and the pydyf PDF it writes


def drawing(codes: Sequence[CodeBox]) -> Finisher | None:
    """A finisher for ``Document.write_pdf`` that draws ``codes`` on their pages; None if there are none."""
    if not codes:
        return None

    def finish(_document: Any, pdf: Any) -> None:
        import pydyf

        pages = [pdf.objects[number] for number in pdf.pages["Kids"][::3]]  # [number, 0, "R", …]
        by_page: dict[int, list[bytes]] = {}
        for box in codes:
            by_page.setdefault(box.page, []).append(code_operators(box))
        for number, operators in by_page.items():
            stream = pydyf.Stream([b"/Artifact BMC", *operators, b"EMC"], compress=True)
            pdf.add_object(stream)
            page = pages[number]
            # First, so that it starts in the page's own coordinates, not in what WeasyPrint left set.
            page["Contents"] = pydyf.Array([stream.reference, page["Contents"]])

    return finish


def code_operators(box: CodeBox) -> bytes:
    """The operators that draw ``box``'s code in PDF points, y up, as a content stream starts."""
    modules, path = dark_modules(box.url)
    scale = PT_PER_PX * box.size / modules
    x, y = PT_PER_PX * box.x, PT_PER_PX * (box.page_height - box.y)
    return b"q %.6f 0 0 %.6f %.6f %.6f cm 0 G 1 w 0 J %s S Q" % (scale, -scale, x, y, path)


@lru_cache(maxsize=4096)
def dark_modules(url: str) -> tuple[int, bytes]:
    """The width in modules of ``url``'s code, and its rows of dark modules as lines one module
    wide, in modules from its top left, y down: stroked as segno draws them, which viewers set
    crisp on screen (they snap strokes to pixels, not fills)."""
    svg = qr_svg(url)
    size, path = _VIEWBOX.search(svg), _PATH.search(svg)
    if size is None or path is None:
        raise PublishError(f"the cached QR code of {url} is not one publish made: delete the cache's qr folder")
    x = row = 0
    runs = []
    for move, dx, dy, run in _STEP.findall(path.group(1)):
        if move == "M":  # to the middle of a row: "M0 0.5"
            x, row = int(float(dx)), int(float(dy))
        elif move:
            x, row = x + int(dx), row + int(dy)
        else:
            runs.append(b"%d %d.5 m %d %d.5 l" % (x, row, x + int(run), row))
            x += int(run)
    return int(size.group(1)), b" ".join(runs)
