"""Replaying recorded SVG paths must draw exactly what WeasyPrint draws itself."""

from __future__ import annotations

import io
import urllib.parse

import pikepdf
import pytest
from weasyprint import HTML
from weasyprint.svg import TAGS

from publish.render import pdf_svg_paths

GLYPH = "M56 340Q56 360 70 367T97 374Q137 374 163 345T190 269Q190 221 154 188T68 155Q56 155 56 170Z"
SVG = (
    "<svg xmlns='http://www.w3.org/2000/svg' width='120' height='40' viewBox='0 0 1200 400'>"
    "<defs><marker id='m' markerWidth='4' markerHeight='4'><path d='M0 0L4 2L0 4Z'/></marker></defs>"
    f"<path d='{GLYPH}'/><g transform='translate(300 0)'><path d='{GLYPH}'/></g>"
    "<path d='M600 50a40 30 0 1 0 80 0h50v60l-20 20z' fill='none' stroke='black' marker-end='url(#m)'/>"
    "<path d='M600 50a40 30 0 1 0 80 0h50v60l-20 20z' transform='translate(200 100)'/>"
    "<path d='M100 300h50v-40H120l-10 20zm5 5L130 310V290h-5Z' fill='none' stroke='red' marker-mid='url(#m)'/>"
    "</svg>"
)


def page_content(html: str) -> bytes:
    pdf = pikepdf.open(io.BytesIO(HTML(string=html).write_pdf()))
    page = pdf.pages[0]
    page.contents_coalesce()
    forms = [x.read_bytes() for x in page.Resources.get("/XObject", {}).values() if isinstance(x, pikepdf.Stream)]
    return page.Contents.read_bytes() + b"".join(forms)


@pytest.fixture
def original_drawer() -> object:
    drawer = TAGS["path"]
    yield getattr(drawer, "draws", drawer)
    TAGS["path"] = drawer


def test_replayed_paths_draw_the_same_operators(original_drawer: object) -> None:
    src = "data:image/svg+xml," + urllib.parse.quote(SVG)
    html = "".join(f'<p>formula {i} <img src="{src}"/></p>' for i in range(3))
    TAGS["path"] = original_drawer
    expected = page_content(html)
    assert pdf_svg_paths.install(), "the WeasyPrint version in use was not checked: update CHECKED_VERSIONS"
    assert TAGS["path"] is not original_drawer
    assert page_content(html) == expected
    assert page_content(html) == expected  # now every path is replayed from the record
