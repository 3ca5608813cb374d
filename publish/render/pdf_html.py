"""The whole pack as one HTML document for WeasyPrint: cover, contents, then every document.

It builds on the HTML fragment renderer and changes what print needs:

* ids are prefixed per document (``d2-引言``), because two digests may both
  have an ``引言``, and a link whose target does not exist prints as text
  (WeasyPrint would otherwise report a dead anchor and make a dead link);
* links that lead nowhere on paper (relative paths, placeholders such as
  ``论文链接地址``) print as text;
* every paper is a block with its title, authors, arXiv id and a QR code of
  its page; the arXiv-daily tables, whose rows are papers, print as compact
  paper entries (WeasyPrint lays out tables slowly, and a four-column table of
  abstracts is hard to read on A5 anyway);
* images come from the shared image store as local files, or print as a
  framed placeholder with the caption, the address and its QR code;
* classes ``bm1``…``bm6`` put documents, sections and papers into the PDF
  outline (``data-bookmark`` names a paper whose heading does not), and
  ``data-title``/``data-date`` feed the running headers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from html import escape
from urllib.parse import unquote, urlsplit

import segno

from publish import __version__
from publish import model as m
from publish.images import ImageResult
from publish.qr import qr_svg
from publish.render.html import FormulaMap, HTMLTranslator, attrs
from publish.render.pdf_assets import Assets
from publish.render.pdf_list_markers import marker
from publish.render.pdf_parts import CODE_ATTRIBUTE, SLOT_ATTRIBUTE
from publish.render.pdf_typography import space_text
from publish.tree import iter_nodes, plain_text

MAX_SECTION_LEVEL = 3  # outline depth for plain sections: document › section › subsection
MAX_OUTLINE_LEVEL = 6

KIND_LABELS = {
    "daily": "每日论文速递",
    "blog": "论文博客",
    "arxiv-daily": "arXiv 每日论文列表",
    "survey": "综述",
    "generic": "文档",
}

# Table columns a paper entry already shows in its heading line.
META_COLUMNS = frozenset(
    {"publish date", "date", "title", "code", "pdf", "link", "日期", "发布日期", "标题", "代码", "链接"}
)

_WEB_SCHEMES = ("http", "https", "mailto")
GITHUB_PREFIX = "user-content-"  # GitHub prefixes heading ids; links may spell the prefix out
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLICK = re.compile(r"^(点此|点击)(查看)?")  # "click here to see …" means nothing on paper
_LONG_WORD = re.compile(r"[^\s&<>]{60,}")  # no hyphenation dictionary has words this long
PART_LINK = "pdf-part:"  # a link to another part of the PDF, made internal when the parts are joined
CONTENTS_ID = "contents"


@dataclass(frozen=True)
class DocumentInput:
    """What the pack renderer needs for one document, everything already fetched."""

    doc: m.Document
    formulas: FormulaMap
    images: Mapping[str, ImageResult]

    @cached_property
    def papers(self) -> list[tuple[m.Node, m.Paper, str]]:
        """``presented_papers`` of the document, found once: the body and every pass of the contents use them."""
        return presented_papers(self.doc)


@dataclass(frozen=True)
class Rendered:
    """The pack's HTML, and warnings found while writing it (one list per document)."""

    html: str
    warnings: list[list[m.Diagnostic]]


# --------------------------------------------------------------------------
# Papers and their anchors
# --------------------------------------------------------------------------


def paper_url(paper: m.Paper) -> str:
    """The page a reader should land on: the abstract page, else whatever link there is."""
    if paper.links.get("abs"):
        return paper.links["abs"]
    if paper.arxiv:
        return f"https://arxiv.org/abs/{paper.arxiv}"
    return next((url for url in paper.links.values() if url.startswith(("http://", "https://"))), "")


def presented_papers(doc: m.Document) -> list[tuple[m.Node, m.Paper, str]]:
    """Each section or table row presenting a paper, with the id (unique in ``doc``) it prints under.

    A section keeps its own id, the one the document's links use; a row gets its paper's anchor.
    Keyed by node, not paper: one paper can be presented twice (a section and a link-table row).
    """
    seen: set[str] = {n.id for n in iter_nodes(doc) if isinstance(n, m.Section) and n.id and not n.paper}
    out: list[tuple[m.Node, m.Paper, str]] = []
    for node in iter_nodes(doc):
        paper = node.paper if isinstance(node, (m.Section, m.Row)) else None
        if paper is None:
            continue
        own = node.id if isinstance(node, m.Section) else ""
        anchor = own or paper.anchor or f"paper-{len(out) + 1}"
        if anchor in seen:
            anchor = f"{anchor}-{len(out) + 1}"
        seen.add(anchor)
        out.append((node, paper, anchor))
    return out


def link_targets(doc: m.Document, papers: list[tuple[m.Node, m.Paper, str]]) -> set[str]:
    """Every id the PDF gives an element of ``doc`` (before the document prefix): what ``#…`` links may name."""
    targets = {n.id for n in iter_nodes(doc) if isinstance(n, m.Section) and n.id}
    targets.update(anchor for _, _, anchor in papers)
    targets.update(f"fn-{note.key}" for note in doc.footnotes)
    targets.update(f"fnref-{n.key}" for n in iter_nodes(doc) if isinstance(n, m.FootnoteRef))
    return targets


def document_id(number: int) -> str:
    return f"d{number}"


# --------------------------------------------------------------------------
# One document
# --------------------------------------------------------------------------


class PDFTranslator(HTMLTranslator):
    """The HTML translator with print's ids, links, papers, images and outline."""

    def __init__(self, item: DocumentInput, number: int, assets: Assets) -> None:
        super().__init__(item.doc, item.formulas)
        self.images = item.images
        self.assets = assets
        self.id_prefix = f"{document_id(number)}-"
        self.number = number
        papers = item.papers
        self.targets = link_targets(item.doc, papers)
        self.paper_ids = {id(node): self.id_prefix + anchor for node, _, anchor in papers}
        self.depth = 1  # outline level of the innermost bookmarked ancestor; the document is 1
        self.in_paper = False
        self.numbers: list[int | None] = []  # per list around the node rendered: its next item's number
        self.warnings: list[m.Diagnostic] = []

    @contextmanager
    def _nested(self, level: int, in_paper: bool) -> Iterator[None]:
        saved = self.depth, self.in_paper
        self.depth, self.in_paper = level, in_paper
        try:
            yield
        finally:
            self.depth, self.in_paper = saved

    # -- text ---------------------------------------------------------------

    def visit_Text(self, node: m.Text) -> str:
        """Very long words are not offered to the hyphenation dictionary: WeasyPrint tries every split
        of a 5,000-letter word (over a minute); they still break anywhere (``overflow-wrap``)."""
        return _LONG_WORD.sub(r'<span class="long-word">\g<0></span>', super().visit_Text(node))

    # -- links --------------------------------------------------------------

    def visit_Link(self, node: m.Link) -> str:
        inner = self.render_all(node.children)
        url = node.url.strip()
        if url.startswith("#"):
            target = unquote(url[1:]).removeprefix(GITHUB_PREFIX)
            if not target:
                return f'<a href="#{document_id(self.number)}">{inner}</a>'
            if target in self.targets:
                return f'<a href="#{escape(self.id_prefix + target)}">{inner}</a>'
            self.warnings.append(
                self.doc.diagnostic(node.line, f"link to #{target} has no target in this document: printed as text")
            )
            return inner
        if urlsplit(url).scheme.lower() in _WEB_SCHEMES:
            return super().visit_Link(node)
        return inner  # a relative path or a placeholder leads nowhere on paper

    # -- lists --------------------------------------------------------------

    def visit_ListBlock(self, node: m.ListBlock) -> str:
        self.numbers.append(node.start if node.ordered else None)
        try:
            return super().visit_ListBlock(node)
        finally:
            self.numbers.pop()

    def visit_ListItem(self, node: m.ListItem) -> str:
        """An item opening with a paragraph prints its marker as text (``pdf_list_markers``)."""
        number = self.numbers[-1]
        if number is not None:
            self.numbers[-1] = number + 1
        first = node.children[0] if node.children else None
        found = marker(len(self.numbers), number)
        if found is None or not isinstance(first, m.Paragraph) or first.display_math():
            return super().visit_ListItem(node)
        cls, lead = found
        body = self.paragraph(first, lead) + self.render_all(node.children[1:])
        return f"<li{attrs(class_=cls, lang=self.lang(node))}>{body}</li>\n"

    def visit_FootnoteDef(self, node: m.FootnoteDef) -> str:
        return f'<li id="{self.id_prefix}fn-{escape(node.key)}">{self.render_all(node.children)}</li>\n'

    # -- formulas and images ---------------------------------------------------

    def visit_Math(self, node: m.Math) -> str:
        svg = None if node.error else self.formulas.get((node.tex, node.display))
        if svg is None:
            return super().visit_Math(node)  # the TeX source, as code
        kind = "display" if node.display else "inline"
        return f'<span class="math math-{kind}">{self.assets.formula(svg, node.tex, node.display)}</span>'

    def visit_Image(self, node: m.Image) -> str:
        return self.image(node, node.alt or node.title)

    def image(self, node: m.Image, caption: str) -> str:
        result = self.images.get(node.url)
        if result is not None and result.ok and result.path is not None:
            # A tagged PDF needs a text alternative for every figure: the caption stands in for a missing alt.
            return f'<img src="{escape(result.path.as_uri())}" alt="{escape(node.alt or caption)}"/>'
        return placeholder(node.url, caption, result.error if result else "not fetched", self.assets)

    def visit_Gallery(self, node: m.Gallery) -> str:
        """A grid of figures under one caption; the caption's "click here" is dropped on paper."""
        label = _CLICK.sub("", plain_text(node.caption).strip()) or "图"
        items = "".join(
            f'<div class="gallery-item">{self.image(img, img.alt or f"{label} · {i}")}</div>'
            for i, img in enumerate(node.images, start=1)
        )
        count = f'<span class="gallery-count">（{len(node.images)} 张）</span>' if len(node.images) > 1 else ""
        return (
            f'<figure class="gallery"{attrs(lang=self.lang(node))}><div class="gallery-grid">{items}</div>'
            f"<figcaption>{escape(label)}{count}</figcaption></figure>\n"
        )

    # -- tables -----------------------------------------------------------------

    def visit_Table(self, node: m.Table) -> str:
        if any(row.paper for row in node.rows):
            entries = "".join(self.paper_entry(node.head, row) for row in node.rows)
            return f'<div class="paper-list">\n{entries}</div>\n'
        head = "".join(self._cell("th", c) for c in node.head.cells)
        body = "".join(self.visit_Row(row) for row in node.rows)
        columns = max([len(node.head.cells), *(len(r.cells) for r in node.rows)])
        return (
            f'<table class="data-table cols-{min(columns, 8)}">\n<thead><tr>{head}</tr></thead>\n'
            f"<tbody>\n{body}</tbody>\n</table>\n"
        )

    def paper_entry(self, head: m.Row, row: m.Row) -> str:
        """One table row as a compact paper block: title line, date and links, then the long cells."""
        labels = [plain_text(cell.children).strip().lower() for cell in head.cells]
        body = [c for label, c in zip(labels, row.cells, strict=False) if label not in META_COLUMNS]
        body_html = "".join(f'<div class="entry-text">{self._cell_content(c)}</div>' for c in body)
        paper = row.paper
        if paper is None:  # a stray row in a table of papers: print its cells in order
            cells = " · ".join(self.render_all(c.children) for c in row.cells)
            return f'<div class="paper-entry">{cells}</div>\n'
        level = min(self.depth + 1, MAX_OUTLINE_LEVEL)
        return (
            f'<div class="paper-entry" id="{escape(self.paper_ids[id(row)])}"><div class="entry-head">'
            f'{self.qr(paper)}<p class="entry-title bm{level}">{self.paper_title(paper)}</p>'
            f"{self.paper_links(paper, with_date=True)}</div>{body_html}</div>\n"
        )

    def _cell_content(self, cell: m.Cell) -> str:
        return f"<span{attrs(lang=self.lang(cell))}>{self.render_all(cell.children)}</span>"

    # -- papers -----------------------------------------------------------------

    def qr(self, paper: m.Paper) -> str:
        url = paper_url(paper)
        if not url:
            return ""
        return qr_code(url, "a", f'class="qr-link" href="{escape(url)}"')

    def paper_title(self, paper: m.Paper) -> str:
        url = paper_url(paper)
        title = escape(space_text(paper.title))
        return f'<a href="{escape(url)}">{title}</a>' if url else title

    def paper_links(self, paper: m.Paper, *, with_date: bool) -> str:
        parts = []
        if with_date and paper.date:
            parts.append(f'<span class="entry-date">{escape(paper.date)}</span>')
        if paper.arxiv:
            parts.append(f'<a class="arxiv-id" href="{escape(paper_url(paper))}">arXiv:{escape(paper.arxiv)}</a>')
        for name, label in (("pdf", "PDF"), ("code", "代码"), ("project", "项目主页")):
            url = paper.links.get(name, "")
            if url.startswith(("http://", "https://")):
                parts.append(f'<a href="{escape(url)}">{label}</a>')
        if not parts:
            return ""
        return f'<p class="paper-links">{" · ".join(parts)}</p>\n'

    def paper_extras(self, paper: m.Paper, body: list[m.Node]) -> str:
        """Authors, abstract and summary the filters found but the body does not show.

        Compared without whitespace: the body has had CJK–Latin gaps added.
        """
        body_text = _squeeze(plain_text(body))
        out = []
        if paper.authors and _squeeze(paper.authors[0]) not in body_text:
            out.append(f'<p class="paper-authors" lang="en">{escape(", ".join(paper.authors))}</p>\n')
        if paper.abstract and _squeeze(paper.abstract[:60]) not in body_text:
            out.append(f'<p class="paper-abstract" lang="en">{escape(paper.abstract)}</p>\n')
        if paper.summary and _squeeze(paper.summary[:60]) not in body_text:
            out.append(f'<p class="paper-summary">{escape(space_text(paper.summary))}</p>\n')
        return "".join(out)

    # -- sections -----------------------------------------------------------------

    def visit_Section(self, node: m.Section) -> str:
        if node is self.title_section:
            return self.render_all(node.children)  # the document header printed its title and carries its id
        if node.paper and not self.in_paper:
            return self.paper_section(node, node.paper)
        level = self.depth + 1
        bookmarked = not self.in_paper and level <= MAX_SECTION_LEVEL
        heading_class = f"bm{level}" if bookmarked else None
        tag = f"h{min(level, 6)}"
        heading = f"<{tag}{attrs(class_=heading_class, lang=self.lang(node))}>{self.render_all(node.title)}</{tag}>\n"
        with self._nested(level, self.in_paper):
            body = self.render_all(node.children)
        section_id = self.id_prefix + node.id if node.id else None
        return f"<section{attrs(id=section_id)}>\n{heading}{body}</section>\n"

    def paper_section(self, node: m.Section, paper: m.Paper) -> str:
        """A paper's section: a head (QR code, title, links), what the filters found, then the body."""
        level = min(self.depth + 1, MAX_OUTLINE_LEVEL)
        tag = f"h{min(level, 6)}"
        label = self.bookmark(node, paper)
        title_attrs = attrs(class_=f"paper-title bm{level}", lang=self.lang(node), data_bookmark=label)
        with self._nested(level, in_paper=True):
            body = self.render_all(node.children)
        head = (
            f'<div class="paper-head">{self.qr(paper)}<{tag}{title_attrs}>{self.render_all(node.title)}</{tag}>\n'
            f"{self.paper_links(paper, with_date=False)}</div>\n{self.paper_extras(paper, node.children)}"
        )
        return f'<section class="paper" id="{escape(self.paper_ids[id(node)])}">\n{head}{body}</section>\n'

    def bookmark(self, node: m.Section, paper: m.Paper) -> str | None:
        """The outline label of a paper whose heading does not name it ("3. NICE / RealNVP …"): both."""
        heading = plain_text(node.title).strip()
        if not paper.title or _squeeze(paper.title) in _squeeze(heading):
            return None
        return f"{heading} — {paper.title}"

    # -- the document -------------------------------------------------------------

    def header(self) -> str:
        doc, meta = self.doc, self.doc.meta
        title = meta.title or doc.path.stem
        facts = [escape(x) for x in (meta.date, meta.author) if x]
        if doc.papers:
            facts.append(f"{len(doc.papers)} 篇论文")
        parts = [
            f'<p class="doc-kind">{KIND_LABELS.get(doc.kind, KIND_LABELS["generic"])}</p>',
            f'<h1 class="doc-title bm1">{escape(space_text(title))}</h1>',
        ]
        if facts:
            parts.append(f'<p class="doc-meta">{" · ".join(facts)}</p>')
        if meta.description:
            parts.append(f'<p class="doc-description">{escape(space_text(meta.description))}</p>')
        if meta.tags:
            parts.append(f'<ul class="doc-tags">{"".join(f"<li>{escape(t)}</li>" for t in meta.tags)}</ul>')
        section = self.title_section
        header_id = self.id_prefix + section.id if section is not None and section.id else None
        return f'<header class="doc-header"{attrs(id=header_id)}>{"".join(parts)}</header>\n'

    def article(self) -> str:
        meta = self.doc.meta
        lang = meta.language or "zh-Hans"
        title = meta.title or self.doc.path.stem
        return (
            f'<article{attrs(id=document_id(self.number), class_=f"document kind-{self.doc.kind}", lang=lang)}'
            f"{attrs(data_title=running_title(title), data_date=date_unless_in(title, meta.date))}>\n"
            f"{self.header()}{self.body()}</article>\n"
        )


def qr_code(url: str, element: str, attributes: str) -> str:
    """An empty ``element`` with ``attributes`` where the QR code of ``url`` is drawn after layout
    (``pdf_codes``; the stylesheet gives it the code's size); nothing when the address is too long
    for a QR code to hold."""
    try:
        qr_svg(url)  # made now, or read from the cache, for the layout to draw
    except segno.DataOverflowError:
        return ""
    return f'<{element} {attributes} {CODE_ATTRIBUTE}="{escape(url)}"></{element}>'


def placeholder(url: str, caption: str, error: str, assets: Assets) -> str:
    """A framed box where an image should be: what it showed, where it lives, and why it is missing."""
    web = urlsplit(url.strip()).scheme.lower() in ("http", "https")
    code = qr_code(url, "a", f'class="missing-qr" href="{escape(url)}"') if web else ""
    address = f'<a href="{escape(url)}">{escape(url)}</a>' if web else escape(url)
    return (
        f'<span class="image-missing">{code}<span class="missing-caption">{escape(caption or "图片")}</span>'
        f'<span class="missing-url">{address}</span>'
        f'<span class="missing-why">未能载入：{escape(error)}</span></span>'
    )


def _squeeze(text: str) -> str:
    return "".join(text.split())


def date_unless_in(title: str, date: str) -> str:
    """The date, unless the title already says it (a daily digest titled ``2025-02-14``)."""
    return "" if date and date in title else date


def running_title(title: str, limit: float = 28.0) -> str:
    """The title cut to fit a running header: Han characters count one em, others about half."""
    width = 0.0
    for i, char in enumerate(title):
        width += 1.0 if ord(char) > 0x2E7F else 0.55
        if width > limit:
            return title[:i].rstrip() + "…"
    return title


# --------------------------------------------------------------------------
# The pack
# --------------------------------------------------------------------------


def _date_range(docs: Sequence[m.Document]) -> str:
    dates = sorted(d.meta.date for d in docs if _ISO_DATE.match(d.meta.date))
    if not dates:
        return ""
    return dates[0] if dates[0] == dates[-1] else f"{dates[0]} — {dates[-1]}"


COVER_FULL = 8  # documents the cover lists with their kind, one to a row
COVER_COMPACT = 36  # up to this many, two columns of one line each; beyond, the contents lists them


def cover(title: str, docs: Sequence[m.Document], generated: dt.date) -> str:
    """The pack at a glance, on one page whatever its size: a month of digests must not spill over."""
    papers = sum(len(d.papers) for d in docs)
    span = _date_range(docs)
    if len(docs) <= COVER_FULL:
        listing = "".join(
            f'<li><span class="cover-doc-kind">{KIND_LABELS.get(d.kind, KIND_LABELS["generic"])}</span>'
            f"{escape(space_text(d.meta.title or d.path.stem))}</li>"
            for d in docs
        )
        docs_html = f'<ol class="cover-docs">{listing}</ol>\n'
    elif len(docs) <= COVER_COMPACT:
        items = [
            f'<li><span class="cover-doc-date">{escape(date_unless_in(title, d.meta.date))}</span>'
            f"{escape(space_text(title))}</li>"
            for d in docs
            for title in [d.meta.title or d.path.stem]
        ]
        # Two lists side by side rather than CSS columns, which WeasyPrint balances by laying the list
        # out again and again: 7 % of a month's front matter (callgrind).
        half = (len(items) + 1) // 2
        columns = "".join(f'<ol class="cover-docs compact">{"".join(c)}</ol>' for c in (items[:half], items[half:]))
        docs_html = f'<div class="cover-columns">{columns}</div>\n'
    else:
        docs_html = ""
    return (
        '<section class="cover">\n'
        f'<h1 class="cover-title">{escape(space_text(title))}</h1>\n'
        + (f'<p class="cover-range">{escape(span)}</p>\n' if span else "")
        + f'<p class="cover-facts"><span>{len(docs)}</span> 篇文档　<span>{papers}</span> 篇论文</p>\n'
        f"{docs_html}"
        f'<p class="cover-generated">{generated.isoformat()} 生成 · publish {__version__}</p>\n</section>\n'
    )


def contents(items: Sequence[DocumentInput], *, in_parts: bool = False) -> str:
    """Documents and their papers, each with its page number.

    In one piece the stylesheet's ``target-counter`` finds the numbers.  Built in parts, the
    contents is laid out before any document's pages are known: the join sets each number after
    its title (``data-slot``, ``pdf_numbers``), so no page count can make the contents be laid out
    again; its links point across parts (``PART_LINK``), joined up with the parts.  (An empty
    element for the number cost a third of the contents' layout, and two more links per entry.)
    """

    def link(anchor: str, label: str) -> str:
        target = escape(anchor)
        if in_parts:
            slot = f'<span class="toc-text" {SLOT_ATTRIBUTE}="{target}">{label}</span>'
            return f'<a href="{PART_LINK}{target}">{slot}</a>'
        number = f'<span class="toc-page" data-target="#{target}"></span>'
        return f'<a href="#{target}"><span class="toc-text">{label}</span>{number}</a>'

    entries = []
    for number, item in enumerate(items, start=1):
        doc = item.doc
        papers = "".join(
            f"<li>{link(f'{document_id(number)}-{anchor}', escape(space_text(paper.title)))}</li>"
            for _, paper, anchor in item.papers
        )
        title = doc.meta.title or doc.path.stem
        date = date_unless_in(title, doc.meta.date)
        date_html = f'<span class="toc-date">{escape(date)}</span>' if date else ""
        entries.append(
            f'<li class="toc-doc">{link(document_id(number), escape(space_text(title)) + date_html)}'
            + (f'<ol class="toc-papers">{papers}</ol>' if papers else "")
            + "</li>\n"
        )
    heading = '<h1 class="toc-title bm1">目录</h1>'
    classes = "toc toc-in-parts" if in_parts else "toc"
    listed = "".join(entries)
    return f'<nav class="{classes}" id="{CONTENTS_ID}">\n{heading}\n<ol class="toc-docs">\n{listed}</ol>\n</nav>\n'


def _head(title: str, docs: Sequence[m.Document]) -> str:
    """Title, author, subject and keywords become the PDF's metadata."""
    authors = list(dict.fromkeys(d.meta.author for d in docs if d.meta.author))
    keywords = list(dict.fromkeys(t for d in docs for t in d.meta.tags))
    subject = f"{len(docs)} 篇文档，{sum(len(d.papers) for d in docs)} 篇论文 {_date_range(docs)}".strip()
    metas = [("author", ", ".join(authors) or "publish"), ("description", subject), ("keywords", ", ".join(keywords)),
             ("generator", f"publish {__version__}")]
    tags = "".join(f'<meta name="{name}" content="{escape(value)}"/>' for name, value in metas if value)
    return f'<head><meta charset="utf-8"/><title>{escape(title)}</title>{tags}</head>\n'


def _page(head: str, body: str) -> str:
    return f'<!DOCTYPE html>\n<html lang="zh-Hans">\n{head}<body>\n{body}</body>\n</html>\n'


def render_pack(
    title: str, items: Sequence[DocumentInput], assets: Assets, *, generated: dt.date, toc: bool = True
) -> Rendered:
    """The pack as one HTML document: a cover, the contents (``toc``), then each document in order."""
    translators = [PDFTranslator(item, number, assets) for number, item in enumerate(items, start=1)]
    articles = "".join(t.article() for t in translators)
    docs = [item.doc for item in items]
    front = cover(title, docs, generated) + (contents(items) if toc else "")
    return Rendered(html=_page(_head(title, docs), front + articles), warnings=[t.warnings for t in translators])


def render_front(title: str, items: Sequence[DocumentInput], *, generated: dt.date, toc: bool) -> str:
    """The cover and contents as a part of their own, with slots for page numbers; it carries the pack's metadata."""
    docs = [item.doc for item in items]
    front = cover(title, docs, generated) + (contents(items, in_parts=True) if toc else "")
    return _page(_head(title, docs), front)


def render_document(item: DocumentInput, number: int, assets: Assets) -> Rendered:
    """Document ``number`` of the pack as a part of its own."""
    translator = PDFTranslator(item, number, assets)
    head = f'<head><meta charset="utf-8"/><title>{escape(item.doc.meta.title or item.doc.path.stem)}</title></head>\n'
    return Rendered(html=_page(head, translator.article()), warnings=[translator.warnings])
