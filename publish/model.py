"""The document model: one tree of typed nodes that every backend reads.

The reader builds it from Markdown (and the raw HTML inside it), filters in
``filters/`` rewrite it, and backends render it.  Nothing downstream of the
reader ever sees Markdown syntax or raw HTML strings: if a backend needs to
know something about the source, it belongs in a field here.

Inline nodes live inside a block's ``children``; block nodes live inside a
``Document``, ``Section``, ``BlockQuote``, ``ListItem``, ``Details`` or
``FootnoteDef``.  Every node carries the 1-based source ``line`` it came from
(0 when unknown) so warnings can point at it, and a ``lang`` tag (``zh-Hans``,
``en`` or empty) set by the language filter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


@dataclass(kw_only=True)
class Node:
    line: int = 0
    lang: str = ""


# --------------------------------------------------------------------------
# Inline nodes
# --------------------------------------------------------------------------


@dataclass(kw_only=True)
class Text(Node):
    text: str


@dataclass(kw_only=True)
class Emph(Node):
    children: list[Node] = field(default_factory=list)


@dataclass(kw_only=True)
class Strong(Node):
    children: list[Node] = field(default_factory=list)


@dataclass(kw_only=True)
class Strikeout(Node):
    children: list[Node] = field(default_factory=list)


@dataclass(kw_only=True)
class Superscript(Node):
    children: list[Node] = field(default_factory=list)


@dataclass(kw_only=True)
class Subscript(Node):
    children: list[Node] = field(default_factory=list)


@dataclass(kw_only=True)
class Code(Node):
    """Inline code; also how a formula that cannot be rendered is shown."""

    text: str


@dataclass(kw_only=True)
class Link(Node):
    url: str
    children: list[Node] = field(default_factory=list)
    title: str = ""


@dataclass(kw_only=True)
class Image(Node):
    url: str
    alt: str = ""
    title: str = ""


@dataclass(kw_only=True)
class Math(Node):
    """A formula, kept as the author's TeX.

    ``display`` formulas are set on a line of their own; a paragraph whose only
    child is a display ``Math`` is a display block.  ``error`` is set when the
    formula cannot be rendered: backends then show ``tex`` as code.
    """

    tex: str
    display: bool = False
    error: str = ""


@dataclass(kw_only=True)
class LineBreak(Node):
    pass


@dataclass(kw_only=True)
class SoftBreak(Node):
    pass


@dataclass(kw_only=True)
class FootnoteRef(Node):
    key: str
    number: int = 0


# --------------------------------------------------------------------------
# Block nodes
# --------------------------------------------------------------------------


@dataclass(kw_only=True)
class Paragraph(Node):
    children: list[Node] = field(default_factory=list)
    align: str = ""

    def display_math(self) -> Math | None:
        """The formula, when this paragraph is a display block: its only child is a display ``Math``."""
        only = self.children[0] if len(self.children) == 1 else None
        return only if isinstance(only, Math) and only.display else None


@dataclass(kw_only=True)
class BlockQuote(Node):
    children: list[Node] = field(default_factory=list)


@dataclass(kw_only=True)
class ListItem(Node):
    children: list[Node] = field(default_factory=list)


@dataclass(kw_only=True)
class ListBlock(Node):
    items: list[ListItem] = field(default_factory=list)
    ordered: bool = False
    start: int = 1


@dataclass(kw_only=True)
class CodeBlock(Node):
    text: str
    language: str = ""


@dataclass(kw_only=True)
class ThematicBreak(Node):
    pass


@dataclass(kw_only=True)
class Cell(Node):
    children: list[Node] = field(default_factory=list)
    align: str = ""


@dataclass(kw_only=True)
class Row(Node):
    cells: list[Cell] = field(default_factory=list)
    paper: Paper | None = None


@dataclass(kw_only=True)
class Table(Node):
    head: Row
    rows: list[Row] = field(default_factory=list)


@dataclass(kw_only=True)
class Gallery(Node):
    """Screenshots an author folded into ``<details>``: a caption and images."""

    caption: list[Node] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)


@dataclass(kw_only=True)
class Details(Node):
    """A ``<details>`` block that is not a gallery (e.g. a folded contents list)."""

    summary: list[Node] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)


@dataclass(kw_only=True)
class FootnoteDef(Node):
    key: str
    number: int = 0
    children: list[Node] = field(default_factory=list)


@dataclass(kw_only=True)
class Section(Node):
    """A heading and everything up to the next heading of the same or higher level.

    ``id`` is the anchor the documents' own links use (GitHub slug rules);
    ``paper`` is set when the section is one paper's entry.
    """

    level: int
    title: list[Node] = field(default_factory=list)
    id: str = ""
    children: list[Node] = field(default_factory=list)
    paper: Paper | None = None


# --------------------------------------------------------------------------
# Records and the document
# --------------------------------------------------------------------------


@dataclass(kw_only=True)
class Paper:
    """One paper a document mentions, whatever the document's layout."""

    title: str
    authors: list[str] = field(default_factory=list)
    arxiv: str = ""
    links: dict[str, str] = field(default_factory=dict)  # abs, pdf, code, project…
    abstract: str = ""  # English, as the author gave it
    summary: str = ""  # Chinese digest text
    topic: str = ""
    date: str = ""
    anchor: str = ""  # id of the section or row that presents it
    line: int = 0


@dataclass(kw_only=True)
class Meta:
    """Front matter of Hexo, Astro or none, mapped onto one record."""

    title: str = ""
    date: str = ""  # ISO 8601 date (YYYY-MM-DD) when known
    author: str = ""
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    description: str = ""
    cover: str = ""
    language: str = "zh-Hans"
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(kw_only=True)
class Diagnostic:
    """Something the author should fix; ``line`` and ``column`` are 1-based, 0 when unknown (line 0: the whole file).

    ``str()`` leaves the column out: only ``publish check`` prints it.
    """

    file: str
    line: int
    message: str
    level: Literal["warning", "error"] = "warning"
    column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.level}: {self.message}"


Kind = Literal["daily", "blog", "arxiv-daily", "survey", "generic"]


@dataclass(kw_only=True)
class Document:
    path: Path
    source: str  # the decoded text, for locating warnings
    meta: Meta = field(default_factory=Meta)
    kind: Kind = "generic"
    children: list[Node] = field(default_factory=list)
    footnotes: list[FootnoteDef] = field(default_factory=list)
    papers: list[Paper] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)

    def diagnostic(self, line: int, message: str) -> Diagnostic:
        """A warning about this document, for a filter to append to ``warnings``."""
        return Diagnostic(file=str(self.path), line=line, message=message)


@dataclass(kw_only=True)
class Pack:
    """Ordered documents plus what a manifest says about the whole."""

    title: str
    documents: list[Document] = field(default_factory=list)
    options: dict[str, object] = field(default_factory=dict)
