"""MathRenderer against real Node and MathJax: the corpus, the SVG contract, errors, the cache."""

from __future__ import annotations

import copy
import importlib.util
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, corpus_file

from publish.errors import PublishError
from publish.model import Document, Math, Paragraph, Text
from publish.render.math import FormulaError, MathRenderer, find_node, find_node_modules, render_formulas, unique_ids

SVG_NS = "{http://www.w3.org/2000/svg}"


def _load_measure_script():
    """The measurement script's formula finder: one copy of it, used by both."""
    spec = importlib.util.spec_from_file_location("measure_math", REPO / "scripts" / "measure_math.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def mathjax_installed() -> None:
    try:
        find_node()
        find_node_modules()
    except PublishError as err:
        pytest.skip(f"MathJax cannot run here: {err}")


@pytest.fixture(scope="module")
def renderer(mathjax_installed: None, tmp_path_factory: pytest.TempPathFactory):
    """One Node process for the tests that only look at results: start-up is most of their time."""
    with MathRenderer(cache_dir=tmp_path_factory.mktemp("cache")) as m:
        yield m


@pytest.fixture(scope="session")
def corpus_svgs(mathjax_installed: None, tmp_path_factory: pytest.TempPathFactory):
    """Every corpus formula by file, and what MathJax made of each (one process for all)."""
    extract = _load_measure_script().extract
    found = {prefix: extract(corpus_file(prefix)) for prefix in ("000", "001", "003", "004")}
    with MathRenderer(cache_dir=tmp_path_factory.mktemp("cache")) as m:
        out = m.render_many(item for items in found.values() for item in items)
    return found, out


# --------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------


def test_every_corpus_formula_renders(corpus_svgs) -> None:
    found, out = corpus_svgs
    assert [len(found[p]) for p in ("000", "001", "003")] == [1, 2, 14]
    assert len(found["004"]) >= 120 and sum(d for _, d in found["004"]) >= 50
    failures = {item: str(r) for item, r in out.items() if not isinstance(r, str)}
    assert failures == {}
    assert all(r.startswith("<svg ") and r.endswith("</svg>") for r in out.values())


def test_corpus_svgs_are_xml_labelled_with_their_tex(corpus_svgs) -> None:
    _, out = corpus_svgs
    for (tex, _display), svg in out.items():
        root = ET.fromstring(svg)
        assert root.get("role") == "img"
        assert root.get("aria-label") == tex
        assert re.fullmatch(r"vertical-align: (-?[\d.]+ex|0);", root.get("style", ""))


def test_no_id_is_shared_between_formulas(corpus_svgs) -> None:
    _, out = corpus_svgs
    ids = Counter(i for svg in out.values() for i in set(re.findall(r'\bid="([^"]+)"', svg)))
    assert [i for i, n in ids.items() if n > 1] == []


# --------------------------------------------------------------------------
# The SVG contract
# --------------------------------------------------------------------------


def test_aria_label_escapes_markup(renderer: MathRenderer) -> None:
    tex = r'a<b \& c>d \text{"q"}'
    svg = renderer.render(tex)
    assert 'aria-label="a&lt;b \\&amp; c&gt;d \\text{&quot;q&quot;}"' in svg
    assert ET.fromstring(svg).get("aria-label") == tex


def test_formula_prints_once(renderer: MathRenderer) -> None:
    """No assistive MathML beside the SVG: it would be drawn as a second copy."""
    svg = renderer.render(r"\sum_{i=1}^n x_i", display=True)
    assert "<math" not in svg and "mjx-assistive" not in svg
    assert len(ET.fromstring(svg).findall(f"./{SVG_NS}g")) == 1


def test_cjk_in_text_uses_the_book_serif(renderer: MathRenderer) -> None:
    root = ET.fromstring(renderer.render(r"\text{预测的 } x_0"))
    families = {t.get("font-family") for t in root.iter(f"{SVG_NS}text")}
    assert families and all(f.startswith("'Noto Serif CJK SC'") for f in families)


def test_escaped_underscore_in_text_is_an_underscore(renderer: MathRenderer) -> None:
    svg = renderer.render(r"\text{score\_entropy}")
    assert 'data-c="5F"' in svg  # _
    assert 'data-c="5C"' not in svg  # no backslash drawn


def test_double_bar_is_a_norm(renderer: MathRenderer) -> None:
    assert renderer.render(r"\|x\|").count('data-c="2016"') == 2


def test_formulas_with_the_same_tag_and_label_stand_alone(renderer: MathRenderer) -> None:
    """MathJax remembers labels across formulas unless reset; `\\tag` writes an id into the SVG."""
    items = [(r"a \tag{1}\label{e}", True), (r"b \tag{1}\label{e}", True)]
    out = renderer.render_many(items)
    ids = [re.findall(r'\bid="([^"]+)"', out[item]) for item in items]  # type: ignore[arg-type]
    assert all(len(i) == 1 for i in ids) and ids[0] != ids[1]
    assert all(i[0].startswith("mj") and i[0].endswith("mjx-eqn:e") for i in ids)


def test_unique_ids_renames_ids_and_their_references() -> None:
    svg = '<svg><defs><path id="g1"/></defs><use href="#g1"/><use xlink:href="#g1"/><g fill="url(#g1)"/></svg>'
    out = unique_ids(svg, "mjabc")
    assert re.findall(r'id="([^"]+)"', out) == ["mjabc-g1"]
    assert out.count("#mjabc-g1") == 3 and "#g1" not in out


# --------------------------------------------------------------------------
# Errors surface
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tex", "message"),
    [
        (r"\frac{a}{", "Missing close brace"),
        (r"\our x", "Undefined control sequence \\our"),
        (r"\input{/etc/passwd}", "Undefined control sequence \\input"),
        (r"\href{javascript:alert(1)}{x}", "Undefined control sequence \\href"),
        (r"\left( x \right", "Missing or unrecognized delimiter"),
    ],
)
def test_bad_tex_is_an_error_not_a_drawing(renderer: MathRenderer, tex: str, message: str) -> None:
    with pytest.raises(FormulaError, match=re.escape(message)):
        renderer.render(tex)


def test_one_bad_formula_does_not_spoil_the_batch(renderer: MathRenderer) -> None:
    out = renderer.render_many([("a", False), (r"\our", False), ("b", True)])
    assert isinstance(out[("a", False)], str) and isinstance(out[("b", True)], str)
    assert isinstance(out[(r"\our", False)], FormulaError)


def test_batch_larger_than_a_pipe_buffer(mathjax_installed: None, tmp_path: Path) -> None:
    """Megabytes of SVG in one batch: request writing and answer reading must not block each other."""
    items = [(rf"\sum_{{k=1}}^{{{i}}} \frac{{k^2}}{{{i}+k}}", True) for i in range(400)]
    with MathRenderer(cache_dir=tmp_path) as m:
        out = m.render_many(items)
        assert m.processes_started == 1
    assert sum(len(s) for s in out.values() if isinstance(s, str)) > 1_000_000


# --------------------------------------------------------------------------
# The cache
# --------------------------------------------------------------------------


def test_warm_cache_never_starts_node(mathjax_installed: None, tmp_path: Path) -> None:
    items = [(r"\frac{a}{b}", False), (r"\int_0^1 x\,dx", True), (r"\frac{a}{", False)]
    with MathRenderer(cache_dir=tmp_path) as cold:
        first = cold.render_many(items)
        assert cold.processes_started == 1
    with MathRenderer(cache_dir=tmp_path) as warm:
        second = warm.render_many(items)
        assert warm.processes_started == 0
    assert {k: str(v) for k, v in first.items()} == {k: str(v) for k, v in second.items()}
    assert isinstance(second[(r"\frac{a}{", False)], FormulaError)


def test_display_and_inline_are_cached_apart(renderer: MathRenderer) -> None:
    out = renderer.render_many([(r"\sum_i x_i", False), (r"\sum_i x_i", True)])
    assert out[(r"\sum_i x_i", False)] != out[(r"\sum_i x_i", True)]


def test_default_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert MathRenderer().cache_dir == tmp_path / "publish" / "math"


# --------------------------------------------------------------------------
# Missing tools: an exact fix, not a traceback
# --------------------------------------------------------------------------


def test_missing_mathjax_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PUBLISH_NODE_MODULES", str(tmp_path / "node_modules"))
    with pytest.raises(PublishError, match=r"make setup.*npm install --prefix .* mathjax-full@3"):
        find_node_modules()


def test_renderer_without_mathjax_raises_publish_error(mathjax_installed: None, tmp_path: Path) -> None:
    with MathRenderer(cache_dir=tmp_path / "c", node_modules=tmp_path / "node_modules") as m:
        with pytest.raises(PublishError, match="npm install"):
            m.render("x")


def test_missing_node_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PublishError, match=r"apt-get install nodejs npm"):
        find_node()


# --------------------------------------------------------------------------
# The pipeline step
# --------------------------------------------------------------------------


def test_render_formulas_marks_failures_and_returns_svgs(renderer: MathRenderer) -> None:
    good = Math(tex=r"\alpha", line=3)
    bad = Math(tex=r"\our", display=True, line=5)
    vetted = Math(tex=r"\input{x}", line=7, error="uses `\\input`")
    doc = Document(
        path=Path("d.md"),
        source="",
        children=[Paragraph(children=[Text(text="见 "), good], line=3), Paragraph(children=[bad], line=5),
                  Paragraph(children=[vetted], line=7)],
    )  # fmt: skip
    before = copy.deepcopy(doc)
    new, svgs = render_formulas(doc, renderer)
    assert doc == before
    assert set(svgs) == {(r"\alpha", False)}
    assert new.children[0] == doc.children[0]
    assert new.children[1].children[0].error == "Undefined control sequence \\our"
    assert new.children[2].children[0] == vetted
    [warning] = new.warnings
    assert (warning.line, warning.file) == (5, "d.md")
    assert warning.message == (
        "formula cannot be rendered (Undefined control sequence \\our): shown as TeX source; fix the TeX"
    )
