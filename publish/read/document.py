"""The reader's stages in order: decode → front matter → Markdown → model → sections → kind.

Nothing in a file's content may stop a build: every problem becomes a
``Diagnostic`` on the document.  Only an unreadable path raises.
"""

from __future__ import annotations

from pathlib import Path

from mistune.util import unikey

from publish.model import Diagnostic, Document, FootnoteDef, Node, Paragraph, SoftBreak, Text
from publish.read.convert import Converter
from publish.read.frontmatter import FrontMatter, split_front_matter
from publish.read.html import Report
from publish.read.kind import detect_kind, fill_meta_from_headings
from publish.read.markdown import parse_markdown
from publish.read.sections import nest_sections
from publish.read.source import read_source, strip_controls
from publish.read.texmath import uses_tex_delimiters


def read_document(path: Path) -> Document:
    """Read one Markdown file into a ``Document``; raises ``PublishError`` only for unreadable paths."""
    path = Path(path)
    source = read_source(path)
    doc = read_text(source.text, path)
    doc.warnings[:0] = [Diagnostic(file=str(path), line=0, message=m) for m in source.warnings]
    return doc


def read_text(text: str, path: Path) -> Document:
    """Read already-decoded text (LF line ends) as if it came from ``path``."""
    warnings: list[Diagnostic] = []

    def report(line: int, message: str) -> None:
        warnings.append(Diagnostic(file=str(path), line=line, message=message))

    text, controls = strip_controls(text)
    if controls:
        first, count = controls
        report(first, f"{count} invisible control character(s) removed, the first on this line (is the file damaged?)")
    front, body = split_front_matter(text)
    for line, message in front.warnings:
        report(line, message)
    try:
        blocks, footnotes = _parse_body(body, front.body_line, report)
    except RecursionError:
        report(front.body_line, "the document nests too deeply to read; it is kept as plain text")
        blocks, footnotes = _plain_paragraphs(body, front.body_line), []
    children = _kept_front_matter(front) + nest_sections(blocks)
    meta = front.meta
    fill_meta_from_headings(meta, children, path.stem)
    return Document(
        path=path,
        source=text,
        meta=meta,
        kind=detect_kind(children, front.present and not front.raw_lines),
        children=children,
        footnotes=footnotes,
        warnings=warnings,
    )


def _parse_body(body: str, first_line: int, report: Report) -> tuple[list[Node], list[FootnoteDef]]:
    tokens, state = parse_markdown(body, first_line, tex_parens=uses_tex_delimiters(body))
    converter = Converter(report, state.env.get("footnote_lines"), first_line)
    blocks, footnotes = converter.document(tokens)
    _report_unused_footnotes(state.env.get("footnote_definitions", []), footnotes, report)
    return blocks, footnotes


def _report_unused_footnotes(definitions: list[tuple[str, int]], used: list[FootnoteDef], report: Report) -> None:
    """Markdown silently drops a footnote defined twice or never referenced: its words would vanish unannounced."""
    referenced = {note.key for note in used}
    first: dict[str, int] = {}
    for key, line in definitions:
        folded = unikey(key)
        if folded in first:
            report(line, f"footnote [^{key}] is defined again (first on line {first[folded]}): this text is left out; "
                         "give it another key")
            continue
        first[folded] = line
        if folded not in referenced:
            report(line, f"footnote [^{key}] is never referenced, so its text is left out; cite it with [^{key}]")


def _kept_front_matter(front: FrontMatter) -> list[Node]:
    """Broken front matter stays in the book as text, so no word is lost."""
    if not front.raw_lines:
        return []
    return _plain_paragraphs("\n".join(front.raw_lines), front.raw_line)


def _plain_paragraphs(text: str, first_line: int) -> list[Node]:
    """Lines as one paragraph of text, each line keeping its number."""
    children: list[Node] = []
    for offset, line in enumerate(text.split("\n")):
        if children:
            children.append(SoftBreak(line=first_line + offset))
        children.append(Text(line=first_line + offset, text=line))
    return [Paragraph(line=first_line, children=children)]
