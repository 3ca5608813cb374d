"""Helpers the filters share: rewriting prose, placing warnings, returning them.

A construct such as ``\\textbf{…}`` or ``M¨uller`` can straddle two ``Text``
nodes when the reader splits a string (escapes, language runs), so rewrites
work on maximal runs of adjacent ``Text`` nodes of one language, never on a
single node.  Warnings point at the line and column where the offending text
really is, which for a wrapped paragraph can be below the line its node starts on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Literal

from publish.model import Diagnostic, Document, Node, Text

# Rewrites one run (merged into a single Text); None keeps the run as it was.
RunRewrite = Callable[[Text], "list[Node] | None"]
Level = Literal["warning", "error"]

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


def position(doc: Document, line: int, needle: str, *, lead: str = "") -> tuple[int, int]:
    """Line and 1-based column, in characters, of ``needle`` at or after ``line``; ``(line, 0)`` when it is absent.

    Nodes know only the line they start on, and a paragraph wraps: the text a
    warning is about may sit a few lines further down.  ``lead`` must come
    right before the needle, which tells a link target from the same words in
    prose, and places an empty target.  Column 0 means unknown, as for
    warnings about a whole block.
    """
    if line <= 0 or not lead + needle:
        return line, 0
    start = 0
    for _ in range(line - 1):
        start = doc.source.find("\n", start) + 1
        if start == 0:
            return line, 0
    found = doc.source.find(lead + needle, start)
    if found < 0:
        return line, 0
    found += len(lead)
    line_start = doc.source.rfind("\n", 0, found) + 1
    return line + doc.source.count("\n", start, found), found - line_start + 1


def located(
    doc: Document, line: int, needle: str, message: str, level: Level = "warning", *, lead: str = ""
) -> Diagnostic:
    """A diagnostic at ``needle`` (see ``position``), so ``publish check`` can point at the very column."""
    line, column = position(doc, line, needle, lead=lead)
    return Diagnostic(file=str(doc.path), line=line, column=column, message=message, level=level)


def with_warnings(doc: Document, warnings: Iterable[Diagnostic]) -> Document:
    """``doc`` with ``warnings`` appended, leaving the input's list untouched."""
    extra = list(warnings)
    return dataclasses.replace(doc, warnings=[*doc.warnings, *extra]) if extra else doc
