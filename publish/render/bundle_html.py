"""The bundle's pages: bilingual markup for each document, sanitized, in a shared frame.

The EPUB translator already embeds images from the shared store and marks
links for checking; the bundle adds what a bilingual reader needs: every text
block carries ``lang`` and a stable ``id``, blocks that have a counterpart in
the other language carry ``only-zh`` / ``only-en`` so the language switch can
hide them, and stored translations are shown inside their block, marked as
such.  Without JavaScript no mode is set and both languages show.

Content passes through nh3 before it is framed, as defence in depth behind
the reader (which already turns raw HTML into model nodes).  Formulas are
MathJax's own SVG: they are held out of the sanitizer as numbered slots and
put back afterwards, so the allowlist never needs SVG.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

import nh3
from lxml import etree

from publish import model as m
from publish.render.epub_media import ImageMap, Resource
from publish.render.epub_xhtml import XHTML_NS, EPUBTranslator
from publish.render.html import FormulaMap, HTMLTranslator, attrs, document_facts, document_header
from publish.translate import CHINESE, ENGLISH, Translations, blocks, paper_pairs

SHORT = {CHINESE: "zh", ENGLISH: "en"}
TRANSLATION_MARK = {CHINESE: "译文", ENGLISH: "Translation"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

ALLOWED_TAGS = {
    "a", "abbr", "article", "b", "blockquote", "br", "code", "del", "details", "div", "em", "figcaption",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "li", "ol", "p", "pre", "s",
    "section", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "lang", "title"},
    "a": {"href", "aria-label"},
    "img": {"src", "alt", "loading"},
    "ol": {"start"},
    "details": {"open"},
    "span": {"data-formula"},
    "div": {"tabindex"},
}
_SLOT = re.compile(r'<span class="([^"]*)" data-formula="(\d+)"></span>')


class BundleTranslator(EPUBTranslator):
    """HTML for the bundle: language and id on every text block, translations, formula slots."""

    def __init__(self, doc: m.Document, formulas: FormulaMap, images: ImageMap, translations: Translations) -> None:
        super().__init__(doc, formulas, images)
        self.block_ids = {id(b.node): b.id for b in blocks(doc)}
        self.pairs = paper_pairs(doc)
        self.translations = translations
        self.svgs: list[str] = []
        self.levels = [1 if document_header(doc) else 0]  # heading level of each open section

    def lang(self, node: m.Node) -> str | None:
        """Always written: the switch and the fonts select blocks by their own ``lang``."""
        return node.lang or None

    def text_block(self, tag: str, node: m.Node, inner: str, css: str = "") -> str:
        """A block element with its id and language, hidden in the other language's view when it has a counterpart."""
        block_id = self.block_ids.get(id(node))
        classes = [css] if css else []
        paired = self.pairs.get(id(node))
        if paired:
            classes += [f"only-{SHORT[paired]}", "paper-abstract" if paired == ENGLISH else "paper-summary"]
        found = self.translations.get(block_id or "")
        if found and node.lang in SHORT and found.lang != node.lang:
            classes.append("has-translation")
            mark = f'<span class="tr-mark">{TRANSLATION_MARK[found.lang]}</span>'
            inner = (
                f'<span class="orig only-{SHORT[node.lang]}">{inner}</span>'
                f'<span class="translation only-{SHORT[found.lang]}" lang="{found.lang}">'
                f"{mark} {escape(found.text, quote=False)}</span>"
            )
        return f"<{tag}{attrs(id=block_id, class_=' '.join(classes), lang=self.lang(node))}>{inner}</{tag}>"

    # -- text blocks ------------------------------------------------------

    def visit_Paragraph(self, node: m.Paragraph) -> str:
        if formula := node.display_math():
            formula_attrs = attrs(id=self.block_ids.get(id(node)), class_="formula", lang=self.lang(node))
            return f"<div{formula_attrs}>{self.render(formula)}</div>\n"
        css = f"align-{node.align}" if node.align else ""
        return self.text_block("p", node, self.render_all(node.children), css) + "\n"

    def visit_CodeBlock(self, node: m.CodeBlock) -> str:
        return f"<div{attrs(id=self.block_ids.get(id(node)), class_='code')}>{super().visit_CodeBlock(node)}</div>"

    def visit_ListItem(self, node: m.ListItem) -> str:
        if id(node) not in self.block_ids:
            return super().visit_ListItem(node)
        return self.text_block("li", node, self.render_all(node.children)) + "\n"

    def _cell(self, tag: str, cell: m.Cell) -> str:
        """Alignment as a class: content may not bring styles."""
        return self.text_block(tag, cell, self.render_all(cell.children), f"align-{cell.align}" if cell.align else "")

    def visit_Section(self, node: m.Section) -> str:
        """Heading levels never skip one (authors jump from ## to ####): assistive tools navigate by them."""
        level = min(max(node.level, 1), self.levels[-1] + 1, 6)
        heading = self.text_block(f"h{level}", node, self.render_all(node.title)) + "\n"
        after = self.paper_meta(node.paper) if node.paper else ""
        if node is self.title_section:
            after += document_facts(self.doc.meta)
        self.levels.append(level)
        try:
            body = self.render_all(node.children)
        finally:
            self.levels.pop()
        css = "paper" if node.paper else None
        return f"<section{attrs(id=node.id, class_=css)}>\n{heading}{after}{body}</section>\n"

    # -- embedded content -------------------------------------------------

    def visit_Math(self, node: m.Math) -> str:
        """A numbered slot the sanitizer keeps; ``restore_formulas`` puts the SVG back."""
        svg = None if node.error else self.formulas.get((node.tex, node.display))
        if svg is None:
            return super().visit_Math(node)
        self.svgs.append(svg)
        kind = "display" if node.display else "inline"
        return f'<span class="math math-{kind}" data-formula="{len(self.svgs) - 1}"></span>'

    def visit_Image(self, node: m.Image) -> str:
        """Pages sit at the bundle's root, beside ``assets/``."""
        found = self.images.get(node.url)
        if not isinstance(found, Resource):
            return super().visit_Image(node)
        return f'<img{attrs(src=found.name, title=node.title)} alt="{escape(node.alt)}" loading="lazy"/>'

    def visit_Details(self, node: m.Details) -> str:
        """Browsers handle ``<details>`` well; only e-readers need the EPUB's plain block."""
        return HTMLTranslator.visit_Details(self, node)


# --------------------------------------------------------------------------
# From parsed body to safe markup
# --------------------------------------------------------------------------


def html_markup(element: etree._Element) -> str:
    """Serialize an XHTML element so that an HTML parser reads the same tree.

    Empty non-void elements must not be self-closed (``<td/>`` opens a cell
    in HTML); giving them empty text makes lxml write both tags.
    """
    for node in element.iter(f"{{{XHTML_NS}}}*"):
        if node.text is None and len(node) == 0 and etree.QName(node).localname not in VOID:
            node.text = ""
        if "table-wrap" in node.get("class", "").split():
            node.set("tabindex", "0")  # a wide table scrolls: keyboard users must be able to reach it
    return etree.tostring(element, encoding="unicode", method="xml")


def sanitize(markup: str) -> str:
    """Only the elements, attributes and URL schemes a reading page needs."""
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def restore_formulas(markup: str, svgs: Sequence[str]) -> str:
    def put(match: re.Match[str]) -> str:
        index = int(match.group(2))
        svg = svgs[index] if index < len(svgs) else ""
        return f'<span class="{match.group(1)}">{svg}</span>'

    return _SLOT.sub(put, markup)


def safe_article(body: etree._Element, svgs: Sequence[str]) -> str:
    """The page's ``<article>`` as sanitized HTML with the formulas back in place."""
    article = next(body.iter(f"{{{XHTML_NS}}}article"))
    return restore_formulas(sanitize(html_markup(article)), svgs)
