"""Our GFM pipe-table rule, replacing mistune's.

mistune wants a closing ``|`` on every row; generated arXiv READMEs end each
row without one and put a lone ``|`` on the next line, and formulas such as
``$p(z|x)$`` hold pipes.  Here rows may lack either edge pipe, a lone-``|``
line closes the row above it, pipes inside math do not split cells (they
become ``\\vert``/``\\Vert``), short rows are padded and extra cells merged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mistune import Markdown
    from mistune.block_parser import BlockParser
    from mistune.core import BlockState

# A line holding a pipe, then a delimiter row; the function checks the rest.
TABLE_PATTERN = (
    r"^ {0,3}(?=[^\n]*\|)[^\n]*\S[^\n]*\n"
    r" {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*(?:\n|$)"
)
_DELIMITER_CELL = re.compile(r":?-+:?")
_OTHER_BLOCK = re.compile(r" {0,3}(?:#{1,6}(?:[ \t]|$)|>|```|~~~)")
_MATH = r"\$\$(?:[^$\\]|\\.)*?\$\$|\$(?!\s)(?:[^$\\\n]|\\.)+?\$(?!\d)"
_TEX_PARENS = r"|\\\(.+?\\\)|\\\[.+?\\\]"
_PIECE = r"(?P<math>{math})|(?P<escape>\\.)|(?P<pipe>\|)"


def table_plugin(tex_parens: bool) -> Callable[[Markdown], None]:
    """The plugin; ``tex_parens`` says whether ``\\(…\\)`` counts as math (and protects its pipes)."""
    piece = re.compile(_PIECE.format(math=_MATH + (_TEX_PARENS if tex_parens else "")))

    def parse_table(block: BlockParser, m: re.Match[str], state: BlockState) -> int | None:
        return _parse_table(piece, m, state)

    def plugin(md: Markdown) -> None:
        md.block.register("table", TABLE_PATTERN, parse_table, before="paragraph")
        for rules in (md.block.block_quote_rules, md.block.list_rules):
            md.block.insert_rule(rules, "table", before="paragraph")

    return plugin


def _parse_table(piece: re.Pattern[str], m: re.Match[str], state: BlockState) -> int | None:
    header_line, delimiter_line = m.group(0).split("\n")[:2]
    header = split_row(header_line, piece)
    aligns = _aligns(delimiter_line)
    if aligns is None or len(aligns) != len(header):
        return None
    line_at = getattr(state, "line_at", lambda pos: 0)
    rows: list[dict[str, Any]] = []
    pos = m.end()
    while pos < state.cursor_max:
        end = state.find_line_end_at(pos)
        line = state.src[pos:end]
        if line.strip() == "|":  # closes the row above it
            pos = end
            continue
        if not line.strip() or _OTHER_BLOCK.match(line):
            break
        if "|" not in line:
            break
        rows.append(_row(_fit(split_row(line, piece), len(aligns)), aligns, head=False, line=line_at(pos)))
        pos = end
    head = _row(header, aligns, head=True, line=line_at(m.start()))
    head["type"] = "table_head"
    body = {"type": "table_body", "children": rows}
    state.append_token({"type": "table", "children": [head, body]})
    return pos


def split_row(line: str, piece: re.Pattern[str]) -> list[str]:
    """Cells of one row: unescaped pipes outside math split; edge pipes are optional."""
    text = line.strip()
    cells: list[str] = []
    current: list[str] = []
    pos = 0
    last_pipe_end = -1
    for m in piece.finditer(text):
        current.append(text[pos : m.start()])
        if m["pipe"]:
            cells.append("".join(current))
            current = []
            last_pipe_end = m.end()
        elif m["math"]:
            current.append(_protect_math(m["math"]))
        else:
            current.append("|" if m["escape"] == "\\|" else m["escape"])
        pos = m.end()
    current.append(text[pos:])
    cells.append("".join(current))
    if text.startswith("|"):
        cells.pop(0)
    if last_pipe_end == len(text) and len(cells) > 1 and not cells[-1]:
        cells.pop()
    return [c.strip() for c in cells] or [""]


def _protect_math(tex: str) -> str:
    """Pipes inside a formula must not split the row; TeX has names for them."""
    return re.sub(r"\\\||\|", lambda m: r"\Vert " if m.group(0) == "\\|" else r"\vert ", tex)


def _aligns(line: str) -> list[str] | None:
    text = line.strip()
    if "|" not in text and not text.startswith(":"):
        return None  # a bare `---` under text is a setext heading, not a table
    text = text.removeprefix("|")
    text = text.removesuffix("|") if text.endswith("|") else text
    aligns = []
    for cell in (c.strip() for c in text.split("|")):
        if not _DELIMITER_CELL.fullmatch(cell):
            return None
        left, right = cell.startswith(":"), cell.endswith(":")
        aligns.append("center" if left and right else "left" if left else "right" if right else "")
    return aligns


def _fit(cells: list[str], width: int) -> list[str]:
    """Pad short rows; fold surplus cells into the last so no text is lost."""
    if len(cells) > width:
        return [*cells[: width - 1], " | ".join(c for c in cells[width - 1 :] if c)]
    return cells + [""] * (width - len(cells))


def _row(cells: list[str], aligns: list[str], head: bool, line: int) -> dict[str, Any]:
    return {
        "type": "table_row",
        "_line": line,
        "children": [
            {"type": "table_cell", "text": text, "attrs": {"align": align, "head": head}}
            for text, align in zip(cells, aligns, strict=False)
        ],
    }
