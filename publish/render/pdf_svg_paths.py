"""Draw each distinct SVG path once: formulas repeat a few hundred glyph outlines thousands of times.

MathJax draws every glyph as an SVG ``<path>``, and WeasyPrint parses a path's
``d`` attribute in Python each time it draws it.  In the survey, 3,056 paths
are 173 distinct outlines, and parsing them was a third of the file's PDF
build (cProfile: ``weasyprint/svg/path.py`` 7.7 of 31 s).  Path data has no
units or percentages (SVG 1.1 §8.3), so the PDF operators one ``d`` produces
depend on nothing else: they are recorded the first time and replayed after,
byte for byte.

This reaches into WeasyPrint's SVG drawer, so it is applied only to the
WeasyPrint versions it was checked against (``tests/test_pdf_svg_paths.py``
compares the drawn pages with and without it); elsewhere the build is just slower.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

CHECKED_VERSIONS = ("70.",)
MAX_PATHS = 20_000  # distinct outlines kept per process; a month of formulas has a few thousand

DrawPath = Callable[[Any, Any, float], None]


def install() -> bool:
    """Put the recording drawer in place of WeasyPrint's; ``False`` where its version was not checked."""
    import weasyprint
    from weasyprint.svg import TAGS

    if getattr(TAGS["path"], "records_paths", False):
        return True
    if not weasyprint.__version__.startswith(CHECKED_VERSIONS):
        return False
    TAGS["path"] = recording(TAGS["path"])
    return True


def recording(draw: DrawPath) -> DrawPath:
    """``draw``, remembering what each ``d`` wrote to the PDF stream and to the node's vertices (for markers)."""
    recorded: dict[str, tuple[list[bytes], list[object]]] = {}

    def path(svg: Any, node: Any, font_size: float) -> None:
        data = node.get("d", "")
        known = recorded.get(data)
        if known is not None:
            operators, vertices = known
            svg.stream.stream.extend(operators)
            node.vertices.extend(vertices)
            return
        stream, start, first_vertex = svg.stream.stream, len(svg.stream.stream), len(node.vertices)
        draw(svg, node, font_size)  # a malformed path raises here and is not remembered
        if len(recorded) >= MAX_PATHS:
            recorded.clear()
        recorded[data] = (stream[start:], list(itertools.islice(node.vertices, first_vertex, None)))  # a deque

    path.records_paths = True  # type: ignore[attr-defined]
    path.draws = draw  # type: ignore[attr-defined]
    return path

