"""The PDF of the real corpus pack, built once with the real WeasyPrint (offline: tests never reach the internet).

Acceptance criteria of the PDF issue: every paper findable in the text and
the outline, every font embedded and subset, no .notdef glyph and no other
WeasyPrint message, no formula printed as TeX, every remote image a
placeholder with a warning.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_pdf import Built, assert_clean_pdf, assert_papers_findable, build, outline

from publish.pipeline import load_pack


@pytest.fixture(scope="module")
def corpus_pdf(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("pdf-corpus")
    started = time.monotonic()
    built = build(load_pack([corpus]), folder / "corpus.pdf", offline=True, cache_dir=folder / "images")
    print(f"corpus pack: {built.pages} pages in {time.monotonic() - started:.1f} s")
    return built


def test_corpus_pdf_is_clean(corpus_pdf: Built) -> None:
    assert_clean_pdf(corpus_pdf)


def test_every_document_and_paper_is_findable(corpus_pdf: Built) -> None:
    assert [len(doc.papers) for doc in corpus_pdf.pack.documents] == [22, 12, 70, 18]
    assert_papers_findable(corpus_pdf)


def test_outline_nests_papers_under_their_document(corpus_pdf: Built) -> None:
    entries = outline(corpus_pdf.path)
    documents = [label for level, label, _ in entries if level == 1]
    assert documents[1:] == [doc.meta.title for doc in corpus_pdf.pack.documents]  # after 目录
    assert all(level >= 2 for level, label, _ in entries if label.startswith("VSE-MOT"))


def test_offline_images_are_placeholders_with_warnings(corpus_pdf: Built) -> None:
    warned = [d for d in corpus_pdf.diagnostics if "image not printed" in d.message]
    assert len(warned) == 50 and all(d.line > 0 and "offline" in d.message for d in warned)
    assert "未能载入" in corpus_pdf.text
