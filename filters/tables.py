"""Table repairs that the parse leaves to do.

- A row whose cells are all empty carries nothing: arXiv-daily READMEs follow
  every row with a line holding a lone ``|``, which a lenient parser can read
  as such a row.  Dropped, quietly, since no text is lost.
- Cells holding only spaces or breaks are made empty, and breaks or spaces at
  the edges of a cell are trimmed, so "empty" means one thing to the backends.
- A row with fewer cells than the header is padded with empty cells, as GitHub
  renders it, so every backend can count on full rows.  A row with more cells
  than the header keeps them (GitHub would hide them) and gets a warning.

Cell text such as ``null`` is what the author wrote and stays.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from publish.model import Cell, Diagnostic, Document, LineBreak, Node, Row, SoftBreak, Table, Text
from publish.tree import walk_document

from ._text import with_warnings


def _blank(node: Node) -> bool:
    return isinstance(node, (LineBreak, SoftBreak)) or (isinstance(node, Text) and not node.text.strip())


def _strip_text(node: Node, strip: Callable[[str], str]) -> Node:
    if not isinstance(node, Text) or strip(node.text) == node.text:
        return node
    return dataclasses.replace(node, text=strip(node.text))


def _trim(cell: Cell) -> Cell:
    """``cell`` without blank nodes at its edges and without spaces around its text."""
    children = list(cell.children)
    while children and _blank(children[0]):
        children.pop(0)
    while children and _blank(children[-1]):
        children.pop()
    if children:
        children[0] = _strip_text(children[0], str.lstrip)
        children[-1] = _strip_text(children[-1], str.rstrip)
    return cell if _same(children, cell.children) else dataclasses.replace(cell, children=children)


def _same(new: Sequence[Node], old: Sequence[Node]) -> bool:
    """Nothing was replaced: lets an untouched table keep its identity, so parents are not rebuilt."""
    return len(new) == len(old) and all(a is b for a, b in zip(new, old, strict=True))


def _fit(row: Row, width: int) -> Row:
    cells = [_trim(cell) for cell in row.cells]
    cells += [Cell(line=row.line, lang=row.lang) for _ in range(width - len(cells))]
    return row if _same(cells, row.cells) else dataclasses.replace(row, cells=cells)


def tables(doc: Document) -> Document:
    """Drop empty rows, trim and pad cells; warn about rows wider than their header."""
    warnings: list[Diagnostic] = []

    def visit(node: Node) -> Node | None:
        if not isinstance(node, Table):
            return None
        width = len(node.head.cells)
        rows = [row for row in node.rows if any(not _blank(n) for c in row.cells for n in c.children)]
        if not width:  # an HTML table without a header row: nothing to measure rows against
            return None if _same(rows, node.rows) else dataclasses.replace(node, rows=rows)
        rows = [_fit(row, width) for row in rows]
        for row in rows:
            if len(row.cells) > width:
                message = (
                    f"table row has {len(row.cells)} cells but the header has {width}; "
                    "add header cells or remove the extra `|`"
                )
                warnings.append(doc.diagnostic(row.line, message))
        head = _fit(node.head, width)
        return None if head is node.head and _same(rows, node.rows) else dataclasses.replace(node, head=head, rows=rows)

    return with_warnings(walk_document(doc, visit), warnings)
