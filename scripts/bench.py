"""Time publish against pandoc on the same files, in the same run, on the same machine.

Run with ``make bench`` (or ``.venv/bin/python scripts/bench.py [FILE|DIR …]``).  With no
argument it reads ``../shared/corpus`` when that folder exists, else ``content/``.

Each backend is one row of ``BACKENDS``: a label, our command and pandoc's command for the
same job.  A backend whose ``publish`` subcommand does not exist yet, or a pandoc job that
cannot run here, prints ``n/a`` instead of failing, so rows can be added before the code.

Ours is timed twice per file: *cold*, with an empty ``XDG_CACHE_HOME`` (MathJax and image
caches start empty), and *warm*, rerun on the cache the cold run filled (median of
``--repeat`` runs).  Pandoc has no cache; its figure is the median of ``--repeat`` runs.
Peak memory is the child's maximum resident set size as ``wait4`` reports it, which on Linux
includes the descendants the child waited for (our Node MathJax process among them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
CONTENT = REPO / "content"
TIMEOUT_S = 600

# Placeholders: {publish} our CLI, {pandoc} the pandoc binary, {input} the Markdown file,
# {out} a fresh empty folder for this run's output.
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


@dataclass
class Run:
    """One measured command, or why it could not be measured."""

    seconds: float | None = None
    peak_mib: float | None = None
    error: str | None = None


@dataclass
class Row:
    file: str
    backend: str
    cold: Run = field(default_factory=Run)
    warm: Run = field(default_factory=Run)
    pandoc: Run = field(default_factory=Run)


def measure(argv: Sequence[str], env: dict[str, str], cwd: Path) -> Run:
    """Wall time and peak RSS of one command; a failure is reported, never raised."""
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(list(argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        except OSError as exc:
            return Run(error=f"cannot start {argv[0]}: {exc.strerror}")
        deadline = start + TIMEOUT_S
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                return Run(error=f"timed out after {TIMEOUT_S} s")
            time.sleep(0.005)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            log.seek(0)
            lines = log.read().decode("utf-8", "replace").strip().splitlines()
            return Run(error=f"exit {proc.returncode}: {lines[-1] if lines else 'no output'}")
    return Run(seconds=elapsed, peak_mib=usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux


def median_run(runs: list[Run]) -> Run:
    failed = [r for r in runs if r.error]
    if failed:
        return failed[0]
    return Run(
        seconds=statistics.median(r.seconds for r in runs if r.seconds is not None),
        peak_mib=max(r.peak_mib for r in runs if r.peak_mib is not None),
    )


def find_pandoc() -> tuple[str | None, str]:
    """pypandoc-binary ships pandoc inside the wheel; a system pandoc is the fallback."""
    try:
        import pypandoc  # type: ignore[import-not-found]

        return pypandoc.get_pandoc_path(), "pypandoc-binary"
    except (ImportError, OSError) as exc:
        found = shutil.which("pandoc")
        return found, ("PATH" if found else f"not found ({exc.__class__.__name__}: pip install pypandoc-binary)")


def publish_subcommands(publish: str, env: dict[str, str]) -> dict[str, bool]:
    """For each backend label: does `publish LABEL --help` work, and does it take OFFLINE_FLAG?"""
    status: dict[str, bool] = {}
    for backend in BACKENDS:
        try:
            out = subprocess.run(
                [publish, backend.ours[1], "--help"], env=env, capture_output=True, text=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0:
            status[backend.label] = OFFLINE_FLAG in out.stdout
    return status


def expand(template: Command, **values: str) -> list[str]:
    return [part.format(**values) for part in template]


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
    env = dict(os.environ)
    # pandoc's --pdf-engine=weasyprint looks the engine up on PATH: use the venv's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def time_ours(path: Path, backend: Backend, publish: str, offline: bool, repeat: int) -> tuple[Run, Run]:
    """(cold, warm): the cold run fills a private cache that the warm runs then reuse."""
    with tempfile.TemporaryDirectory(prefix="publish-bench-") as tmp:
        tmpdir = Path(tmp)
        cache = tmpdir / "cache"
        cache.mkdir()
        env = {**tool_env(), "XDG_CACHE_HOME": str(cache)}

        def run(n: int) -> Run:
            out = tmpdir / f"out-{n}"
            out.mkdir()
            argv = expand(backend.ours, publish=publish, input=str(path), out=str(out))
            return measure([*argv, OFFLINE_FLAG] if offline else argv, env, path.parent)

        cold = run(0)
        if cold.error:
            return cold, Run(error=cold.error)
        return cold, median_run([run(n) for n in range(1, repeat + 1)])


def time_pandoc(path: Path, backend: Backend, pandoc: str | None, repeat: int) -> Run:
    if backend.pandoc is None:
        return Run(error="no pandoc counterpart")
    if not pandoc:
        return Run(error="pandoc not found (pip install pypandoc-binary)")
    env = tool_env()
    if "--pdf-engine=weasyprint" in backend.pandoc and not shutil.which("weasyprint", path=env["PATH"]):
        return Run(error="weasyprint not installed")
    with tempfile.TemporaryDirectory(prefix="publish-bench-pandoc-") as tmp:
        runs = []
        for n in range(repeat):
            out = Path(tmp) / f"out-{n}"
            out.mkdir()
            runs.append(measure(expand(backend.pandoc, pandoc=pandoc, input=str(path), out=str(out)), env, path.parent))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="*", type=Path, help="Markdown files or folders (default: corpus or content/)")
    parser.add_argument("--repeat", type=int, default=3, help="warm and pandoc runs per file (median; default 3)")
    parser.add_argument(
        "--backends", default=",".join(b.label for b in BACKENDS), help="comma-separated rows to run (default: all)"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    default = CORPUS if CORPUS.is_dir() else CONTENT
    files = collect_inputs(args.inputs or [default])
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
    print(f"publish bench: {len(files)} file(s) from {files[0].parent}, repeat={args.repeat}")
    print(f"  python {platform.python_version()}, {os.cpu_count()} CPUs, {pandoc_version} ({pandoc_source})")
    print(f"  publish: {publish}; subcommands found: {', '.join(sorted(available)) or 'none'}")
    print()

    rows: list[Row] = []
    for backend in backends:
        for path in files:
            row = Row(file=path.name, backend=backend.label)
            if backend.label in available:
                row.cold, row.warm = time_ours(path, backend, publish, available[backend.label], args.repeat)
            else:
                row.cold = row.warm = Run(error=f"`publish {backend.label}` not available yet")
            # Timed even without our backend: pandoc's figure is the target it will be held to.
            row.pandoc = time_pandoc(path, backend, pandoc, args.repeat)
            rows.append(row)
            summary = f"ours {fmt_s(row.warm)} s, pandoc {fmt_s(row.pandoc)} s"
            print(f"  {backend.label:6} {path.name}: {summary}", flush=True)
    print()
    print_table(rows)
    if "html" in wanted:
        print_stages(files, {r.file: r.pandoc for r in rows if r.backend == "html"}, args.repeat)

    errors = [
        (r, part, getattr(r, part).error) for r in rows for part in ("cold", "warm", "pandoc") if getattr(r, part).error
    ]
    if errors:
        print("\nnotes:")
        seen: set[tuple[str, str, str]] = set()
        for r, part, message in errors:
            key = (r.backend, part, message or "")
            if key not in seen:
                seen.add(key)
                print(f"  {r.backend} {part}: {message}")
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "file": r.file,
                        "backend": r.backend,
                        **{part: vars(getattr(r, part)) for part in ("cold", "warm", "pandoc")},
                    }
                    for r in rows
                ],
                indent=2,
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
    # A subcommand that exists but fails is a real failure; a missing one is only n/a.
    broken = [r for r in rows if r.backend in available and r.cold.error]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
