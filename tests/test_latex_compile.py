"""The LaTeX draft compiles: real ``latexmk -xelatex`` on the corpus, the whole pack and a hostile document.

Each draft is compiled once per module (in parallel) and every test reads
the same build: a corpus file takes 5–20 s of XeLaTeX, the pack about 35 s.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pypandoc
import pytest
from conftest import CORPUS, corpus_file
from PIL import Image as PILImage

from publish.errors import PublishError
from publish.model import (
    BlockQuote,
    Cell,
    Code,
    CodeBlock,
    Document,
    FootnoteDef,
    FootnoteRef,
    Gallery,
    Image,
    LineBreak,
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
    Strikeout,
    Table,
    Text,
)
from publish.pipeline import load_pack
from publish.render import pandoc_ast as pa
from publish.render.latex import compile_latex, export_latex
from publish.render.latex_ast import text
from publish.render.latex_bib import arxiv_id
from publish.render.latex_math import vet
from publish.tree import iter_nodes

pytestmark = pytest.mark.skipif(
    shutil.which("latexmk") is None or shutil.which("xelatex") is None,
    reason="TeX Live is not installed (make tex-deps)",
)

CORPUS_FILES = ("000", "001", "003", "004")
SURVEY = "004"
PACK = "pack"
HOSTILE_MARKER = Path("/tmp/publish-latex-test-pwned")

HOSTILE = r"""---
title: "Evil \\input{/etc/passwd} % & # _ { } ~ ^ \\"
author: "\\write18{touch /tmp/publish-latex-test-pwned}"
tags: ["\\catcode`\\@=11", "a&b#c"]
---

# Hostile $\input{/etc/passwd}$ heading

Prose: 100% & #1 a_b {x} ~ ^ \ \input{/etc/passwd} \write18{touch /tmp/publish-latex-test-pwned} \end{document}

Formulas: $\input{/etc/passwd}$ and $\immediate\write18{touch /tmp/publish-latex-test-pwned}$ and
$^^5cinput{/etc/passwd}$ and $\csname input\endcsname{x}$ and $x \) \input{/etc/passwd} \($ and $\our + 1$.

$$
\begin{align} a &= b \end{align} \openout1=/tmp/publish-latex-test-pwned
$$

```
\end{verbatim}
\input{/etc/passwd}
\end{Highlighting}
```

[x](http://example.com/a%20b#\input{/etc/passwd}) ~~struck~~ α 🔴

- 1
    - 2
        - 3
            - 4
                - 5
                    - 6 deep

| a % | b & |
|---|---|
| \input{/etc/passwd} | $\input{x}$ |

Note[^n].

[^n]: A footnote with \write18{x}.

<details><summary>截图</summary>
<img src="https://example.invalid/a.png">
<img src="missing.png">
</details>
"""
HOSTILE_LITERALS = ("100% & #1 a_b {x} ~ ^", r"\input{/etc/passwd}", r"\write18{touch", r"\immediate\write18")


@dataclass
class Build:
    pack: Pack
    outdir: Path
    tex: str
    log: str
    error: str  # the PublishError of a failed compile
    seconds: float


def build(inputs: list[Path], outdir: Path) -> Build:
    pack = export_latex(load_pack(inputs), outdir, offline=True, cache_dir=outdir.parent / "image-cache")
    started = time.monotonic()
    try:
        compile_latex(outdir)
        error = ""
    except PublishError as exc:
        error = str(exc)
    seconds = time.monotonic() - started
    log_path = outdir / "main.log"
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
    return Build(pack, outdir, (outdir / "main.tex").read_text(encoding="utf-8"), log, error, seconds)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Build]:
    if not CORPUS.is_dir():
        pytest.skip(f"reference corpus not found at {CORPUS}")
    jobs = {prefix: [corpus_file(prefix)] for prefix in CORPUS_FILES}
    jobs[PACK] = [CORPUS]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = {name: pool.submit(build, inputs, tmp_path_factory.mktemp(name)) for name, inputs in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Build:
    source = tmp_path_factory.mktemp("hostile-source") / "evil.md"
    source.write_text(HOSTILE, encoding="utf-8")
    HOSTILE_MARKER.unlink(missing_ok=True)
    return build([source], tmp_path_factory.mktemp("hostile"))


def awkward_document(folder: Path) -> Document:
    """Structures Markdown rarely makes but the model allows: each a way LaTeX could fail."""
    paper = Paper(title="Auto-Encoding Variational Bayes", authors=["Diederik P. Kingma"], arxiv="1312.6114")
    image = Image(url="https://example.invalid/x.png")
    PILImage.new("RGB", (400, 200), "teal").save(folder / "local.png")
    deep: Node = Paragraph(children=[Text(text="innermost")])
    for level in range(7):
        item = ListItem(children=[deep])
        deep = BlockQuote(children=[Paragraph(children=[Text(text=f"quote {level}")]), ListBlock(items=[item])])
    heading = [Text(text="Heading "), Math(tex=r"\alpha^2"), Code(text="code_%"), FootnoteRef(key="f")]
    cells = [
        Cell(children=[Paragraph(children=[Text(text="para in cell")]), ListBlock(items=[ListItem(children=[])])]),
        Cell(children=[Gallery(caption=[Text(text="cap")], images=[image, Image(url="local.png")]), LineBreak()]),
    ]
    table = Table(head=Row(cells=[Cell(children=[Text(text="A")]), Cell()]), rows=[Row(cells=cells, paper=paper)])
    body = [
        Paragraph(children=[Link(url="http://a.com/?a&b", children=[image]), Strikeout(children=[Text(text="删")])]),
        table,
        deep,
        Gallery(caption=[Text(text="图")], images=[Image(url="local.png")] * 7),
        CodeBlock(text="x = '中文 α 🔴'  " + "long " * 40),
        Paragraph(children=[Math(tex="a = b % trailing comment", display=True)]),
        Paragraph(children=[Text(text="inline "), Math(tex=r"\begin{equation} x \end{equation}", display=True)]),
    ]
    return Document(
        path=folder / "awkward.md",
        source="",
        meta=Meta(title="结构"),
        children=[
            Section(level=1, id="h", paper=paper, title=heading, children=body),
            Section(level=1, id="h", title=[Text(text="Same id")]),
            Section(level=1, id="last", title=[Text(text="Empty last heading")]),
        ],
        footnotes=[FootnoteDef(key="f", children=[Paragraph(children=[Text(text="note in heading")])])],
        papers=[paper],
    )


def escaped(titles: list[str]) -> list[str]:
    """How pandoc writes each title as LaTeX text: what main.tex must contain."""
    ast = pa.document([pa.para(text(title)) for title in titles])
    latex = pypandoc.convert_text(json.dumps(ast), "latex", format="json", extra_args=["--wrap=none"])
    return latex.strip().split("\n\n")


def log_problems(log: str) -> list[str]:
    patterns = (r"^!.*", r"^.*:\d+: .*", r"^Missing character.*", r".*(?:Citation|Reference).*undefined.*")
    return [m.group(0) for pattern in patterns for m in re.finditer(pattern, log, re.MULTILINE)]


@pytest.mark.parametrize("name", [*CORPUS_FILES, PACK])
def test_the_draft_compiles_cleanly(builds: dict[str, Build], name: str) -> None:
    result = builds[name]
    assert result.error == ""
    assert (result.outdir / "main.pdf").stat().st_size > 10_000
    assert log_problems(result.log) == []
    assert "There were undefined references" not in result.log


@pytest.mark.parametrize("name", [*CORPUS_FILES, PACK])
def test_every_paper_title_is_in_the_draft(builds: dict[str, Build], name: str) -> None:
    result = builds[name]
    titles = [paper.title for doc in result.pack.documents for paper in doc.papers]
    assert titles
    missing = [title for title, latex in zip(titles, escaped(titles), strict=True) if latex not in result.tex]
    assert missing == []


def test_every_formula_of_the_survey_is_the_authors_tex(builds: dict[str, Build]) -> None:
    result = builds[SURVEY]
    formulas = [node for node in iter_nodes(result.pack.documents[0]) if isinstance(node, Math)]
    assert len(formulas) >= 125
    vetted = [vet(node.tex, node.display) for node in formulas]
    assert [f.refused for f in vetted if f.refused] == []
    assert [f.tex for f in vetted] == [node.tex for node in formulas]  # as written, not rewritten
    assert [node.tex for node in formulas if node.tex not in result.tex] == []


def test_the_pack_cites_one_entry_per_distinct_arxiv_paper(builds: dict[str, Build]) -> None:
    result = builds[PACK]
    ids = {arxiv_id(paper.arxiv) for doc in result.pack.documents for paper in doc.papers if paper.arxiv}
    bib = (result.outdir / "references.bib").read_text(encoding="utf-8")
    assert len(re.findall(r"^@misc\{", bib, re.MULTILINE)) == len(ids)
    assert sorted(re.findall(r"^  eprint = \{(.*)\}", bib, re.MULTILINE)) == sorted(ids)
    bbl = (result.outdir / "main.bbl").read_text(encoding="utf-8")
    assert bbl.count("\\bibitem") == len(ids)  # every entry is cited, so every entry is printed


def test_a_hostile_document_compiles_runs_nothing_and_shows_its_text(hostile: Build) -> None:
    assert hostile.error == ""
    assert log_problems(hostile.log) == []
    assert not HOSTILE_MARKER.exists()
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    shown = subprocess.run(
        ["pdftotext", "-layout", str(hostile.outdir / "main.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    for literal in HOSTILE_LITERALS:
        assert literal in shown
    assert "root:" not in shown  # /etc/passwd was never read into the page
    assert "6 deep" in shown and "[U+1F534]" in shown


def test_awkward_structures_compile(tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    export_latex(Pack(title="p", documents=[awkward_document(tmp_path)]), outdir, offline=True, cache_dir=tmp_path)
    compile_latex(outdir)
    log = (outdir / "main.log").read_text(encoding="utf-8", errors="replace")
    assert log_problems(log) == []
    assert "multiply defined" not in log
    tex = (outdir / "main.tex").read_text(encoding="utf-8")
    assert "Empty last heading" in tex and "innermost" in tex
    assert tex.count("\\includegraphics") == 8


# Pieces of TeX that combine into formulas LaTeX may or may not take; the vetting must know which.
FORMULA_PIECES = r"""
x | y | 2 | + | = | ( | ) | [ | ] | \| | { | } | ^ | _ | ' | \alpha | \frac | \sqrt | \sqrt[3] | \left( | \right) |
\left. | \right| | \middle| | \big( | \Big| | \mathbf | \mathcal | \mathrm | \text{中} | \text | \text{$x$} | α |
\sum | \limits | \int | & | \\ | \begin{cases} | \end{cases} | \begin{aligned} | \end{aligned} |
\begin{pmatrix} | \end{pmatrix} | \begin{array}{cc} | \end{array} | \hline | \over | \hat | \tilde | \, |
\quad | \our | \operatorname | * | \cdot | \lVert | \rVert | \overbrace | \underbrace | \xrightarrow |
\color{red} | \boxed | \tag{1} | \substack | \not | \mid | \overset | \binom | \bm | \mathbb | \phantom |
\prime | \infty | \bmod | \pmod | \dots | \left\{ | \right\} | \stackrel | \cancel | \textbf | \mbox | ~ | \;
""".replace("\n", " ").split(" | ")


def random_formulas(count: int, seed: int = 5) -> list[Math]:
    """``count`` formulas the vetting accepts, from random strings of ``FORMULA_PIECES``."""
    pieces = [piece.strip() or " " for piece in FORMULA_PIECES]
    chooser = random.Random(seed)
    accepted: list[Math] = []
    while len(accepted) < count:
        tex = "".join(chooser.choice(pieces) for _ in range(chooser.randint(1, 10)))
        display = chooser.random() < 0.3
        if not vet(tex, display).refused:
            accepted.append(Math(tex=tex, display=display))
    return accepted


def test_formulas_the_vetting_accepts_compile(tmp_path: Path) -> None:
    children: list[Node] = [Paragraph(children=[formula]) for formula in random_formulas(300)]
    doc = Document(path=tmp_path / "f.md", source="", meta=Meta(title="f"), children=children)
    export_latex(Pack(title="f", documents=[doc]), tmp_path / "out", offline=True, cache_dir=tmp_path)
    compile_latex(tmp_path / "out")
    assert log_problems((tmp_path / "out" / "main.log").read_text(encoding="utf-8", errors="replace")) == []


def test_a_failed_compile_says_what_latex_said(tmp_path: Path) -> None:
    (tmp_path / "main.tex").write_text("\\documentclass{article}\\begin{document}\\nosuchmacro\\end{document}\n")
    with pytest.raises(PublishError, match="Undefined control sequence"):
        compile_latex(tmp_path)
