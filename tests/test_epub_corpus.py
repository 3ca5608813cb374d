"""The EPUB of the real corpus: valid for EPUBCheck, nothing lost, nothing remote.

Built offline (the corpus's images are on hosts tests never reach), once for
the whole pack and once per file, as a user would build either.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import corpus_file
from test_epub import NS, XHTML, Book, epubcheck

from publish import model as m
from publish.pipeline import load_pack
from publish.render.epub import build_epub
from publish.tree import iter_nodes

PREFIXES = ["000", "001", "003", "004"]
SVG = f"{{{NS['svg']}}}svg"


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.fixture(scope="module")
def built(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Book, m.Pack, Path]]:
    """The pack and each file alone, keyed 'pack' and by prefix."""
    folder = tmp_path_factory.mktemp("epub-corpus")
    inputs = {"pack": corpus, **{prefix: corpus_file(prefix) for prefix in PREFIXES}}
    out = {}
    for key, source in inputs.items():
        output = folder / f"{key}.epub"
        pack = build_epub(load_pack([source]), output, offline=True, cache_dir=folder / "images")
        out[key] = (Book(output), pack, output)
    return out


@pytest.fixture(scope="module")
def epubcheck_reports(built: dict[str, tuple[Book, m.Pack, Path]]) -> dict[str, list[str]]:
    reports = epubcheck([path for _, _, path in built.values()])
    return {key: reports[path] for key, (_, _, path) in built.items()}


@pytest.mark.parametrize("key", ["pack", *PREFIXES])
def test_epubcheck_reports_no_error_and_no_warning(epubcheck_reports: dict[str, list[str]], key: str) -> None:
    assert epubcheck_reports[key] == []


def test_every_paper_title_is_in_the_text(built: dict[str, tuple[Book, m.Pack, Path]]) -> None:
    book, pack, _ = built["pack"]
    visible = _normal(book.text(book.chapters()))
    missing = [p.title for doc in pack.documents for p in doc.papers if _normal(p.title) not in visible]
    assert missing == []
    assert sum(len(doc.papers) for doc in pack.documents) == 22 + 12 + 70 + 18


def test_the_nav_has_an_entry_per_document_and_per_paper(built: dict[str, tuple[Book, m.Pack, Path]]) -> None:
    book, pack, _ = built["pack"]
    labels = [label for _, label in book.nav_links()]
    nav = book.xml("EPUB/nav.xhtml").find(".//x:nav[@epub:type='toc']/x:ol", NS)
    assert nav is not None
    top = [" ".join("".join(li.find("x:a", NS).itertext()).split()) for li in nav.iterfind("x:li", NS)]
    assert top == [_normal(doc.meta.title) for doc in pack.documents]
    for doc in pack.documents:
        for paper in doc.papers:
            assert _normal(paper.title) in labels, paper.title
    assert book.broken_links() == []


def test_every_formula_is_displayable_markup(built: dict[str, tuple[Book, m.Pack, Path]]) -> None:
    """Each rendered formula is an inline SVG labelled with its TeX; each failed one shows its TeX as code."""
    book, pack, _ = built["pack"]
    for doc, name in zip(pack.documents, _document_files(book), strict=True):
        pages = [book.xml(page) for page in name]
        # Stretchy delimiters are SVGs nested in a formula's SVG: count the outermost only.
        outermost = [svg for page in pages for svg in page.iter(SVG) if next(svg.iterancestors(SVG), None) is None]
        labels = [svg.get("aria-label") for svg in outermost]
        sources = ["".join(code.itertext()) for page in pages for code in page.iterfind(".//x:code", NS)]
        for formula in (n for n in iter_nodes(doc) if isinstance(n, m.Math)):
            shown = sources if formula.error else labels
            assert formula.tex in shown, formula.tex
        wanted = sum(1 for n in iter_nodes(doc) if isinstance(n, m.Math) and not n.error)
        assert len(labels) == wanted
    assert sum(1 for _ in book.xml("EPUB/text/d04.xhtml").iter(SVG)) > 0


def _document_files(book: Book) -> list[list[str]]:
    """Chapter files grouped per document (d01.xhtml, d01-2.xhtml, … share a document)."""
    groups: dict[str, list[str]] = {}
    for name in book.chapters():
        groups.setdefault(re.sub(r"-\d+(?=\.xhtml$)", "", name), []).append(name)
    return list(groups.values())


def test_no_resource_is_remote(built: dict[str, tuple[Book, m.Pack, Path]]) -> None:
    book, _, _ = built["pack"]
    manifest = [item.get("href", "") for item in book.opf.iterfind(".//opf:item", NS)]
    assert all(not urlsplit(href).scheme and f"EPUB/{href}" in book.names for href in manifest)
    assert not any(
        "remote-resources" in (item.get("properties") or "") for item in book.opf.iterfind(".//opf:item", NS)
    )
    for page in book.pages():
        tree = book.xml(page)
        sources = [el.get("src", "") for el in tree.iter(f"{XHTML}img")]
        sources += [el.get("href", "") for el in tree.iter(f"{XHTML}link")]
        sources += [el.get("{http://www.w3.org/1999/xlink}href", "") for el in tree.iter(f"{{{NS['svg']}}}image")]
        assert all(not urlsplit(src).scheme for src in sources), page
    assert "url(" not in book.zip.read("EPUB/styles/epub.css").decode()


def test_remote_images_offline_become_placeholders_with_their_links(
    built: dict[str, tuple[Book, m.Pack, Path]],
) -> None:
    book, pack, _ = built["001"]
    links = [
        a.get("href")
        for page in book.chapters()
        for a in book.xml(page).iterfind(".//x:span[@class='image-missing']/x:a", NS)
    ]
    assert len(links) == 50 and all(str(href).startswith("https://") for href in links)
    assert sum("not embedded" in w.message for w in pack.documents[0].warnings) == 50
