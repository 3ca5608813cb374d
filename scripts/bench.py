"""Time publish against pandoc on the same files, in the same run, on the same machine.

Run with ``make bench`` (or ``.venv/bin/python scripts/bench.py [FILE|DIR …]``).  With no
argument it reads ``../shared/corpus`` when that folder exists, else ``content/``.  With
``--month`` (``--quick`` for 6 days) it times a synthetic month instead (see ``run_month``).

Each backend is one row of ``BACKENDS``: a label, our command and pandoc's command for the
same job.  A backend whose ``publish`` subcommand does not exist yet, or a pandoc job that
cannot run here, prints ``n/a`` instead of failing, so rows can be added before the code.

Ours is timed twice per file: *cold*, with an empty ``XDG_CACHE_HOME`` (MathJax and image
caches start empty), and *warm*, rerun on the cache the cold run filled (median of
``--repeat`` runs).  Pandoc has no cache; its figure is the median of ``--repeat`` runs.
Peak memory is the largest sum of the proportional set sizes (PSS) of the command and all its
descendants (the Node MathJax process, pool workers), sampled with psutil: a process pool's
workers must count, and ``wait4``'s maximum only reports the largest single process.  PSS
splits each shared page among the processes that map it (libraries, fonts, what forkserver
workers share with their server), so the sum is the memory the command really takes; summing
resident sizes would count those pages once per process.
Nothing may reach the network: our builds run ``--offline`` and every command runs with a
proxy that refuses connections, so pandoc's and WeasyPrint's remote images fail fast instead.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import month
import psutil

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
CONTENT = REPO / "content"
TIMEOUT_S = 1800  # a guard against a hung build only: a month's PDF on a busy machine takes minutes
# Reading a WeasyPrint worker's smaps for its PSS takes about 8 ms.  Sampled every 0.1 s, a build's five
# processes cost it 40 % of a core: the month's cold PDF took 75 s under the sampler, 63-65 s without.
# Every 0.3 s the sampler still took 1.2-1.5 s of CPU during a 20 s cold month (measured as the bench
# process's own CPU time); every 0.6 s, 0.3-0.5 s, with the same peak within 1 % (417-418 against 419-421 MB).
# A short build would then be sampled once, as it starts (a 0.6 s warm pack showed a 4 MB peak): the first
# samples come sooner, the gap growing by half from FIRST_SAMPLE_S up to SAMPLE_S (7 samples in the first second).
SAMPLE_S = 0.6
FIRST_SAMPLE_S = 0.05
# A closed local port as the proxy: a fetch fails at once instead of reaching the internet.
NO_NETWORK = {name: "http://127.0.0.1:9" for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}

# Placeholders: {publish} our CLI, {pandoc} the pandoc binary, {input} the Markdown inputs (one
# or more arguments), {out} a fresh empty folder for this run's output.
Command = Sequence[str]


@dataclass(frozen=True)
class Backend:
    label: str
    ours: Command
    pandoc: Command | None  # None: pandoc has no counterpart worth timing


BACKENDS: list[Backend] = [
    Backend(
        "html",
        ["{publish}", "html", "{input}", "-o", "{out}/html"],
        ["{pandoc}", "-f", "markdown", "-t", "html", "--mathml", "{input}", "-o", "{out}/pandoc.html"],
    ),
    Backend(
        "pdf",
        ["{publish}", "pdf", "{input}", "-o", "{out}/ours.pdf"],
        # Same renderer as ours, so the row compares the front ends, not two PDF engines.
        [
            "{pandoc}",
            "-f",
            "markdown",
            "-t",
            "html",
            "--mathml",
            "--pdf-engine=weasyprint",
            "{input}",
            "-o",
            "{out}/pandoc.pdf",
        ],
    ),
    Backend(
        "epub",
        ["{publish}", "epub", "{input}", "-o", "{out}/ours.epub"],
        ["{pandoc}", "-f", "markdown", "-t", "epub3", "--mathml", "{input}", "-o", "{out}/pandoc.epub"],
    ),
    Backend(
        "latex",
        ["{publish}", "latex", "{input}", "-o", "{out}/latex"],
        ["{pandoc}", "-f", "markdown", "-t", "latex", "-s", "{input}", "-o", "{out}/pandoc.tex"],
    ),
    Backend(
        # Export and compile: what a survey writer waits for. pandoc's own Markdown → xelatex stops
        # at the first stray macro of an arXiv abstract; its row then shows that exit, not a time.
        "latex-pdf",
        ["{publish}", "latex", "{input}", "-o", "{out}/latex", "--compile"],
        [
            "{pandoc}",
            "-f",
            "markdown",
            "--pdf-engine=xelatex",
            "-V",
            "CJKmainfont=Noto Serif CJK SC",
            "{input}",
            "-o",
            "{out}/pandoc.pdf",
        ],
    ),
]

# Benchmarks must not depend on the network: use the CLI's offline switch where it has one.
OFFLINE_FLAG = "--offline"
# A private cache folder per measured build, where the CLI takes one (else XDG_CACHE_HOME only).
CACHE_FLAG = "--cache"


@dataclass
class Run:
    """One measured command, or why it could not be measured."""

    seconds: float | None = None
    peak_mib: float | None = None
    error: str | None = None
    pages: int | None = None  # of the PDF a PDF backend wrote, where it was counted


@dataclass
class Row:
    file: str
    backend: str
    cold: Run = field(default_factory=Run)
    warm: Run = field(default_factory=Run)
    pandoc: Run = field(default_factory=Run)


class TreeMemory(threading.Thread):
    """Samples the summed PSS of a process and all its descendants until ``stop``; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        wait = FIRST_SAMPLE_S
        while not self.done.is_set():
            try:
                tree = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                return
            total = 0
            for proc in tree:
                with contextlib.suppress(psutil.Error):  # it may exit between listing and reading
                    total += proc.memory_full_info().pss
            self.peak = max(self.peak, total)
            self.done.wait(wait)
            wait = min(1.5 * wait, SAMPLE_S)

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak

    def kill(self) -> None:
        with contextlib.suppress(psutil.Error):
            for proc in [*self.root.children(recursive=True), self.root]:
                proc.kill()


def measure(argv: Sequence[str], env: dict[str, str], cwd: Path) -> Run:
    """Wall time and peak memory of one command and its descendants; a failure is reported, never raised."""
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(list(argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        except OSError as exc:
            return Run(error=f"cannot start {argv[0]}: {exc.strerror}")
        memory = TreeMemory(proc.pid)
        memory.start()
        timer = threading.Timer(TIMEOUT_S, memory.kill)
        timer.start()
        _, status, _ = os.wait4(proc.pid, 0)  # blocks: the time is exact, not a polling step
        elapsed = time.perf_counter() - start
        timer.cancel()
        peak = memory.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if elapsed >= TIMEOUT_S:
            return Run(error=f"timed out after {TIMEOUT_S} s")
        if proc.returncode != 0:
            log.seek(0)
            lines = log.read().decode("utf-8", "replace").strip().splitlines()
            return Run(error=f"exit {proc.returncode}: {lines[-1] if lines else 'no output'}")
    return Run(seconds=elapsed, peak_mib=peak / 2**20)


def median_run(runs: list[Run]) -> Run:
    failed = [r for r in runs if r.error]
    if failed:
        return failed[0]
    return Run(
        seconds=statistics.median(r.seconds for r in runs if r.seconds is not None),
        peak_mib=max(r.peak_mib for r in runs if r.peak_mib is not None),
        pages=runs[0].pages,
    )


def find_pandoc() -> tuple[str | None, str]:
    """pypandoc-binary ships pandoc inside the wheel; a system pandoc is the fallback."""
    try:
        import pypandoc  # type: ignore[import-not-found]

        return pypandoc.get_pandoc_path(), "pypandoc-binary"
    except (ImportError, OSError) as exc:
        found = shutil.which("pandoc")
        return found, ("PATH" if found else f"not found ({exc.__class__.__name__}: pip install pypandoc-binary)")


def publish_subcommands(publish: str, env: dict[str, str]) -> dict[str, set[str]]:
    """For each backend label whose `publish LABEL --help` works: which of OFFLINE_FLAG, CACHE_FLAG it takes."""
    status: dict[str, set[str]] = {}
    for backend in BACKENDS:
        try:
            out = subprocess.run(
                [publish, backend.ours[1], "--help"], env=env, capture_output=True, text=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0:
            status[backend.label] = {flag for flag in (OFFLINE_FLAG, CACHE_FLAG) if flag in out.stdout}
    return status


def expand(template: Command, inputs: Sequence[Path], **values: str) -> list[str]:
    """The command with its placeholders filled; ``{input}`` becomes one argument per input."""
    argv: list[str] = []
    for part in template:
        if part == "{input}":
            argv.extend(map(str, inputs))
        else:
            argv.append(part.format(**values))
    return argv


def collect_inputs(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p.resolve() for p in path.glob("*.md") if p.name.lower() != "readme.md"))
        elif path.is_file():
            files.append(path.resolve())
        else:
            sys.exit(f"bench: {path}: no such file or folder")
    if not files:
        sys.exit("bench: no Markdown files to time")
    return files


def tool_env() -> dict[str, str]:
    env = {**os.environ, **NO_NETWORK}
    env.pop("no_proxy", None)
    env.pop("NO_PROXY", None)
    # pandoc's --pdf-engine=weasyprint looks the engine up on PATH: use the venv's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def ours_argv(
    backend: Backend, publish: str, flags: set[str], inputs: Sequence[Path], out: Path, cache: Path
) -> list[str]:
    argv = expand(backend.ours, inputs, publish=publish, out=str(out))
    return argv + [OFFLINE_FLAG] * (OFFLINE_FLAG in flags) + [CACHE_FLAG, str(cache)] * (CACHE_FLAG in flags)


def time_ours(
    inputs: Sequence[Path], backend: Backend, publish: str, flags: set[str], repeat: int
) -> tuple[Run, Run]:
    """(cold, warm): the cold run fills a private cache that the warm runs then reuse."""
    with tempfile.TemporaryDirectory(prefix="publish-bench-") as tmp:
        tmpdir = Path(tmp)
        cache = tmpdir / "cache"
        cache.mkdir()
        env = {**tool_env(), "XDG_CACHE_HOME": str(cache)}

        def run(n: int) -> Run:
            out = tmpdir / f"out-{n}"
            out.mkdir()
            done = measure(ours_argv(backend, publish, flags, inputs, out, cache), env, inputs[0].parent)
            return dataclasses.replace(done, pages=pdf_pages(output_path(backend.ours, out)))

        cold = run(0)
        if cold.error:
            return cold, Run(error=cold.error)
        return cold, median_run([run(n) for n in range(1, repeat + 1)])


def time_pandoc(
    inputs: Sequence[Path], backend: Backend, pandoc: str | None, repeat: int, workdir: Path | None = None
) -> Run:
    """Median of ``repeat`` runs; the outputs are kept under ``workdir`` when one is given."""
    if backend.pandoc is None:
        return Run(error="no pandoc counterpart")
    if not pandoc:
        return Run(error="pandoc not found (pip install pypandoc-binary)")
    env = tool_env()
    if "--pdf-engine=weasyprint" in backend.pandoc and not shutil.which("weasyprint", path=env["PATH"]):
        return Run(error="weasyprint not installed")
    with contextlib.ExitStack() as stack:
        root = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="publish-bench-pandoc-")))
        runs = []
        for n in range(repeat):
            out = root / f"out-{n}"
            out.mkdir(parents=True)
            argv = expand(backend.pandoc, inputs, pandoc=pandoc, out=str(out))
            done = measure(argv, env, inputs[0].parent)
            runs.append(dataclasses.replace(done, pages=pdf_pages(output_path(backend.pandoc, out))))
    return median_run(runs)


def fmt_s(run: Run) -> str:
    return f"{run.seconds:.3f}" if run.seconds is not None else "n/a"


def fmt_mib(run: Run) -> str:
    return f"{run.peak_mib:.0f}" if run.peak_mib is not None else "n/a"


def ratio(ours: Run, theirs: Run) -> str:
    if ours.seconds is None or not theirs.seconds:
        return "n/a"
    return f"{ours.seconds / theirs.seconds:.2f}"


def peak(*runs: Run) -> Run:
    """The larger peak: a cold run starts the MathJax process that a warm one may not need."""
    measured = [r.peak_mib for r in runs if r.peak_mib is not None]
    return Run(peak_mib=max(measured)) if measured else Run()


HEADER = ("file", "backend", "ours cold s", "ours warm s", "pandoc s", "warm/pandoc", "ours peak MiB", "pandoc MiB")


def print_table(rows: list[Row]) -> None:
    table = [HEADER]
    for r in rows:
        table.append(
            (
                r.file,
                r.backend,
                fmt_s(r.cold),
                fmt_s(r.warm),
                fmt_s(r.pandoc),
                ratio(r.warm, r.pandoc),
                fmt_mib(peak(r.cold, r.warm)),
                fmt_mib(r.pandoc),
            )
        )
    for label in dict.fromkeys(r.backend for r in rows):
        mine = [r for r in rows if r.backend == label]
        totals = [
            Run(seconds=sum(getattr(r, part).seconds for r in mine))
            if all(getattr(r, part).seconds is not None for r in mine)
            else Run()
            for part in ("cold", "warm", "pandoc")
        ]
        table.append(
            ("TOTAL", label, fmt_s(totals[0]), fmt_s(totals[1]), fmt_s(totals[2]), ratio(totals[1], totals[2]), "", "")
        )
    print_rows(table)


def print_rows(table: list[tuple[str, ...]]) -> None:
    """A plain-text table: the first two columns left-aligned, numbers right-aligned."""
    widths = [max(len(str(line[i])) for line in table) for i in range(len(table[0]))]
    for n, line in enumerate(table):
        print(
            "  ".join(
                str(cell).ljust(w) if i < 2 else str(cell).rjust(w)
                for i, (cell, w) in enumerate(zip(line, widths, strict=True))
            )
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))


def stage_times(path: Path, renderer: object, repeat: int) -> dict[str, float]:
    """Median seconds of each stage for one file, in this process, with the formula cache warm.

    The CLI rows above include Python's start-up and imports (about 0.3 s a call), which pandoc,
    a native binary, does not pay; these rows show the work itself.
    """
    from publish.pipeline import process
    from publish.read import read_document
    from publish.render.html import render_page
    from publish.render.math import render_formulas

    samples: dict[str, list[float]] = {"read": [], "filters": [], "math": [], "render": []}
    render_formulas(process(read_document(path)), renderer)  # fills the formula cache
    for _ in range(repeat):
        start = time.perf_counter()
        doc = read_document(path)
        read_done = time.perf_counter()
        doc = process(doc)
        filters_done = time.perf_counter()
        doc, formulas = render_formulas(doc, renderer)  # type: ignore[arg-type]
        math_done = time.perf_counter()
        render_page(doc, formulas)
        end = time.perf_counter()
        for stage, seconds in zip(
            samples,
            (read_done - start, filters_done - read_done, math_done - filters_done, end - math_done),
            strict=True,
        ):
            samples[stage].append(seconds)
    return {stage: statistics.median(values) for stage, values in samples.items()}


def print_stages(files: list[Path], pandoc: dict[str, Run], repeat: int) -> None:
    """Read, filter, formulas (warm cache) and HTML rendering per file and in total, beside pandoc."""
    from publish.render.math import MathRenderer

    header = ("file", "read ms", "filters ms", "math ms", "render ms", "ours ms", "pandoc ms", "ours/pandoc")
    table = [header]
    totals = {"ours": 0.0, "pandoc": 0.0}
    with tempfile.TemporaryDirectory(prefix="publish-bench-math-") as cache, MathRenderer(cache_dir=Path(cache)) as r:
        for path in files:
            stages = stage_times(path, r, repeat)
            ours = sum(stages.values())
            theirs = pandoc.get(path.name, Run()).seconds
            totals["ours"] += ours
            totals["pandoc"] += theirs or 0.0
            cells = [f"{stages[s] * 1000:.0f}" for s in ("read", "filters", "math", "render")]
            table.append((path.name, *cells, f"{ours * 1000:.0f}", fmt_ms(theirs), fmt_ratio(ours, theirs)))
    table.append(
        (
            "TOTAL",
            "",
            "",
            "",
            "",
            f"{totals['ours'] * 1000:.0f}",
            fmt_ms(totals["pandoc"]),
            fmt_ratio(totals["ours"], totals["pandoc"]),
        )
    )
    print("\nhtml stages, in process (formula cache warm; pandoc: the whole `pandoc -t html --mathml` call)")
    print_rows(table)


def fmt_ms(seconds: float | None) -> str:
    return f"{seconds * 1000:.0f}" if seconds else "n/a"


def fmt_ratio(ours: float, theirs: float | None) -> str:
    return f"{ours / theirs:.2f}" if theirs else "n/a"


# --- the month ------------------------------------------------------------

MONTH_BACKENDS = ("pdf", "epub", "html", "latex")
STEPS = ("cold", "no change", "+1 digest", "1-word edit")
QUICK_DAYS = 6
MB = 1e6 / 2**20  # MiB per MB: the goals are stated in MB


@dataclass
class MonthRow:
    backend: str
    steps: dict[str, Run] = field(default_factory=dict)
    pandoc: Run = field(default_factory=Run)


@dataclass(frozen=True)
class Goal:
    """One target of an issue, checked against a benchmark's figures (None: not measured)."""

    text: str
    limit: float
    unit: str
    figure: Callable[[Any], float | None]  # the month's rows by backend, or the corpus pack's row


def step_s(rows: dict[str, MonthRow], label: str, step: str) -> float | None:
    return rows[label].steps.get(step, Run()).seconds if label in rows else None


def quotient(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def largest_peak(rows: dict[str, MonthRow]) -> float | None:
    peaks = [run.peak_mib / MB for row in rows.values() for run in row.steps.values() if run.peak_mib is not None]
    return max(peaks, default=None)


MONTH_GOALS = [
    Goal(
        "PDF cold ≤ 0.3 × pandoc+WeasyPrint",
        0.3,
        "×",
        lambda r: quotient(step_s(r, "pdf", "cold"), r["pdf"].pandoc.seconds if "pdf" in r else None),
    ),
    Goal("PDF rebuild, no change ≤ 2 s", 2, "s", lambda r: step_s(r, "pdf", "no change")),
    Goal(
        "PDF rebuild after +1 digest ≤ 20 % of cold",
        0.2,
        "×",
        lambda r: quotient(step_s(r, "pdf", "+1 digest"), step_s(r, "pdf", "cold")),
    ),
    Goal("peak memory ≤ 600 MB (largest of our builds)", 600, "MB", largest_peak),
    Goal("EPUB rebuild after 1-word edit ≤ 2 s", 2, "s", lambda r: step_s(r, "epub", "1-word edit")),
    Goal("HTML rebuild after 1-word edit ≤ 2 s", 2, "s", lambda r: step_s(r, "html", "1-word edit")),
]


def pdf_pages(path: Path) -> int | None:
    """Pages of the PDF at ``path`` (pikepdf, which the PDF backend already needs); None for any other output."""
    if path.suffix != ".pdf" or not path.is_file():
        return None
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            return len(pdf.pages)
    except pikepdf.PdfError:
        return None


def output_path(template: Command, out: Path) -> Path:
    """The file a command template writes (the argument after ``-o``)."""
    parts = list(template)
    return Path(parts[parts.index("-o") + 1].format(out=out))


def edit_one_word(text: str) -> str:
    """The first letter of one word flipped, in the first prose line from the middle on.

    Prose: not a heading, formula, table row, link or tag, so the edit changes words, not structure.
    """
    lines = text.splitlines(keepends=True)
    for n in [*range(len(lines) // 2, len(lines)), *range(len(lines) // 2)]:
        line = lines[n]
        word = re.search(r"\b[A-Za-z]{4,}\b", line)
        if word and not line.lstrip().startswith("#") and not re.search(r"[$|<>]|\]\(", line):
            i = word.start()
            lines[n] = line[:i] + line[i].swapcase() + line[i + 1 :]
            return "".join(lines)
    raise ValueError("no prose word to edit")


def run_month(
    days: int, seed: int, labels: Sequence[str], publish: str, pandoc: str | None, available: dict[str, set[str]]
) -> list[MonthRow]:
    """Per backend: cold build, rebuild with no change, after a new digest, after a one-word edit.

    Every backend starts from the same ``days`` digests with its own empty cache and output
    folder; the rebuilds reuse both, as a user's next call would.  The new digest is the day
    after the last (``month.generate`` with one more day); the edit is in the middle document.
    pandoc, which has no cache, builds the same ``days`` files once, given as separate inputs
    in date order (it concatenates them).
    """
    rows = []
    with tempfile.TemporaryDirectory(prefix="publish-month-") as tmp:
        root = Path(tmp)
        staged = month.generate(root / "staged", days + 1, seed)
        extra, middle = staged[-1], staged[days // 2]
        for label in labels:
            backend = next(b for b in BACKENDS if b.label == label)
            row = MonthRow(label)
            work = root / label
            inputs = work / "month"
            shutil.copytree(root / "staged", inputs, ignore=shutil.ignore_patterns(extra.name))
            row.pandoc = time_pandoc(sorted(inputs.glob("*.md")), backend, pandoc, 1, work / "pandoc")
            print(f"  {label:6} pandoc: {fmt_s(row.pandoc)} s", flush=True)
            if label not in available:
                row.steps = dict.fromkeys(STEPS, Run(error=f"`publish {label}` not available yet"))
                rows.append(row)
                continue
            out, cache = work / "out", work / "cache"
            out.mkdir()
            env = {**tool_env(), "XDG_CACHE_HOME": str(cache / "xdg")}
            argv = ours_argv(backend, publish, available[label], [inputs], out, cache / "publish")
            for step in STEPS:
                if step == "+1 digest":
                    shutil.copy2(extra, inputs)
                elif step == "1-word edit":
                    edited = inputs / middle.name
                    edited.write_text(edit_one_word(edited.read_text(encoding="utf-8")), encoding="utf-8")
                done = measure(argv, env, work)
                row.steps[step] = dataclasses.replace(done, pages=pdf_pages(output_path(backend.ours, out)))
                print(f"  {label:6} {step}: {fmt_s(row.steps[step])} s, {fmt_mb(row.steps[step])} MB", flush=True)
            rows.append(row)
    return rows


def pages_rate(pages: int | None, seconds: float | None) -> str:
    return f"{pages} pages, {pages / seconds:.1f} pages/s" if pages and seconds else "pages n/a"


def fmt_mb(run: Run) -> str:
    return f"{run.peak_mib / MB:.0f}" if run.peak_mib is not None else "n/a"


def fmt_goal(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    return {"s": f"{value:.2f} s", "×": f"{value:.2f} ×", "MB": f"{value:.0f} MB"}[unit]


def check_goals(goals: Sequence[Goal], figures: object) -> list[tuple[Goal, float | None, bool | None]]:
    checked = []
    for goal in goals:
        value = goal.figure(figures)
        checked.append((goal, value, None if value is None else value <= goal.limit))
    return checked


def print_goals(checked: list[tuple[Goal, float | None, bool | None]]) -> None:
    table = [("goal", "figure", "")]
    for goal, value, met in checked:
        table.append((goal.text, fmt_goal(value, goal.unit), {True: "met", False: "not met", None: "n/a"}[met]))
    print()
    print_rows(table)


def print_month(rows: list[MonthRow]) -> None:
    """Seconds per step with ours/pandoc in brackets, PDF pages per second, then the goals."""
    header = ("backend", *(f"{step} s" for step in STEPS), "pandoc s", "ours peak MB", "pandoc MB")
    table = [header]
    for r in rows:
        steps = [f"{fmt_s(r.steps[s])} ({ratio(r.steps[s], r.pandoc)})" for s in STEPS]
        peak_run = peak(*r.steps.values())
        table.append((r.backend, *steps, fmt_s(r.pandoc), fmt_mb(peak_run), fmt_mb(r.pandoc)))
    print("\nmonth: seconds (ours/pandoc)")
    print_rows(table)
    pdf = next((r for r in rows if r.backend == "pdf"), None)
    if pdf:
        cold, theirs = pdf.steps["cold"].seconds, pdf.pandoc.seconds
        theirs_rate = pages_rate(pdf.pandoc.pages, theirs)
        print(f"\nPDF: ours {pages_rate(pdf.steps['cold'].pages, cold)} cold; pandoc+WeasyPrint {theirs_rate}")
    print_goals(check_goals(MONTH_GOALS, {r.backend: r for r in rows}))


def month_json(rows: list[MonthRow], days: int, seed: int) -> dict[str, object]:
    checked = check_goals(MONTH_GOALS, {r.backend: r for r in rows})
    goals = [{"goal": g.text, "limit": g.limit, "figure": v, "met": m} for g, v, m in checked]
    return {"days": days, "seed": seed, "rows": [asdict(r) for r in rows], "goals": goals}


# --- the corpus as one pack -----------------------------------------------


@dataclass
class PackRow:
    """Every file in one PDF, as a reader prints them; pandoc given the same files at once."""

    cold: Run
    warm: Run
    pandoc: Run


def pack_peak_mb(row: PackRow) -> float | None:
    run = peak(row.cold, row.warm)
    return run.peak_mib / MB if run.peak_mib is not None else None


PACK_GOALS = [
    Goal("PDF pack cold ≤ 0.35 × pandoc+WeasyPrint", 0.35, "×", lambda r: quotient(r.cold.seconds, r.pandoc.seconds)),
    Goal("PDF pack warm ≤ 0.25 × pandoc+WeasyPrint", 0.25, "×", lambda r: quotient(r.warm.seconds, r.pandoc.seconds)),
    Goal("PDF pack peak memory ≤ 400 MB", 400, "MB", pack_peak_mb),
]


def run_pack(files: list[Path], publish: str, pandoc: str | None, flags: set[str], repeat: int) -> PackRow:
    backend = next(b for b in BACKENDS if b.label == "pdf")
    cold, warm = time_ours(files, backend, publish, flags, repeat)
    return PackRow(cold, warm, time_pandoc(files, backend, pandoc, repeat))


def print_pack(row: PackRow, files: int) -> None:
    """Wall time, pages, pages per second, ratio and peak memory of each build, then the goals."""
    table = [("build", "", "wall s", "pages", "pages/s", "×pandoc", "peak MB")]
    builds = (("ours", "cold", row.cold), ("ours", "warm", row.warm), ("pandoc+WeasyPrint", "", row.pandoc))
    for name, label, run in builds:
        rate = f"{run.pages / run.seconds:.1f}" if run.pages and run.seconds else "n/a"
        table.append((name, label, fmt_s(run), str(run.pages or "n/a"), rate, ratio(run, row.pandoc), fmt_mb(run)))
    print(f"\npdf: the {files} files as one pack (ours cold = empty cache, warm = rebuilt on it)")
    print_rows(table)
    print_goals(check_goals(PACK_GOALS, row))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="*", type=Path, help="Markdown files or folders (default: corpus or content/)")
    parser.add_argument("--repeat", type=int, default=3, help="warm and pandoc runs per file (median; default 3)")
    parser.add_argument(
        "--backends", default=",".join(b.label for b in BACKENDS), help="comma-separated rows to run (default: all)"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--month", action="store_true", help="time a synthetic month (scripts/month.py) instead")
    parser.add_argument("--quick", action="store_true", help=f"--month with {QUICK_DAYS} days, to try it out fast")
    parser.add_argument("--days", type=int, default=30, help="digests in the month (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="the month's random seed (default 0)")
    args = parser.parse_args(argv)

    wanted = set(args.backends.split(","))
    backends = [b for b in BACKENDS if b.label in wanted]
    if not backends:
        parser.error(f"--backends: choose among {', '.join(b.label for b in BACKENDS)}")

    publish = str(Path(sys.executable).parent / "publish")
    if not Path(publish).exists():
        publish = shutil.which("publish") or publish
    pandoc, pandoc_source = find_pandoc()
    available = publish_subcommands(publish, dict(os.environ))

    pandoc_version = "n/a"
    if pandoc:
        version = subprocess.run([pandoc, "--version"], capture_output=True, text=True, check=False).stdout
        pandoc_version = version.splitlines()[0] if version else "n/a"
    if args.month or args.quick:
        days = QUICK_DAYS if args.quick else args.days
        print(f"publish bench: a synthetic month of {days} digests (seed {args.seed}), one run per step")
    else:
        files = collect_inputs(args.inputs or [CORPUS if CORPUS.is_dir() else CONTENT])
        print(f"publish bench: {len(files)} file(s) from {files[0].parent}, repeat={args.repeat}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())  # other work on the machine skews every figure
    machine = f"python {platform.python_version()}, {os.cpu_count()} CPUs (load {load})"
    print(f"  {machine}, {pandoc_version} ({pandoc_source})")
    flags = {label: ",".join(sorted(f)) for label, f in available.items()}
    print(f"  publish: {publish}; subcommands found: {', '.join(f'{k} ({v})' for k, v in sorted(flags.items()))}")
    print()

    if args.month or args.quick:
        labels = [label for label in MONTH_BACKENDS if label in wanted]
        rows = run_month(days, args.seed, labels, publish, pandoc, available)
        print_month(rows)
        print_notes([(r.backend, part, run) for r in rows for part, run in [*r.steps.items(), ("pandoc", r.pandoc)]])
        if args.json:
            write_json(args.json, month_json(rows, days, args.seed))
        return 1 if any(r.backend in available and any(s.error for s in r.steps.values()) for r in rows) else 0
    return run_corpus(files, backends, publish, pandoc, available, args.repeat, args.json)


def print_notes(runs: list[tuple[str, str, Run]]) -> None:
    """Why a figure is n/a: each distinct (backend, part, error) once."""
    notes = dict.fromkeys(f"  {backend} {part}: {run.error}" for backend, part, run in runs if run.error)
    if notes:
        print("\nnotes:", *notes, sep="\n")


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


def run_corpus(
    files: list[Path],
    backends: list[Backend],
    publish: str,
    pandoc: str | None,
    available: dict[str, set[str]],
    repeat: int,
    json_path: Path | None,
) -> int:
    """Each backend on each file, cold and warm, beside pandoc; then the HTML stages in process."""
    rows: list[Row] = []
    for backend in backends:
        for path in files:
            row = Row(file=path.name, backend=backend.label)
            if backend.label in available:
                row.cold, row.warm = time_ours([path], backend, publish, available[backend.label], repeat)
            else:
                row.cold = row.warm = Run(error=f"`publish {backend.label}` not available yet")
            # Timed even without our backend: pandoc's figure is the target it will be held to.
            row.pandoc = time_pandoc([path], backend, pandoc, repeat)
            rows.append(row)
            summary = f"ours {fmt_s(row.warm)} s, pandoc {fmt_s(row.pandoc)} s"
            print(f"  {backend.label:6} {path.name}: {summary}", flush=True)
    print()
    print_table(rows)
    if any(b.label == "pdf" for b in backends) and "pdf" in available and len(files) > 1:
        pack = run_pack(files, publish, pandoc, available["pdf"], repeat)
        print_pack(pack, len(files))
        rows.append(Row(file="(pack)", backend="pdf", cold=pack.cold, warm=pack.warm, pandoc=pack.pandoc))
    if any(b.label == "html" for b in backends):
        print_stages(files, {r.file: r.pandoc for r in rows if r.backend == "html"}, repeat)

    parts = ("cold", "warm", "pandoc")
    print_notes([(r.backend, part, getattr(r, part)) for r in rows for part in parts])
    if json_path:
        write_json(
            json_path,
            [{"file": r.file, "backend": r.backend, **{part: vars(getattr(r, part)) for part in parts}} for r in rows],
        )
    # A subcommand that exists but fails is a real failure; a missing one is only n/a.
    broken = [r for r in rows if r.backend in available and r.cold.error]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
