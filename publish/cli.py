"""The ``publish`` command.

Exit codes: 0 done (warnings allowed), 1 input errors (or any warning under
``--strict``), 2 usage errors.  Warnings go to stderr as ``file:line: level:
message``; a user never sees a traceback unless they ask with ``PUBLISH_DEBUG=1``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from publish import __version__
from publish.errors import PublishError
from publish.model import Diagnostic, Document, Pack
from publish.pipeline import load_document, load_pack
from publish.summary import summarize

INPUTS = click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
STRICT = click.option("--strict", is_flag=True, help="Treat every warning as an error (exit 1).")


def report(diagnostics: Iterable[Diagnostic]) -> int:
    """Print diagnostics to stderr; return how many there were."""
    count = 0
    for diagnostic in diagnostics:
        click.echo(str(diagnostic), err=True)
        count += 1
    return count


def finish(warnings: int, errors: int, strict: bool) -> None:
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


def _errors(doc: Document) -> int:
    return sum(1 for w in doc.warnings if w.level == "error")


@cli.command()
@INPUTS
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("build/html"), show_default=True,
              help="Folder to write the pages into.")
@STRICT
def html(inputs: tuple[Path, ...], output: Path, strict: bool) -> None:
    """Write one self-contained HTML page per document, and an index."""
    from publish.render.html_pages import write_pages

    pack = load_pack(inputs)
    pack, written = write_pages(pack, output)
    warnings = report(_pack_diagnostics(pack))
    click.echo(f"wrote {len(written)} pages to {output}", err=True)
    finish(warnings, sum(_errors(d) for d in pack.documents), strict)


@cli.command()
@INPUTS
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("build/reading-pack.epub"),
              show_default=True, help="EPUB file to write.")
@click.option("--offline", is_flag=True, help="Take remote images only from the cache; placeholders keep the links.")
@STRICT
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
@click.option("--offline", is_flag=True, help="Take remote images only from the cache; placeholders keep the links.")
@STRICT
def latex(inputs: tuple[Path, ...], output: Path, compile_pdf: bool, offline: bool, strict: bool) -> None:
    """Write a LaTeX draft to keep writing a survey in: ctex, the authors' formulas, a BibTeX of the papers."""
    from publish.render.latex import compile_latex, export_latex

    pack = export_latex(load_pack(inputs), output, offline=offline)
    warnings = report(_pack_diagnostics(pack))  # before compiling: they explain what LaTeX may say
    click.echo(f"wrote {output / 'main.tex'}", err=True)
    if compile_pdf:
        click.echo(f"wrote {compile_latex(output)}", err=True)
    finish(warnings, sum(_errors(d) for d in pack.documents), strict)


def main() -> None:
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
