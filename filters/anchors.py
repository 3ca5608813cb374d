"""Section ids that match GitHub's, and internal links checked against them.

The documents were written for GitHub, and their own links use its heading
slugs: ``[Flow Matching 与 Rectified Flow](#flow-matching-与-rectified-flow)``,
``<a href="#updated-on-20250918">back to top</a>`` for "Updated on 2025.09.18".
So ids follow github-slugger exactly: lowercase; drop every character that is
not a letter, mark, digit, connector (``_``), space or hyphen; each space
becomes a hyphen; a repeated slug gets ``-1``, ``-2``… in document order.  The
slug is taken from the heading as written (before other filters tidy it), so
run this before ``prose_latex`` and ``text_artefacts``.

A ``#fragment`` link that matches no id would be a dead link in every output:
it is reported, with the closest id when one is near, and shown as its text.
Links to other files (``./docs/README.md#usage``) are not checked.
"""

from __future__ import annotations

import dataclasses
import difflib
import unicodedata
from collections.abc import Iterator
from urllib.parse import unquote

from publish.model import Diagnostic, Document, Link, Node, Paper, Section
from publish.tree import iter_nodes, plain_text, walk_document

from ._text import located, with_warnings

# GitHub prefixes the ids it renders; links may spell the prefix out.
_GITHUB_PREFIX = "user-content-"


def slug(text: str) -> str:
    """github-slugger's slug of a heading's text, without de-duplication."""
    kept = (c for c in text.lower() if c in " -" or unicodedata.category(c)[0] in "LMN" or c == "_")
    return "".join(kept).replace(" ", "-")


class Slugger:
    """Unique slugs in document order, numbered the way github-slugger numbers repeats."""

    def __init__(self) -> None:
        self.occurrences: dict[str, int] = {}

    def unique(self, base: str) -> str:
        result = base
        while result in self.occurrences:
            self.occurrences[base] += 1
            result = f"{base}-{self.occurrences[base]}"
        self.occurrences[result] = 0
        return result


def _section_ids(doc: Document) -> list[str]:
    """The id of every section, listed in the order ``walk`` visits sections (innermost first).

    Numbering repeats needs document order, but ``walk`` rebuilds bottom-up and
    hands the visitor rebuilt nodes.  A visitor that changes nothing rebuilds
    nothing, so a first walk yields the original sections in visiting order,
    which maps them to the ids computed in document order.
    """
    slugger = Slugger()
    by_section = {
        id(s): slugger.unique(s.id or slug(plain_text(s.title)) or "section")
        for s in iter_nodes(doc)
        if isinstance(s, Section)
    }
    visited: list[Node] = []

    def record(node: Node) -> None:
        if isinstance(node, Section):
            visited.append(node)

    walk_document(doc, record)
    return [by_section[id(s)] for s in visited]


def _papers(doc: Document) -> Iterator[Paper]:
    yield from doc.papers
    for node in iter_nodes(doc):
        paper = getattr(node, "paper", None)
        if isinstance(paper, Paper):
            yield paper


def _targets(doc: Document, section_ids: list[str]) -> set[str]:
    """Every id a ``#fragment`` may name: sections, footnotes (GitHub's ``fn-``/``fnref-``), papers."""
    footnotes = {f"{prefix}{note.key}" for note in doc.footnotes for prefix in ("fn-", "fnref-")}
    papers = {paper.anchor for paper in _papers(doc) if paper.anchor}
    return {*section_ids, *footnotes, *papers}


def _dead_link_message(fragment: str, targets: set[str]) -> str:
    near = difflib.get_close_matches(fragment, sorted(targets), n=1, cutoff=0.6)
    hint = f" (did you mean #{near[0]}?)" if near else ""
    return f"link to #{fragment} leads nowhere: no heading has that id{hint}; it is shown as plain text until fixed"


def anchors(doc: Document) -> Document:
    """Give every section its GitHub id; report internal links to ids that do not exist."""
    ids = _section_ids(doc)
    targets = _targets(doc, ids)
    queue = iter(ids)
    warnings: list[Diagnostic] = []

    def visit(node: Node) -> Node | list[Node] | None:
        if isinstance(node, Section):
            new_id = next(queue)
            return None if node.id == new_id else dataclasses.replace(node, id=new_id)
        if not isinstance(node, Link) or not node.url.startswith("#"):
            return None
        fragment = unquote(node.url[1:])
        if not fragment or fragment in targets or fragment.removeprefix(_GITHUB_PREFIX) in targets:
            return None  # `#` alone is the top of the page
        warnings.append(located(doc, node.line, f"#{fragment}", _dead_link_message(fragment, targets)))
        return node.children

    return with_warnings(walk_document(doc, visit), warnings)
