"""Rebuilding the HTML bundle from cached pages gives the folder a cold build gives, byte for byte.

Hits and misses are read from the cache folder, never from timing (helpers in
``test_epub_incremental.py``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_epub_incremental import (  # noqa: F401  (caches, shared_caches: fixtures, used by name)
    NEW_WORD,
    OLD_WORD,
    caches,
    changes,
    cold,
    copy_corpus,
    edit_one_word,
    entries,
    rename_heading,
    shared_caches,
    write_linked_pack,
)

from publish.model import Pack
from publish.pipeline import load_pack
from publish.render.bundle import build_bundle

EDITED_PAGE = "01-000_06013372b8af1263.html"
pytestmark = pytest.mark.usefixtures("caches")


def _bundle(folder: Path, output: Path) -> dict[str, bytes]:
    """Every file of the bundle by its path in the folder."""
    build_bundle(load_pack([folder]), output, offline=True)
    return {path.relative_to(output).as_posix(): path.read_bytes() for path in output.rglob("*") if path.is_file()}


def test_a_rebuild_with_nothing_changed_is_the_same_folder_from_the_cache(corpus: Path, tmp_path: Path) -> None:
    folder = copy_corpus(corpus, tmp_path / "pack")
    first = _bundle(folder, tmp_path / "cold")
    before = entries("bundle")
    assert len(before) == 4
    assert _bundle(folder, tmp_path / "warm") == first
    assert changes(before, entries("bundle")) == (set(), set())


def test_after_one_edit_only_that_page_is_rendered_again(corpus: Path, tmp_path: Path) -> None:
    folder = copy_corpus(corpus, tmp_path / "pack")
    first = _bundle(folder, tmp_path / "first")
    before = entries("bundle")
    edit_one_word(folder)
    cached = _bundle(folder, tmp_path / "rebuilt")
    new, rewritten = changes(before, entries("bundle"))
    assert len(new) == 1 and not rewritten
    page = cached[EDITED_PAGE].decode()
    assert NEW_WORD in page and OLD_WORD not in page
    assert NEW_WORD in cached["assets/search-index.js"].decode()  # the edited summary is searched
    assert [name for name in first if first[name] != cached[name]] == [EDITED_PAGE, "assets/search-index.js"]
    assert cold("bundle", lambda: _bundle(folder, tmp_path / "cold")) == cached


def test_appending_a_document_renders_only_that_one(corpus: Path, tmp_path: Path) -> None:
    folder = copy_corpus(corpus, tmp_path / "pack")
    _bundle(folder, tmp_path / "first")
    before = entries("bundle")
    shutil.copy(folder / "000_06013372b8af1263.md", folder / "999-appended.md")
    cached = _bundle(folder, tmp_path / "appended")
    new, rewritten = changes(before, entries("bundle"))
    assert len(new) == 1 and not rewritten
    assert "05-999-appended.html" in cached and "05-999-appended.html" in cached["index.html"].decode()
    assert cold("bundle", lambda: _bundle(folder, tmp_path / "cold")) == cached


def test_a_new_pack_title_frames_every_page_again(corpus: Path, tmp_path: Path) -> None:
    folder = copy_corpus(corpus, tmp_path / "pack")
    pack = load_pack([folder])
    build_bundle(pack, tmp_path / "first", offline=True)
    before = entries("bundle")
    build_bundle(Pack(title="另一个阅读包", documents=pack.documents), tmp_path / "renamed", offline=True)
    assert len(changes(before, entries("bundle"))[0]) == 4
    assert "另一个阅读包" in (tmp_path / "renamed" / EDITED_PAGE).read_text("utf-8")


def test_a_link_into_a_changed_document_is_resolved_again(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    write_linked_pack(folder)
    first = _bundle(folder, tmp_path / "first")
    assert 'href="02-b.html#method"' in first["01-a.html"].decode()
    rename_heading(folder)
    rebuilt = _bundle(folder, tmp_path / "rebuilt")
    assert "02-b.html#method" not in rebuilt["01-a.html"].decode()
    assert cold("bundle", lambda: _bundle(folder, tmp_path / "cold")) == rebuilt
