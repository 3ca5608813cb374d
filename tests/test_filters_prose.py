"""prose_latex and text_artefacts: each repair pinned, with what must stay untouched, and on the corpus."""

from __future__ import annotations

import copy
import unicodedata
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import corpus_file
from hypothesis import given
from hypothesis import strategies as st

from publish.filters.artefacts import is_placeholder, repair_accents, text_artefacts
from publish.filters.prose_latex import prose_latex
from publish.model import (
    Code,
    Document,
    Emph,
    Link,
    Math,
    Node,
    Paragraph,
    Section,
    SoftBreak,
    Strong,
    Text,
)
from publish.tree import iter_nodes, plain_text


def _doc(*inline: Node, source: str = "") -> Document:
    return Document(path=Path("t.md"), source=source, children=[Paragraph(line=1, children=list(inline))])


def _latex(text: str) -> tuple[list[Node], list[str]]:
    out = prose_latex(_doc(Text(line=1, text=text), source=text))
    return out.children[0].children, [w.message for w in out.warnings]  # type: ignore[attr-defined]


def _read(prefix: str) -> Document:
    read = pytest.importorskip("publish.read")
    if not hasattr(read, "read_document"):
        pytest.skip("the reader (publish.read.read_document) is not there yet")
    return read.read_document(corpus_file(prefix))


# --------------------------------------------------------------------------
# prose_latex: what changes
# --------------------------------------------------------------------------


def test_textbf_becomes_strong_between_cjk() -> None:
    nodes, warnings = _latex(r"\textbf{S}选择性\textbf{A}自适应")
    assert [type(n) for n in nodes] == [Strong, Text, Strong, Text]
    assert plain_text(nodes) == "S选择性A自适应" and not warnings


@pytest.mark.parametrize("macro", ["emph", "textit"])
def test_emph_and_textit_become_emph(macro: str) -> None:
    nodes, _ = _latex(rf"we term \{macro}{{token selection ambiguity}}, wherein")
    assert isinstance(nodes[1], Emph) and plain_text(nodes[1]) == "token selection ambiguity"


def test_texttt_becomes_code_with_escapes_resolved() -> None:
    nodes, _ = _latex(r"run \texttt{foo\_bar}")
    assert nodes[1] == Code(line=1, text="foo_bar")


def test_url_becomes_link() -> None:
    nodes, _ = _latex(r"Our code is available on GitHub: \url{https://github.com/caradryanl/CopyMark}. ")
    link = nodes[1]
    assert isinstance(link, Link) and link.url == "https://github.com/caradryanl/CopyMark"
    assert plain_text(link) == link.url and plain_text(nodes[2]) == ". "


def test_href_with_text_and_href_with_only_a_url() -> None:
    nodes, _ = _latex(r"\href{http://x.y/a\_b}{our \emph{code}}")
    assert isinstance(nodes[0], Link) and nodes[0].url == "http://x.y/a_b"
    assert isinstance(nodes[0].children[1], Emph)
    nodes, _ = _latex(r"我们在 \href{https://github.com/Anut-py/frit} 上发布了代码")  # 003 writes this
    assert isinstance(nodes[1], Link) and plain_text(nodes[1]) == "https://github.com/Anut-py/frit"


def test_tex_quotes_accents_and_escapes() -> None:
    nodes, _ = _latex(r"``quoted'' and `single', na\"ive \'ecole \c{c}a, 73.96\% \& \ldots{} \LaTeX")
    assert plain_text(nodes) == "“quoted” and ‘single’, naïve école ça, 73.96% & … LaTeX"


def test_tilde_is_a_no_break_space_only_beside_other_latex() -> None:
    nodes, _ = _latex(r"Fig.~3 shows \emph{it}")
    assert plain_text(nodes).startswith("Fig.\u00a03")
    assert plain_text(_latex("Fig.~3 shows it")[0]) == "Fig.~3 shows it"


def test_unknown_macros_are_kept_as_code_with_a_warning_each() -> None:
    nodes, warnings = _latex(r"我们提出了\our，一种框架。此外，我们发布了\dataset{}，一个数据集")
    assert [n.text for n in nodes if isinstance(n, Code)] == [r"\our", r"\dataset"]
    assert len(warnings) == 2 and r"\our" in warnings[0] and r"\dataset" in warnings[1]
    assert "replace it with the words it stands for" in warnings[0]


def test_macro_without_a_text_form_is_kept_as_code() -> None:
    nodes, warnings = _latex(r"as in \cite{smith2020}")
    assert nodes[1] == Code(line=1, text=r"\cite{smith2020}") and "no plain-text form" in warnings[0]


def test_warning_points_at_the_line_of_the_macro() -> None:
    source = "first line\nsecond \\our line"
    doc = Document(
        path=Path("t.md"),
        source=source,
        children=[
            Paragraph(
                line=1,
                children=[Text(line=1, text="first line"), SoftBreak(line=1), Text(line=1, text="second \\our line")],
            )
        ],
    )
    assert [w.line for w in prose_latex(doc).warnings] == [2]


def test_construct_split_over_text_nodes_is_seen_whole() -> None:
    out = prose_latex(_doc(Text(line=1, text=r"\textbf{ab"), Text(line=1, text="cd}")))
    assert out.children[0].children == [Strong(line=1, children=[Text(line=1, text="abcd")])]  # type: ignore[attr-defined]


def test_url_inside_link_text_does_not_nest_links() -> None:
    out = prose_latex(_doc(Link(line=1, url="http://a", children=[Strong(children=[Text(text=r"\url{http://b}")])])))
    link = out.children[0].children[0]  # type: ignore[attr-defined]
    assert isinstance(link, Link) and not [n for n in iter_nodes(link.children) if isinstance(n, Link)]


def test_section_titles_are_converted_too() -> None:
    doc = Document(path=Path("t.md"), source="", children=[Section(level=2, title=[Text(text=r"\emph{A} study")])])
    assert isinstance(prose_latex(doc).children[0].title[0], Emph)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# prose_latex: what must not change
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "喵~这篇论文提高了10~20个百分点",
        r"C:\Users\me\Desktop and D:\data",
        r"\\server\share\file",
        r"%APPDATA%\foo",
        r"print a\n then \t and \d{3} and \u4e00",
        r"say \"hi\" please",
        "it's plain English, isn't it",
    ],
)
def test_text_that_is_not_latex_is_left_alone(text: str) -> None:
    doc = _doc(Text(line=1, text=text))
    out = prose_latex(doc)
    assert out.children[0] is doc.children[0] and not out.warnings


def test_math_and_code_are_not_touched() -> None:
    doc = _doc(Math(tex=r"\textbf{x} \our"), Code(text=r"\emph{y} \our"))
    out = prose_latex(doc)
    assert out.children[0] is doc.children[0] and not out.warnings


def test_input_is_not_mutated() -> None:
    doc = _doc(Text(line=1, text=r"\textbf{a} \our M¨uller"), Link(url="论文链接地址", children=[Text(text="x")]))
    before = copy.deepcopy(doc)
    text_artefacts(prose_latex(doc))
    assert doc == before


# --------------------------------------------------------------------------
# prose_latex: properties
# --------------------------------------------------------------------------

_WORD = st.text(alphabet="abcXYZ 012中文测试", max_size=6)
_PLAIN = st.text(
    st.characters(blacklist_characters="\\`'~{}%:", blacklist_categories=("Cs",)),
    max_size=8,
)
_CONSTRUCTS = st.one_of(
    _PLAIN.map(lambda s: (s, s)),
    _WORD.map(lambda w: (rf"\textbf{{{w}}}", w)),
    _WORD.map(lambda w: (rf"\emph{{{w}}}", w)),
    _WORD.map(lambda w: (rf"\texttt{{{w}}}", w)),
    _WORD.map(lambda w: (rf"\href{{http://x.org}}{{{w}}}", w)),
    _WORD.filter(bool).map(lambda w: (f"``{w}''", f"“{w}”")),
    st.sampled_from([(r"\"u", "ü"), (r"\'e", "é"), (r"\c{c}", "ç"), (r"\ldots{}", "…"), (r"\%", "%")]),
    st.sampled_from([(r"\our{}", r"\our"), (r"\url{http://a.b/c}", "http://a.b/c")]),
)


@given(st.lists(_CONSTRUCTS, max_size=6))
def test_property_constructs_render_to_their_text(parts: list[tuple[str, str]]) -> None:
    source = "".join(src for src, _ in parts)
    nodes, _ = _latex(source)
    assert plain_text(nodes) == "".join(expected for _, expected in parts)


@given(st.one_of(st.text(), st.text(alphabet="\\{}`'~ab中 %:\"^.cdefhlotux", max_size=40)))
def test_property_any_text_is_safe(text: str) -> None:
    doc = _doc(Text(line=1, text=text))
    out = prose_latex(doc)
    if not any(c in text for c in "\\`"):
        assert out.children[0] is doc.children[0]


# --------------------------------------------------------------------------
# text_artefacts
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [("M¨uller", "Müller"), ("Jo˜ao", "João"), ("Franc¸ois", "François"), ("Garc´ıa", "García"), ("´Ecole", "École")],
)
def test_split_accents_are_joined(broken: str, fixed: str) -> None:
    assert repair_accents(broken) == fixed


@pytest.mark.parametrize("word", ["it´s", "don`t", "¨", "¨h", "a ¨ b", "C˜"])
def test_what_is_not_a_split_accent_stays(word: str) -> None:
    assert repair_accents(word) == word


def test_accent_repair_is_reported_at_its_line() -> None:
    source = "作者：\nLea M¨uller，Georgios"
    doc = _doc(Text(line=1, text="作者："), SoftBreak(), Text(line=1, text="Lea M¨uller，Georgios"), source=source)
    out = text_artefacts(doc)
    assert plain_text(out.children[0].children) == "作者： Lea Müller，Georgios"  # type: ignore[attr-defined]
    assert [(w.line, "M¨uller" in w.message and "Müller" in w.message) for w in out.warnings] == [(2, True)]


def test_runs_of_spaces_collapse_in_titles_only() -> None:
    title = [Text(text="Make Attacks Fail on   Diffusion Models")]
    body = Paragraph(children=[Text(text="a   b")])
    doc = Document(path=Path("t.md"), source="", children=[Section(level=2, title=title, children=[body])])
    section = text_artefacts(doc).children[0]
    assert isinstance(section, Section) and plain_text(section.title) == "Make Attacks Fail on Diffusion Models"
    assert section.children[0] is body


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (quote("论文链接地址"), "点击这里（论文链接地址）"),
        (quote('如果没有可用代码，填写"None"'), 'GitHub链接地址（如果没有可用代码，填写"None"）'),
        ("None", "GitHub链接地址 (None)"),
        ("", "点击这里"),
    ],
)
def test_placeholder_links_become_text_with_a_warning(url: str, shown: str) -> None:
    label = "点击这里" if shown.startswith("点击") else "GitHub链接地址"
    source = f"5. 论文链接：[{label}]({url})"
    out = text_artefacts(
        _doc(Text(line=1, text="论文链接："), Link(line=1, url=url, children=[Text(text=label)]), source=source)
    )
    assert plain_text(out.children[0].children) == f"论文链接：{shown}"  # type: ignore[attr-defined]
    assert not [n for n in iter_nodes(out) if isinstance(n, Link)]
    assert len(out.warnings) == 1 and "shown as plain text; put the real URL" in out.warnings[0].message


@pytest.mark.parametrize(
    "url",
    ["https://arxiv.org/abs/2410.03665", "#多模态", "./docs/README.md#usage", "笔记.md", "/about/", "mailto:a@b.c"],
)
def test_real_link_targets_are_not_placeholders(url: str) -> None:
    assert not is_placeholder(url)


_MARKS = "¨´`ˆ˜ˇ˘˚˙˝¯¸˛"


def _letters(text: str) -> str:
    """What an accent repair must keep: the text without accents of either kind."""
    decomposed = unicodedata.normalize("NFD", text.replace("ı", "i"))
    return "".join(c for c in decomposed if c not in _MARKS and not unicodedata.combining(c))


@given(st.text(alphabet=f"aeiouncsAEUıMl 中文'{_MARKS}", max_size=30))
def test_property_accent_repair_loses_no_letter(text: str) -> None:
    out = text_artefacts(_doc(Text(line=1, text=text)))
    assert _letters(plain_text(out.children[0].children)) == _letters(text)  # type: ignore[attr-defined]
    assert all(w.message.startswith("repaired") for w in out.warnings)


# --------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------


def _lines_with(doc: Document, needle: str) -> list[int]:
    return [i for i, line in enumerate(doc.source.splitlines(), 1) if needle in line]


def test_corpus_001_accents_and_placeholders() -> None:
    doc = _read("001")
    out = text_artefacts(doc)
    texts = [n.text for n in iter_nodes(out) if isinstance(n, Text)]
    assert not [t for t in texts if "¨" in t or "˜" in t]
    assert any("Müller" in t for t in texts) and any("João" in t for t in texts)
    warnings = [(w.line, w.message) for w in out.warnings[len(doc.warnings) :]]
    repaired = {line for line, message in warnings if message.startswith("repaired")}
    assert repaired == {*_lines_with(doc, "M¨uller"), *_lines_with(doc, "Jo˜ao")}
    placeholders = [line for line, message in warnings if "put the real URL" in message]
    assert placeholders == _lines_with(doc, "[点击这里](论文链接地址)") * 2
    line = _lines_with(doc, "[点击这里](论文链接地址)")[0]
    paragraph = next(n for n in iter_nodes(out) if isinstance(n, Paragraph) and n.line == line)
    assert (
        '论文链接：点击这里（论文链接地址）；代码GitHub链接：GitHub链接地址（如果没有可用代码，填写"None"）'
        in plain_text(paragraph.children)
    )


def test_corpus_001_abstract_latex() -> None:
    doc = _read("001")
    out = prose_latex(doc)
    links = [n.url for n in iter_nodes(out) if isinstance(n, Link)]
    assert "https://github.com/caradryanl/CopyMark" in links
    assert any(isinstance(n, Emph) and plain_text(n) == "token selection ambiguity" for n in iter_nodes(out))
    texts = [n.text for n in iter_nodes(out) if isinstance(n, Text)]
    assert not [t for t in texts if "\\url" in t or "\\textit" in t]
    assert out.warnings[len(doc.warnings) :] == []


def test_corpus_003_macros() -> None:
    doc = _read("003")
    out = prose_latex(doc)
    warnings = [(w.line, w.message) for w in out.warnings[len(doc.warnings) :]]
    assert [(line, "\\our" in m, "\\dataset" in m) for line, m in warnings] == [
        (_lines_with(doc, "\\our")[0], True, False),
        (_lines_with(doc, "\\dataset")[0], False, True),
    ]
    texts = [n.text for n in iter_nodes(out) if isinstance(n, Text)]
    assert not [t for t in texts if "\\textbf" in t or "\\emph" in t or "\\href" in t]
    assert "https://github.com/Anut-py/frit" in [n.url for n in iter_nodes(out) if isinstance(n, Link)]


@pytest.mark.parametrize("prefix", ["000", "004"])
def test_corpus_without_stray_latex_is_untouched(prefix: str) -> None:
    doc = _read(prefix)
    assert prose_latex(doc).children == doc.children
