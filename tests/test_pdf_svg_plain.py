"""Plain SVGs drawn without WeasyPrint's general drawer must come out byte for byte as WeasyPrint draws them."""

from __future__ import annotations

import io
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from weasyprint import HTML
from weasyprint.svg import SVG

from publish import qr
from publish.errors import PublishError
from publish.render import pdf_svg_paths, pdf_svg_plain
from publish.render.math import MathRenderer, find_node, find_node_modules

FORMULAS = [
    r"f(t) = \cos\left(\frac{t/T + s}{1 + s} \cdot \frac{\pi}{2}\right)^2",
    r"\mathcal{L} = \mathbb{E}_{t, x_0}\left[\| \epsilon - \epsilon_\theta(\sqrt{\bar\alpha_t} x_0, t) \|^2\right]",
    # MathJax nests an svg in this one: WeasyPrint draws it, on the same page as the others
    r"\sqrt[3]{\underbrace{a + b}_{n}} + \begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix} \xrightarrow{t}",
]
HAND_MADE = (
    "<svg xmlns='http://www.w3.org/2000/svg' width='120' height='40' viewBox='0 0 1200 400'>"
    "<g fill='#c00' stroke='navy' stroke-width='3' transform='matrix(1 0 0 -1 0 400)'>"
    "<rect x='10' y='10' width='300' height='20'/><g transform='translate(400) scale(2)'>"
    "<path d='M0 0L50 80Q60 100 90 40T150 0Z'/><rect x='0' y='100' width='80' height='8' fill='none'/></g>"
    "<path d='M700 50h200v100h-200z' stroke='none'/><path d='M950 50h100' fill='currentColor' stroke-width='0'/>"
    "</g></svg>"
)
NOT_PLAIN = [
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'><text x='1' y='5'>x</text></svg>",
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'><g opacity='0.5'><path d='M0 0H5'/></g></svg>",
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'><path d='M0 0H5' fill='url(#g)'/></svg>",
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'><svg x='1' viewBox='0 0 5 5'/></svg>",
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'><g transform='rotate(45)'/></svg>",
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'><style>path{fill:red}</style></svg>",
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10' fill-rule='evenodd'><path d='M0 0H5'/></svg>",
]


def formulas(cache: Path) -> list[str]:
    try:
        find_node()
        find_node_modules()
    except PublishError as err:
        pytest.skip(f"MathJax cannot run here: {err}")
    with MathRenderer(cache_dir=cache) as renderer:
        return [renderer.render(tex, display=True) for tex in FORMULAS]


def page_contents(svgs: list[str]) -> list[bytes]:
    images = "".join(f'<p><img src="data:image/svg+xml,{urllib.parse.quote(svg)}"/></p>' for svg in svgs)
    with pikepdf.open(io.BytesIO(HTML(string=f"<html><body>{images}</body></html>").write_pdf())) as pdf:
        out = []
        for page in pdf.pages:
            page.contents_coalesce()
            out.append(page.Contents.read_bytes())
            out.extend(x.read_bytes() for x in page.Resources.get("/XObject", {}).values()
                       if isinstance(x, pikepdf.Stream))
        return out


@pytest.fixture
def drawers() -> Iterator[tuple[object, object]]:
    """WeasyPrint's own drawer and the plain one; afterwards, whatever was in place before."""
    assert pdf_svg_paths.install() and pdf_svg_plain.install(), "WeasyPrint version not checked: see CHECKED_VERSIONS"
    plain = SVG.draw
    yield plain.draws, plain  # type: ignore[attr-defined]
    SVG.draw = plain


def test_formulas_qr_codes_and_plain_shapes_draw_the_same_operators(
    drawers: tuple[object, object], tmp_path: Path
) -> None:
    weasyprint_drawer, plain_drawer = drawers
    svgs = [*formulas(tmp_path), qr.make_svg("https://arxiv.org/abs/2006.11239"), HAND_MADE]
    assert [pdf_svg_plain.is_plain(ET.fromstring(svg)) for svg in svgs] == [True, True, False, True, True]
    SVG.draw = weasyprint_drawer
    expected = page_contents(svgs)
    SVG.draw = plain_drawer
    assert page_contents(svgs) == expected


@pytest.mark.parametrize("svg", NOT_PLAIN)
def test_anything_else_is_left_to_weasyprint(svg: str) -> None:
    assert not pdf_svg_plain.is_plain(ET.fromstring(svg))
