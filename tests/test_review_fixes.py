"""Inputs a review found could crash a build or slip through a backend; each stays fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.errors import PublishError
from publish.filters.tables import tables
from publish.images import ImageStore
from publish.model import Cell, Document, Link, Pack, Paragraph, Row, Table, Text
from publish.render.html import safe_url
from publish.render.latex_math import vet


@pytest.mark.parametrize("url", ["http://[x/a.png", "a" * 5000 + ".png"])
def test_bad_image_addresses_give_a_result_not_an_exception(tmp_path: Path, url: str) -> None:
    result = ImageStore(offline=True, cache_dir=tmp_path / "cache").fetch(url, tmp_path)
    assert result.path is None and result.error


def test_a_url_too_long_for_a_qr_code_prints_without_one() -> None:
    from publish.render.pdf_html import qr_code

    assert qr_code("https://example.org/" + "x" * 5000, "a", 'class="qr-link"') == ""


def test_a_table_without_header_row_gets_no_width_warnings() -> None:
    rows = [Row(cells=[Cell(children=[Text(text="a")]), Cell(children=[Text(text="b")])], line=3)]
    doc = Document(path=Path("t.md"), source="", children=[Table(head=Row(), rows=rows)])
    assert tables(doc).warnings == []


@pytest.mark.parametrize("url", ["run:calc.exe", "file:///etc/passwd", "javascript:alert(1)", "C:\\x", "http://[x"])
def test_only_web_mail_and_relative_links_are_followed(url: str) -> None:
    assert safe_url(url) == ""


@pytest.mark.parametrize("url", ["https://arxiv.org/abs/1", "mailto:a@b.c", "#多模态", "./docs/README.md#usage"])
def test_ordinary_links_are_kept(url: str) -> None:
    assert safe_url(url) == url


def test_latex_draft_keeps_only_the_text_of_an_unsafe_link(tmp_path: Path) -> None:
    from publish.render.latex import export_latex

    link = Link(url="run:calc.exe", children=[Text(text="点这里")], line=1)
    doc = Document(path=tmp_path / "d.md", source="", children=[Paragraph(children=[link], line=1)])
    pack = export_latex(Pack(title="t", documents=[doc]), tmp_path / "out", offline=True)
    tex = (tmp_path / "out" / "main.tex").read_text(encoding="utf-8")
    assert "点这里" in tex and "calc.exe" not in tex
    assert any("run:calc.exe" in w.message for d in pack.documents for w in d.warnings)


@pytest.mark.parametrize("tex", [r"\iffalse", r"\fi", r"\the\count0", r"\begingroup x"])
def test_tex_conditionals_and_primitives_are_refused_in_formulas(tex: str) -> None:
    assert vet(tex, False).refused


@pytest.mark.parametrize("tex", [r"a \iff b", r"x \lor y", r"\theta"])
def test_symbols_that_start_like_primitives_are_not_refused(tex: str) -> None:
    assert not vet(tex, False).refused


def test_xliff_cannot_name_a_file_that_is_not_markdown(tmp_path: Path) -> None:
    from publish.translate import import_xliff

    target = tmp_path / "notes.txt.yaml"
    target.write_text("x", encoding="utf-8")
    xliff = (
        '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="zh-Hans" trgLang="en">'
        f'<file id="f1" original="{target}"><unit id="u1"><segment><source>中</source><target>x</target>'
        "</segment></unit></file></xliff>"
    ).encode()
    with pytest.raises(PublishError):
        import_xliff(xliff)
