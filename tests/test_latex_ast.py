"""The LaTeX draft of hand-built documents: what main.tex says, without running TeX."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _helpers import serve_folder
from PIL import Image as PILImage

from publish.model import (
    Cell,
    CodeBlock,
    Diagnostic,
    Document,
    FootnoteDef,
    FootnoteRef,
    Gallery,
    Image,
    Link,
    ListBlock,
    ListItem,
    Math,
    Meta,
    Node,
    Pack,
    Paper,
    Paragraph,
    Row,
    Section,
    Table,
    Text,
)
from publish.render.latex import export_latex
from publish.render.latex_ast import column_widths, display_width
from publish.render.latex_glyphs import latex_text, runs

KINGMA = Paper(title="Auto-Encoding Variational Bayes", authors=["Diederik P. Kingma"], arxiv="1312.6114v3")


def make_doc(tmp_path: Path, *children: Node, **fields: object) -> Document:
    return Document(path=tmp_path / "doc.md", source="", meta=Meta(title="草稿"), children=list(children), **fields)


def export(tmp_path: Path, *docs: Document) -> tuple[str, list[Diagnostic]]:
    """main.tex's body and the warnings, for a pack of ``docs``."""
    pack = export_latex(Pack(title="包", documents=list(docs)), tmp_path / "out", offline=True, cache_dir=tmp_path)
    tex = (tmp_path / "out" / "main.tex").read_text(encoding="utf-8")
    return tex, [w for doc in pack.documents for w in doc.warnings]


def body(tex: str) -> str:
    return tex.split("\\begin{document}", 1)[1]


def para(*nodes: Node) -> Paragraph:
    return Paragraph(children=list(nodes))


def test_the_draft_is_written_with_its_bibliography_and_figures_folder(tmp_path: Path) -> None:
    doc = make_doc(tmp_path, Section(level=2, title=[Text(text=KINGMA.title)], paper=KINGMA), papers=[KINGMA])
    tex, _ = export(tmp_path, doc)
    out = tmp_path / "out"
    assert (out / "figures").is_dir()
    assert "@misc{kingma2013autoencoding," in (out / "references.bib").read_text(encoding="utf-8")
    assert "\\documentclass[" in tex and "{ctexart}" in tex
    assert "\\bibliography{references}" in tex


def test_prose_specials_come_out_as_text(tmp_path: Path) -> None:
    tex, _ = export(tmp_path, make_doc(tmp_path, para(Text(text="50% & #1 a_b {x} ~ ^ \\input{/etc/passwd} $5"))))
    assert "50\\% \\& \\#1 a\\_b \\{x\\} \\textasciitilde{} \\^{} \\textbackslash input\\{/etc/passwd\\} \\$5" in tex
    assert "\\input{" not in body(tex)


def test_code_never_ends_its_verbatim_early(tmp_path: Path) -> None:
    code = "\\end{verbatim}\n\\input{/etc/passwd}\n\\end{Highlighting}"
    tex, _ = export(tmp_path, make_doc(tmp_path, CodeBlock(text=code)))
    assert "\\begin{verbatim}" not in body(tex)
    assert not re.search(r"^\\(input|end\{verbatim\})", body(tex), re.MULTILINE)


def test_paper_headings_and_rows_cite_their_entry(tmp_path: Path) -> None:
    row_paper = Paper(title="VSE-MOT", arxiv="2509.14060")
    table = Table(
        head=Row(cells=[Cell(children=[Text(text="Title")]), Cell(children=[Text(text="Abstract")])]),
        rows=[
            Row(
                cells=[
                    Cell(children=[Link(url="http://arxiv.org/abs/2509.14060", children=[Text(text="VSE-MOT")])]),
                    Cell(children=[Text(text="摘要")]),
                ],
                paper=row_paper,
            )
        ],
    )
    section = Section(level=2, title=[Text(text=KINGMA.title)], id="vae", paper=KINGMA, children=[table])
    tex, _ = export(tmp_path, make_doc(tmp_path, section, papers=[KINGMA, row_paper]))
    assert re.search(r"\\section\{.*Auto-Encoding Variational Bayes \\citep\{kingma2013autoencoding\}", tex)
    assert "{VSE-MOT} \\citep{arxiv2509.14060} &" in tex


def test_links_to_anchors_resolve_or_become_text(tmp_path: Path) -> None:
    doc = make_doc(
        tmp_path,
        para(Link(url="#引言", children=[Text(text="to intro")]), Link(url="#gone", children=[Text(text="nowhere")])),
        Section(level=2, title=[Text(text="引言")], id="引言"),
    )
    tex, warnings = export(tmp_path, doc)
    label = re.search(r"\\label\{(d1-[^}]*)\}", tex)
    assert label and f"\\hyperref[{label.group(1)}]{{to intro}}" in tex
    assert "nowhere" in tex and "#gone" in " ".join(w.message for w in warnings)


def test_formulas_stay_the_authors_tex(tmp_path: Path) -> None:
    doc = make_doc(
        tmp_path,
        para(Text(text="where "), Math(tex=r"\mathcal{N}(0, I) \| x \|")),
        para(Math(tex=r"\begin{align} a &= b \\ c &= d \end{align}", display=True)),
        para(Math(tex=r"\sum_i x_i", display=True)),
        para(Math(tex=r"\our + 1")),
        para(Math(tex=r"\frac{a}{", error="has a `{` that is never closed")),
        para(Math(tex=r"x^a^b")),
    )
    tex, warnings = export(tmp_path, doc)
    assert r"\(\mathcal{N}(0, I) \| x \|\)" in tex
    assert "\n" + r"\begin{align} a &= b \\ c &= d \end{align}" + "\n" in tex
    assert r"\[\sum_i x_i\]" in tex
    assert r"\providecommand{\our}{\publishunknown{our}}" in tex
    assert r"\texttt{\textbackslash{}frac\{a\}\{}" in tex  # an error from the filters: verbatim
    assert r"\texttt{x\^{}a\^{}b}" in tex  # LaTeX would stop at the double superscript
    messages = " ".join(w.message for w in warnings)
    assert "\\our" in messages and "double superscript" in messages


def test_characters_without_a_glyph_get_another_font_or_their_code_point(tmp_path: Path) -> None:
    tex, _ = export(tmp_path, make_doc(tmp_path, para(Text(text="α-JSD ⚠\ufe0f 🔴 中文"))))
    assert "\\publishfallbackA{α}-JSD \\publishfallbackA{⚠} \\publishnoglyph{1F534} 中文" in tex


def test_glyph_runs_split_by_font() -> None:
    assert [(r.text, r.font) for r in runs("ab α中\x00🔴")] == [("ab ", 0), ("α", 1), ("中", 0), ("🔴", -1)]
    assert latex_text("50% α") == "50\\% \\publishfallbackA{α}"


def test_missing_images_leave_a_placeholder_with_the_address(tmp_path: Path) -> None:
    url = "https://pic1.zhimg.com/v2-e394f1468a3c06639c32d7ec84991810.jpg"
    gallery = Gallery(caption=[Text(text="点此查看论文截图")], images=[Image(url=url)] * 7)
    tex, warnings = export(tmp_path, make_doc(tmp_path, gallery))
    assert tex.count(f"\\publishmissingimage{{\\url{{{url}}}}}") == 7
    assert tex.count("\\begin{figure}") == 2  # at most six images a figure
    assert tex.count("\\caption[]{点此查看论文截图}") == 2
    assert len(warnings) == 7 and "placeholder" in warnings[0].message


@pytest.fixture
def image_server(tmp_path: Path) -> Iterator[str]:
    """A web server on 127.0.0.1 with one PNG: the network the tests may use."""
    root = tmp_path / "site"
    root.mkdir()
    PILImage.new("RGB", (64, 32), "teal").save(root / "shot.png")
    with serve_folder(root) as url:
        yield url


def test_fetched_images_are_copied_into_figures(tmp_path: Path, image_server: str) -> None:
    url = f"{image_server}/shot.png"
    doc = make_doc(tmp_path, para(Image(url=url, alt="a shot")), para(Image(url=url)))
    pack = export_latex(Pack(title="p", documents=[doc]), tmp_path / "out", cache_dir=tmp_path / "cache")
    tex = (tmp_path / "out" / "main.tex").read_text(encoding="utf-8")
    figures = list((tmp_path / "out" / "figures").iterdir())
    assert len(figures) == 1 and figures[0].suffix == ".png"
    assert tex.count(f"{{figures/{figures[0].name}}}") == 2
    assert "\\includegraphics" in tex and pack.documents[0].warnings == []


def test_a_row_of_images_becomes_a_grid(tmp_path: Path) -> None:
    row = para(Image(url="a.png"), Text(text=" "), Image(url="b.png"))
    tex, _ = export(tmp_path, make_doc(tmp_path, row, para(Text(text="see "), Image(url="c.png"))))
    assert re.search(r"\\begin\{center\}\s*\\publishgallerycell\{0\.47\}.*\\hfill\n\\publishgallerycell", tex)
    assert "see \\publishmissingimage{\\texttt{c.png}}" in tex  # an image among words stays in the line


def test_lists_nest_no_deeper_than_latex_allows(tmp_path: Path) -> None:
    node: Node = para(Text(text="deepest"))
    for _ in range(7):
        node = ListBlock(items=[ListItem(children=[para(Text(text="item")), node])])
    tex, _ = export(tmp_path, make_doc(tmp_path, node))
    depth = deepest = 0
    for match in re.finditer(r"\\(begin|end)\{itemize\}", tex):
        depth += 1 if match.group(1) == "begin" else -1
        deepest = max(deepest, depth)
    assert deepest == 4 and "deepest" in tex


def test_footnotes_are_set_where_referenced(tmp_path: Path) -> None:
    doc = make_doc(
        tmp_path,
        para(Text(text="claim"), FootnoteRef(key="1")),
        footnotes=[FootnoteDef(key="1", children=[para(Text(text="the source"))])],
    )
    tex, _ = export(tmp_path, doc)
    assert "claim\\footnote{the source}" in tex


def test_a_pack_is_a_book_with_a_chapter_per_document(tmp_path: Path) -> None:
    first = make_doc(tmp_path, Section(level=1, title=[Text(text="草稿")], id="草稿", children=[para(Text(text="a"))]))
    second = Document(path=tmp_path / "b.md", source="", meta=Meta(title="Second", date="2025-01-02", tags=["GAN"]))
    tex, _ = export(tmp_path, first, second)
    assert "{ctexbook}" in tex and "\\tableofcontents" in tex
    assert "\\chapter{草稿}" in tex and "\\chapter{Second}" in tex
    assert "2025-01-02 · 关键词：GAN" in tex
    assert "\\section{草稿}" not in tex  # the heading that repeats the title is the chapter itself


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ([["a"], ["b"]], [6 / 90, 6 / 90]),
        ([["2025-09-17"], ["A title of some length"], ["null"], ["摘要" * 400]], None),
    ],
)
def test_column_widths(columns: list[list[str]], expected: list[float] | None) -> None:
    widths = column_widths(columns)
    assert sum(widths) <= 1.0 + 1e-9
    if expected is not None:
        assert widths == pytest.approx(expected)
        return
    date, title, code, abstract = widths
    assert date * 90 >= len("2025-09-17") and code * 90 >= len("null")
    assert abstract > title > code
    assert display_width("摘要") == 4


def test_the_command_writes_the_draft_and_reports_warnings(tmp_path: Path) -> None:
    source = tmp_path / "draft.md"
    source.write_text("# 草稿\n\nA formula $\\our + 1$ and 50% & more.\n", encoding="utf-8")
    command = [sys.executable, "-m", "publish", "latex", str(source), "-o", str(tmp_path / "out"), "--offline"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "main.tex").is_file() and "\\our" in result.stderr
    strict = subprocess.run([*command, "--strict"], capture_output=True, text=True, timeout=120)
    assert strict.returncode == 1
