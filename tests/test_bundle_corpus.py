"""The corpus as a bundle: every paper, formula and link there, valid HTML (Nu Html Checker)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from _helpers import vnu_errors
from lxml import html as lxml_html

from publish import model as m
from publish.model import Pack
from publish.pipeline import load_pack
from publish.render.bundle import build_bundle
from publish.tree import iter_nodes


@pytest.fixture(scope="module")
def built(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Pack, Path]:
    out = tmp_path_factory.mktemp("bundle") / "html"
    pack = load_pack([corpus])
    build_bundle(pack, out, offline=True, cache_dir=tmp_path_factory.mktemp("images"))
    return pack, out


def text_of(out: Path) -> str:
    return " ".join(lxml_html.parse(str(p)).getroot().text_content() for p in sorted(out.glob("*.html")))


def test_every_paper_title_is_in_the_bundle(built: tuple[Pack, Path]) -> None:
    pack, out = built
    text = " ".join(text_of(out).split())
    missing = [p.title for doc in pack.documents for p in doc.papers if " ".join(p.title.split()) not in text]
    assert sum(len(doc.papers) for doc in pack.documents) == 122
    assert missing == []


def test_every_formula_displays(built: tuple[Pack, Path]) -> None:
    """As SVG, or (when MathJax refuses it) as the author's TeX: never lost."""
    pack, out = built
    formulas = sum(1 for doc in pack.documents for n in iter_nodes(doc) if isinstance(n, m.Math))
    pages = [p.read_text("utf-8") for p in out.glob("*.html")]
    shown = sum(len(re.findall(r'<span class="math math-(?:inline|display)"><svg', p)) for p in pages)
    as_code = sum(len(re.findall(r'<code class="math-source', p)) for p in pages)
    assert shown + as_code == formulas
    assert shown >= formulas - 5
    assert not any("data-formula" in p for p in pages)
    assert not any(re.search(r'<div class="formula"', p) for p in pages)  # display formulas carry an id too


def test_every_internal_link_resolves(built: tuple[Pack, Path]) -> None:
    _, out = built
    ids = {p.name: set(re.findall(r' id="([^"]+)"', p.read_text("utf-8"))) for p in out.glob("*.html")}
    broken = []
    for page in out.glob("*.html"):
        for href in re.findall(r' (?:href|src)="([^"]+)"', page.read_text("utf-8")):
            parts = urlsplit(unescape(href))
            if parts.scheme in ("http", "https", "mailto"):
                continue
            target = parts.path or page.name
            if not (out / unquote(target)).is_file():
                broken.append(f"{page.name}: {href}")
            elif parts.fragment and unquote(parts.fragment) not in ids.get(target, set()):
                broken.append(f"{page.name}: {href}")
    assert broken == []


def test_nothing_loads_from_outside_the_bundle(built: tuple[Pack, Path]) -> None:
    _, out = built
    for page in out.glob("*.html"):
        html = page.read_text("utf-8")
        assert not re.search(r'<(?:img|script|link|iframe)[^>]+(?:src|href)="(?:https?:)?//', html), page.name


def test_nu_html_checker_finds_no_error(built: tuple[Pack, Path]) -> None:
    assert vnu_errors(sorted(built[1].glob("*.html"))) == ""
