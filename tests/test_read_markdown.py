"""Markdown and raw HTML constructs the digests use, each on a small file of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.model import (
    BlockQuote,
    Code,
    CodeBlock,
    Details,
    Document,
    Emph,
    FootnoteRef,
    Image,
    LineBreak,
    Link,
    ListBlock,
    Math,
    Node,
    Paragraph,
    Section,
    Strong,
    Subscript,
    Superscript,
    Table,
    Text,
    ThematicBreak,
)
from publish.read import read_document
from publish.tree import iter_nodes, plain_text


@pytest.fixture
def read(tmp_path: Path):
    def read(text: str) -> Document:
        path = tmp_path / "doc.md"
        path.write_text(text, encoding="utf-8")
        return read_document(path)

    return read


def only(doc: Document, kind: type[Node]) -> list:
    return [n for n in iter_nodes(doc) if isinstance(n, kind)]


def cells(table: Table) -> list[list[str]]:
    return [[plain_text(c.children) for c in row.cells] for row in table.rows]


# -- tables -------------------------------------------------------------------


def test_table_rows_without_edge_pipes_and_lone_pipe_lines(read) -> None:
    doc = read("| a | b | c |\n|---|:-:|--:|\n|1|2|3\n|\n4|5|6|\n|\n|7|8\n|\n\nafter\n")
    [table] = only(doc, Table)
    assert cells(table) == [["1", "2", "3"], ["4", "5", "6"], ["7", "8", ""]]
    assert [c.align for c in table.head.cells] == ["", "center", "right"]
    assert [r.line for r in table.rows] == [3, 5, 7]
    assert plain_text(doc.children[-1]) == "after"


def test_pipes_in_math_escaped_pipes_and_extra_cells(read) -> None:
    doc = read("| f | g |\n|---|---|\n| $p(z|x)$ | $\\|x\\|$ |\n| a \\| b | c | d |\n")
    [table] = only(doc, Table)
    [first, second] = table.rows
    assert [m.tex for m in only(doc, Math)] == ["p(z\\vert x)", "\\Vert x\\Vert"]
    assert len(first.cells) == 2
    assert cells(table)[1] == ["a | b", "c | d"]
    assert second.line == 4


def test_table_inside_a_list_item(read) -> None:
    doc = read("- item\n\n  | a | b |\n  |---|---|\n  | 1 | 2 |\n")
    [table] = only(doc, Table)
    assert cells(table) == [["1", "2"]] and table.line == 3


def test_delimiter_without_pipe_is_a_setext_heading_not_a_table(read) -> None:
    doc = read("a | b\n---\n")
    assert only(doc, Table) == []
    assert plain_text(doc.children[0].title) == "a | b"


# -- math ---------------------------------------------------------------------


def test_tex_delimiters_are_math(read) -> None:
    doc = read("Entropy \\(H(Z|Y)\\) is low.\nThen\n\\[\\int_0^1 f\\]\nand a citation \\[12\\].\n")
    inline, display = only(doc, Math)
    assert (inline.tex, inline.display, inline.line) == ("H(Z|Y)", False, 1)
    assert (display.tex, display.display, display.line) == ("\\int_0^1 f", True, 3)
    blocks = doc.children
    assert [type(b) for b in blocks] == [Paragraph, Paragraph, Paragraph]
    assert blocks[1].children == [display]
    assert plain_text(blocks[2]).endswith("citation [12].")


def test_files_that_escape_punctuation_keep_tex_delimiters_as_text(read) -> None:
    doc = read("Version 1\\.2 \\- see \\(notes\\) and 3\\.4 \\- done\\.\n")
    assert only(doc, Math) == []
    assert plain_text(doc.children[0]) == "Version 1.2 - see (notes) and 3.4 - done."


def test_display_math_ending_a_list_item_becomes_its_own_block(read) -> None:
    doc = read("- 学习方差: $$\\Sigma = \\exp(v)$$, $v$ 由网络预测\n- next $a_{<i}$\n")
    [items] = only(doc, ListBlock)
    first = items.items[0].children
    assert [type(b) for b in first] == [Paragraph, Paragraph, Paragraph]
    assert first[1].children[0].display and first[1].children[0].tex == "\\Sigma = \\exp(v)"
    assert plain_text(first[2]).startswith(", v")
    assert [m.tex for m in only(doc, Math)] == ["\\Sigma = \\exp(v)", "v", "a_{<i}"]


# -- raw HTML ------------------------------------------------------------------


def test_details_stitched_across_markdown_blocks(read) -> None:
    doc = read(
        "<details>\n<summary>目录 &amp; more</summary>\n\n- one\n- two\n\n<img src=\"a.png\" alt=\"A\">\n"
        "<img src=\"b.png\">\n</details>\n\nafter\n"
    )
    [details] = only(doc, Details)
    assert plain_text(details.summary) == "目录 & more"
    assert [type(c) for c in details.children] == [ListBlock, Paragraph, Paragraph]
    assert [i.url for i in only(details, Image)] == ["a.png", "b.png"]
    assert details.children[1].line == 7
    assert plain_text(doc.children[-1]) == "after" and doc.warnings == []


def test_unclosed_details_does_not_swallow_the_next_section(read) -> None:
    doc = read("# A\n\n<details>\n<summary>s</summary>\n\ninside\n\n# B\n\ntext\n")
    sections = only(doc, Section)
    assert [plain_text(s.title) for s in sections] == ["A", "B"]
    assert plain_text(only(sections[0], Details)[0].children) == "inside"
    assert [w.line for w in doc.warnings] == [3] and "line 8" in doc.warnings[0].message


def test_dangerous_html_is_dropped_with_warnings_and_text_kept(read) -> None:
    doc = read(
        "intro\n\n<script>alert('x')</script>\n\n<iframe src=\"https://e.com\">fallback</iframe>\n\n"
        "Click <a href=\"javascript:alert(1)\">here</a> or <img src=\"p.png\" onerror=\"x()\">.\n\n"
        "<!-- a comment -->\n\n[md link](javascript:void(0)) stays\n"
    )
    text = plain_text(doc.children)
    assert "alert" not in text and "fallback" not in text and "comment" not in text
    assert "Click here or" in text and "md link stays" in text
    assert not [n for n in only(doc, Link) if "javascript" in n.url]
    assert only(doc, Image)[0].url == "p.png"
    assert sorted(w.line for w in doc.warnings) == [3, 5, 7, 7, 11]


def test_inline_html_tags_are_matched_around_markdown(read) -> None:
    doc = read("H<sub>2</sub>O, x<sup>2</sup>, <b>bold *and em*</b>, <code>a<b</code>, <font color=red>red</font>"
               "<br>next <i>unclosed\n")
    para = doc.children[0]
    assert isinstance(para, Paragraph)
    kinds = [type(n) for n in para.children]
    assert Subscript in kinds and Superscript in kinds and LineBreak in kinds
    strong = next(n for n in para.children if isinstance(n, Strong))
    assert isinstance(strong.children[-1], Emph) and plain_text(strong) == "bold and em"
    assert isinstance(para.children[-1], Emph) and plain_text(para.children[-1]) == "unclosed"
    assert "red" in plain_text(para) and "font" not in plain_text(para)
    assert any(isinstance(n, Code) and n.text == "a<b" for n in para.children)


def test_html_blocks_map_onto_model_nodes(read) -> None:
    doc = read(
        "<p align=right>(<a href=#多模态>back to top</a>)</p>\n\n"
        "<div align=\"center\">\n<img src=\"c.png\">\n</div>\n\n"
        "<ol start=\"3\"><li>three</li><li>four</li></ol>\n\n<pre><code class=\"language-py\">x  = 1\n</code></pre>\n\n"
        "<hr>\n\n<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>\n\n<h2>Heading</h2>\n\nbody\n"
    )
    back, centred, numbered, code, rule, table, section = doc.children
    assert back.align == "right" and only(back, Link)[0].url == "#多模态"
    assert centred.align == "center" and isinstance(centred.children[0], Image)
    assert isinstance(numbered, ListBlock) and numbered.ordered and numbered.start == 3
    assert [plain_text(i) for i in numbered.items] == ["three", "four"]
    assert isinstance(code, CodeBlock) and (code.text, code.language) == ("x  = 1", "py")
    assert isinstance(rule, ThematicBreak)
    assert isinstance(table, Table) and cells(table) == [["1", "2"]]
    assert isinstance(section, Section) and plain_text(section.title) == "Heading" and section.level == 2


# -- structure and lines ----------------------------------------------------------


def test_headings_nest_into_sections(read) -> None:
    doc = read("lead\n\n# A\n\na\n\n### A.1.1\n\n## A.2\n\n# B\nHeading text\n---\n\n> # quoted heading\n")
    lead, a, b = doc.children
    assert isinstance(lead, Paragraph)
    assert [type(c) for c in a.children] == [Paragraph, Section, Section]
    assert [s.level for s in a.children[1:]] == [3, 2]
    assert [plain_text(c.title) for c in b.children if isinstance(c, Section)] == ["Heading text"]
    quote = only(doc, BlockQuote)[0]
    assert isinstance(quote.children[0], Paragraph) and isinstance(quote.children[0].children[0], Strong)


def test_nested_block_lines(read) -> None:
    doc = read("1. first\n   continued\n\n   - nested a\n   - nested b\n2.\n   starts below\n\n"
               "> quote\n>\n> - in quote\n")
    lists = only(doc, ListBlock)
    outer, nested, quoted = lists
    assert [i.line for i in outer.items] == [1, 7]
    assert [i.line for i in nested.items] == [4, 5]
    assert [i.line for i in quoted.items] == [11]
    assert only(doc, BlockQuote)[0].line == 9


def test_footnotes(read) -> None:
    doc = read("Claim[^src] again[^src].\n\n[^src]: The source,\n    on two lines.\n")
    refs = only(doc, FootnoteRef)
    assert [r.number for r in refs] == [1, 1]
    [note] = doc.footnotes
    assert (note.number, note.line, note.key) == (1, 3, refs[0].key)
    assert plain_text(note.children) == "The source, on two lines."


def test_bare_urls_stop_at_chinese_text(read) -> None:
    doc = read("代码在 https://github.com/a/b上发布。 和 \\url{https://x.org/c}.\n")
    assert [link.url for link in only(doc, Link)] == ["https://github.com/a/b", "https://x.org/c"]
    assert "上发布。" in plain_text(doc.children[0])


# -- kinds --------------------------------------------------------------------------

DAILY = "# 2025-02-14\n\n## Paper A\n**下载地址**：http://arxiv.org/pdf/2502.1v1\n\n## Paper B\n[pdf](https://arxiv.org/abs/2502.2)\n"
BLOG = "---\ntitle: t\n---\n# 2024-10-07 更新\n\n## A\n\n**Authors:A, B**\n\n## B\n\n**Authors:** C\n"
ARXIV = ("## Updated on 2025.09.18\n\n## Topic\n\n| Date | Title | Abstract |\n|---|---|---|\n"
         "|**2025-09-17**|[T](http://arxiv.org/abs/2509.1)|abs\n|\n")
SURVEY = "".join(f"### {n}. Model{n} (20{10 + n})\n\n#### Meta\n\nx\n\n#### Method\n\n$a$\n\n" for n in range(1, 4))


@pytest.mark.parametrize(
    ("text", "kind"),
    [(DAILY, "daily"), (BLOG, "blog"), (ARXIV, "arxiv-daily"), (SURVEY, "survey"), ("# Notes\n\ntext\n", "generic"),
     (DAILY.replace("# 2025-02-14", "# Reading list"), "generic")],
)
def test_kinds(read, text: str, kind: str) -> None:
    assert read(text).kind == kind


def test_meta_from_headings(read) -> None:
    assert (read(DAILY).meta.title, read(DAILY).meta.date) == ("2025-02-14", "2025-02-14")
    assert read(ARXIV).meta.date == "2025-09-18"
    assert read(BLOG).meta.date == "2024-10-07"  # front matter without a date falls back to headings


def test_plain_words_survive(read) -> None:
    doc = read("<div>\n<span>alpha</span> <em>beta</em>\n<unknown-tag>gamma</unknown-tag>\n</div>\n")
    assert plain_text(doc.children) == "alpha beta gamma"
    assert all(isinstance(n, (Paragraph, Text, Emph)) for n in iter_nodes(doc))
