"""XHTML content documents: the HTML translator's markup, split into files and parsed as XML.

The HTML fragment renderer already writes polyglot markup; what an EPUB adds
is that every content document must be well-formed XML (one stray control
character makes a reader refuse the whole book), that readers choke on very
large files, and that images must be inside the book.  So each document is
rendered section by section, long documents are split at section boundaries,
and every piece is parsed with lxml before it goes in: a piece that does not
parse is replaced by a note and a warning instead of breaking the book.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from itertools import count, takewhile
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from publish import model as m
from publish.render.epub_media import ImageMap, Resource, embed_images
from publish.render.html import FormulaMap, HTMLTranslator, document_header, safe_url
from publish.render.math import MathRenderer, render_formulas
from publish.tree import iter_nodes, walk_document

XHTML_NS = "http://www.w3.org/1999/xhtml"
SVG_NS = "http://www.w3.org/2000/svg"
EPUB_NS = "http://www.idpf.org/2007/ops"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TEXT_DIR = "text"
# Readers built on Adobe RMSDK (older Kobo, PocketBook, Nook) refuse or crawl
# through content documents over about 300 KB; stay well below.
CHAPTER_BYTES = 200_000

# Characters XML 1.0 forbids (controls, lone surrogates, non-characters): invisible, and fatal to a reader.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def label(text: str) -> str:
    """One line of text that XML can hold: titles keep runs of spaces and stray controls from their source."""
    return xml_safe(" ".join(text.split()))


def document_title(doc: m.Document) -> str:
    return label(doc.meta.title) or doc.path.stem


def ensure_anchors(doc: m.Document) -> m.Document:
    """Give every section and paper row an id, so the navigation can point at each of them.

    The anchors filter sets ids the documents' own links use; this only fills
    the gaps it leaves (or all of them when it did not run).
    """
    counter = count(1)

    def fill(node: m.Node) -> m.Node | None:
        if isinstance(node, m.Section) and not node.id:
            return dataclasses.replace(node, id=f"pub-s{next(counter)}")
        if isinstance(node, m.Row) and node.paper and not node.paper.anchor:
            return dataclasses.replace(node, paper=dataclasses.replace(node.paper, anchor=f"pub-p{next(counter)}"))
        return None

    return walk_document(doc, fill)


def unsafe_link_warnings(doc: m.Document) -> list[m.Diagnostic]:
    """The renderer drops ``javascript:``, ``data:`` and ``file:`` links silently; the author should hear of it."""
    return [
        doc.diagnostic(node.line, f"link to {node.url.strip()[:60]!r} removed: not an address a reader may open")
        for node in iter_nodes(doc)
        if isinstance(node, m.Link) and node.url.strip() and not safe_url(node.url)
    ]


class EPUBTranslator(HTMLTranslator):
    """The HTML translator with what e-readers need instead: embedded images, no ``<details>``."""

    def __init__(self, doc: m.Document, formulas: FormulaMap, images: ImageMap) -> None:
        super().__init__(doc, formulas)
        self.images = images

    def visit_Image(self, node: m.Image) -> str:
        found = self.images.get(node.url)
        if isinstance(found, Resource):
            title = f' title="{escape(node.title)}"' if node.title else ""
            return f'<img src="../{escape(found.name)}" alt="{escape(node.alt)}"{title}/>'
        label = f"：{escape(node.alt, quote=False)}" if node.alt else ""
        if urlsplit(node.url.strip()).scheme.lower() in ("http", "https"):
            where = self.visit_Link(m.Link(url=node.url, children=[m.Text(text=node.url)], line=node.line))
        else:
            where = escape(node.url, quote=False)
        return f'<span class="image-missing">［图片未收录{label}］ {where}</span>'

    def visit_Link(self, node: m.Link) -> str:
        """Tag each link with its source line, for the warning if its target turns out not to exist."""
        html = super().visit_Link(node)
        return f'<a data-line="{node.line}"{html[2:]}' if html.startswith("<a href=") else html

    def visit_Details(self, node: m.Details) -> str:
        """A plain block: several reader engines hide ``<details>`` content or show it without its summary."""
        return (
            f'<div class="details"><p class="details-summary">{self.render_all(node.summary)}</p>\n'
            f"{self.render_all(node.children)}</div>\n"
        )

    def footnotes(self) -> str:
        if not self.doc.footnotes:
            return ""
        notes = "".join(self.visit_FootnoteDef(f) for f in self.doc.footnotes)
        return f'<section class="footnotes" role="doc-endnotes"><hr/><ol>\n{notes}</ol></section>\n'

    def units(self, nodes: list[m.Node], budget: int) -> Iterator[tuple[int, str]]:
        """(source line, markup) pieces no larger than ``budget`` where sections allow it.

        A section too large for one file yields its heading with the text
        before its first subsection, then each subsection on its own.
        """
        for node in nodes:
            html = self.render(node)
            if not isinstance(node, m.Section) or len(html.encode()) <= budget:
                yield node.line, html
                continue
            lead = list(takewhile(lambda child: not isinstance(child, m.Section), node.children))
            yield node.line, self.render(dataclasses.replace(node, children=lead))
            yield from self.units(node.children[len(lead) :], budget)


@dataclass
class Chapter:
    """One XHTML file of the book."""

    name: str  # path inside the book, e.g. text/d01-2.xhtml
    title: str
    lang: str
    doc_index: int
    body: etree._Element
    warnings: list[m.Diagnostic] = field(default_factory=list)
    cross_links: dict[str, str | None] = field(default_factory=dict)  # href → what it became (Linker)


def parse_markup(markup: str) -> list[etree._Element]:
    """Elements of an XHTML fragment; raises ``etree.XMLSyntaxError`` when it is not well-formed."""
    wrapper = etree.fromstring(f'<div xmlns="{XHTML_NS}" xmlns:epub="{EPUB_NS}">{xml_safe(markup)}</div>', _PARSER)
    return list(wrapper)


def _pack_units(units: list[tuple[int, str]], budget: int) -> list[list[tuple[int, str]]]:
    """Fill each file with whole pieces up to ``budget`` bytes."""
    files: list[list[tuple[int, str]]] = [[]]
    size = 0
    for line, html in units:
        length = len(html.encode())
        if files[-1] and size + length > budget:
            files.append([])
            size = 0
        files[-1].append((line, html))
        size += length
    return files


def chapter_name(doc_index: int, part: int) -> str:
    """ASCII file names: several readers and EPUBCheck stumble over others."""
    suffix = f"-{part}" if part > 1 else ""
    return f"{TEXT_DIR}/d{doc_index + 1:02d}{suffix}.xhtml"


def document_chapters(translator: EPUBTranslator, doc_index: int, budget: int = CHAPTER_BYTES) -> list[Chapter]:
    """The document as one or more chapters, each a parsed ``<body>``."""
    doc = translator.doc
    units = [(0, document_header(doc)), *translator.units(doc.children, budget), (0, translator.footnotes())]
    title = document_title(doc)
    chapters = []
    for part, pieces in enumerate(_pack_units(units, budget), start=1):
        body = etree.Element(f"{{{XHTML_NS}}}body", nsmap={None: XHTML_NS, "epub": EPUB_NS})
        body.set(f"{{{EPUB_NS}}}type", "bodymatter")
        article = etree.SubElement(body, f"{{{XHTML_NS}}}article", {"class": f"document kind-{doc.kind}"})
        chapter = Chapter(chapter_name(doc_index, part), title, translator.page_lang, doc_index, body)
        for line, html in pieces:
            article.extend(_parse_piece(doc, line, html, chapter.warnings))
        chapters.append(chapter)
    return chapters


def _parse_piece(doc: m.Document, line: int, html: str, warnings: list[m.Diagnostic]) -> list[etree._Element]:
    try:
        return parse_markup(html)
    except etree.XMLSyntaxError as exc:
        warnings.append(doc.diagnostic(line, f"this part could not be written as XHTML ({exc}): left out of the EPUB"))
        return parse_markup('<p class="render-error">［此处内容无法转换，已略去］</p>')


def xhtml_page(title: str, lang: str, body: etree._Element, stylesheet: str) -> bytes:
    """A complete XHTML5 content document around ``body``; ``stylesheet`` is relative to the page."""
    html = etree.Element(f"{{{XHTML_NS}}}html", nsmap={None: XHTML_NS, "epub": EPUB_NS})
    html.set("lang", lang)
    html.set(XML_LANG, lang)
    head = etree.SubElement(html, f"{{{XHTML_NS}}}head")
    etree.SubElement(head, f"{{{XHTML_NS}}}meta", {"charset": "utf-8"})
    etree.SubElement(head, f"{{{XHTML_NS}}}title").text = xml_safe(title) or "—"
    etree.SubElement(head, f"{{{XHTML_NS}}}link", {"rel": "stylesheet", "type": "text/css", "href": stylesheet})
    html.append(body)
    return etree.tostring(html, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>")


def body_from_markup(markup: str, epub_type: str, css_class: str) -> etree._Element:
    """A ``<body>`` for the pages we write ourselves (cover, contents)."""
    body = etree.Element(f"{{{XHTML_NS}}}body", nsmap={None: XHTML_NS, "epub": EPUB_NS})
    body.set(f"{{{EPUB_NS}}}type", epub_type)
    body.set("class", css_class)
    body.extend(parse_markup(markup))
    return body


def has_svg(body: etree._Element) -> bool:
    """Whether the manifest must declare the ``svg`` property for this page."""
    return next(body.iter(f"{{{SVG_NS}}}svg"), None) is not None


@dataclass(frozen=True)
class Prepared:
    """What the XHTML-based writers (EPUB, HTML bundle) need per document before translating it."""

    documents: list[m.Document]
    formulas: list[FormulaMap]
    images: list[ImageMap]
    image_warnings: list[list[m.Diagnostic]]


def prepare_documents(pack: m.Pack, *, offline: bool, cache_dir: Path | None, folder: str = "images") -> Prepared:
    """Anchors on every paper, formulas rendered, images fetched once for the whole pack.

    ``offline`` here or in the manifest's options keeps the build off the network.
    """
    documents = [ensure_anchors(doc) for doc in pack.documents]
    with MathRenderer() as renderer:
        rendered = [render_formulas(doc, renderer) for doc in documents]
    documents = [doc for doc, _ in rendered]
    offline = offline or bool(pack.options.get("offline"))
    images, image_warnings = embed_images(documents, offline=offline, cache_dir=cache_dir, folder=folder)
    return Prepared(documents, [formulas for _, formulas in rendered], images, image_warnings)
