"""Chinese typesetting rules WeasyPrint does not apply by itself.

CSS ``text-spacing`` (the quarter-em gap between Han characters and Latin
letters or digits that Chinese books print) is not supported by WeasyPrint,
so the gap is written into the text as a space: in the Latin face a space is
a quarter em wide, it is a line-break opportunity, and it is one of the few
places WeasyPrint can stretch a justified line (it stretches spaces only).
The gap is added where the author wrote none, also across inline element
boundaries (``使用**Transformer**模型``) and next to inline formulas.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable

from publish import model as m
from publish.tree import walk_document

GAP = " "

_HAN = r"\u2e80-\u2fdf\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LATIN = r"A-Za-z0-9\u00c0-\u024f\u0370-\u03ff"
_HAN_LATIN = re.compile(rf"(?<=[{_HAN}])(?=[{_LATIN}])|(?<=[{_LATIN}])(?=[{_HAN}])")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_LATIN_CHAR = re.compile(rf"[{_LATIN}]")

# Inline containers whose children are spaced as one run of text.
_RUNS = (m.Paragraph, m.Emph, m.Strong, m.Strikeout, m.Link, m.Cell, m.Superscript, m.Subscript)
_INLINE_LISTS = {m.Section: "title", m.Gallery: "caption", m.Details: "summary"}


def space_text(text: str) -> str:
    """Put a quarter-em gap between Han and Latin characters that touch."""
    return _HAN_LATIN.sub(GAP, text)


def _edge(node: m.Node, last: bool) -> str:
    """'han', 'latin' or '' for the character a reader sees at one end of an inline node."""
    if isinstance(node, m.Math):
        return "latin"
    if isinstance(node, (m.Text, m.Code)):
        text = node.text
    elif isinstance(node, _RUNS):
        kids = node.children  # type: ignore[attr-defined]
        return _edge(kids[-1 if last else 0], last) if kids else ""
    else:
        return ""
    char = text[-1:] if last else text[:1]
    if _HAN_CHAR.match(char):
        return "han"
    if _LATIN_CHAR.match(char) or (char and unicodedata.category(char) == "Nd"):
        return "latin"
    return ""


def space_inlines(nodes: list[m.Node]) -> list[m.Node]:
    """``nodes`` with gaps inside Text nodes and between siblings that meet Han to Latin."""
    out: list[m.Node] = []
    for node in nodes:
        if isinstance(node, m.Text):
            node = dataclasses.replace(node, text=space_text(node.text))
        if out and {_edge(out[-1], last=True), _edge(node, last=False)} == {"han", "latin"}:
            out.append(m.Text(text=GAP, line=node.line, lang=node.lang))
        out.append(node)
    return out


def _visit(node: m.Node) -> m.Node | None:
    if node.lang == "en":
        return None
    if isinstance(node, _RUNS):
        return dataclasses.replace(node, children=space_inlines(node.children))  # type: ignore[attr-defined]
    field = _INLINE_LISTS.get(type(node))
    if field:
        return dataclasses.replace(node, **{field: space_inlines(getattr(node, field))})
    return None


def space_document(doc: m.Document) -> m.Document:
    """The document with CJK–Latin gaps, except in English blocks and code."""
    if not (doc.meta.language or "zh").startswith("zh"):
        return doc
    return walk_document(doc, _visit)


# Emoji digests use as markers, and a plain symbol the text fonts have.
SUBSTITUTES = {
    "🔴": "●", "🟠": "●", "🟡": "●", "🟢": "●", "🔵": "●", "💗": "♥", "❤": "♥", "⭐": "★", "🌟": "★",
    "✅": "✔", "❌": "✘", "👉": "☞", "📌": "▸", "💡": "※", "🔥": "▲", "⚡": "↯",
}


def substitutes(missing: set[str], drawable: Callable[[str], bool]) -> dict[str, str]:
    """What each character no font can draw prints as: a plain symbol when we know one, else nothing."""
    out = {}
    for char in missing:
        symbol = SUBSTITUTES.get(char, "")
        out[char] = symbol if symbol and drawable(symbol) else ""
    return out
