"""``publish check``: what a build would complain about, found without building.

Most findings exist already: the reader and the filters put them in
``Document.warnings`` (broken front matter, encodings, dead ``#links``,
placeholder links, split accents, unknown macros in prose, TeX the formulas
filter refuses).  Those are reported as they are, at the level a build gives
them, so ``check`` and a build never disagree about a line.  This module adds
only what no stage sees before a backend runs, or at all:

- pure, from the source and the model: a ``$`` that opens a formula nothing
  closes, and the same arXiv paper presented twice in the pack;
- at the edges: formulas MathJax refuses (``render_formulas``, the Node
  process) and images that are missing or unreachable (``ImageStore``: local
  files always, remote ones only when asked, so a plain check opens no socket).

A formula MathJax refuses and an image that cannot be had are errors: each
leaves a hole in every output (TeX source, a placeholder) that a build only
mentions in passing.  A stray ``$`` and a duplicate are warnings: the text
still reads, and a repeat may be what the author meant.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import urlsplit

from publish.filters._text import located, position
from publish.images import ImageStore
from publish.model import Diagnostic, Document, Image, Math, Row, Section
from publish.read.frontmatter import split_front_matter
from publish.render.math import MathRenderer, render_formulas
from publish.tree import iter_nodes

# Lines that start a block of their own, so inline text never pairs dollars across them.
_BLOCK_START = re.compile(r" {0,3}#{1,6}(?:\s|$)|\s*(?:[*+-]\s|\d{1,9}[.)]\s|>|\|)")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_MATH_FENCE = re.compile(r" {0,3}\$\$[ \t]*")
# The reader's inline rules (mistune's math plugin) in the order they win, then what is left over:
# code spans and escapes hide dollars; `$$…$$` may span lines, `$…$` may not, and may not close before a digit.
_DOLLARS = re.compile(
    r"(?P<ticks>`+)[^`][\s\S]*?(?<!`)(?P=ticks)(?!`)"
    r"|\\."
    r"|(?P<formula>\$\$(?:[^$\\]|\\.)*?\$\$"
    r"|\$(?P<mark>`+)[\s\S]*?(?P=mark)\$"
    r"|\$(?!\$)(?!\s)(?:[^$\\\n]|\\.)+?\$(?!\d))"
    r"|(?P<stray>\$\$?)"
)


# --------------------------------------------------------------------------
# Pure checks
# --------------------------------------------------------------------------


def _paragraphs(doc: Document) -> Iterator[tuple[int, str]]:
    """The body as the runs of lines the reader parses inline text from, each with its first line.

    Front matter, fenced code and ``$$`` display blocks are left out; a blank
    line or a line that starts a block (heading, list item, quote, table row)
    begins a new run.
    """
    front, _ = split_front_matter(doc.source)
    run: list[str] = []
    first = 0
    fence: re.Pattern[str] | None = None
    lines = doc.source.split("\n")
    for number, text in enumerate(lines[front.body_line - 1 :], start=front.body_line):
        if fence is not None:
            fence = None if fence.fullmatch(text) else fence
            continue
        opening = _FENCE.match(text)
        if opening or not text.strip() or _BLOCK_START.match(text) or _MATH_FENCE.fullmatch(text):
            if run:
                yield first, "\n".join(run)
            run = []
        if opening:
            fence = re.compile(rf" {{0,3}}{opening.group(1)[0]}{{{len(opening.group(1))},}}[ \t]*")
        elif _MATH_FENCE.fullmatch(text) and any(_MATH_FENCE.fullmatch(later) for later in lines[number:]):
            fence = _MATH_FENCE
        elif text.strip():
            first = first if run else number
            run.append(text)
    if run:
        yield first, "\n".join(run)


def unbalanced_dollars(doc: Document) -> list[Diagnostic]:
    """A ``$`` or ``$$`` that opens a formula nothing closes, as the reader's math rules see it.

    The text then shows the dollar and the TeX after it as they are, and
    a later dollar may pair with it instead of with its own partner.  A
    ``$`` before a space opens nothing (``$ 5`` is a price, and reads as
    one); ``$5`` does, so it is reported: a literal dollar is written ``\\$``.
    """
    findings: list[Diagnostic] = []
    for first, text in _paragraphs(doc):
        formula = ""  # the last formula before a stray dollar may be the one that took its partner
        for match in _DOLLARS.finditer(text):
            formula = match.group("formula") or formula
            stray = match.group("stray")
            after = text[match.end() : match.end() + 1]
            if not stray or (stray == "$" and (not after or after.isspace())):
                continue
            line = first + text.count("\n", 0, match.start())
            column = match.start() - text.rfind("\n", 0, match.start())
            message = (
                f"`{stray}` opens a formula that nothing closes: close it with `{stray}`, or write `\\$` for a dollar"
            )
            if formula:
                message += f"; the formula before it, {_shorten(formula)}, may have taken its partner"
            findings.append(Diagnostic(file=str(doc.path), line=line, column=column, message=message))
    return findings


def _shorten(text: str, width: int = 40) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= width else f"{one_line[: width - 1]}…"


def _presentations(doc: Document) -> Iterator[tuple[str, int]]:
    """Each arXiv id a section or table row of ``doc`` presents, with its line.

    A survey's closing link list mentions its papers again; those mentions
    present nothing (the papers filter merges them), so they are not repeats.
    """
    for node in iter_nodes(doc):
        if isinstance(node, (Section, Row)) and node.paper is not None and node.paper.arxiv:
            yield node.paper.arxiv, node.line


def duplicate_papers(docs: Sequence[Document]) -> list[Diagnostic]:
    """A paper presented twice, in one document or across the pack: a warning at the repeat, naming the first."""
    first: dict[str, tuple[Document, int]] = {}
    findings: list[Diagnostic] = []
    for doc in docs:
        for arxiv, start in _presentations(doc):
            line, column = position(doc, start, arxiv)
            if arxiv not in first:
                first[arxiv] = (doc, line)
                continue
            where, at = first[arxiv]
            place = f"line {at}" if where is doc else f"{where.path}:{at}"
            message = f"arXiv {arxiv} is presented twice: here and at {place}; keep one entry"
            findings.append(Diagnostic(file=str(doc.path), line=line, column=column, message=message))
    return findings


def _remote(url: str) -> bool:
    return urlsplit(url.strip()).scheme.lower() in ("http", "https")


def image_requests(doc: Document, online: bool) -> list[Image]:
    """The images of ``doc`` to look for: all but remote ones, which only ``online`` may fetch."""
    return [node for node in iter_nodes(doc) if isinstance(node, Image) and (online or not _remote(node.url))]


# --------------------------------------------------------------------------
# Edges: MathJax and the image store
# --------------------------------------------------------------------------


def formula_failures(doc: Document, renderer: MathRenderer) -> list[Diagnostic]:
    """Formulas MathJax refuses, as errors at the formula.

    ``render_formulas`` says which and why; walking the document before and
    after it in step pairs each of its warnings with the formula it marked,
    which is where the column comes from.
    """
    rendered, _ = render_formulas(doc, renderer)
    failed = [
        after
        for before, after in zip(iter_nodes(doc), iter_nodes(rendered), strict=True)
        if isinstance(before, Math) and isinstance(after, Math) and after.error and not before.error
    ]
    added = rendered.warnings[len(doc.warnings) :]
    return [
        located(doc, warning.line, node.tex, warning.message, "error")
        for warning, node in zip(added, failed, strict=True)
    ]


def image_problems(docs: Sequence[Document], store: ImageStore, online: bool) -> list[Diagnostic]:
    """Images that cannot be had, as errors at their address; fetched in one batch so slow hosts overlap."""
    wanted = [(doc, node) for doc in docs for node in image_requests(doc, online)]
    results = store.fetch_all((node.url, doc.path.resolve().parent) for doc, node in wanted)
    return [
        located(doc, node.line, node.url.strip(), f"image cannot be had ({result.error}): {node.url.strip()}", "error")
        for doc, node in wanted
        if not (result := results[(node.url, doc.path.resolve().parent)]).ok
    ]


def check_documents(docs: Sequence[Document], *, online: bool = False) -> list[Diagnostic]:
    """Every finding for ``docs`` (already read and filtered), sorted by file, line and column."""
    roots = list(dict.fromkeys(doc.path.resolve().parent for doc in docs))
    store = ImageStore(offline=not online, allowed_roots=roots)
    findings: list[Diagnostic] = [w for doc in docs for w in doc.warnings]
    with MathRenderer() as renderer:
        for doc in docs:
            findings += unbalanced_dollars(doc) + formula_failures(doc, renderer)
    findings += image_problems(docs, store, online) + duplicate_papers(docs)
    return sorted(findings, key=lambda d: (d.file, d.line, d.column))


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def format_finding(diagnostic: Diagnostic) -> str:
    """``file:line:col: level: message``, the form editors and CI annotate from."""
    d = diagnostic
    return f"{d.file}:{d.line}:{d.column}: {d.level}: {d.message}"


def findings_json(diagnostics: Iterable[Diagnostic]) -> str:
    """The findings as a JSON array of ``{file, line, column, level, message}``."""
    fields = ("file", "line", "column", "level", "message")
    return json.dumps([{name: getattr(d, name) for name in fields} for d in diagnostics], ensure_ascii=False, indent=2)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def summary(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """``N errors, M warnings in K files``."""
    errors = sum(d.level == "error" for d in diagnostics)
    return f"{_count(errors, 'error')}, {_count(len(diagnostics) - errors, 'warning')} in {_count(files, 'file')}"
