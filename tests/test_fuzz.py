"""Fuzzing: Markdown built from the corpus's own constructs, then mutated, through every renderer.

The strategies assemble documents the way the four kinds in the corpus are
written (front matter, date headings, paper headings, download/summary lines,
``<details>`` galleries of ``<img>``, pipe tables whose rows lack the closing
pipe, ``$…$``/``$$…$$``/``\\(…\\)`` math, stray LaTeX, raw HTML, nested lists,
code, links, footnotes), then break them: truncate, duplicate a slice, delete
a delimiter, insert random Unicode.  Whatever comes out, no exception may
escape read → filters → HTML, bundle, EPUB and the LaTeX export, and what is
written must be well-formed.  XeLaTeX and the PDF engine take a handful of
examples in one pack, not one run per example.

``make test`` runs these at CI size; ``make fuzz`` (HYPOTHESIS_PROFILE=long)
runs them for longer (``conftest.fuzz_examples``).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import fuzz_examples
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_epub import Book
from test_read_property import assert_well_formed

from publish import model as m
from publish.pipeline import load_pack, process
from publish.read import read_document
from publish.render.bundle import build_bundle
from publish.render.epub import build_epub
from publish.render.html import render_page
from publish.render.latex import compile_latex, export_latex
from publish.render.math import MathRenderer, render_formulas

pytestmark = pytest.mark.fuzz

# --------------------------------------------------------------------------
# The corpus's constructs
# --------------------------------------------------------------------------

WORDS = [
    "扩散模型", "逐步去噪", "生成", "Diffusion", "flow", "matching", "论文", "方法", "实验", "M¨uller", "score",
    "2025-02-14", "更新", "多模态", "null", "x", "100%", "a_b", "#1", "&", "~", "^", "{x}",
]  # fmt: skip
INLINE = [
    "$x_{i}^2$", "$\\mathcal{L}_{\\text{score\\_entropy}}$", "\\(H(Z|Y)\\)", "$\\|x\\|_2$", "$x_{<i}$", "$\\pm$",
    "$\\frac{a}{b}$", "**Authors:** Alice, Bob", "`code $x$`", "[PDF](https://arxiv.org/abs/2410.01234)",
    "[点击这里](论文链接地址)", "[back](#多模态)", "<b>粗体</b>", '<a href="#updated-on-20250918">back to top</a>',
    "\\textbf{bold}", "\\emph{em}", "\\url{https://example.org/}", "\\href{https://x.org}{x}", "``quoted''", "\\our",
    "~~struck~~", "*em*", "**strong**", "[^1]", "<br>", "<https://example.org/a>", "![图](images/none.png)",
]  # fmt: skip
DELIMITERS = "$|*_[]()<>`#-\\{}^~:>"

inline = st.one_of(st.sampled_from(WORDS), st.sampled_from(INLINE))
line = st.lists(inline, min_size=1, max_size=8).map(" ".join)


def _table(rows: list[list[str]], closing: list[bool], lone_pipe: bool) -> str:
    width = max(len(r) for r in rows)
    head = "| " + " | ".join(f"col{i}" for i in range(width)) + " |"
    body = []
    for row, close in zip(rows, closing, strict=False):
        body.append("| " + " | ".join(row) + (" |" if close else ""))
        if lone_pipe:
            body.append("|")
    return "\n".join([head, "|" + "---|" * width, *body])


tables = st.builds(
    _table,
    st.lists(st.lists(inline, min_size=1, max_size=4), min_size=1, max_size=5),
    st.lists(st.booleans(), min_size=5, max_size=5),
    st.booleans(),
)
galleries = st.lists(st.sampled_from(["a.png", "b.jpg", "c.png?x=1&y=2"]), min_size=1, max_size=4).map(
    lambda names: "<details><summary>点此查看论文截图</summary>\n"
    + "\n".join(f'<img src="http://127.0.0.1:9/{name}" align="middle">' for name in names)
    + "\n</details>"
)
lists = st.lists(st.tuples(st.integers(0, 2), st.booleans(), line), min_size=1, max_size=6).map(
    lambda items: "\n".join(" " * (4 * depth) + ("1. " if ordered else "- ") + text for depth, ordered, text in items)
)
display_math = st.sampled_from([
    "$$\n\\sum_{i=1}^{n} a_i\n$$", "$$\\mathbb{E}_{q}[\\log p(x)]$$", "\\[ E = mc^2 \\]",
    "- item\n\n    $$\nx_t = \\sqrt{\\bar\\alpha_t} x_0\n$$",
    "$$\n\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}\n$$",
])  # fmt: skip
blocks = st.one_of(
    line,
    st.tuples(st.integers(1, 4), line).map(lambda t: "#" * t[0] + " " + t[1]),
    st.tuples(st.integers(1, 30), line).map(lambda t: f"### {t[0]}. {t[1]} (2024)\n\n#### Meta"),
    line.map(lambda text: f"## {text}\n**下载地址**：https://arxiv.org/pdf/2502.01234\n**AI总结**：{text}  "),
    st.just("## Updated on 2025.09.18"),
    lists,
    tables,
    galleries,
    display_math,
    line.map(lambda text: f"```python\n{text}\n```"),
    line.map(lambda text: f"> {text}"),
    line.map(lambda text: f"[^1]: {text}"),
    st.just("---"),
    st.just('<p align=right>(<a href="#updated-on-20250918">back to top</a>)</p>'),
    line.map(lambda text: f"<details><summary>目录</summary>\n<ol><li><a href=#多模态>{text}</a></li></ol></details>"),
)
front_matter = st.one_of(
    st.just(""),
    st.tuples(line, st.sampled_from(["2025-03-04", "2024-10-07 12:00:00", "not a date", ""])).map(
        lambda t: f"---\ntitle: {t[0]!r}\ndate: {t[1]}\ntags: [a, b]\ncover: http://127.0.0.1:9/c.png\n---\n"
    ),
)
documents = st.builds(lambda head, body: head + "\n\n".join(body) + "\n", front_matter, st.lists(blocks, max_size=10))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A document with up to three mutations: truncate, duplicate a slice, delete a delimiter, insert Unicode."""
    text = draw(documents)
    for _ in range(draw(st.integers(0, 3))):
        if not text:
            break
        kind = draw(st.sampled_from(["truncate", "duplicate", "delete", "insert"]))
        start = draw(st.integers(0, len(text)))
        if kind == "truncate":
            text = text[:start]
        elif kind == "duplicate":
            end = draw(st.integers(start, len(text)))
            text = text[:end] + text[start:end] + text[end:]
        elif kind == "delete":
            positions = [i for i, c in enumerate(text) if c in DELIMITERS]
            if positions:
                at = draw(st.sampled_from(positions))
                text = text[:at] + text[at + 1 :]
        else:
            noise = draw(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=4))
            text = text[:start] + noise + text[start:]
    return text


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Fuzzed formulas and images stay out of the user's cache."""
    folder = tmp_path_factory.mktemp("fuzz-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture(scope="module")
def renderer(private_cache: Path) -> Iterator[MathRenderer]:
    with MathRenderer(cache_dir=private_cache / "math") as running:
        yield running


def written(text: str, folder: Path, name: str = "doc.md") -> Path:
    path = folder / name
    path.write_bytes(text.encode("utf-8"))
    return path


def assert_inert_pages(pages: list[str]) -> None:
    for page in pages:
        lowered = page.lower()
        assert "javascript:" not in lowered and " onerror=" not in lowered


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(FUZZ, max_examples=fuzz_examples(60))
@given(mutated())
def test_read_filters_html(renderer: MathRenderer, text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        doc = read_document(written(text, Path(folder)))
    assert_well_formed(doc)
    processed = process(doc)
    assert_well_formed(processed)
    processed, formulas = render_formulas(processed, renderer)
    page = render_page(processed, formulas)
    assert_inert_pages([page])
    ids = re.findall(r' id="([^"]*)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@settings(FUZZ, max_examples=fuzz_examples(12, long=300))
@given(st.lists(mutated(), min_size=1, max_size=2))
def test_bundle_epub_and_latex_export(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        sources = [written(text, folder, f"doc{i}.md") for i, text in enumerate(texts)]
        pack = load_pack(sources)
        cache = folder / "images"
        bundled, files = build_bundle(pack, folder / "html", offline=True, cache_dir=cache)
        assert_inert_pages([p.read_text("utf-8") for p in files if p.suffix == ".html"])
        book = build_epub(pack, folder / "book.epub", offline=True, cache_dir=cache)
        epub = Book(folder / "book.epub")
        for page in epub.pages():
            epub.xml(page)  # every content document is well-formed XML
        assert len(epub.chapters()) >= len(texts)
        drafted = export_latex(pack, folder / "latex", offline=True, cache_dir=cache)
        assert (folder / "latex" / "main.tex").read_text("utf-8").rstrip().endswith(r"\end{document}")
        for built in (bundled, book, drafted):
            for doc in built.documents:
                last = doc.source.count("\n") + 1
                assert all(0 <= w.line <= last for w in doc.warnings if w.file == str(doc.path))


def sample(strategy: st.SearchStrategy[str], count: int) -> list[str]:
    """``count`` examples of ``strategy``, the same on every run: one pack to compile, not one run per example."""
    found: list[str] = []

    @settings(max_examples=count, database=None, phases=[Phase.generate], derandomize=True, deadline=None)
    @given(strategy)
    def collect(text: str) -> None:
        found.append(text)

    collect()
    return found


@pytest.fixture(scope="module")
def sample_pack(tmp_path_factory: pytest.TempPathFactory) -> m.Pack:
    folder = tmp_path_factory.mktemp("fuzz-sample")
    texts = sample(mutated(), fuzz_examples(6, long=40))
    return load_pack([written(text, folder, f"sample{i:02d}.md") for i, text in enumerate(texts)])


def test_a_sample_compiles_with_xelatex(sample_pack: m.Pack, tmp_path: Path) -> None:
    if shutil.which("latexmk") is None or shutil.which("xelatex") is None:
        pytest.skip("TeX Live is not installed (make tex-deps)")
    export_latex(sample_pack, tmp_path / "latex", offline=True, cache_dir=tmp_path / "images")
    assert compile_latex(tmp_path / "latex").stat().st_size > 5_000


def test_a_sample_prints_as_pdf(sample_pack: m.Pack, tmp_path: Path) -> None:
    from test_pdf import build  # here: the PDF backend's state must not decide whether the other fuzzers run

    built = build(sample_pack, tmp_path / "sample.pdf", offline=True, cache_dir=tmp_path / "images")
    assert built.pages >= len(sample_pack.documents)
    messages = [r.getMessage() for r in built.engine_records]
    assert messages == [], "\n".join(messages)
