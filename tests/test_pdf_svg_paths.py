"""Replaying recorded SVG paths must draw exactly what WeasyPrint draws itself."""

from __future__ import annotations

import collections
import io
import random
import urllib.parse

import pikepdf
import pydyf
import pytest
from weasyprint import HTML
from weasyprint.svg import TAGS
from weasyprint.svg.path import path as weasyprint_path
from weasyprint.svg.utils import size

from publish import qr
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


class _Node(dict):
    """What WeasyPrint's path drawer reads from a node: its attributes and the vertices it leaves."""

    def __init__(self, d: str) -> None:
        super().__init__(d=d)
        self.vertices: collections.deque = collections.deque()


class _Image:
    def __init__(self) -> None:
        self.stream = pydyf.Stream()

    def point(self, x: str, y: str, font_size: float) -> tuple[float, float]:
        return size(x, font_size, 100), size(y, font_size, 100)


def drawn(drawer: object, d: str) -> tuple[list[bytes], list[object]]:
    image, node = _Image(), _Node(d)
    drawer(image, node, 16)  # type: ignore[operator]
    return image.stream.stream, list(node.vertices)


def random_straight_path(rng: random.Random) -> str:
    out = [f"M{rng.randint(-9, 9)} {rng.uniform(-9, 9):.3g}"]
    for _ in range(rng.randint(1, 12)):
        letter = rng.choice("MmLlHhVvZz")
        count = {"m": 2, "l": 2}.get(letter.lower(), 1)
        numbers = [f"{rng.uniform(-20, 20):.{rng.randint(0, 3)}f}" for _ in range(count)]
        out.append(letter + ("" if letter in "zZ" else rng.choice([" ", ""]) + rng.choice([" ", ","]).join(numbers)))
    return rng.choice(["", " "]).join(out)


STRAIGHT = [
    "M0 0.5h7m3 0h6m-29 1h1",  # how segno writes a QR code
    "M1 1L5 5L1 5Z",
    "m1,1 l4,4 h-2 v-3 z m2 2 z",
    "M1 1zL3 3",
    "M10 10V0H0z",
    "M.5.5L-.5-1e1",
]


@pytest.mark.parametrize("d", [*STRAIGHT, *(random_straight_path(random.Random(n)) for n in range(200))])
def test_straight_paths_are_drawn_as_weasyprint_draws_them(d: str) -> None:
    commands = pdf_svg_paths.straight_commands(d)
    assert commands is not None, d
    image, node = _Image(), _Node(d)
    pdf_svg_paths.draw_straight(image.stream, node.vertices, commands)
    assert (image.stream.stream, list(node.vertices)) == drawn(weasyprint_path, d)


def test_segno_codes_are_straight_paths() -> None:
    svg = qr.make_svg("https://arxiv.org/abs/2411.12345")
    d = svg.split(' d="')[1].split('"')[0]
    assert pdf_svg_paths.straight_commands(d) is not None


@pytest.mark.parametrize("d", ["", "L1 1", "M1 1Q2 2 3 3", "M1 1h", "M1 1 2 2", "M1 1h1 2", "M1em 1", "M1 1h1e"])
def test_other_paths_are_left_to_weasyprint(d: str) -> None:
    assert pdf_svg_paths.straight_commands(d) is None
