"""The book's table of contents: one tree, written as the EPUB 3 nav, the NCX and a contents page.

Readers show the nav (EPUB 3) or the NCX (Kindle conversion, older Kobo and
Adobe readers) in their own menu, and people still leaf through a contents
page; all three come from the same tree so they never disagree.  The tree is
document → section → paper: a digest's date heading or an arXiv list's topic
becomes a section, each paper (a heading or a table row) an entry under it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from itertools import count
from typing import Literal

from ebooklib import epub

from publish import model as m
from publish.render.epub_links import Linker, relative
from publish.render.epub_xhtml import document_title, label
from publish.tree import iter_nodes, plain_text

UNTITLED = "（无标题）"


@dataclass
class TocEntry:
    title: str
    target: str  # book path with fragment, e.g. text/d01.xhtml#多模态
    kind: Literal["document", "section", "paper"]
    children: list[TocEntry] = field(default_factory=list)
    note: str = ""  # shown beside a document on the contents page: date, number of papers


class _TocBuilder:
    """Walks one document's sections, remembering which papers already have an entry."""

    def __init__(self, doc: m.Document, at: Callable[[str], str]) -> None:
        self.doc_title = document_title(doc)
        self.at = at
        self.by_anchor = {paper.anchor: paper for paper in doc.papers if paper.anchor}
        self.papers_seen: set[str] = set()

    def paper(self, paper: m.Paper, heading: str, anchor: str) -> TocEntry:
        title = label(paper.title) or heading or UNTITLED
        self.papers_seen.add(title)
        return TocEntry(title, self.at(anchor), "paper")

    def entries(self, nodes: list[m.Node]) -> list[TocEntry]:
        """Sections in order; paper rows wherever their table sits (in a section, a list, a folded block)."""
        out: list[TocEntry] = []
        for node in nodes:
            if isinstance(node, m.Section):
                out.extend(self.section(node))
            else:
                rows = (row for row in iter_nodes(node) if isinstance(row, m.Row) and row.paper)
                out.extend(self.paper(row.paper, "", row.paper.anchor) for row in rows if row.paper)
        return out

    def section(self, node: m.Section) -> list[TocEntry]:
        """A paper is a leaf; the title heading is skipped; deep sections only count if they hold papers."""
        heading = label(plain_text(node.title))
        paper = node.paper or self.by_anchor.get(node.id)
        if paper:
            return [self.paper(paper, heading, node.id)]
        children = self.entries(node.children)
        if heading == self.doc_title:  # the title heading: the document's own entry stands for it
            return children
        if node.level > 2 and not children:
            return []
        return [TocEntry(heading or UNTITLED, self.at(node.id), "section", children)]


def document_entry(doc: m.Document, doc_index: int, linker: Linker) -> TocEntry:
    """The document's entry with its sections and every paper of ``doc.papers``.

    A paper no section or row presents (a filter found it elsewhere) still
    gets an entry; it points at the document's start, so it comes first to
    keep the navigation in reading order.
    """
    first = linker.first_file(doc_index)
    builder = _TocBuilder(doc, lambda anchor: (anchor and linker.locate(doc_index, anchor)) or first)
    children = builder.entries(doc.children)
    unplaced = [paper for paper in doc.papers if label(paper.title) not in builder.papers_seen]
    children = [TocEntry(label(paper.title) or UNTITLED, first, "paper") for paper in unplaced] + children
    date = doc.meta.date if doc.meta.date != builder.doc_title else ""  # a daily digest is titled by its date
    facts = [date, f"{len(doc.papers)} 篇论文" if doc.papers else ""]
    return TocEntry(builder.doc_title, first, "document", children, " · ".join(f for f in facts if f))


def ebooklib_toc(entries: list[TocEntry]) -> list[epub.Link | tuple[epub.Link, list]]:
    """``book.toc`` for ebooklib, which writes both the nav and the NCX from it."""
    numbers = count(1)

    def convert(entry: TocEntry) -> epub.Link | tuple[epub.Link, list]:
        link = epub.Link(entry.target, entry.title, f"nav-{next(numbers)}")
        return (link, [convert(child) for child in entry.children]) if entry.children else link

    return [convert(entry) for entry in entries]


def contents_markup(entries: list[TocEntry], page: str, heading: str) -> str:
    """The contents page's body markup; ``page`` is its own book path, for relative links."""

    def items(level: list[TocEntry]) -> str:
        out = []
        for entry in level:
            note = f' <span class="toc-note">{escape(entry.note)}</span>' if entry.note else ""
            nested = f"<ol>\n{items(entry.children)}</ol>" if entry.children else ""
            href = escape(relative(page, entry.target))
            out.append(f'<li class="toc-{entry.kind}"><a href="{href}">{escape(entry.title)}</a>{note}{nested}</li>\n')
        return "".join(out)

    return f'<h1 class="contents-title">{escape(heading)}</h1>\n<ol class="toc">\n{items(entries)}</ol>\n'
