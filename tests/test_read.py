"""The reader on the reference corpus: the facts in ../shared/corpus/README.md, reproduced."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import corpus_file

from publish.model import Details, Document, Image, Link, Math, Node, Paragraph, Section, Table, Text
from publish.read import read_document
from publish.tree import iter_nodes, plain_text


def read(prefix: str) -> Document:
    return read_document(corpus_file(prefix))


def nodes(doc: Document, kind: type[Node]) -> list:
    return [n for n in iter_nodes(doc) if isinstance(n, kind)]


def source_line(doc: Document, line: int) -> str:
    return doc.source.split("\n")[line - 1]


@pytest.mark.parametrize(
    ("prefix", "kind"), [("000", "daily"), ("001", "blog"), ("003", "arxiv-daily"), ("004", "survey")]
)
def test_kind_is_detected_from_structure(prefix: str, kind: str, tmp_path: Path) -> None:
    # Renamed copies prove the name plays no part.
    copy = tmp_path / "notes.md"
    copy.write_bytes(corpus_file(prefix).read_bytes())
    assert read_document(copy).kind == kind


def test_corpus_reads_without_warnings(corpus: Path) -> None:
    for path in sorted(corpus.glob("0*.md")):
        doc = read_document(path)
        assert doc.warnings == [], path.name
        assert doc.papers == []


def test_000_daily_sections_and_formula() -> None:
    doc = read("000")
    assert doc.meta.title == "2025-02-14"
    assert doc.meta.date == "2025-02-14"
    [date_section] = doc.children
    assert isinstance(date_section, Section) and date_section.level == 1
    papers = [c for c in date_section.children if isinstance(c, Section)]
    assert len(papers) == 22 and all(s.level == 2 for s in papers)
    # The heading right after a paragraph line (line 4) is still a heading.
    assert papers[0].line == 4
    assert plain_text(papers[0].title) == "Theoretical Benefit and Limitation of Diffusion Language Model"
    [formula] = nodes(doc, Math)
    assert (formula.tex, formula.display, formula.line) == ("H(Z|Y)", False, 145)


def test_001_front_matter_and_galleries() -> None:
    doc = read("001")
    meta = doc.meta
    assert (meta.title, meta.date, meta.author) == ("Diffusion Models", "2024-10-07", "Kedreamix")
    assert meta.tags == ["Diffusion Models"] and meta.categories == ["Paper"]
    assert meta.cover == "https://pic1.zhimg.com/v2-e394f1468a3c06639c32d7ec84991810.jpg"
    assert meta.extra["mathjax"] is True and "toc" not in meta.extra  # empty keys are ignored
    details = nodes(doc, Details)
    assert len(details) == 12
    assert {plain_text(d.summary) for d in details} == {"点此查看论文截图"}
    images = [i for d in details for i in iter_nodes(d) if isinstance(i, Image)]
    assert len(images) == 50 and len(nodes(doc, Image)) == 50
    assert all(i.url.startswith("https://pic") for i in images)
    assert details[0].line == 94 and images[0].line == 96
    assert len(nodes(doc, Math)) == 2


def test_001_body_keeps_file_line_numbers() -> None:
    doc = read("001")
    date_section = next(c for c in doc.children if isinstance(c, Section))
    assert plain_text(date_section.title) == "2024-10-07 更新" and date_section.line == 31
    first_paper = date_section.children[0]
    assert isinstance(first_paper, Section) and first_paper.line == 34
    assert plain_text(first_paper.children[0]).startswith("Authors:Brent Yi")
    assert first_paper.children[0].line == 36


def test_003_tables_with_lone_pipe_rows() -> None:
    doc = read("003")
    assert doc.meta.date == "2025-09-18" and doc.meta.title == "Updated on 2025.09.18"
    tables = nodes(doc, Table)
    assert len(tables) == 7
    for table in tables:
        assert [plain_text(c.children) for c in table.head.cells] == ["Publish Date", "Title", "Code", "Abstract"]
        assert len(table.rows) == 10
        assert all(len(row.cells) == 4 for row in table.rows)
        assert all(plain_text(row.cells[3].children).strip() for row in table.rows)  # no empty rows
    first = tables[0].rows[0]
    assert first.line == 21
    link = first.cells[1].children[0]
    assert isinstance(link, Link) and link.url == "http://arxiv.org/abs/2509.14060"
    assert len(nodes(doc, Math)) == 14


def test_003_html_blocks_become_nodes() -> None:
    doc = read("003")
    toc = nodes(doc, Details)[0]
    assert plain_text(toc.summary) == "Table of Contents"
    links = [n for n in iter_nodes(toc) if isinstance(n, Link)]
    assert [link.url for link in links][:2] == ["#多模态", "#生成模型"] and len(links) == 7
    back = [p for p in nodes(doc, Paragraph) if p.align == "right"]
    assert len(back) == 7
    assert plain_text(back[0]) == "(back to top)" and back[0].line == 42
    assert not any(isinstance(n, Text) and re.search(r"</?[a-z]+[\s>]", n.text) for n in iter_nodes(doc))


def test_004_survey_math_and_meta() -> None:
    doc = read("004")
    assert doc.meta.date == "2026-02-17"  # from `published`
    assert doc.meta.title.startswith("生成模型前沿技术综述")
    assert doc.meta.categories == ["AI Research"] and "Flow Matching" in doc.meta.tags
    assert doc.meta.cover.startswith("https://image.pollinations.ai/")
    assert doc.meta.extra == {"draft": False}
    maths = nodes(doc, Math)
    display = [m for m in maths if m.display]
    assert len(maths) >= 125 and len(display) == 56
    assert len(maths) - len(display) == 73
    # Every display formula is a paragraph of its own.
    holders = [p for p in nodes(doc, Paragraph) if any(isinstance(c, Math) and c.display for c in p.children)]
    assert len(holders) == 56 and all(len(p.children) == 1 for p in holders)
    assert any("\\|" in m.tex for m in maths) and any("score\\_entropy" in m.tex for m in maths)
    assert len(nodes(doc, Table)) == 1


def test_004_math_lines_point_at_their_source() -> None:
    doc = read("004")
    for formula in nodes(doc, Math):
        assert formula.tex[:15] in source_line(doc, formula.line), formula.line


@pytest.mark.parametrize("prefix", ["000", "001", "003", "004"])
def test_text_lines_point_at_their_source(prefix: str) -> None:
    doc = read(prefix)
    texts = [n for n in iter_nodes(doc) if isinstance(n, Text) and len(n.text.strip()) > 8]
    assert texts
    for node in texts:
        assert node.text.strip()[:8] in source_line(doc, node.line), (node.line, node.text[:30])


@pytest.mark.parametrize("prefix", ["000", "001", "003", "004"])
def test_every_block_has_a_line(prefix: str) -> None:
    doc = read(prefix)
    assert all(n.line > 0 for n in iter_nodes(doc))
