"""Measure formula renderers on every formula of the reference corpus (numbers for docs/math.md).

Finds formulas itself (mistune's math plugins, as the reader does, plus
``\\(…\\)``/``\\[…\\]``) so it does not depend on the project's reader, then for
each renderer counts failures and times a formula once warm; MathJax also cold
and from the disk cache.  With ``--pages DIR`` it writes one WeasyPrint PDF +
PNG per renderer of a few corpus formulas inside Chinese text, to look at.

Comparison renderers are not project dependencies; install them on the side:
    pip install ziamath latex2mathml        # into the venv you run this with
    npm install --prefix /tmp/measure-node temml@0.13

Usage: python scripts/measure_math.py [--corpus ../shared/corpus] [--temml /tmp/measure-node/node_modules]
                                      [--pages /tmp/math-pages]
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import mistune

from publish.render.math import SERVER_JS, FormulaError, MathRenderer, find_node, find_node_modules

REPO = Path(__file__).resolve().parent.parent
PLUGINS = [
    "math",
    "mistune.plugins.math.math_in_list",
    "mistune.plugins.math.math_in_quote",
    "table",
    "strikethrough",
    "footnotes",
]
# CommonMark reads `\(` as an escaped parenthesis, so mistune never sees these.
PAREN_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)

# Formulas for the look test: CJK in \text, a norm, a big display, a lone script, `<`.
SAMPLE_PAGE_TEX = [
    (r"x_{<i}", False),
    (r"\|x_0 - \hat{x}\|^2", False),
    (r"^2", False),
    (r"17{,}529\pm 1{,}650", False),
    (r"\mathcal{O}(N^2)", False),
]

Item = tuple[str, bool]


@dataclass
class Result:
    name: str
    output: str
    failures: list[tuple[Item, str]] = field(default_factory=list)
    times_ms: list[float] = field(default_factory=list)
    notes: str = ""


# --------------------------------------------------------------------------
# Finding formulas
# --------------------------------------------------------------------------


def _math_tokens(tokens: list[dict]) -> Iterator[Item]:
    for token in tokens:
        if token["type"] in ("inline_math", "block_math"):
            yield token["raw"], token["type"] == "block_math"
        if isinstance(token.get("children"), list):
            yield from _math_tokens(token["children"])


def extract(path: Path) -> list[Item]:
    """Every formula of one Markdown file, in order, duplicates kept."""
    text = path.read_text("utf-8")
    parse = mistune.create_markdown(renderer=None, plugins=PLUGINS)
    found = list(_math_tokens(parse(text)))
    for match in PAREN_MATH.finditer(text):
        found.append((match.group(1), False) if match.group(1) is not None else (match.group(2), True))
    return found


# --------------------------------------------------------------------------
# Renderers
# --------------------------------------------------------------------------


def _time_each(name: str, output: str, items: list[Item], convert: Callable[[str, bool], object]) -> Result:
    """Warm (one call first, not counted), then one timed call per distinct formula."""
    result = Result(name, output)
    convert("x^2", False)
    for tex, display in items:
        start = time.perf_counter()
        try:
            convert(tex, display)
        except Exception as err:  # any renderer error counts as a failure
            result.failures.append(((tex, display), f"{type(err).__name__}: {err}"))
        result.times_ms.append((time.perf_counter() - start) * 1000)
    return result


def measure_mathjax(items: list[Item]) -> tuple[Result, dict[str, float]]:
    """One batch through a fresh process, one-by-one round trips, start-up, and the warm cache."""
    extra: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        with MathRenderer(cache_dir=cache) as renderer:
            renderer.render("x^2")
            extra["start-up + first formula, ms"] = (time.perf_counter() - start) * 1000
            start = time.perf_counter()
            outputs = renderer.render_many(items)
            extra["batch of all, ms per formula"] = (time.perf_counter() - start) * 1000 / len(items)
        start = time.perf_counter()
        with MathRenderer(cache_dir=cache) as renderer:
            renderer.render_many(items)
            extra["warm disk cache, ms per formula"] = (time.perf_counter() - start) * 1000 / len(items)
            extra["node processes on the warm run"] = renderer.processes_started
    extra["server alone, second pass, ms per formula"] = _server_second_pass(items)
    result = Result("MathJax 3 (node, one process)", "SVG")
    result.failures = [(item, str(out)) for item, out in outputs.items() if isinstance(out, FormulaError)]
    with tempfile.TemporaryDirectory() as cache, MathRenderer(cache_dir=cache) as renderer:
        renderer.render("x")
        for item in items:
            start = time.perf_counter()
            renderer.render_many([item])
            result.times_ms.append((time.perf_counter() - start) * 1000)
    result.notes = "one round trip per formula, disk cache write included"
    return result, extra


def _server_second_pass(items: list[Item]) -> float:
    """MathJax once its code is hot: the same formulas through the bare server a second time.

    Requests are written in one go before reading: fine while they fit a pipe
    buffer (the corpus's are ~20 kB of 64 kB); MathRenderer uses a writer thread.
    """
    env = {**os.environ, "NODE_PATH": str(find_node_modules())}
    requests = "".join(json.dumps({"id": i, "tex": t, "display": d}) + "\n" for i, (t, d) in enumerate(items))
    with subprocess.Popen(
        [find_node(), str(SERVER_JS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        elapsed = []
        for _ in range(2):
            start = time.perf_counter()
            proc.stdin.write(requests)
            proc.stdin.flush()
            for _ in items:
                proc.stdout.readline()
            elapsed.append(time.perf_counter() - start)
        proc.stdin.close()
    return elapsed[1] * 1000 / len(items)


def measure_ziamath(items: list[Item]) -> Result:
    import ziamath

    return _time_each("ziamath", "SVG", items, lambda tex, display: ziamath.Latex(tex, inline=not display).svg())


def measure_latex2mathml(items: list[Item]) -> Result:
    from latex2mathml.converter import convert

    return _time_each(
        "latex2mathml", "MathML", items, lambda tex, display: convert(tex, display="block" if display else "inline")
    )


TEMML_SCRIPT = r"""
const temml = require('temml');
const items = JSON.parse(require('fs').readFileSync(0, 'utf8'));
temml.renderToString('x^2');
const out = items.map(([tex, display]) => {
  const start = process.hrtime.bigint();
  let error = null;
  try { temml.renderToString(tex, {displayMode: display, throwOnError: true}); }
  catch (err) { error = String(err.message || err); }
  return {ms: Number(process.hrtime.bigint() - start) / 1e6, error};
});
process.stdout.write(JSON.stringify(out));
"""


def measure_temml(items: list[Item], modules: Path) -> Result:
    """Temml runs inside node; times exclude the pipe, like the in-process Python renderers."""
    env = {**os.environ, "NODE_PATH": str(modules)}
    proc = subprocess.run(
        ["node", "-e", TEMML_SCRIPT], input=json.dumps(items), capture_output=True, text=True, env=env, check=True
    )
    result = Result("Temml", "MathML")
    for item, answer in zip(items, json.loads(proc.stdout), strict=True):
        result.times_ms.append(answer["ms"])
        if answer["error"]:
            result.failures.append((item, answer["error"]))
    return result


# --------------------------------------------------------------------------
# How it looks in WeasyPrint
# --------------------------------------------------------------------------


def page_html(markup: list[str], title: str) -> str:
    """Chinese running text with the formulas inline, in the book's faces."""
    parts = [f"<p>{i + 1}. 模型在位置 {m} 之前的词元上做条件生成，损失随之下降。</p>" for i, m in enumerate(markup)]
    return (
        "<!doctype html><html lang=zh-Hans><meta charset=utf-8><style>"
        "@page{size:148mm 150mm;margin:6mm} body{font-family:'Noto Serif CJK SC',serif;font-size:11pt;"
        "line-height:1.6} h1{font-size:10pt;font-family:'Noto Sans CJK SC',sans-serif}"
        f"</style><h1>{html.escape(title)}</h1>{''.join(parts)}"
        f"<p>显示公式：</p><div style='text-align:center'>{markup[-1]}</div></html>"
    )


def write_pages(out_dir: Path, modules: Path | None, display_tex: str) -> dict[str, float]:
    """One PDF/PNG per renderer; returns WeasyPrint seconds per page, for a rough layout cost."""
    import weasyprint

    out_dir.mkdir(parents=True, exist_ok=True)
    items = [*SAMPLE_PAGE_TEX, (display_tex, True)]
    renderers: dict[str, Callable[[list[Item]], list[str]]] = {"mathjax": _mathjax_markup}
    try:
        import ziamath

        renderers["ziamath"] = lambda its: [ziamath.Latex(t, inline=not d).svg() for t, d in its]
    except ImportError:
        pass
    try:
        from latex2mathml.converter import convert

        renderers["latex2mathml"] = lambda its: [convert(t, display="block" if d else "inline") for t, d in its]
    except ImportError:
        pass
    if modules is not None:
        renderers["temml"] = lambda its: _temml_markup(its, modules)
    seconds: dict[str, float] = {}
    for name, render in renderers.items():
        document = page_html(render(items), f"{name}: 公式与中文混排")
        start = time.perf_counter()
        weasyprint.HTML(string=document).write_pdf(out_dir / f"{name}.pdf")
        seconds[name] = time.perf_counter() - start
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", out_dir / f"{name}.pdf", out_dir / name])
    return seconds


def _mathjax_markup(items: list[Item]) -> list[str]:
    with tempfile.TemporaryDirectory() as cache, MathRenderer(cache_dir=cache) as renderer:
        out = renderer.render_many(items)
    return [str(out[item]) for item in items]


def _temml_markup(items: list[Item], modules: Path) -> list[str]:
    script = (
        "const t=require('temml');const items=JSON.parse(require('fs').readFileSync(0,'utf8'));"
        "process.stdout.write(JSON.stringify(items.map(([x,d])=>t.renderToString(x,{displayMode:d}))));"
    )
    env = {**os.environ, "NODE_PATH": str(modules)}
    proc = subprocess.run(
        ["node", "-e", script], input=json.dumps(items), capture_output=True, text=True, env=env, check=True
    )
    return json.loads(proc.stdout)


def layout_cost(items: list[Item]) -> float:
    """WeasyPrint ms per inline MathJax SVG: a page of all formulas minus the same page without them."""
    import weasyprint

    with tempfile.TemporaryDirectory() as cache, MathRenderer(cache_dir=cache) as renderer:
        out = renderer.render_many(items)
    svgs = [s for s in out.values() if isinstance(s, str)]
    with_math = "".join(f"<p>中文文本 {s} 中文文本</p>" for s in svgs)
    without = "".join("<p>中文文本  中文文本</p>" for _ in svgs)
    timings = []
    for body in (with_math, without):
        start = time.perf_counter()
        weasyprint.HTML(
            string=f"<meta charset=utf-8><body style=\"font-family:'Noto Serif CJK SC'\">{body}"
        ).write_pdf()
        timings.append(time.perf_counter() - start)
    return (timings[0] - timings[1]) * 1000 / len(svgs)


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def table_row(result: Result, total: int) -> str:
    times = sorted(result.times_ms)
    return (
        f"| {result.name} | {result.output} | {len(result.failures)}/{total} | "
        f"{statistics.mean(times):.2f} | {statistics.median(times):.2f} | {times[-1]:.1f} | {result.notes} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--temml", type=Path, default=Path("/tmp/measure-node/node_modules"))
    parser.add_argument("--pages", type=Path, help="write WeasyPrint PDF/PNG samples here")
    args = parser.parse_args(argv)

    files = sorted(args.corpus.glob("0*.md"))
    every = [(path, item) for path in files for item in extract(path)]
    items = list(dict.fromkeys(item for _, item in every))
    print(
        f"{len(every)} formulas ({sum(d for _, (_, d) in every)} display) in {len(files)} files, {len(items)} distinct"
    )
    for path in files:
        print(f"  {path.name}: {sum(1 for p, _ in every if p == path)}")

    results: list[Result] = []
    mathjax, extra = measure_mathjax(items)
    results.append(mathjax)
    for measure in (measure_ziamath, measure_latex2mathml):
        try:
            results.append(measure(items))
        except ImportError as err:
            print(f"skipped: {err}")
    temml = args.temml if (args.temml / "temml").is_dir() else None
    if temml is not None:
        results.append(measure_temml(items, temml))
    elif shutil.which("node"):
        print(f"skipped Temml: not installed in {args.temml}")

    print("\n| renderer | output | failed | ms mean | ms median | ms max | note |\n|---|---|---|---|---|---|---|")
    for result in results:
        print(table_row(result, len(items)))
    print()
    for key, value in extra.items():
        print(f"MathJax {key}: {value:.2f}")
    print(f"WeasyPrint layout, ms per inline MathJax SVG: {layout_cost(items):.1f}")
    for result in results:
        for (tex, display), error in result.failures:
            print(f"{result.name} failed on {'display' if display else 'inline'} {tex!r}: {error}")
    if args.pages:
        display = max((t for t, d in items if d), key=len)
        seconds = write_pages(args.pages, temml, display)
        print(f"pages in {args.pages}: " + ", ".join(f"{k} {v:.2f}s" for k, v in seconds.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
