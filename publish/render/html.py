"""Semantic HTML5 from the document model, formulas already rendered to SVG.

One ``visit_<NodeClass>`` method per node type, as in a Sphinx translator.
The fragments this writes are what the PDF and EPUB backends lay out too, so
the markup stays plain (classes for styling, ids for links, ``lang`` where a
block's language differs from the page's) and polyglot: void elements are
self-closed and every attribute has a value, so the same text parses as HTML5
and as the XHTML an EPUB needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from importlib import resources
from urllib.parse import urlsplit

from publish import model as m
from publish.tree import plain_text

FormulaMap = Mapping[tuple[str, bool], str]


def attrs(**values: str | None) -> str:
    """``key="value"`` pairs, escaped; empty values are left out, ``class_`` becomes ``class``."""
    parts = [f' {k.rstrip("_").replace("_", "-")}="{escape(v, quote=True)}"' for k, v in values.items() if v]
    return "".join(parts)


_ALLOWED_SCHEMES = ("http", "https", "mailto")


def safe_url(url: str) -> str:
    """Links from content can only go to web, mail, relative or in-document targets; others give ''.

    An allowlist: ``javascript:``, ``file:``, ``run:`` and whatever a reader may invent are all out.
    """
    url = url.strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:  # e.g. an unclosed IPv6 bracket: not an address anyone can follow
        return ""
    # "C:" style drive letters and "a:b" relative paths parse as schemes too; neither is a safe target.
    return url if not scheme or scheme in _ALLOWED_SCHEMES else ""


class HTMLTranslator:
    """Render one document's nodes; ``formulas`` maps (TeX, display) to SVG markup."""

    def __init__(self, doc: m.Document, formulas: FormulaMap) -> None:
        self.doc = doc
        self.formulas = formulas
        self.page_lang = doc.meta.language or "zh-Hans"
        self.title_section = title_section(doc)
        self.row_ids: set[str] = set()
        # The citations of each note, in order: a note cited twice needs two ids.  Keyed by node, since a
        # node may be rendered more than once (the EPUB renders a long section again piece by piece).
        self.footnote_refs: dict[str, list[int]] = {}
        self.id_prefix = ""  # footnote ids, for writers that put several documents in one page

    # -- dispatch ---------------------------------------------------------

    def render(self, node: m.Node) -> str:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise TypeError(f"HTMLTranslator has no visit_{type(node).__name__}")
        return method(node)

    def render_all(self, nodes: list[m.Node]) -> str:
        return "".join(self.render(n) for n in nodes)

    def lang(self, node: m.Node) -> str | None:
        return node.lang if node.lang and node.lang != self.page_lang else None

    # -- inline -----------------------------------------------------------

    def visit_Text(self, node: m.Text) -> str:
        return escape(node.text, quote=False)

    def _wrap(self, tag: str, node: m.Node) -> str:
        return f"<{tag}>{self.render_all(node.children)}</{tag}>"  # type: ignore[attr-defined]

    def visit_Emph(self, node: m.Emph) -> str:
        return self._wrap("em", node)

    def visit_Strong(self, node: m.Strong) -> str:
        return self._wrap("strong", node)

    def visit_Strikeout(self, node: m.Strikeout) -> str:
        return self._wrap("s", node)

    def visit_Superscript(self, node: m.Superscript) -> str:
        return self._wrap("sup", node)

    def visit_Subscript(self, node: m.Subscript) -> str:
        return self._wrap("sub", node)

    def visit_Code(self, node: m.Code) -> str:
        return f"<code>{escape(node.text, quote=False)}</code>"

    def visit_Link(self, node: m.Link) -> str:
        inner = self.render_all(node.children)
        href = safe_url(node.url)
        if not href:
            return inner
        return f"<a{attrs(href=href, title=node.title)}>{inner}</a>"

    def visit_Image(self, node: m.Image) -> str:
        src = safe_url(node.url)
        if not src:
            return f'<span class="image-missing">{escape(node.alt or node.url, quote=False)}</span>'
        # alt is always written, empty or not: an <img> without it is invalid and unreadable to screen readers.
        return f'<img{attrs(src=src, title=node.title)} alt="{escape(node.alt)}" loading="lazy"/>'

    def visit_Math(self, node: m.Math) -> str:
        kind = "display" if node.display else "inline"
        svg = None if node.error else self.formulas.get((node.tex, node.display))
        if svg is None:
            # Not rendered: the author's TeX, visibly, so no formula is lost.
            return f'<code class="math-source math-{kind}"{attrs(title=node.error)}>{escape(node.tex)}</code>'
        return f'<span class="math math-{kind}">{svg}</span>'

    def visit_LineBreak(self, node: m.LineBreak) -> str:
        return "<br/>"

    def visit_SoftBreak(self, node: m.SoftBreak) -> str:
        return "\n"

    def visit_FootnoteRef(self, node: m.FootnoteRef) -> str:
        label = str(node.number or node.key)
        key = escape(node.key)
        cited = self.footnote_refs.setdefault(node.key, [])
        if id(node) not in cited:
            cited.append(id(node))
        again = cited.index(id(node)) + 1
        anchor = f"{self.id_prefix}fnref-{key}" + (f"-{again}" if again > 1 else "")
        return f'<sup class="footnote-ref"><a href="#{self.id_prefix}fn-{key}" id="{anchor}">{label}</a></sup>'

    # -- blocks -----------------------------------------------------------

    def visit_Paragraph(self, node: m.Paragraph) -> str:
        if formula := node.display_math():
            return f'<div class="formula"{attrs(lang=self.lang(node))}>{self.render(formula)}</div>\n'
        return self.paragraph(node)

    def paragraph(self, node: m.Paragraph, lead: str = "") -> str:
        """``node`` as ``<p>``, its text opened by ``lead`` (a list bullet in print)."""
        cls = f"align-{node.align}" if node.align else None
        return f"<p{attrs(class_=cls, lang=self.lang(node))}>{lead}{self.render_all(node.children)}</p>\n"

    def visit_BlockQuote(self, node: m.BlockQuote) -> str:
        return f"<blockquote{attrs(lang=self.lang(node))}>\n{self.render_all(node.children)}</blockquote>\n"

    def visit_ListBlock(self, node: m.ListBlock) -> str:
        tag = "ol" if node.ordered else "ul"
        start = str(node.start) if node.ordered and node.start != 1 else None
        return f"<{tag}{attrs(start=start)}>\n{self.render_all(node.items)}</{tag}>\n"  # type: ignore[arg-type]

    def visit_ListItem(self, node: m.ListItem) -> str:
        return f"<li{attrs(lang=self.lang(node))}>{self.render_all(node.children)}</li>\n"

    def visit_CodeBlock(self, node: m.CodeBlock) -> str:
        cls = f"language-{node.language}" if node.language else None
        return f"<pre><code{attrs(class_=cls)}>{escape(node.text, quote=False)}</code></pre>\n"

    def visit_ThematicBreak(self, node: m.ThematicBreak) -> str:
        return "<hr/>\n"

    def _cell(self, tag: str, cell: m.Cell) -> str:
        style = f"text-align: {cell.align}" if cell.align else None
        return f"<{tag}{attrs(style=style, lang=self.lang(cell))}>{self.render_all(cell.children)}</{tag}>"

    def visit_Row(self, node: m.Row) -> str:
        anchor = node.paper.anchor if node.paper and node.paper.anchor not in self.row_ids else None
        if anchor:
            self.row_ids.add(anchor)  # a paper listed under two topics: the first row is its anchor
        cls = "paper" if node.paper else None
        cells = "".join(self._cell("td", c) for c in node.cells)
        return f"<tr{attrs(id=anchor, class_=cls)}>{cells}</tr>\n"

    def visit_Table(self, node: m.Table) -> str:
        head = "".join(self._cell("th", c) for c in node.head.cells)
        thead = f"<thead><tr>{head}</tr></thead>\n" if head else ""  # HTML tables may have no header row
        body = "".join(self.visit_Row(r) for r in node.rows)
        cls = "papers" if any(r.paper for r in node.rows) else None
        return (
            f'<div class="table-wrap"><table{attrs(class_=cls)}>\n{thead}'
            f"<tbody>\n{body}</tbody>\n</table></div>\n"
        )

    def visit_Cell(self, node: m.Cell) -> str:
        return self._cell("td", node)

    def visit_Gallery(self, node: m.Gallery) -> str:
        figures = "".join(f"<figure>{self.visit_Image(img)}</figure>" for img in node.images)
        caption = self.render_all(node.caption)
        return (
            f'<figure class="gallery"{attrs(lang=self.lang(node))}>'
            f'<figcaption>{caption}</figcaption><div class="gallery-grid">{figures}</div></figure>\n'
        )

    def visit_Details(self, node: m.Details) -> str:
        return (
            f'<details open="open"><summary>{self.render_all(node.summary)}</summary>\n'
            f"{self.render_all(node.children)}</details>\n"
        )

    def visit_FootnoteDef(self, node: m.FootnoteDef) -> str:
        back = f' <a href="#fnref-{escape(node.key)}" class="footnote-back" aria-label="back">↩</a>'
        return f'<li id="fn-{escape(node.key)}">{self.render_all(node.children)}{back}</li>\n'

    def visit_Section(self, node: m.Section) -> str:
        level = min(max(node.level, 1), 6)
        title = self.render_all(node.title)
        heading = f"<h{level}{attrs(lang=self.lang(node))}>{title}</h{level}>\n"
        paper = node.paper
        cls = "paper" if paper else None
        after = self.paper_meta(paper) if paper else ""
        if node is self.title_section:
            after += document_facts(self.doc.meta)
        return (
            f"<section{attrs(id=node.id, class_=cls)}>\n{heading}{after}"
            f"{self.render_all(node.children)}</section>\n"
        )

    def paper_meta(self, paper: m.Paper) -> str:
        """A line under a paper's heading that leads to the paper, whatever the author wrote."""
        if not paper.arxiv:
            return ""
        url = f"https://arxiv.org/abs/{paper.arxiv}"
        return f'<p class="paper-meta"><a href="{escape(url)}">arXiv:{escape(paper.arxiv)}</a></p>\n'

    # -- the document -----------------------------------------------------

    def body(self) -> str:
        out = [self.render_all(self.doc.children)]
        if self.doc.footnotes:
            notes = "".join(self.visit_FootnoteDef(f) for f in self.doc.footnotes)
            out.append(f'<section class="footnotes"><ol>\n{notes}</ol></section>\n')
        return "".join(out)


def title_section(doc: m.Document) -> m.Section | None:
    """The top-level section whose heading is the document's title, if the body has one.

    Digests without front matter take their title from such a heading; surveys
    repeat the front-matter title as ``# …``.  Either way the page shows it once.
    """
    wanted = doc.meta.title.strip()
    for node in doc.children:
        if isinstance(node, m.Section):
            return node if wanted and plain_text(node.title).strip() == wanted else None
    return None


def document_facts(meta: m.Meta) -> str:
    """Date, author, tags and description: what front matter says beyond the title."""
    parts = []
    facts = [escape(x) for x in (meta.date, meta.author) if x and x != meta.title]
    if facts:
        parts.append(f'<p class="doc-meta">{" · ".join(facts)}</p>')
    if meta.tags:
        tags = "".join(f"<li>{escape(t)}</li>" for t in meta.tags)
        parts.append(f'<ul class="doc-tags">{tags}</ul>')
    if meta.description:
        parts.append(f'<p class="doc-description">{escape(meta.description)}</p>')
    return f'<div class="doc-facts">{"".join(parts)}</div>\n' if parts else ""


def document_header(doc: m.Document) -> str:
    """The title and facts, unless the body's own title heading carries them."""
    if title_section(doc) is not None:
        return ""
    title = f'<h1 class="doc-title">{escape(doc.meta.title)}</h1>' if doc.meta.title else ""
    facts = document_facts(doc.meta)
    return f'<header class="doc-header">{title}{facts}</header>\n' if title or facts else ""


def stylesheet(name: str = "html.css") -> str:
    return resources.files("publish.styles").joinpath(name).read_text(encoding="utf-8")


def render_fragment(doc: m.Document, formulas: FormulaMap) -> str:
    """The document's ``<article>``: what every HTML-based backend embeds."""
    lang = doc.meta.language or "zh-Hans"
    translator = HTMLTranslator(doc, formulas)
    return (
        f'<article class="document kind-{doc.kind}" lang="{escape(lang)}">\n'
        f"{document_header(doc)}{translator.body()}</article>\n"
    )


def render_page(doc: m.Document, formulas: FormulaMap) -> str:
    """A standalone page: CSS inline and formulas as inline SVG, so the file works on its own."""
    lang = doc.meta.language or "zh-Hans"
    title = doc.meta.title or doc.path.stem
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>\n{stylesheet()}</style>\n</head>\n<body>\n"
        f"{render_fragment(doc, formulas)}</body>\n</html>\n"
    )
