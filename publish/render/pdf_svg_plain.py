"""Draw plain SVGs (every formula the pack makes) without WeasyPrint's general machinery.

WeasyPrint draws an SVG node by node, and for each node it looks for filters,
opacity, clip paths, masks, markers, text anchors and font sizes, matches the
SVG's style sheets against it and parses its transform: 10–15 % of a survey's
layout time went to formulas, 30 to 60 nodes each.  A *plain* SVG has only
``g``, ``path`` and ``rect`` under its root, with transforms of numbers,
colours and stroke widths: MathJax's formulas are plain (and segno's QR codes, which
``pdf_codes`` draws itself).
For those, this draws the same nodes with the same stream operations, in the
same order, as WeasyPrint's ``draw_node`` does (its own path and rect drawers
included), skipping only the checks that cannot apply, so the PDF comes out
byte for byte the same (``tests/test_pdf_svg_plain.py``); any other SVG goes
to WeasyPrint's drawer.

Like ``pdf_svg_paths``, this reaches into WeasyPrint's SVG drawer, so it is
applied only to the WeasyPrint versions it was checked against.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

CHECKED_VERSIONS = ("70.",)
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
SHAPES = ("path", "rect")
ROOT_ATTRIBUTES = frozenset(("viewBox", "width", "height", "style", "role", "focusable", "aria-label", "version"))
NODE_ATTRIBUTES = frozenset(("transform", "fill", "stroke", "stroke-width", "d", "x", "y", "width", "height"))
INHERITED = ("fill", "stroke", "stroke-width")  # of NODE_ATTRIBUTES, what children take from their parent
_PLAIN_TRANSFORM = re.compile(r"\s*(?:(?:translate|scale|matrix)\s*\(\s*[-+0-9.eE,\s]*\)\s*)+")
_PLAIN_STYLE = re.compile(r"\s*(?:vertical-align\s*:\s*[-+0-9.a-z]+\s*;?\s*)*")
_PLAIN_PAINT = re.compile(r"\s*(?:none|currentColor|#[0-9a-fA-F]{3,8}|[a-z]+)\s*")


def install() -> bool:
    """Draw plain SVGs here from now on; ``False`` where the WeasyPrint version was not checked."""
    import weasyprint
    from weasyprint.svg import SVG

    if getattr(SVG.draw, "draws_plain", False):
        return True
    if not weasyprint.__version__.startswith(CHECKED_VERSIONS):
        return False
    SVG.draw = drawing_plain(SVG.draw)
    return True


def drawing_plain(draw: Callable[..., None]) -> Callable[..., None]:
    """``SVG.draw``, with plain SVGs drawn by ``draw_plain``."""

    def draw_svg(svg: Any, stream: Any, concrete_width: float, concrete_height: float, base_url: Any,
                 context: Any) -> None:
        if not is_plain(svg.tree._etree_node):
            draw(svg, stream, concrete_width, concrete_height, base_url, context)
            return
        svg.stream = stream
        svg.tree.set_svg_size(svg, concrete_width, concrete_height)
        svg.base_url = base_url
        svg.context = context
        draw_plain(svg)

    draw_svg.draws_plain = True  # type: ignore[attr-defined]
    draw_svg.draws = draw  # type: ignore[attr-defined]
    return draw_svg


def is_plain(root: Any) -> bool:
    """Whether the SVG whose root element is ``root`` has only what ``draw_plain`` draws."""
    if root.tag != f"{SVG_NAMESPACE}svg" or not set(root.attrib) <= ROOT_ATTRIBUTES:
        return False
    if not _PLAIN_STYLE.fullmatch(root.get("style", "")):
        return False
    for element in root.iter():
        if element is root:
            continue
        tag = element.tag.removeprefix(SVG_NAMESPACE)
        if tag not in ("g", *SHAPES):
            return False
        for name, value in element.attrib.items():
            if name.startswith("data-"):
                continue
            if name not in NODE_ATTRIBUTES:
                return False
            if name == "transform" and not _PLAIN_TRANSFORM.fullmatch(value):
                return False
            if name in ("fill", "stroke") and not _PLAIN_PAINT.fullmatch(value):
                return False
    return True


class _Node(dict):  # type: ignore[type-arg]
    """What WeasyPrint's path and rect drawers read from a node: its attributes; and the vertices a path leaves."""

    def __init__(self, attrib: Mapping[str, str]) -> None:
        super().__init__(attrib)
        self.vertices: deque[Any] = deque()


def draw_plain(svg: Any) -> None:
    """The root as ``draw_node`` draws it (the viewBox's transform), then each child."""
    from weasyprint.svg import TAGS
    from weasyprint.svg.utils import size

    font_size = size("12pt")
    root = svg.tree
    concrete = svg.concrete_width, svg.concrete_height
    svg.stream.push_state()
    TAGS["svg"](svg, root, font_size)
    inherited = {name: value for name in INHERITED if (value := root.get(name)) is not None}
    for element in root._etree_node:
        _draw(svg, element, inherited, font_size)
    root.set_svg_size(svg, *concrete)
    svg.stream.pop_state()


def _draw(svg: Any, element: Any, inherited: Mapping[str, str], font_size: float) -> None:
    """One node as ``draw_node`` draws it, for the node kinds, attributes and values ``is_plain`` lets through."""
    from weasyprint.svg import TAGS

    attrib = {**inherited, **element.attrib}
    for name in ("fill", "stroke"):
        if attrib.get(name) == "currentColor":
            attrib[name] = "black"  # the SVG's colour: a plain SVG sets none
    stream = svg.stream
    stream.push_state()
    transform = attrib.get("transform")
    if transform:
        matrix = _matrix(transform, font_size, svg.inner_diagonal)
        if matrix.determinant:
            stream.transform(*matrix.values)
    tag = element.tag.removeprefix(SVG_NAMESPACE)
    if tag in SHAPES:
        fill, stroke = _paint(svg, attrib, font_size)
        TAGS[tag](svg, _Node(attrib), font_size)
        svg.fill_stroke(fill, stroke)
    else:
        passed_on = {name: attrib[name] for name in INHERITED if name in attrib}
        for child in element:
            _draw(svg, child, passed_on, font_size)
    stream.pop_state()


_MATRICES: dict[str, Any] = {}


def _matrix(transform: str, font_size: float, diagonal: float) -> Any:
    """WeasyPrint's matrix for a transform of plain numbers: they need no font size or viewport, so it is kept."""
    from weasyprint.svg.utils import transform as parse

    matrix = _MATRICES.get(transform)
    if matrix is None:
        matrix = _MATRICES[transform] = parse(transform, None, font_size, diagonal)
    return matrix


def _paint(svg: Any, attrib: Mapping[str, str], font_size: float) -> tuple[str | None, str | None]:
    """``set_graphical_state`` for a plain node: its fill and stroke colours, stroke width, and the
    dash, cap, join and miter limit a plain node leaves at their initial values."""
    from weasyprint.svg.utils import color

    stream = svg.stream
    fill = attrib.get("fill", "black").strip()
    if not fill or fill == "none":
        fill = None
    else:
        stream.set_color(color(fill))
    stroke = None
    if stroke_width := svg.length(attrib.get("stroke-width", "1px"), font_size):
        stroke = attrib.get("stroke", "").strip()
        if not stroke or stroke == "none":
            stroke = None
        else:
            stream.set_color(color(stroke), stroke=True)
            stream.set_line_width(stroke_width)
    stream.set_dash((), 0)
    stream.set_line_cap(0)
    stream.set_line_join(0)
    stream.set_miter_limit(4.0)
    return fill, stroke
