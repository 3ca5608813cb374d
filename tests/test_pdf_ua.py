"""The trimmed user-agent stylesheet must draw exactly what WeasyPrint's own draws, on our pages."""

from __future__ import annotations

import io
import logging
import re

import pikepdf
import pytest
from conftest import corpus_file
from weasyprint import HTML, html

from publish.pipeline import load_pack
from publish.render import pdf, pdf_ua
from publish.render.html import stylesheet
from publish.render.pdf_assets import Assets
from publish.render.pdf_engine import PackHTML, render_html
from publish.render.pdf_fonts import find_fonts
from publish.render.pdf_html import DocumentInput, render_document

LISTS = (
    "<ul><li>一 <b>bold</b><ul><li>nested<ol start='3'><li>third</li><li value='9'>ninth</li></ol></li></ul></li>"
    "<li style='list-style-position: inside'>inside</li></ul>"
    "<ol reversed><li>b</li><li>a</li></ol><ol style='list-style-type: lower-alpha; text-transform: uppercase'>"
    "<li>marker in lower case</li></ol><dl><dt>term</dt><dd>definition</dd></dl>"
    "<p><q>quoted</q> line<br/>break wo<wbr/>rd</p><pre>code\n  block</pre>"
    "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>cell</td></tr></tbody></table>"
    "<details><summary>summary</summary>details</details>"
    "<section><h1>one</h1><section><h1>two</h1><h2>sub</h2></section></section>"
)


def drawn(document: object) -> list[bytes]:
    """Each page's content stream: the same operators mean the same page."""
    pages = []
    with pikepdf.open(io.BytesIO(document.write_pdf())) as doc:  # type: ignore[attr-defined]
        for page in doc.pages:
            page.contents_coalesce()
            pages.append(page.Contents.read_bytes())
    return pages


def both_ways(page: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[bytes], list[bytes]]:
    """``page`` laid out with the pack's stylesheets: with the trimmed UA sheet, then with WeasyPrint's."""
    engine = pdf.layout_engine(find_fonts(), "a4", roots=())
    ours = drawn(render_html(page, engine, {}))
    monkeypatch.setattr(PackHTML, "_ua_stylesheets", HTML._ua_stylesheets)
    return ours, drawn(render_html(page, engine, {}))


def test_the_installed_weasyprint_was_checked() -> None:
    assert pdf_ua.ua_stylesheet() is not None, "the WeasyPrint version in use was not checked: update CHECKED_VERSIONS"
    text = pdf_ua.trimmed(html.UA)
    assert text is not None and "li::marker" in text
    assert not re.search(r"^::", text, re.M), "a universal pseudo-element rule is left"


def test_the_trimmed_sheet_is_parsed_without_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    pdf_ua.ua_stylesheet.cache_clear()
    with caplog.at_level(logging.DEBUG, logger="weasyprint"):
        assert pdf_ua.ua_stylesheet() is not None
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_an_unknown_stylesheet_is_left_as_it_is() -> None:
    assert pdf_ua.trimmed("p { color: red }") is None


def test_lists_and_the_rest_of_the_ua_sheet_draw_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    page = f'<html lang="zh-Hans"><body>{LISTS}</body></html>'
    ours, stock = both_ways(page, monkeypatch)
    assert ours == stock


def test_a_corpus_digest_draws_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    [doc] = load_pack([corpus_file("000")]).documents
    docs, formulas = pdf.typeset_formulas([doc])
    item = DocumentInput(docs[0], formulas[0], {})
    page = render_document(item, 1, Assets()).html
    ours, stock = both_ways(page, monkeypatch)
    assert len(ours) > 3 and ours == stock


def test_the_pack_stylesheets_never_need_the_rules_left_out() -> None:
    """No footnote float (the note rules) and no other list items than ``li`` (the marker rule)."""
    for name in pdf.PAPER_SIZES["a4"] + pdf.PAPER_SIZES["a5"]:
        text = stylesheet(name)
        floats = set(re.findall(r"float:\s*([a-z-]+)", text))
        assert floats <= set(pdf_ua.PACK_FLOATS), f"{name}: float {floats - set(pdf_ua.PACK_FLOATS)}"
        assert "list-item" not in text, f"{name} displays something as a list item: give it ::marker in pdf_ua"
