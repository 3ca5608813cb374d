"""The ``publish`` command.

Exit codes: 0 done (warnings allowed), 1 input errors (or any warning under
``--strict``), 2 usage errors.  Warnings go to stderr as ``file:line: level:
message``; a user never sees a traceback unless they ask with ``PUBLISH_DEBUG=1``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import click

from publish import __version__, progress
from publish.cache import cache_root_override, prune
from publish.errors import PublishError
from publish.model import Diagnostic, Document, Pack
from publish.pipeline import load_document, load_pack
from publish.summary import summarize

INPUTS = click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
STRICT = click.option("--strict", is_flag=True, help="Treat every warning as an error (exit 1).")
OFFLINE = click.option(
    "--offline", is_flag=True, help="Take remote images only from the cache; placeholders keep the links."
)
Command = TypeVar("Command", bound=Callable[..., object])  # a click command function, typed through build_options


def _use_cache(ctx: click.Context, _param: click.Parameter, folder: Path | None) -> None:
    if folder is not None:  # through the environment, so worker processes use it too; undone when the command ends
        ctx.with_resource(cache_root_override(folder))


def _be_quiet(_ctx: click.Context, _param: click.Parameter, quiet: bool) -> None:
    if quiet:
        progress.configure("quiet")


def build_options(command: Command) -> Command:
    """``--cache DIR`` and ``--quiet``, for every command that reads documents."""
    command = click.option(
        "-q", "--quiet", is_flag=True, expose_value=False, callback=_be_quiet,
        help="No progress display or stage timings on stderr.",
    )(command)
    return click.option(
        "--cache", type=click.Path(file_okay=False, path_type=Path), metavar="DIR", expose_value=False,
        callback=_use_cache, help="Keep every cache (documents, formulas, images, QR codes) in DIR instead of "
        "$XDG_CACHE_HOME/publish; the environment variable PUBLISH_CACHE_DIR does the same.",
    )(command)


def report(diagnostics: Iterable[Diagnostic]) -> int:
    """Print diagnostics to stderr; return how many there were."""
    count = 0
    for diagnostic in diagnostics:
        click.echo(str(diagnostic), err=True)
        count += 1
    return count


def finish(warnings: int, errors: int, strict: bool) -> None:
    """The end of a command: old cache entries go, and the exit status tells whether it failed."""
    prune()
    if errors or (strict and warnings):
        sys.exit(1)


def _pack_diagnostics(pack: Pack) -> list[Diagnostic]:
    return [w for doc in pack.documents for w in doc.warnings]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publish")
def cli() -> None:
    """Turn Chinese-language Markdown paper digests and surveys into a reading pack.

    INPUT is a Markdown file, a folder, or a publish.yaml manifest; with none,
    the pack in ./content/.
    """


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a summary.")
@STRICT
@build_options
def inspect(file: Path, as_json: bool, strict: bool) -> None:
    """Show what publish reads in FILE: kind, title, date, papers, formulas, images, tables."""
    doc = load_document(file)
    facts = summarize(doc)
    if as_json:
        click.echo(json.dumps(facts, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{file}: {facts['kind']}, «{facts['title']}» {facts['date']}")
        click.echo(
            f"  {len(facts['papers'])} papers, {facts['formulas']} formulas, "
            f"{facts['images']} images, {facts['tables']} tables"
        )
    warnings = report(doc.warnings)
    finish(warnings, _errors(doc), strict)


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as one JSON array.")
@click.option("--online", is_flag=True, help="Also fetch remote images to see that they exist (otherwise no network).")
@STRICT
@build_options
def check(inputs: tuple[Path, ...], as_json: bool, online: bool, strict: bool) -> None:
    """Find what a build would complain about, without building: one `file:line:col: level: message` per finding."""
    from publish.check import check_documents, findings_json, format_finding, summary

    pack = load_pack(inputs)
    findings = check_documents(pack.documents, online=online)
    if as_json:
        click.echo(findings_json(findings))
    for finding in [] if as_json else findings:
        click.echo(format_finding(finding))
    click.echo(summary(findings, len(pack.documents)), err=True)
    errors = sum(f.level == "error" for f in findings)
    finish(len(findings) - errors, errors, strict)


def _errors(doc: Document) -> int:
    return sum(1 for w in doc.warnings if w.level == "error")


@cli.command()
@INPUTS
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("build/html"), show_default=True,
              help="Folder to write the bundle into.")
@click.option("--zip", "archive", is_flag=True, help="Also write the bundle as one archive, OUTPUT.zip.")
@OFFLINE
@STRICT
@build_options
def html(inputs: tuple[Path, ...], output: Path, archive: bool, offline: bool, strict: bool) -> None:
    """Write a bilingual HTML bundle that opens from disk: index, a page per document, search, assets."""
    from publish.render.bundle import build_bundle

    pack, written = build_bundle(load_pack(inputs), output, offline=offline, archive=archive)
    warnings = report(_pack_diagnostics(pack))
    click.echo(f"wrote {len(written)} files to {output}", err=True)
    finish(warnings, sum(_errors(d) for d in pack.documents), strict)


@cli.group()
def translate() -> None:
    """Translate the blocks that have no counterpart in the other language, through XLIFF 2."""


@translate.command("export")
@INPUTS
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("build/translations.xlf"),
              show_default=True, help="XLIFF 2 file to write.")
@click.option("--to", "target", type=click.Choice(["en", "zh-Hans"]), default="en", show_default=True,
              help="Language to translate into (XLIFF 2 holds one direction per file).")
@build_options
def translate_export(inputs: tuple[Path, ...], output: Path, target: str) -> None:
    """Write the blocks an English (or Chinese) reader cannot read yet, for a translator's tool."""
    from publish.output import write_bytes_atomic
    from publish.translate import export_xliff

    write_bytes_atomic(output, export_xliff(load_pack(inputs).documents, target))
    click.echo(f"wrote {output}", err=True)


@translate.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def translate_import(file: Path) -> None:
    """Store the translations of FILE beside each document (<name>.translations.yaml); the Markdown is untouched."""
    from publish.translate import import_xliff

    for sidecar in import_xliff(file.read_bytes()):
        click.echo(f"wrote {sidecar}", err=True)


@cli.command()
@INPUTS
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("build/reading-pack.epub"),
              show_default=True, help="EPUB file to write.")
@OFFLINE
@STRICT
@build_options
def epub(inputs: tuple[Path, ...], output: Path, offline: bool, strict: bool) -> None:
    """Write an EPUB 3 for e-readers: navigation, reflowing text, formulas as SVG, images inside."""
    from publish.render.epub import build_epub

    pack = build_epub(load_pack(inputs), output, offline=offline)
    warnings = report(_pack_diagnostics(pack))
    click.echo(f"wrote {output}", err=True)
    finish(warnings, sum(_errors(d) for d in pack.documents), strict)


@cli.command()
@INPUTS
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("build/latex"), show_default=True,
              help="Folder to write main.tex, references.bib and figures/ into.")
@click.option("--compile", "compile_pdf", is_flag=True, help="Also run latexmk -xelatex to make main.pdf.")
@OFFLINE
@STRICT
@build_options
def latex(inputs: tuple[Path, ...], output: Path, compile_pdf: bool, offline: bool, strict: bool) -> None:
    """Write a LaTeX draft to keep writing a survey in: ctex, the authors' formulas, a BibTeX of the papers."""
    from publish.render.latex import compile_latex, export_latex

    pack = export_latex(load_pack(inputs), output, offline=offline)
    warnings = report(_pack_diagnostics(pack))  # before compiling: they explain what LaTeX may say
    click.echo(f"wrote {output / 'main.tex'}", err=True)
    if compile_pdf:
        click.echo(f"wrote {compile_latex(output)}", err=True)
    finish(warnings, sum(_errors(d) for d in pack.documents), strict)


@cli.command()
@INPUTS
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("build/reading-pack.pdf"),
              show_default=True, help="PDF file to write.")
@click.option("--paper", type=click.Choice(["a4", "a5"], case_sensitive=False), default=None,
              help="Page size: a4 (the default), or a5 for a booklet whose documents open on right-hand pages.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Documents laid out at once (default: one per core). Each needs about 150 MB of memory.")
@OFFLINE
@STRICT
@build_options
def pdf(inputs: tuple[Path, ...], output: Path, paper: str | None, jobs: int | None, offline: bool,
        strict: bool) -> None:
    """Write the pack as a PDF to print: cover, contents, bookmarks, formulas, papers with QR codes."""
    from publish.render.pdf_parts import start_layout_server

    start_layout_server(jobs)  # it imports WeasyPrint while the documents are read; a reading pool forks from it
    from publish.render.pdf import build_pdf, pdf_options

    pack = load_pack(inputs)
    pack, pages = build_pdf(pack, output, jobs=jobs, **pdf_options(pack, paper=paper, offline=offline))
    warnings = report(_pack_diagnostics(pack))
    click.echo(f"wrote {output} ({pages} pages)", err=True)
    finish(warnings, sum(_errors(d) for d in pack.documents), strict)


def main() -> None:
    progress.configure("auto")  # here, not at import: a library caller or a test runner stays silent
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("publish: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except PublishError as exc:
        click.echo(f"publish: error: {exc}", err=True)
        sys.exit(1)
    except SystemExit:
        raise
    except Exception as exc:  # a bug of ours: say so plainly instead of a traceback
        if os.environ.get("PUBLISH_DEBUG"):
            raise
        click.echo(
            f"publish: internal error: {type(exc).__name__}: {exc}\n"
            "  This is a bug in publish, not in your input. Run again with PUBLISH_DEBUG=1 for details.",
            err=True,
        )
        sys.exit(1)
