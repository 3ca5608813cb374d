"""Pandoc's JSON AST, built by hand: the shape pandoc's own readers would produce.

Backends that hand a document to pandoc give it this AST instead of Markdown,
so pandoc never parses the authors' text again: a ``Str`` is always text (its
writers escape it), and only the ``Raw*`` elements a backend builds itself
reach the output unescaped.  The helpers are thin on purpose; each returns the
plain ``dict`` pandoc's JSON uses (pandoc-types 1.23).
"""

from __future__ import annotations

import re
from typing import Any

API_VERSION = [1, 23, 1]

Element = dict[str, Any]
Attr = list[Any]  # [identifier, classes, key-value pairs (none needed here)]

_SPACE = re.compile(r"[ \t\r\n\f\v]+")


def attr(identifier: str = "", classes: tuple[str, ...] = ()) -> Attr:
    return [identifier, list(classes), []]


def document(blocks: list[Element], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"pandoc-api-version": API_VERSION, "meta": meta or {}, "blocks": blocks}


def text(value: str) -> list[Element]:
    """Words as ``Str`` and ``Space``, the way pandoc splits prose.

    A ``Str`` holding a space would survive into the output as a literal run of
    spaces, and pandoc could not wrap or justify there.
    """
    out: list[Element] = []
    for index, word in enumerate(_SPACE.split(value)):
        if index:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


def el(tag: str, content: Any = None) -> Element:
    """Any element; ``content`` omitted for the ones without (``Space``, ``LineBreak``…)."""
    return {"t": tag} if content is None else {"t": tag, "c": content}


def raw_inline(tex: str, fmt: str = "latex") -> Element:
    return el("RawInline", [fmt, tex])


def raw_block(tex: str, fmt: str = "latex") -> Element:
    return el("RawBlock", [fmt, tex])


def para(inlines: list[Element]) -> Element:
    return el("Para", inlines)


def plain(inlines: list[Element]) -> Element:
    return el("Plain", inlines)


def header(level: int, inlines: list[Element], identifier: str = "") -> Element:
    return el("Header", [level, attr(identifier), inlines])


def link(inlines: list[Element], url: str, title: str = "") -> Element:
    return el("Link", [attr(), inlines, [url, title]])


def image(alt: list[Element], path: str, title: str = "") -> Element:
    return el("Image", [attr(), alt, [path, title]])


def code(value: str) -> Element:
    return el("Code", [attr(), value])


def code_block(value: str, language: str = "") -> Element:
    return el("CodeBlock", [attr(classes=(language,) if language else ()), value])


def math(tex: str, display: bool) -> Element:
    return el("Math", [el("DisplayMath" if display else "InlineMath"), tex])


def note(blocks: list[Element]) -> Element:
    return el("Note", blocks)


def cite(key: str) -> Element:
    """A bracketed citation (``\\citep`` with natbib)."""
    citation = {
        "citationId": key,
        "citationPrefix": [],
        "citationSuffix": [],
        "citationMode": el("NormalCitation"),
        "citationNoteNum": 0,
        "citationHash": 0,
    }
    return el("Cite", [[citation], []])  # no text: it would show in PDF bookmarks


def bullet_list(items: list[list[Element]]) -> Element:
    return el("BulletList", items)


def ordered_list(items: list[list[Element]], start: int = 1) -> Element:
    return el("OrderedList", [[start, el("Decimal"), el("Period")], items])


Cells = list[list[Element]]  # a row: each cell a list of blocks


def table(head: Cells, rows: list[Cells], widths: list[float], aligns: list[str]) -> Element:
    """A simple table: one header row, body rows, relative column widths (``aligns``: left/right/center/"")."""
    align_names = {"left": "AlignLeft", "right": "AlignRight", "center": "AlignCenter"}
    specs = [[el(align_names.get(a, "AlignDefault")), el("ColWidth", w)] for a, w in zip(aligns, widths, strict=True)]

    def row(cells: Cells) -> list[Any]:
        return [attr(), [[attr(), el("AlignDefault"), 1, 1, blocks] for blocks in cells]]

    return el(
        "Table",
        [
            attr(),
            [None, []],  # no caption
            specs,
            [attr(), [row(head)] if head else []],
            [[attr(), 0, [], [row(r) for r in rows]]],
            [attr(), []],
        ],
    )


def meta_string(value: str) -> Element:
    return el("MetaString", value)


def meta_list(values: list[Element]) -> Element:
    return el("MetaList", values)


def meta_bool(value: bool) -> Element:
    return el("MetaBool", value)
