"""Helpers the filters share: rewriting prose, placing warnings, returning them.

A construct such as ``\\textbf{…}`` or ``M¨uller`` can straddle two ``Text``
nodes when the reader splits a string (escapes, language runs), so rewrites
work on maximal runs of adjacent ``Text`` nodes of one language, never on a
single node.  Warnings point at the file line where the offending text really
is, which for a wrapped paragraph can be below the line its node starts on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

from publish.model import Diagnostic, Document, Node, Text

# Rewrites one run (merged into a single Text); None keeps the run as it was.
RunRewrite = Callable[[Text], "list[Node] | None"]

# Precomposed Latin letters: what an accent repair may produce.  Anything else
# (``ḧ`` from an escaped quote before an h, ``3̣`` from a regex ``\d{3}``) means
# the input was not an accented letter after all.
_LATIN_ACCENTED = range(0xC0, 0x250)


def is_accented_letter(text: str) -> bool:
    """True for one precomposed Latin letter such as ``ü`` or ``ç``."""
    return len(text) == 1 and ord(text) in _LATIN_ACCENTED and text.isalpha()


def _runs(nodes: list[Node]) -> Iterable[list[Node]]:
    """Consecutive groups: each maximal run of same-language Text nodes, or a single other node."""
    run: list[Node] = []
    for node in nodes:
        if run and isinstance(node, Text) and isinstance(run[0], Text) and node.lang == run[0].lang:
            run.append(node)
            continue
        if run:
            yield run
        run = [node]
    if run:
        yield run


def _rewrite_list(nodes: list[Node], rewrite: RunRewrite) -> list[Node] | None:
    out: list[Node] = []
    changed = False
    for run in _runs(nodes):
        first = run[0]
        if not isinstance(first, Text):
            out.extend(run)
            continue
        merged = dataclasses.replace(first, text="".join(t.text for t in run if isinstance(t, Text)))
        new = rewrite(merged)
        if new is None:
            out.extend(run)
        else:
            out.extend(new)
            changed = True
    return out if changed else None


def rewrite_runs(node: Node, rewrite: RunRewrite) -> Node:
    """``node`` with ``rewrite`` applied to each run of Text in its inline lists (children, title, summary, caption).

    Meant to be called from a ``walk`` visitor: bottom-up, a node's nested
    inlines (an ``Emph`` in a paragraph) have been rewritten when it is.
    """
    changes: dict[str, object] = {}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, list) and any(isinstance(v, Text) for v in value):
            new = _rewrite_list(value, rewrite)
            if new is not None:
                changes[f.name] = new
    return dataclasses.replace(node, **changes) if changes else node


def source_line(doc: Document, line: int, needle: str) -> int:
    """The line at or after ``line`` where ``needle`` first occurs in the source, else ``line``."""
    if line <= 0 or not needle:
        return line
    start = 0
    for _ in range(line - 1):
        start = doc.source.find("\n", start) + 1
        if start == 0:
            return line
    found = doc.source.find(needle, start)
    return line + doc.source.count("\n", start, found) if found >= 0 else line


def with_warnings(doc: Document, warnings: Iterable[Diagnostic]) -> Document:
    """``doc`` with ``warnings`` appended, leaving the input's list untouched."""
    extra = list(warnings)
    return dataclasses.replace(doc, warnings=[*doc.warnings, *extra]) if extra else doc
