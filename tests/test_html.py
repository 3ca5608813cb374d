"""The HTML renderer on the real corpus: nothing lost, no TeX left over, no dead links."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from _helpers import missing_words, source_words
from conftest import corpus_file

from publish.pipeline import load_document
from publish.render.html import render_page
from publish.render.math import MathRenderer, render_formulas

PREFIXES = ["000", "001", "003", "004"]


class _PageText(HTMLParser):
    """Visible text (outside <svg>, <style>), element ids and internal hrefs of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.ids: set[str] = set()
        self.fragments: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        href = values.get("href") or ""
        if href.startswith("#"):
            self.fragments.append(href[1:])
        if tag in ("svg", "style", "title"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("svg", "style", "title"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


@pytest.fixture(scope="module")
def pages() -> dict[str, tuple[str, _PageText]]:
    out: dict[str, tuple[str, _PageText]] = {}
    with MathRenderer() as renderer:
        for prefix in PREFIXES:
            doc, formulas = render_formulas(load_document(corpus_file(prefix)), renderer)
            page = render_page(doc, formulas)
            parsed = _PageText()
            parsed.feed(page)
            out[prefix] = (page, parsed)
    return out


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_word_of_the_source_is_in_the_html(prefix: str, pages: dict) -> None:
    _, parsed = pages[prefix]
    words = source_words(corpus_file(prefix).read_text(encoding="utf-8-sig"))
    missing = missing_words(words, "".join(parsed.text))
    assert not missing, f"{len(missing)} words lost, e.g. {missing[:20]}"


@pytest.mark.parametrize("prefix", PREFIXES)
def test_no_raw_tex_delimiters_survive(prefix: str, pages: dict) -> None:
    _, parsed = pages[prefix]
    text = "".join(parsed.text)
    assert "$$" not in text
    assert not re.search(r"\$[^$\s][^$]{0,200}?\$", text), re.search(r"\$[^$\s][^$]{0,200}?\$", text)
    assert "\\(" not in text and "\\)" not in text


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_internal_link_resolves(prefix: str, pages: dict) -> None:
    _, parsed = pages[prefix]
    dead = [f for f in parsed.fragments if f not in parsed.ids]
    assert not dead, dead


@pytest.mark.parametrize("prefix", PREFIXES)
def test_formulas_are_svg_with_their_tex_for_screen_readers(prefix: str, pages: dict) -> None:
    page, _ = pages[prefix]
    doc = load_document(corpus_file(prefix))
    from publish.model import Math
    from publish.tree import iter_nodes

    formulas = [n for n in iter_nodes(doc) if isinstance(n, Math)]
    svgs = re.findall(r'<span class="math math-(?:inline|display)"><svg\b[^>]*>', page)  # outermost only
    assert len(svgs) + page.count('class="math-source') >= len(formulas)
    assert all('role="img"' in s and "aria-label=" in s for s in svgs)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "element ids must be unique on a page"
