"""The formulas filter: each source repair and each refusal, on hand-built documents."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from publish.filters.formulas import formulas
from publish.model import Cell, Document, Math, Node, Paragraph, Strong, Text
from publish.tree import iter_nodes


def _doc(*inline: Node) -> Document:
    return Document(path=Path("t.md"), source="", children=[Paragraph(children=list(inline), line=4)])


def _math(tex: str, display: bool = False) -> Math:
    return Math(tex=tex, display=display, line=4)


def _only_math(doc: Document) -> Math:
    [node] = [n for n in iter_nodes(doc) if isinstance(n, Math)]
    return node


def _fixed(tex: str, display: bool = False) -> Math:
    return _only_math(formulas(_doc(_math(tex, display))))


# --------------------------------------------------------------------------
# Repairs
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tex", "expected"),
    [
        (r"17,529\pm 1,650", r"17{,}529\pm 1{,}650"),  # corpus 003 line 191
        (r"6,573\pm 147.43", r"6{,}573\pm 147.43"),
        ("1,234,567", "1{,}234{,}567"),
        ("(0,100)", "(0,100)"),  # an interval, not a number
        ("f(1,2)", "f(1,2)"),
        ("12,3456", "12,3456"),
        ("17{,}529", "17{,}529"),  # already right
    ],
)
def test_thousands_separators_are_braced(tex: str, expected: str) -> None:
    assert _fixed(tex).tex == expected


@pytest.mark.parametrize(
    ("tex", "expected"),
    [
        ("x_{&lt;i}", "x_{<i}"),
        ("a &gt; b", "a > b"),
        (r"p(x) &amp;\propto q", r"p(x) &\propto q"),
        ("a &amp;lt; b", "a < b"),  # escaped twice
        (r"\begin{aligned} a &= b \end{aligned}", r"\begin{aligned} a &= b \end{aligned}"),  # real `&` stays
    ],
)
def test_html_escaped_tex_is_unescaped(tex: str, expected: str) -> None:
    assert _fixed(tex).tex == expected


@pytest.mark.parametrize("tex", [r"\text{score\_entropy}", r"\|x_0 - \hat x\|^2", r"\{a\}", r"a \\ b"])
def test_escapes_that_mean_something_are_kept(tex: str) -> None:
    fixed = _fixed(tex)
    assert (fixed.tex, fixed.error) == (tex, "")


def test_lone_superscript_joins_its_neighbours() -> None:
    """Corpus 003 line 139: `(S $^2$ D)` reads as S²D, and is still one formula."""
    doc = _doc(Text(text="共享-特定-解耦 (S "), _math("^2"), Text(text=" D) 学习方案"))
    para = formulas(doc).children[0]
    assert [type(n) for n in para.children] == [Text, Math, Text]
    assert para.children[0].text.endswith("(S") and para.children[2].text.startswith("D)")
    assert para.children[1].tex == "^2"


def test_lone_subscript_with_braces_joins_too() -> None:
    para = formulas(_doc(Text(text="x "), _math("_{-1}"), Text(text=" y"))).children[0]
    assert [getattr(n, "text", None) for n in para.children] == ["x", None, "y"]


def test_spaces_next_to_cjk_are_kept() -> None:
    para = formulas(_doc(Text(text="误差 "), _math("^2"), Text(text=" 很小"))).children[0]
    assert (para.children[0].text, para.children[2].text) == ("误差 ", " 很小")


def test_lone_script_inside_other_containers() -> None:
    cell = Cell(children=[Strong(children=[Text(text="S "), _math("^2"), Text(text=" D")])])
    doc = Document(path=Path("t.md"), source="", children=[cell])
    strong = formulas(doc).children[0].children[0]
    assert [getattr(n, "text", None) for n in strong.children] == ["S", None, "D"]


def test_display_script_is_left_alone() -> None:
    assert _fixed("^2", display=True).tex == "^2"


# --------------------------------------------------------------------------
# Refusals: TeX kept, error set, one warning
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tex", "reason"),
    [
        (r"\frac{a}{", "`{` that is never closed"),
        (r"a}", "`}` without a matching `{`"),
        (r"\left( \frac{a}{b}", "`\\left` without a matching `\\right`"),
        (r"\frac{a}{b} \right)", "`\\right` without a matching `\\left`"),
        (r"\begin{aligned} a \end{align}", "`\\end{align}` without a matching `\\begin{align}`"),
        (r"\begin{cases} a", "`\\begin{cases}` without a matching `\\end{cases}`"),
        (r"\input{/etc/passwd}", "`\\input`"),
        (r"\include{chapter}", "`\\include`"),
        (r"\immediate\write18{rm -rf ~}", "`\\immediate`"),
        (r"\write18{ls}", "`\\write`"),
        (r"\openout1=x", "`\\openout`"),
        (r"\read16 to \x", "`\\read`"),
        (r"\catcode`\^=7", "`\\catcode`"),
        (r"\def\x{y} \x", "`\\def`"),
        (r"^^5cinput{x}", "`^^` character notation"),
        ("%{\n}x", "`}` without a matching `{`"),  # TeX skips the comment, braces and all
        ("x % \\input{y}\n", "`\\input`"),  # what a comment names is refused all the same
        ("x %^^41\n", "`^^` character notation"),
    ],
)
def test_bad_or_dangerous_tex_is_refused(tex: str, reason: str) -> None:
    doc = _doc(Text(text="见 "), _math(tex))
    out = formulas(doc)
    math = _only_math(out)
    assert math.tex == tex
    assert reason in math.error
    [warning] = out.warnings
    assert warning.line == 4 and reason in warning.message and warning.message.endswith("fix the TeX")


@pytest.mark.parametrize(
    "tex", [r"\leftarrow x \rightarrow y", r"\left\{ x \right.", r"\inputs", r"\defeq", "a % {\nb", r"50\% {x}"]
)
def test_lookalike_commands_are_not_refused(tex: str) -> None:
    out = formulas(_doc(_math(tex)))
    assert _only_math(out).error == "" and out.warnings == []


def test_an_escaped_and_unbalanced_formula_is_refused_unescaped() -> None:
    math = _fixed(r"x &lt; \frac{1}{")
    assert (math.tex, bool(math.error)) == (r"x < \frac{1}{", True)


def test_formula_already_marked_is_left_alone() -> None:
    doc = _doc(Math(tex=r"\frac{a}{", error="earlier", line=4))
    assert formulas(doc) == doc


# --------------------------------------------------------------------------
# Purity
# --------------------------------------------------------------------------


def test_input_is_not_mutated_and_clean_documents_are_returned_as_is() -> None:
    doc = _doc(Text(text="(S "), _math("^2"), Text(text=" D) "), _math(r"17,529"), _math(r"\input{x}"))
    before = copy.deepcopy(doc)
    formulas(doc)
    assert doc == before
    clean = _doc(Text(text="a "), _math(r"\alpha"))
    assert formulas(clean) is clean
