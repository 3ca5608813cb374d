"""Draw each distinct SVG path once: formulas repeat a few hundred glyph outlines thousands of times.

MathJax draws every glyph as an SVG ``<path>``, and WeasyPrint parses a path's
``d`` attribute in Python each time it draws it.  In the survey, 3,056 paths
are 173 distinct outlines, and parsing them was a third of the file's PDF
build (cProfile: ``weasyprint/svg/path.py`` 7.7 of 31 s).  Path data has no
units or percentages (SVG 1.1 §8.3), so the PDF operators one ``d`` produces
depend on nothing else: they are recorded the first time and replayed after,
byte for byte.

A QR code is one long path of straight strokes, each code a new one: WeasyPrint
parsed each in about 5 ms, as long as the rest of the paper's page took.  A
path made only of straight segments (``straight_commands``) is drawn here by
the same steps as WeasyPrint's drawer, read with one regular expression.

This reaches into WeasyPrint's SVG drawer, so it is applied only to the
WeasyPrint versions it was checked against (``tests/test_pdf_svg_paths.py``
compares the drawn pages with and without it); elsewhere the build is just slower.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from math import atan2, pi
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
        commands = straight_commands(data)
        if commands is None:
            draw(svg, node, font_size)  # a malformed path raises here and is not remembered
        else:
            draw_straight(svg.stream, node.vertices, commands)
        if len(recorded) >= MAX_PATHS:
            recorded.clear()
        recorded[data] = (stream[start:], list(itertools.islice(node.vertices, first_vertex, None)))  # a deque

    path.records_paths = True  # type: ignore[attr-defined]
    path.draws = draw  # type: ignore[attr-defined]
    return path


Command = tuple[str, tuple[float, ...]]
_NUMBER = r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
# A letter and up to two numbers, with the separators around them; numbers read greedily, as WeasyPrint does.
_COMMAND = re.compile(rf"([\s,]*([MmLlHhVvZz])[\s,]*(?:({_NUMBER})(?:[\s,]*({_NUMBER}))?)?[\s,]*)")
_ARGUMENTS = {letter: count for letters, count in (("Mm", 2), ("Ll", 2), ("Hh", 1), ("Vv", 1), ("Zz", 0))
              for letter in letters}


def straight_commands(data: str) -> list[Command] | None:
    """``data`` as (letter, numbers) pairs when it is a path of moves and straight lines that
    starts with a move and gives each letter its own numbers; ``None`` for any other path.

    One regular expression reads a command with its numbers: a QR code is a thousand numbers."""
    found = _COMMAND.findall(data)
    if sum(len(text) for text, *_ in found) != len(data):
        return None  # something between the commands that is not a command with at most two numbers
    commands: list[Command] = []
    for _, letter, first, second in found:
        if _ARGUMENTS[letter] != bool(first) + bool(second):
            return None
        commands.append((letter, (float(first), float(second)) if second else (float(first),) if first else ()))
    if not commands or commands[0][0] not in "mM":
        return None
    return commands


def draw_straight(stream: Any, vertices: Any, commands: list[Command]) -> None:
    """Draw ``commands`` as WeasyPrint's ``svg.path.path`` would: the same stream calls, the same vertices.

    The bytes of each ``move_to`` and ``line_to`` come from pydyf once per point (``_operator``):
    a QR code's points repeat from row to row and code to code."""
    current: tuple[float, float] = (0, 0)  # ints, as WeasyPrint starts: the same bytes
    out = stream.stream
    out.append(_operator("move_to", current))
    last = first = None
    for letter, numbers in commands:
        if last in (None, "z", "Z") and letter not in "mM":
            vertices.append(current)
            first = current
        if last in (None, "m", "M", "z", "Z"):
            first = None
        if letter not in "mMzZ" and first is None:
            first = current
        x, y = current
        if letter in "mM":
            if last and last not in "zZ":
                vertices.append(None)
            current = (numbers[0] + x, numbers[1] + y) if letter == "m" else numbers
            out.append(_operator("move_to", current))
        elif letter in "lL":
            current = (numbers[0] + x, numbers[1] + y) if letter == "l" else numbers
            angle = atan2(current[1] - y, current[0] - x)
            vertices.append((pi - angle, angle))
            out.append(_operator("line_to", current))
        elif letter in "hH":
            current = (numbers[0] + x if letter == "h" else numbers[0], y)
            angle = 0 if current[0] > x else pi
            vertices.append((pi - angle, angle))
            out.append(_operator("line_to", current))
        elif letter in "vV":
            current = (x, numbers[0] + y if letter == "v" else numbers[0])
            angle = pi / 2 if current[1] > y else -pi / 2
            vertices.append((pi - angle, angle))
            out.append(_operator("line_to", current))
        elif first:
            vertices.append(None)
            stream.close()
            current = first
        if letter not in "zZ":
            vertices.append(current)
        last = letter


_OPERATORS: dict[tuple[str, float, float, type, type], bytes] = {}


def _operator(name: str, point: tuple[float, float]) -> bytes:
    """What pydyf's ``Stream.<name>(x, y)`` appends: asked of pydyf once per point (an int and a
    float print differently, so their types are in the key)."""
    x, y = point
    key = (name, x, y, type(x), type(y))
    known = _OPERATORS.get(key)
    if known is None:
        import pydyf

        scratch = pydyf.Stream()
        getattr(scratch, name)(x, y)
        [known] = scratch.stream
        if len(_OPERATORS) >= MAX_PATHS:
            _OPERATORS.clear()
        _OPERATORS[key] = known
    return known
