"""Vetting formulas for the LaTeX draft: what goes in as TeX, what is refused, what gets a placeholder."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from publish.render.latex_math import DISPLAY_ENVIRONMENTS, KNOWN, tokens, vet


@pytest.mark.parametrize(
    "tex",
    [
        r"\mathcal{L}(\theta, \phi; x) = \mathbb{E}_{q_\phi(z|x)}[\log p_\theta(x|z)] - D_{KL}(q_\phi(z|x) \| p(z))",
        r"\min_G \max_D V(D, G) = \mathbb{E}_{x \sim p_{data}(x)}[\log D(x)]",
        r"\underbrace{\left(\frac{x_t}{\sqrt{\bar{\alpha}_t}}\right)}_{\text{预测的 } x_0}",
        r"p(x) = \begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases}",
        r"\text{score\_entropy}(s_\theta, s^*)",
        r"x'^2 + x_i' + \sum\limits_{i=1}^{n} a_i",
        r"\left( a \middle| b \right)",
        r"17{,}529\pm 1{,}650 \quad a \% b",
    ],
)
def test_ordinary_formulas_pass_unchanged(tex: str) -> None:
    formula = vet(tex, display=False)
    assert formula.refused == ""
    assert formula.tex == tex
    assert formula.unknown == ()


@pytest.mark.parametrize(
    ("tex", "reason"),
    [
        (r"\input{/etc/passwd}", r"\input"),
        (r"x \write18{rm -rf ~}", r"\write"),
        (r"\immediate\openout1=x", r"\immediate"),
        (r"\catcode`\%=12", r"\catcode"),
        (r"\csname input\endcsname{x}", r"\csname"),
        (r"\def\x{y}\x", r"\def"),
        (r"^^5cinput{x}", "^^"),
        (r"\newwrite\f", r"\newwrite"),
        (r"\pdffiledump{x}", r"\pdffiledump"),
        (r"\directlua{os.execute('id')}", r"\directlua"),
        (r"\everymath{x}", r"\everymath"),
        (r"\openin1=/etc/passwd", r"\openin"),
        (r"\verb|x|", r"\verb"),
        (r"\IfFileExists{x}{}{}", r"\IfFileExists"),
    ],
)
def test_commands_that_reach_files_or_the_shell_are_refused(tex: str, reason: str) -> None:
    formula = vet(tex, display=False)
    assert reason in formula.refused


@pytest.mark.parametrize(
    "tex",
    [
        r"x^a^b",
        r"x^2'",
        r"a & b",
        r"\frac{a}",
        r"x_",
        r"\left( x",
        r"\right)",
        r"{\left( x } \right)",
        r"a \over b \over c",
        r"\hline",
        r"\item x",
        r"\tag{1} x",
        r"\'e",
        r"\begin{align} a \end{align}",
        r"\begin{gathered} a & b \end{gathered}",
        r"x \) \( y",
        r"a $ b",
        r"#1",
        "a\x00b",
        r"\text{$x}",
        r"\limits",
        r"\char65",
        r"\begin x",
        r"\hat\mathbf{x}",
        r"x^\sqrt{2}",
        r"x_\max",
        r"\left\our x \right)",
        r"a \\[ b",
    ],
)
def test_what_latex_rejects_in_inline_math_is_refused(tex: str) -> None:
    assert vet(tex, display=False).refused


def test_display_environments_are_whole_displays_only() -> None:
    whole = vet(r"\begin{align} a &= b \\ c &= d \end{align}", display=True)
    assert whole.environment and not whole.refused
    nested = vet(r"x = \begin{align} a \end{align}", display=True)
    assert nested.refused
    side_by_side = vet(r"\begin{equation} a \end{equation} \begin{equation} b \end{equation}", display=True)
    assert side_by_side.refused
    assert "align" in DISPLAY_ENVIRONMENTS


def test_tag_and_split_are_fine_in_a_display() -> None:
    assert not vet(r"a = b \tag{1}", display=True).refused
    assert vet(r"a \tag{1} = b \tag{2}", display=True).refused
    assert not vet(r"\begin{split} a &= b \\ &= c \end{split}", display=True).refused


def test_unknown_macros_are_kept_for_placeholders() -> None:
    formula = vet(r"\our + \dataset{x} + \alpha", display=False)
    assert formula.refused == ""
    assert formula.unknown == ("our", "dataset")
    assert formula.tex == r"\our + \dataset{x} + \alpha"


def test_characters_outside_ascii_go_into_text_mode() -> None:
    assert vet("中文 + x", display=False).tex == r"{\text{中文}} + x"
    assert vet(r"\text{预测的 } x", display=False).tex == r"\text{预测的 } x"
    greek = vet("α + 1", display=False).tex
    assert greek.startswith(r"{\text{\publishfallbackA{α}}}")
    assert vet(r"\hat α", display=False).tex == r"\hat {\text{\publishfallbackA{α}}}"


def test_tokens_keep_every_character() -> None:
    tex = r"\frac{a}{b} % note" + "\n" + r"\begin{cases} x \end{cases} 中 ^^"
    assert "".join(text for _, text in tokens(tex)) == tex


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"\\{}^_$&#%'ab \n[]()", "\\input", "\\def", "\\begin{align}"])).map("".join))
@example("%{\n}\\")  # a brace in a comment once made the `}` after it close the formula itself: a crash
def test_accepted_formulas_never_hold_a_dangerous_command(tex: str) -> None:
    formula = vet(tex, display=True)
    if not formula.refused:
        texts = [text for _, text in tokens(formula.tex)]
        assert not {r"\input", r"\def"} & set(texts)
        assert "^^" not in formula.tex
        assert texts.count("{") == texts.count("}")


def test_no_known_math_command_is_taken_for_a_dangerous_one() -> None:
    refusals = {name: vet(f"\\{name}{{a}}{{b}}", display=True).refused for name in sorted(KNOWN)}
    assert {name: why for name, why in refusals.items() if "files" in why} == {}
