"""The HTML renderer on the real corpus: nothing lost, no TeX left over, no dead links."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
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


def _fold(text: str) -> str:
    """Compare letters, not accents or spacing: repairs like M¨uller → Müller must still match."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c) and not c.isspace()).lower()


_MARKUP = [
    re.compile(r"\A\s*---\n.*?\n---\n", re.S),  # front matter: metadata, checked elsewhere
    re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$|\\\(.*?\\\)", re.S),  # formulas become SVG, not text
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"<[^>]+>"),  # HTML tags and their attributes
    re.compile(r"https?://\S+"),  # bare URLs are links; their text is checked as link text elsewhere
    re.compile(r"\\[A-Za-z]+"),  # LaTeX command names in prose become structure
]
_WORD = re.compile(r"[A-Za-z0-9]+|[\u4e00-\u9fff]+")


def source_words(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8-sig")
    for pattern in _MARKUP:
        text = pattern.sub(" ", text)
    return {w for w in _WORD.findall(unicodedata.normalize("NFKD", text))}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_word_of_the_source_is_in_the_html(prefix: str, pages: dict) -> None:
    _, parsed = pages[prefix]
    html_text = _fold("".join(parsed.text))
    missing = sorted(w for w in source_words(corpus_file(prefix)) if _fold(w) not in html_text)
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
