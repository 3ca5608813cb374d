"""One document of the model as pandoc's AST, shaped for pandoc's LaTeX writer.

Pandoc escapes every ``Str``, so the authors' prose can never become a
command; the only raw LaTeX in the AST is what this module writes itself:
vetted formulas (``latex_math``), font switches for characters the main fonts
lack (``latex_glyphs``), and the ``\\publish…`` commands of the template
(missing images, gallery cells).  One ``visit_<NodeClass>`` method per node
type, as in the other backends; each returns a list of pandoc elements.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from publish import model as m
from publish.render import latex_glyphs
from publish.render import pandoc_ast as pa
from publish.render.html import safe_url, title_section
from publish.render.latex_bib import arxiv_id
from publish.render.latex_math import Formula, vet
from publish.tree import iter_nodes, plain_text

Element = pa.Element

# LaTeX allows six nested lists, quotes and centred blocks; ctex's lists four of a kind.
MAX_NESTING = 4
GALLERY_COLUMNS = 3
GALLERY_ROWS = 2  # per figure: a float taller than a page would be held back to the end
LINE_CHARS = 90  # Latin characters on a line of the template's text block
MIN_COLUMN_CHARS = 4
COLUMN_SLACK = 2  # characters a cell loses to rounding, bold type and full-width punctuation
MAX_WORD_CHARS = 16  # longer words (URLs) break anyway
LONG_WORD = 40  # characters of prose without a space before the draft offers line breaks inside …
WORD_PIECE = 8  # … every this many characters
WORD_BREAK = r"\hspace{0pt plus 0.5em}"
# Characters TeX finds no break between (CJK text breaks anywhere already).
_UNBROKEN = re.compile(rf"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]{{{LONG_WORD + 1},}}")
IMAGE_CHARS = 24  # how wide an image in a table cell counts, in characters
INLINE_NODES = (
    m.Text, m.Emph, m.Strong, m.Strikeout, m.Superscript, m.Subscript, m.Code, m.Link, m.Image, m.Math,
    m.LineBreak, m.SoftBreak, m.FootnoteRef,
)  # fmt: skip


@dataclass(frozen=True)
class Figure:
    """An image as the draft has it: a file under ``figures/``, or why there is none."""

    path: str = ""
    error: str = ""


@dataclass
class DocumentContext:
    """What the writer needs besides the document itself."""

    doc: m.Document
    label_prefix: str  # keeps labels unique across the documents of a pack
    top_level: int  # pandoc header level of the document's own top sections
    citations: Mapping[str, str]  # arXiv id → BibTeX key
    figures: Mapping[str, Figure]  # image URL → figure
    warnings: list[m.Diagnostic] = field(default_factory=list)
    unknown_macros: dict[str, None] = field(default_factory=dict)


class LatexAstWriter:
    """Turn one document's nodes into pandoc blocks and inlines."""

    def __init__(self, context: DocumentContext) -> None:
        self.context = context
        self.doc = context.doc
        self.title_section = title_section(self.doc)
        self.ids = _section_ids(self.doc)
        self.footnotes = {note.key: note for note in self.doc.footnotes}
        self.open_notes: list[str] = []  # the notes being set: a note that cites itself would never end
        levels = [n.level for n in iter_nodes(self._body_nodes()) if isinstance(n, m.Section)]
        self.level_shift = context.top_level - min(levels, default=1)
        self.nesting = 0
        self.in_box = 0  # inside a table cell or footnote: no floats there
        self.in_link = False  # a missing image's address must not be a link inside a link
        self.labels: set[str] = set()  # a label twice would be "multiply defined"

    # -- entry points ------------------------------------------------------

    def body(self) -> list[Element]:
        """The document's blocks, its title heading left out (the title is set apart).

        Links to the title heading ("back to top") land on an anchor where it was.
        """
        blocks = self.blocks(self._body_nodes())
        if self.title_section is not None and self.title_section.id:
            anchor = pa.el("Span", [pa.attr(self.label(self.title_section.id)), []])
            blocks.insert(0, pa.plain([anchor]))
        return blocks

    def _body_nodes(self) -> list[m.Node]:
        out: list[m.Node] = []
        for node in self.doc.children:
            out.extend(node.children if node is self.title_section else [node])  # type: ignore[attr-defined]
        return out

    def warn(self, line: int, message: str) -> None:
        self.context.warnings.append(self.doc.diagnostic(line, message))

    # -- dispatch ----------------------------------------------------------

    def render(self, node: m.Node) -> list[Element]:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise TypeError(f"LatexAstWriter has no visit_{type(node).__name__}")
        return method(node)

    def inlines(self, nodes: list[m.Node]) -> list[Element]:
        return [element for node in nodes for element in self.render(node)]

    def blocks(self, nodes: list[m.Node]) -> list[Element]:
        """Block nodes as blocks; runs of inline nodes among them (a table cell's text) as ``Plain``."""
        out: list[Element] = []
        run: list[m.Node] = []
        for node in [*nodes, None]:
            if isinstance(node, INLINE_NODES):
                run.append(node)
                continue
            if run and (inlines := self.inlines(run)):
                out.append(pa.plain(inlines))
            run = []
            if node is not None:
                out += self.render(node)
        return out

    # -- inline ------------------------------------------------------------

    def visit_Text(self, node: m.Text) -> list[Element]:
        return text(node.text)

    def _styled(self, tag: str, node: m.Node) -> list[Element]:
        return [pa.el(tag, self.inlines(node.children))]  # type: ignore[attr-defined]

    def visit_Emph(self, node: m.Emph) -> list[Element]:
        return self._styled("Emph", node)

    def visit_Strong(self, node: m.Strong) -> list[Element]:
        return self._styled("Strong", node)

    def visit_Strikeout(self, node: m.Strikeout) -> list[Element]:
        return self._styled("Strikeout", node)

    def visit_Superscript(self, node: m.Superscript) -> list[Element]:
        return self._styled("Superscript", node)

    def visit_Subscript(self, node: m.Subscript) -> list[Element]:
        return self._styled("Subscript", node)

    def visit_Code(self, node: m.Code) -> list[Element]:
        return [pa.code(latex_glyphs.code_text(node.text))]

    def visit_LineBreak(self, node: m.LineBreak) -> list[Element]:
        return [pa.el("LineBreak")]

    def visit_SoftBreak(self, node: m.SoftBreak) -> list[Element]:
        return [pa.el("SoftBreak")]

    def visit_Link(self, node: m.Link) -> list[Element]:
        self.in_link = True
        try:
            children = self.inlines(node.children)
        finally:
            self.in_link = False
        url = node.url.strip()
        if url.startswith("#"):
            target = unquote(url[1:])
            if target in self.ids:
                return [pa.link(children, "#" + self.label(target))]
            self.warn(node.line, f"link to #{target}: no heading here has that anchor; the draft keeps only its text")
            return children
        if not url:
            return children
        if not safe_url(url):
            self.warn(node.line, f"link to {url} is not a web, mail or relative address; the draft keeps only its text")
            return children or text(url)
        return [pa.link(children or text(url), url, node.title)]

    def visit_Image(self, node: m.Image) -> list[Element]:
        figure = self.context.figures.get(node.url, Figure(error="not fetched"))
        if figure.path:
            return [pa.image(text(node.alt), figure.path, node.title)]
        self.warn(node.line, f"image not included ({figure.error}): {node.url}; the draft shows a framed placeholder")
        alt = [*text(node.alt), pa.raw_inline("\\quad ")] if node.alt.strip() else []  # the author's words stay
        return [pa.raw_inline("\\publishmissingimage{"), *alt, *self._address(node.url), pa.raw_inline("}")]

    def _address(self, url: str) -> list[Element]:
        """A web address as a link that breaks across lines; anything else (or inside a link) as code."""
        if urlsplit(url).scheme in ("http", "https") and not self.in_link:
            return [pa.link(text(url), url)]
        return [pa.code(latex_glyphs.code_text(url))]

    def visit_Math(self, node: m.Math) -> list[Element]:
        formula = self.formula(node)
        if formula.refused:
            return [pa.code(latex_glyphs.code_text(node.tex))]
        if formula.environment:
            return [pa.raw_inline(_end_comment(formula.tex))]
        return [pa.math(formula.tex, node.display)]

    def formula(self, node: m.Math) -> Formula:
        """The vetted formula, warnings given; an ``error`` from the filters is final."""
        if node.error:
            return Formula(tex=node.tex, refused=node.error)
        formula = vet(node.tex, node.display)
        if formula.refused:
            self.warn(node.line, f"formula {formula.refused}: the LaTeX draft shows its TeX as code")
        for name in formula.unknown:
            self.context.unknown_macros[name] = None
            self.warn(
                node.line,
                f"formula uses \\{name}, which LaTeX does not define: main.tex provides a placeholder "
                "that prints its name; define it in the preamble",
            )
        return formula

    def visit_FootnoteRef(self, node: m.FootnoteRef) -> list[Element]:
        note = self.footnotes.get(node.key)
        if note is None:
            self.warn(node.line, f"footnote [^{node.key}] has no text; the draft shows the marker")
            return text(f"[^{node.key}]")
        if node.key in self.open_notes:
            self.warn(node.line, f"footnote [^{node.key}] cites itself; the draft shows the marker there")
            return text(f"[^{node.key}]")
        if self.open_notes:  # pandoc sets a note inside a note as a bare mark and drops its text
            return text(f" ({plain_text(note.children).strip()})")
        self.in_box += 1
        self.open_notes.append(node.key)
        try:
            return [pa.note(self.blocks(note.children))]
        finally:
            self.in_box -= 1
            self.open_notes.pop()

    # -- blocks --------------------------------------------------------------

    def visit_Paragraph(self, node: m.Paragraph) -> list[Element]:
        if formula := node.display_math():
            return self._display(formula)
        images = _only_images(node.children)
        if len(images) > 1:  # a row of images: a grid, or they would overflow the line side by side
            return self._aligned(self._grid(images), "center")
        return self._aligned(self.inlines(node.children), node.align)

    def _aligned(self, inlines: list[Element], align: str) -> list[Element]:
        if not inlines:
            return []
        environment = {"right": "flushright", "center": "center"}.get(align, "")
        if not environment or self.nesting >= MAX_NESTING:
            return [pa.para(inlines)]
        return [pa.raw_block(f"\\begin{{{environment}}}"), pa.plain(inlines), pa.raw_block(f"\\end{{{environment}}}")]

    def _display(self, node: m.Math) -> list[Element]:
        formula = self.formula(node)
        if formula.refused:
            return [pa.code_block(latex_glyphs.code_text(node.tex), "latex")]
        if formula.environment:
            return [pa.raw_block(_end_comment(formula.tex))]
        return [pa.para([pa.math(formula.tex, True)])]

    def visit_BlockQuote(self, node: m.BlockQuote) -> list[Element]:
        with _Nested(self) as deep:
            content = self.blocks(node.children)
        return content if deep else [pa.el("BlockQuote", content)]

    def visit_ListBlock(self, node: m.ListBlock) -> list[Element]:
        with _Nested(self) as deep:
            items = [self._item(item) for item in node.items]
        if deep:  # too deep for LaTeX: paragraphs, the first of each item with its marker
            markers = [f"{node.start + i}." if node.ordered else "•" for i in range(len(items))]
            return [
                _prefixed(marker, block) if index == 0 else block
                for marker, item in zip(markers, items, strict=True)
                for index, block in enumerate(item)
            ]
        return [pa.ordered_list(items, node.start) if node.ordered else pa.bullet_list(items)]

    def _item(self, item: m.ListItem) -> list[Element]:
        """An item's blocks; its paragraphs are ``Plain`` so the list stays tight, as authors write them."""
        blocks = self.blocks(item.children)
        return [pa.plain(b["c"]) if b["t"] == "Para" else b for b in blocks]

    def visit_CodeBlock(self, node: m.CodeBlock) -> list[Element]:
        # Always with a language: pandoc then writes highlighted, escaped code.
        # Plain ``verbatim`` would end at the first "\end{verbatim}" in the code.
        return [pa.code_block(latex_glyphs.code_text(node.text), node.language or "text")]

    def visit_ThematicBreak(self, node: m.ThematicBreak) -> list[Element]:
        return [pa.el("HorizontalRule")]

    def visit_Details(self, node: m.Details) -> list[Element]:
        summary = self.inlines(node.summary)
        return ([pa.para([pa.el("Strong", summary)])] if summary else []) + self.blocks(node.children)

    def visit_FootnoteDef(self, node: m.FootnoteDef) -> list[Element]:
        return []  # set where it is referenced

    def visit_Section(self, node: m.Section) -> list[Element]:
        title = self.inlines(node.title)
        key = self.citation(node.paper)
        if key:
            title += [pa.el("Space"), pa.cite(key)]
        level = min(node.level + self.level_shift, 6)
        identifier = self.label(node.id) if node.id and node.id not in self.labels else ""
        self.labels.add(node.id)
        return [pa.header(level, title, identifier), *self.blocks(node.children)]

    def citation(self, paper: m.Paper | None) -> str:
        return self.context.citations.get(arxiv_id(paper.arxiv), "") if paper and paper.arxiv else ""

    def label(self, identifier: str) -> str:
        return self.context.label_prefix + identifier

    # -- tables --------------------------------------------------------------

    def visit_Table(self, node: m.Table) -> list[Element]:
        rows = [node.head, *node.rows]
        count = max(len(row.cells) for row in rows)
        self.in_box += 1
        try:
            cells = [self._row(row, count) for row in rows]
        finally:
            self.in_box -= 1
        texts = [[_cell_text(cell) for cell in row.cells] for row in rows]
        widths = column_widths([[row[i] if i < len(row) else "" for row in texts] for i in range(count)])
        aligns = [cell.align for cell in node.head.cells] + [""] * (count - len(node.head.cells))
        return [pa.table(cells[0], cells[1:], widths, aligns)]

    def _row(self, row: m.Row, count: int) -> pa.Cells:
        cells = [self.blocks(cell.children) for cell in row.cells]
        cells += [[] for _ in range(count - len(cells))]
        key = self.citation(row.paper)
        if key:
            blocks = cells[_title_cell(row)]
            if blocks and blocks[-1]["t"] in ("Plain", "Para"):
                blocks[-1] = pa.el(blocks[-1]["t"], [*blocks[-1]["c"], pa.el("Space"), pa.cite(key)])
            else:
                blocks.append(pa.plain([pa.cite(key)]))
        return cells

    # -- galleries -----------------------------------------------------------

    def visit_Gallery(self, node: m.Gallery) -> list[Element]:
        """Screenshots as a grid in a figure, a few rows per figure; in a table cell, a plain grid."""
        caption = self.inlines(node.caption)
        per_figure = GALLERY_COLUMNS * GALLERY_ROWS
        out: list[Element] = []
        for start in range(0, len(node.images), per_figure):
            grid = self._grid(node.images[start : start + per_figure])
            if self.in_box:
                out += [pa.plain(grid), pa.para(caption)]
                continue
            out += [
                pa.raw_block("\\begin{figure}[htbp]\n\\centering"),
                pa.plain(grid),
                pa.plain([pa.raw_inline("\\caption[]{"), *caption, pa.raw_inline("}")]),
                pa.raw_block("\\end{figure}"),
            ]
        return out

    def _grid(self, images: list[m.Image]) -> list[Element]:
        columns = min(GALLERY_COLUMNS, len(images))
        width = f"{0.98 / columns - 0.02:.2f}"
        out: list[Element] = []
        for index, image in enumerate(images):
            if index and index % columns == 0:
                out.append(pa.raw_inline("\\par\\medskip\n"))
            elif index:
                out.append(pa.raw_inline("\\hfill\n"))
            out += [pa.raw_inline(f"\\publishgallerycell{{{width}}}{{"), *self.visit_Image(image), pa.raw_inline("}")]
        return out


class _Nested:
    """Counts nesting of lists and quotes; says when LaTeX would refuse to go deeper."""

    def __init__(self, writer: LatexAstWriter) -> None:
        self.writer = writer

    def __enter__(self) -> bool:
        self.writer.nesting += 1
        return self.writer.nesting > MAX_NESTING

    def __exit__(self, *exc: object) -> None:
        self.writer.nesting -= 1


def text(value: str) -> list[Element]:
    """Prose as ``Str``/``Space``, each run of characters in a font that has them."""
    out: list[Element] = []
    for run in latex_glyphs.runs(value):
        if run.font < 0:
            out += [pa.raw_inline(latex_glyphs.noglyph(char)) for char in run.text]
            continue
        before, after = latex_glyphs.wrapper(run.font)
        words = _breakable(pa.text(run.text))
        out += [pa.raw_inline(before), *words, pa.raw_inline(after)] if before else words
    return out


def _breakable(words: list[Element]) -> list[Element]:
    """Long runs of letters without a space get break points: TeX cannot break them, and a line wider than
    ``\\maxdimen`` (a few thousand letters) crashes XeLaTeX instead of running off the page."""
    out: list[Element] = []
    for word in words:
        value = word["c"] if word["t"] == "Str" else ""
        if "://" in value or not _UNBROKEN.search(value):  # \url breaks addresses itself
            out.append(word)
            continue
        cuts = [i for run in _UNBROKEN.finditer(value) for i in range(run.start() + WORD_PIECE, run.end(), WORD_PIECE)]
        bounds = [0, *cuts, len(value)]
        for start, end in itertools.pairwise(bounds):
            if start:  # a break point with some stretch: a line of pieces alone must not end up overfull
                out.append(pa.raw_inline(WORD_BREAK))
            out.append(pa.el("Str", value[start:end]))
    return out


def _prefixed(marker: str, block: Element) -> Element:
    if block["t"] in ("Plain", "Para"):
        return pa.para([pa.el("Str", marker), pa.el("Space"), *block["c"]])
    return block


def _only_images(nodes: list[m.Node]) -> list[m.Image]:
    """The images of a paragraph that holds nothing else (but spaces and breaks), else none."""
    images = [node for node in nodes if isinstance(node, m.Image)]
    others = [node for node in nodes if not isinstance(node, (m.Image, m.SoftBreak, m.LineBreak))]
    blank = all(isinstance(node, m.Text) and not node.text.strip() for node in others)
    return images if blank else []


def _end_comment(tex: str) -> str:
    """A formula whose last line is a ``%`` comment ends with a newline, or the comment eats what follows."""
    last_line = tex.rsplit("\n", 1)[-1]
    return tex + "\n" if "%" in last_line.replace("\\%", "") else tex


def _section_ids(doc: m.Document) -> set[str]:
    return {node.id for node in iter_nodes(doc) if isinstance(node, m.Section) and node.id}


def _cell_text(cell: m.Cell) -> str:
    """A cell's text for sizing its column; an image counts as a word of ``IMAGE_CHARS``."""
    images = sum(1 for node in iter_nodes(cell.children) if isinstance(node, m.Image))
    return plain_text(cell.children) + (" " + "x" * IMAGE_CHARS) * images


def _title_cell(row: m.Row) -> int:
    """The cell a row's citation goes in: the one linking to the paper, else the one holding its title."""
    paper = row.paper
    assert paper is not None
    for index, cell in enumerate(row.cells):
        if any(isinstance(n, m.Link) and arxiv_id(paper.arxiv) in n.url for n in iter_nodes(cell.children)):
            return index
    for index, cell in enumerate(row.cells):
        if paper.title and paper.title in plain_text(cell.children):
            return index
    return 0


# --------------------------------------------------------------------------
# Column widths
# --------------------------------------------------------------------------


def display_width(value: str) -> int:
    """Width in Latin characters: a Chinese character is as wide as two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in value)


def _longest_word(value: str) -> int:
    words = [w for w in value.split() if not any(unicodedata.east_asian_width(c) in "WF" for c in w)]
    return min(max((len(w) for w in words), default=0), MAX_WORD_CHARS)


def column_widths(columns: list[list[str]], line: int = LINE_CHARS) -> list[float]:
    """Relative widths (of the line) for table columns, from the text in their cells.

    Tables that fit keep their natural widths.  Otherwise every column first
    gets room for its longest word, so a date or "null" never wraps; the rest
    of the line goes to the columns that still want more, in proportion to how
    much text they hold, none beyond what it needs.  Proportional shares make
    the cells of a row wrap to about the same number of lines, so the row (the
    unit longtable breaks pages at) is as short as it can be: a long abstract
    gets most of the line.
    """
    natural = [max([display_width(t) for t in column] + [MIN_COLUMN_CHARS]) + COLUMN_SLACK for column in columns]
    if sum(natural) <= line:
        return [n / line for n in natural]
    minimum = [max(MIN_COLUMN_CHARS, *(_longest_word(t) for t in column)) + COLUMN_SLACK for column in columns]
    scale = min(1.0, line / sum(minimum))
    allotted = [least * scale for least in minimum]
    weights = [sum(display_width(t) for t in column) or 1 for column in columns]
    wanting = {i for i in range(len(columns)) if natural[i] > allotted[i]}
    budget = line - sum(allotted)
    while wanting and budget > 1e-9:
        total = sum(weights[i] for i in wanting)
        shares = {i: budget * weights[i] / total for i in wanting}
        full = {i for i in wanting if allotted[i] + shares[i] >= natural[i]}
        if not full:
            for i in wanting:
                allotted[i] += shares[i]
            break
        for i in full:
            budget -= natural[i] - allotted[i]
            allotted[i] = natural[i]
        wanting -= full
    return [a / line for a in allotted]
