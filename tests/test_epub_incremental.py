"""Rebuilding an EPUB from cached chapters gives the book a cold build gives, byte for byte.

Hits and misses are read from the cache folder (which entries were written, which were left
alone), never from timing.  The helpers here are shared with ``test_bundle_incremental.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from test_epub import Book, epubcheck, write_png

from publish.cache import CACHE_ENV, cache_folder
from publish.pipeline import load_pack
from publish.render.epub import build_epub

REPO = Path(__file__).resolve().parent.parent
EDITED = "000_"  # the daily digest: one word in its middle is edited
OLD_WORD, NEW_WORD = "Smirnov", "Smirnoff"


Entries = dict[Path, int]


@pytest.fixture(scope="session")
def shared_caches(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-caches")


@pytest.fixture
def caches(tmp_path: Path, shared_caches: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own part caches; a fixed build time, for byte-identical books.

    Formulas, images and read documents are not under test: their caches are shared by every
    test, so MathJax typesets the corpus once.
    """
    root = tmp_path / "cache"
    for kind in ("math", "images", "documents"):
        (shared_caches / kind).mkdir(exist_ok=True)
        (root / kind).parent.mkdir(exist_ok=True)
        (root / kind).symlink_to(shared_caches / kind)
    monkeypatch.setenv(CACHE_ENV, str(root))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    return root


def copy_corpus(corpus: Path, folder: Path) -> Path:
    """The corpus's documents in a folder the test may edit."""
    folder.mkdir()
    for path in sorted(corpus.glob("0*.md")):
        shutil.copy(path, folder / path.name)
    return folder


def edit_one_word(folder: Path) -> Path:
    (path,) = folder.glob(f"{EDITED}*.md")
    text = path.read_text("utf-8")
    assert text.count(OLD_WORD) == 1
    path.write_text(text.replace(OLD_WORD, NEW_WORD), "utf-8")
    return path


def entries(kind: str) -> Entries:
    """Every cached part of ``kind`` with the time it was written: a rewritten part gets a new one."""
    return {path: path.stat().st_mtime_ns for path in cache_folder(kind).rglob("*.pickle")}


def changes(before: Entries, after: Entries) -> tuple[set[Path], set[Path]]:
    """The entries written since ``before``: new ones, and old ones written again."""
    return set(after) - set(before), {path for path in before if after.get(path) != before[path]}


def cold(kind: str, build: Callable[[], object]) -> object:
    """``build`` with no part cached (formulas and read documents stay cached: they are not under test)."""
    shutil.rmtree(cache_folder(kind), ignore_errors=True)
    return build()


def write_linked_pack(folder: Path) -> None:
    """Two documents, the first linking to a heading of the second."""
    folder.mkdir(exist_ok=True)
    (folder / "a.md").write_text("# A\n\n正文见 [方法](b.md#method)。\n", "utf-8")
    (folder / "b.md").write_text("# B\n\n## Method\n\n内容。\n", "utf-8")


def rename_heading(folder: Path) -> None:
    path = folder / "b.md"
    path.write_text(path.read_text("utf-8").replace("## Method", "## Approach"), "utf-8")


# --------------------------------------------------------------------------
# The EPUB
# --------------------------------------------------------------------------


def _epub(folder: Path, output: Path) -> bytes:
    pack = build_epub(load_pack([folder]), output, offline=True)
    assert pack.documents
    return output.read_bytes()


def _text(path: Path) -> str:
    book = Book(path)
    return book.text(book.chapters())


def test_a_rebuild_with_nothing_changed_is_the_same_book_from_the_cache(
    corpus: Path, caches: Path, tmp_path: Path
) -> None:
    folder = copy_corpus(corpus, tmp_path / "pack")
    first = _epub(folder, tmp_path / "cold.epub")
    before = entries("epub")
    assert len(before) == 5  # four documents and the cover
    assert _epub(folder, tmp_path / "warm.epub") == first
    assert changes(before, entries("epub")) == (set(), set())


def test_after_one_edit_only_that_document_is_rendered_again(corpus: Path, caches: Path, tmp_path: Path) -> None:
    folder = copy_corpus(corpus, tmp_path / "pack")
    _epub(folder, tmp_path / "first.epub")
    before = entries("epub")
    edit_one_word(folder)
    rebuilt = tmp_path / "rebuilt.epub"
    cached = _epub(folder, rebuilt)
    new, rewritten = changes(before, entries("epub"))
    assert len(new) == 1 and not rewritten  # the edited document's part; the other three and the cover were reused
    text = _text(rebuilt)
    assert NEW_WORD in text and OLD_WORD not in text
    assert cold("epub", lambda: _epub(folder, tmp_path / "cold.epub")) == cached
    assert epubcheck([rebuilt])[rebuilt] == []


def test_appending_a_document_renders_only_that_one(corpus: Path, caches: Path, tmp_path: Path) -> None:
    folder = copy_corpus(corpus, tmp_path / "pack")
    _epub(folder, tmp_path / "first.epub")
    before = entries("epub")
    shutil.copy(next(corpus.glob(f"{EDITED}*.md")), folder / "999-appended.md")
    cached = _epub(folder, tmp_path / "appended.epub")
    new, rewritten = changes(before, entries("epub"))
    assert len(new) == 2 and not rewritten  # the new document's part and a cover that lists it
    assert cold("epub", lambda: _epub(folder, tmp_path / "cold.epub")) == cached


def test_a_corrupt_entry_is_rendered_again(corpus: Path, caches: Path, tmp_path: Path) -> None:
    folder = copy_corpus(corpus, tmp_path / "pack")
    first = _epub(folder, tmp_path / "first.epub")
    for path in entries("epub"):
        path.write_bytes(path.read_bytes()[:100])
    assert _epub(folder, tmp_path / "again.epub") == first


def test_a_link_into_a_changed_document_is_resolved_again(caches: Path, tmp_path: Path) -> None:
    """The linking document did not change, but what its link points to did: its cached chapter is stale."""
    folder = tmp_path / "pack"
    write_linked_pack(folder)
    _epub(folder, tmp_path / "first.epub")
    assert 'href="d02.xhtml#method"' in zipfile.ZipFile(tmp_path / "first.epub").read("EPUB/text/d01.xhtml").decode()
    rename_heading(folder)
    pack = build_epub(load_pack([folder]), tmp_path / "rebuilt.epub", offline=True)
    page = zipfile.ZipFile(tmp_path / "rebuilt.epub").read("EPUB/text/d01.xhtml").decode()
    assert "d02.xhtml#method" not in page and "方法" in page
    assert any("b.md#method" in w.message for w in pack.documents[0].warnings)
    assert cold("epub", lambda: _epub(folder, tmp_path / "cold.epub")) == (tmp_path / "rebuilt.epub").read_bytes()


def test_an_image_that_appears_after_a_build_is_embedded(caches: Path, tmp_path: Path) -> None:
    """The document did not change, but the image it names now exists: its cached chapter is stale."""
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\n![示意图](fig.png)\n", "utf-8")
    first = build_epub(load_pack([folder]), tmp_path / "first.epub", offline=True)
    assert any("fig.png not embedded" in w.message for w in first.documents[0].warnings)
    write_png(folder / "fig.png", (40, 30))
    again = build_epub(load_pack([folder]), tmp_path / "again.epub", offline=True)
    assert not any("fig.png" in w.message for w in again.documents[0].warnings)
    page = zipfile.ZipFile(tmp_path / "again.epub").read("EPUB/text/d01.xhtml").decode()
    assert '<img src="../images/' in page and "图片未收录" not in page
    assert cold("epub", lambda: _epub(folder, tmp_path / "cold.epub")) == (tmp_path / "again.epub").read_bytes()


def test_two_builds_at_once_share_the_cache_safely(corpus: Path, caches: Path, tmp_path: Path) -> None:
    folder = copy_corpus(corpus, tmp_path / "pack")
    expected = _epub(folder, tmp_path / "alone.epub")
    edit_one_word(folder)  # both builds render it and write its part at the same time
    command = [sys.executable, "-m", "publish", "epub", str(folder), "--offline", "-o"]
    runs = [subprocess.Popen([*command, str(tmp_path / f"{n}.epub")], cwd=REPO) for n in (1, 2)]
    assert [run.wait(timeout=600) for run in runs] == [0, 0]
    assert (tmp_path / "1.epub").read_bytes() == (tmp_path / "2.epub").read_bytes() != expected
    assert _epub(folder, tmp_path / "after.epub") == (tmp_path / "1.epub").read_bytes()
