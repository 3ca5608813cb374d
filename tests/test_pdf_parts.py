"""The PDF built in parts must read exactly like the PDF built in one piece.

Parts are laid out separately (and cached), then joined: page numbers,
contents, outline, links and the structure tree are made whole afterwards.
These tests build the same pack both ways with the real WeasyPrint and compare
page by page — also after an edit that moves every later page number, built
from a warm cache where only the edited document is laid out again.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pikepdf
import pytest
from conftest import corpus_file
from test_pdf import build, outline

from publish.pipeline import load_pack
from publish.render.pdf_merge import plan, tree_items

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")


def destinations(data: bytes) -> dict[str, int]:
    """Each named destination of a PDF and the (0-based) page it is on."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        index = {page.objgen: number for number, page in enumerate(pdf.pages)}
        tree = pdf.Root.get("/Names", pikepdf.Dictionary()).get("/Dests")
        if tree is None:
            return {}
        return {
            str(name): index[dest[0].objgen]
            for name, dest in tree_items(tree, "/Names")
            if isinstance(dest, pikepdf.Array) and len(dest) and dest[0].objgen in index
        }


def page_texts(path: Path) -> list[str]:
    """The text of each page as laid out, word by word in its column (form feeds separate pages).

    Blank lines are left out: pdftotext guesses them from the gaps between the blocks it finds, and
    the contents' numbers, drawn with the page numbers in the joined PDF, are a block of their own.
    """
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return ["\n".join(line for line in page.splitlines() if line.strip()) for page in text.split("\f")]


def links(path: Path) -> list[tuple[int, str, int]]:
    """(page, destination name, page it lands on) of every internal link."""
    targets = destinations(path.read_bytes())
    out = []
    with pikepdf.open(path) as pdf:
        for number, page in enumerate(pdf.pages):
            for annot in page.obj.get("/Annots", []):
                if "/Dest" in annot:
                    name = str(annot.Dest)
                    out.append((number, name, targets.get(name, -1)))
    return out


def structure(path: Path) -> tuple[bool, Counter[str]]:
    """Whether the PDF is marked as tagged, and how many structure elements of each role its tree has."""
    with pikepdf.open(path) as pdf:
        tagged = bool(pdf.Root.get("/MarkInfo", {}).get("/Marked", False))
        roles: Counter[str] = Counter()
        stack = list(pdf.Root.StructTreeRoot.K)
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Dictionary) and node.get("/Type") == "/StructElem":
                roles[str(node.S)] += 1
                kids = node.get("/K", [])
                stack.extend(kids if isinstance(kids, pikepdf.Array) else [kids])
        return tagged, roles


def assert_same_pdf(parts: Path, whole: Path) -> None:
    assert page_texts(parts) == page_texts(whole)
    assert outline(parts) == outline(whole)
    assert destinations(parts.read_bytes()) == destinations(whole.read_bytes())
    joined = links(parts)
    assert joined and all(page >= 0 for _, _, page in joined), [x for x in joined if x[2] < 0]
    # The same links to the same pages; how many rectangles WeasyPrint makes of one link depends on the
    # boxes inside it, and the contents' entries hold fewer built in parts (no element for the number).
    assert set(joined) == set(links(whole))
    # In one piece each contents' number is text of its own (a span, its generated text, and that
    # text's span: Span, NonStruct, Span); built in parts it is drawn at the join, outside the
    # structure tree (an artifact), like the page numbers.
    first_document = destinations(whole.read_bytes())["d1"]
    numbers = len({name for page, name, _ in links(whole) if page < first_document})
    tagged, roles = structure(parts)
    assert tagged and roles + Counter({"/Span": 2 * numbers, "/NonStruct": numbers}) == structure(whole)[1]


def part_files(cache: Path) -> set[str]:
    """The entries of the PDF part cache: laid-out parts and joined PDFs."""
    return {p.name for p in (cache / "publish" / "pdf-parts").glob("*/*.pickle")}


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("PUBLISH_CACHE_DIR", raising=False)
    return cache


def test_parts_match_one_piece_after_an_edit_that_moves_page_numbers(
    corpus: Path, tmp_path: Path, own_cache: Path
) -> None:
    folder = tmp_path / "pack"
    shutil.copytree(corpus, folder, ignore=shutil.ignore_patterns("README.md"))
    built = build(load_pack([folder]), tmp_path / "first.pdf", offline=True)
    assert built.engine_records == []
    before = part_files(own_cache)

    first = sorted(folder.glob("000_*.md"))[0]
    added = "\n\n".join(f"补充段落 {i}：编辑之后，后面每一页的页码都要移动。" * 12 for i in range(40))
    first.write_text(first.read_text("utf-8") + "\n\n## 追加的一节\n\n" + added + "\n", "utf-8")
    pack = load_pack([folder])
    parts = build(pack, tmp_path / "parts.pdf", offline=True)
    whole = build(pack, tmp_path / "whole.pdf", offline=True, in_parts=False)

    assert parts.pages > built.pages and parts.pages == whole.pages
    new = part_files(own_cache) - before
    # Made again: the edited document and the joined PDF.  The page numbers moved, but they are set
    # from the specimen, which is the same.
    assert len(new) == 2, new
    assert_same_pdf(parts.path, whole.path)
    assert "追加的一节" in page_texts(parts.path)[-1] or "追加的一节" in "".join(page_texts(parts.path))


def test_a5_documents_open_on_right_hand_pages_as_in_one_piece(tmp_path: Path, own_cache: Path) -> None:
    pack = load_pack([corpus_file("000"), corpus_file("003")])
    parts = build(pack, tmp_path / "parts.pdf", offline=True, paper="a5")
    whole = build(pack, tmp_path / "whole.pdf", offline=True, paper="a5", in_parts=False)
    assert parts.pages == whole.pages
    assert_same_pdf(parts.path, whole.path)
    opening = [page for level, _, page in outline(parts.path) if level == 1][1:]  # after 目录
    assert opening and all(page % 2 == 1 for page in opening), opening


def test_unchanged_rebuild_lays_out_nothing(tmp_path: Path, own_cache: Path) -> None:
    pack = load_pack([corpus_file("000")])
    build(pack, tmp_path / "a.pdf", offline=True)
    before = part_files(own_cache)
    build(pack, tmp_path / "b.pdf", offline=True)
    assert part_files(own_cache) == before
    assert page_texts(tmp_path / "a.pdf") == page_texts(tmp_path / "b.pdf")


def test_plan_inserts_blank_pages_only_for_right_hand_openings() -> None:
    assert plan([3, 4, 5], right_hand=False).starts == (0, 3, 7)
    layout = plan([3, 4, 5], right_hand=True)
    assert layout.starts == (0, 4, 8) and layout.blanks == frozenset({3})
    assert layout.total == 13


def test_a_document_added_is_joined_as_in_one_piece(tmp_path: Path, own_cache: Path) -> None:
    # The contents is new, the first document comes from the cache: the documents are joined while
    # the contents is laid out, and the contents' pages (and an A5 blank page after them) go in front.
    build(load_pack([corpus_file("000")]), tmp_path / "before.pdf", offline=True, paper="a5")
    pack = load_pack([corpus_file("000"), corpus_file("003")])
    parts = build(pack, tmp_path / "parts.pdf", offline=True, paper="a5")
    whole = build(pack, tmp_path / "whole.pdf", offline=True, paper="a5", in_parts=False)
    assert parts.pages == whole.pages
    assert_same_pdf(parts.path, whole.path)


def test_a_pool_that_cannot_take_parts_fails_where_the_parts_are_wanted() -> None:
    """Parts are handed to the pool on a thread; what stops the hand-over must reach the caller."""
    from concurrent.futures import ProcessPoolExecutor

    from publish.render.pdf_parts import Engine, Part, _hand_over

    pool = ProcessPoolExecutor(1)
    pool.shutdown()
    results = _hand_over(pool, [(0, Part("document 1", "<p>x</p>"))], Engine((), (), ()))
    with pytest.raises(RuntimeError, match="shutdown"):
        list(results)


def test_parts_are_counted_and_collected_once(own_cache: Path) -> None:
    """The build asks the contents for its styles early and again at the join: one layout, one progress step."""
    from publish.render.pdf_parts import Engine, Layouts, Part

    parts = [Part("document 1", "<p>一</p>"), Part("document 2", "<p>二</p>")]
    done: list[int] = []
    with Layouts(Engine((), (), ()), jobs=1) as layouts:
        layouts.start(parts[:1])()
        pending = layouts.start(parts, on_done=lambda index, _: done.append(index))
        assert (pending.from_cache, pending.laid_out) == (1, 1)
        first = pending()
        assert pending() is first and [laid.pages for laid in first] == [1, 1]
    assert sorted(done) == [0, 1]
