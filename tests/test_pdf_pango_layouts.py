"""Pango layouts kept from layout to drawing: the same pages as when WeasyPrint makes them again."""

from __future__ import annotations

import io

import pikepdf
import pytest
from conftest import corpus_file
from weasyprint.text.line_break import Layout

from publish.pipeline import load_pack
from publish.render import pdf, pdf_pango_layouts
from publish.render.pdf_assets import Assets
from publish.render.pdf_engine import render_html
from publish.render.pdf_fonts import find_fonts
from publish.render.pdf_html import DocumentInput, render_document

STOCK = {name: Layout.__dict__[name] for name in ("set_text", "deactivate", "reactivate")}  # before ours are installed
ENGLISH = "Justified English text, hyphenated where the dictionary allows it, over several lines of the page. " * 4
# What drawing reads from a layout: justified lines, decorations, ellipses, spacing, another style, SVG text.
PAGE = (
    '<html lang="zh-Hans"><body>'
    f'<p lang="en" style="text-align: justify">{ENGLISH}<a href="https://example.org">a link</a></p>'
    "<p>中文正文，与 Latin 混排，<u>下划线</u>、<s>删除线</s>、<em>强调</em>、<strong>粗体</strong>。</p>"
    f'<p style="white-space: nowrap; overflow: hidden; text-overflow: ellipsis">{ENGLISH}</p>'
    f'<p style="letter-spacing: 0.1em; word-spacing: 0.3em">{ENGLISH[:80]}</p>'
    '<p style="font-variant: small-caps">Small capitals</p>'
    '<ul><li>列表项</li><li>List item</li></ul>'
    '<svg width="200" height="40"><text x="0" y="20">SVG 文字</text></svg>'
    "<pre>code\n  block</pre><p style='white-space: pre-line'>kept\nnewlines</p>"
    f"<p>分段\u2029符与\u2028分行符</p><p lang='en'>{ENGLISH[:150]}\u2029{ENGLISH[:150]}</p>"
    "</body></html>"
)


def drawn(page: str, monkeypatch: pytest.MonkeyPatch, *, stock: bool) -> list[bytes]:
    """Each page's content stream, laid out with the pack's stylesheets."""
    if stock:
        monkeypatch.setattr(pdf_pango_layouts, "install", lambda: False)
        for name, method in STOCK.items():
            monkeypatch.setattr(Layout, name, method)
    else:
        assert pdf_pango_layouts.install()
    engine = pdf.layout_engine(find_fonts(), "a4", roots=())
    pages = []
    with pikepdf.open(io.BytesIO(render_html(page, engine, {}).write_pdf())) as document:
        for each in document.pages:
            each.contents_coalesce()
            pages.append(each.Contents.read_bytes())
    return pages


def test_what_drawing_reads_from_a_layout_comes_out_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    ours = drawn(PAGE, monkeypatch, stock=False)
    monkeypatch.undo()
    assert ours == drawn(PAGE, monkeypatch, stock=True)
    assert Layout.set_text is STOCK["set_text"], "WeasyPrint's own methods were in place for the second layout"


def test_a_corpus_digest_comes_out_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    [doc] = load_pack([corpus_file("000")]).documents
    docs, formulas = pdf.typeset_formulas([doc])
    page = render_document(DocumentInput(docs[0], formulas[0], {}), 1, Assets()).html
    ours = drawn(page, monkeypatch, stock=False)
    monkeypatch.undo()
    assert len(ours) > 3 and ours == drawn(page, monkeypatch, stock=True)
