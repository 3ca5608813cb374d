"""The LaTeX draft: ``main.tex``, ``references.bib`` and ``figures/``, for a survey to be written on.

A researcher exports the survey and the digests they collected and keeps
writing in LaTeX, so the draft must compile at once with stock TeX Live
(``texlive-xetex texlive-lang-chinese latexmk``), hold the authors' formulas
as their own TeX, and cite every arXiv paper from a real bibliography.

The model goes to pandoc as its JSON AST (``latex_ast``), never as Markdown
again, with our template (``styles/latex-template.tex``).  Compiling runs
``latexmk -xelatex`` with shell escape off and TeX's file access limited to
the draft's folder: nothing an author wrote can run or read anything, and
``latex_math`` keeps their formulas from trying.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import pypandoc

from publish import model as m
from publish.errors import PublishError
from publish.images import ImageResult, ImageStore
from publish.output import write_text_atomic
from publish.render import latex_bib, latex_glyphs
from publish.render import pandoc_ast as pa
from publish.render.latex_ast import DocumentContext, Figure, LatexAstWriter, text
from publish.tree import iter_nodes

MAIN = "main.tex"
BIBLIOGRAPHY = "references"
FIGURES = "figures"
COMPILE_TIMEOUT = 900  # seconds: the whole corpus takes well under a minute
_ERROR_LINE = re.compile(r"^(?:! |.*:\d+: )(.*)$", re.MULTILINE)


def export_latex(
    pack: m.Pack, outdir: Path, *, compile: bool = False, offline: bool = False, cache_dir: Path | None = None
) -> m.Pack:
    """Write the draft of ``pack`` into ``outdir`` (and compile it); the pack comes back with warnings added.

    A manifest's ``offline: true`` keeps the build off the network as ``offline`` does.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    offline = offline or bool(pack.options.get("offline"))
    figures = collect_figures(pack.documents, outdir, offline=offline, cache_dir=cache_dir)
    bib = latex_bib.entries(paper for doc in pack.documents for paper in doc.papers)
    citations = {identifier: entry.key for identifier, entry in bib.items()}
    single = len(pack.documents) == 1
    contexts = [
        DocumentContext(
            doc=doc,
            label_prefix=f"d{number}-",
            top_level=1 if single else 2,
            citations=citations,
            figures=figures[_folder(doc)],
        )
        for number, doc in enumerate(pack.documents, start=1)
    ]
    blocks = [block for context in contexts for block in _document_blocks(context, single)]
    # With --natbib pandoc drops a last, empty level-1 heading as the bibliography's title.
    blocks.append(pa.raw_block("% end of the documents"))
    unknown = dict.fromkeys(name for context in contexts for name in context.unknown_macros)
    ast = pa.document(blocks, _metadata(pack, single, list(unknown), has_bibliography=bool(bib)))
    write_text_atomic(outdir / f"{BIBLIOGRAPHY}.bib", latex_bib.format_bibtex(bib))
    write_text_atomic(outdir / MAIN, run_pandoc(ast, single))
    documents = [
        dataclasses.replace(context.doc, warnings=[*context.doc.warnings, *context.warnings]) for context in contexts
    ]
    if compile:
        compile_latex(outdir)
    return dataclasses.replace(pack, documents=documents)


# --------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------


def _document_blocks(context: DocumentContext, single: bool) -> list[pa.Element]:
    """A single document is the whole article; in a pack each document is a chapter."""
    writer = LatexAstWriter(context)
    body = writer.body()
    if single:
        return body
    doc = context.doc
    heading = pa.header(1, text(_title(doc)), context.label_prefix + "document")
    facts = _facts(doc.meta)
    return [heading, *([pa.para(text(facts))] if facts else []), *body]


def _title(doc: m.Document) -> str:
    return doc.meta.title or doc.path.stem


def _facts(meta: m.Meta) -> str:
    """Date, author and tags: what a chapter says about its document under its title."""
    parts = [value for value in (meta.date, meta.author) if value and value != meta.title]
    if meta.tags:
        parts.append("关键词：" + "，".join(meta.tags))
    return " · ".join(parts)


def _metadata(pack: m.Pack, single: bool, unknown: list[str], *, has_bibliography: bool) -> dict[str, pa.Element]:
    """Title page facts, and raw preamble lines (placeholders for unknown macros)."""
    meta = pack.documents[0].meta if single and pack.documents else m.Meta(title=pack.title)
    title = _title(pack.documents[0]) if single and pack.documents else pack.title
    tags = list(dict.fromkeys(tag for doc in pack.documents for tag in doc.meta.tags))
    fields: dict[str, pa.Element] = {
        "title": _meta_text(title),
        "keywords": pa.meta_list([_meta_text(tag) for tag in tags]),
        "header-includes": pa.meta_list(
            [pa.el("MetaBlocks", [pa.raw_block(f"\\providecommand{{\\{name}}}{{\\publishunknown{{{name}}}}}")])
             for name in unknown]
        ),
    }  # fmt: skip
    if meta.author:
        fields["author"] = pa.meta_list([_meta_text(meta.author)])
    if meta.date:
        fields["date"] = _meta_text(meta.date)
    if meta.description and single:
        fields["abstract"] = _meta_text(meta.description)
    if has_bibliography:
        fields["bibliography"] = pa.meta_string(BIBLIOGRAPHY)
    if not single:
        fields["toc"] = pa.meta_bool(True)
    return fields


def _meta_text(value: str) -> pa.Element:
    """Metadata text is prose too: escaped by pandoc, odd characters in a font that has them."""
    return pa.el("MetaInlines", text(value))


def run_pandoc(ast: dict[str, object], single: bool) -> str:
    """Pandoc's LaTeX writer with our template; the class and the fonts come in as variables."""
    fonts = latex_glyphs.FONTS
    template = resources.files("publish.styles").joinpath("latex-template.tex")
    variables = {
        "documentclass": "ctexart" if single else "ctexbook",
        # A chapter per document; a new one need not wait for a right-hand page.
        **({} if single else {"classoption": "openany"}),
        "mainfont": fonts.main,
        "sansfont": fonts.sans,
        "monofont": fonts.mono,
        "CJKmainfont": fonts.cjk,
        "CJKboldfont": fonts.cjk_bold,
        "CJKsansfont": fonts.cjk_sans,
        "fallbackfonts": latex_glyphs.fallback_macros(fonts),
    }
    with resources.as_file(template) as template_path:
        args = [
            "--standalone",
            f"--template={template_path}",
            "--natbib",
            "--wrap=none",
            f"--top-level-division={'section' if single else 'chapter'}",
            *(f"--variable={key}:{value}" for key, value in variables.items()),
        ]
        try:
            return pypandoc.convert_text(json.dumps(ast, ensure_ascii=False), "latex", format="json", extra_args=args)
        except RuntimeError as exc:
            raise PublishError(f"pandoc could not write the LaTeX draft: {exc}") from exc


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------


def collect_figures(
    docs: Sequence[m.Document], outdir: Path, *, offline: bool, cache_dir: Path | None
) -> dict[Path, dict[str, Figure]]:
    """Every image of the pack, by document folder and URL, copied from the shared image store into ``figures/``.

    Relative paths are read only inside the documents' own folders.  A file is
    named after where the store keeps it, so an image two documents show is
    copied once.
    """
    (outdir / FIGURES).mkdir(parents=True, exist_ok=True)
    requests = list(
        dict.fromkeys(
            (node.url, _folder(doc)) for doc in docs for node in iter_nodes(doc) if isinstance(node, m.Image)
        )
    )
    figures: dict[Path, dict[str, Figure]] = {_folder(doc): {} for doc in docs}
    if not requests:
        return figures
    store = ImageStore(cache_dir=cache_dir, offline=offline, allowed_roots=list(figures))
    for (url, folder), result in store.fetch_all(requests).items():
        figures[folder][url] = _copy_figure(result, outdir)
    return figures


def _folder(doc: m.Document) -> Path:
    return doc.path.resolve().parent


def _copy_figure(result: ImageResult, outdir: Path) -> Figure:
    if not result.ok or result.path is None:
        return Figure(error=result.error or "unavailable")
    name = hashlib.sha256(str(result.path).encode()).hexdigest()[:16] + result.path.suffix.lower()
    target = outdir / FIGURES / name
    if not target.is_file():
        shutil.copyfile(result.path, target)
    return Figure(path=f"{FIGURES}/{name}")


# --------------------------------------------------------------------------
# Compiling
# --------------------------------------------------------------------------


def compile_latex(outdir: Path) -> Path:
    """``latexmk -xelatex`` in ``outdir``; the PDF, or a ``PublishError`` quoting TeX's first errors.

    ``-no-shell-escape`` and TeX Live's paranoid file modes: TeX may not run
    programs, nor read or write files outside the draft's folder.
    """
    if shutil.which("latexmk") is None or shutil.which("xelatex") is None:
        raise PublishError(
            "latexmk and xelatex are needed to compile the draft: "
            "apt-get install texlive-xetex texlive-lang-chinese latexmk (or run `make tex-deps`)"
        )
    env = {**os.environ, "openout_any": "p", "openin_any": "p", "shell_escape": "f"}
    # -norc: no latexmkrc (the user's or one beside the draft) may swap the engine or its options.
    command = [
        "latexmk", "-norc", "-xelatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
        "-file-line-error", "-bibtex", MAIN,
    ]  # fmt: skip
    try:
        result = subprocess.run(
            command, cwd=outdir, env=env, capture_output=True, text=True, errors="replace", timeout=COMPILE_TIMEOUT
        )
    except subprocess.TimeoutExpired as exc:
        raise PublishError(f"LaTeX did not finish {outdir / MAIN} within {COMPILE_TIMEOUT} s") from exc
    pdf = outdir / MAIN.replace(".tex", ".pdf")
    if result.returncode != 0 or not pdf.is_file():
        log = outdir / MAIN.replace(".tex", ".log")
        transcript = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else result.stdout
        errors = "; ".join(dict.fromkeys(_ERROR_LINE.findall(transcript))) or result.stdout[-2000:]
        raise PublishError(f"LaTeX could not compile {outdir / MAIN}: {errors[:2000]} (see {log})")
    return pdf
