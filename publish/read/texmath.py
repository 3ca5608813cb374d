"""``\\(…\\)`` and ``\\[…\\]`` as math.

AI-written digests use LaTeX's own delimiters, which CommonMark reads as
escaped brackets.  Some generators, though, backslash-escape ordinary
punctuation everywhere (``\\.``, ``\\-``); in such files ``\\(`` is just a
parenthesis, so the reader asks ``uses_tex_delimiters`` first.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mistune import Markdown
    from mistune.core import InlineState
    from mistune.inline_parser import InlineParser

TEX_MATH_PATTERN = r"\\\((?P<tex_inline>[\s\S]+?)\\\)|\\\[(?P<tex_display>[\s\S]+?)\\\]"
_DELIMITER = re.compile(r"\\[(\[]")
# Escapes no Markdown or TeX author needs: a sign of escape-everything generators.
_ORDINARY_ESCAPE = re.compile(r"\\[.\-?/=+~\"'<>]")
_NOT_MATH = re.compile(r"[\d\s,.\-–]*")  # `\[1\]`, `\[2, 3\]`: citations, not formulas


def uses_tex_delimiters(text: str) -> bool:
    """False when the file escapes ordinary punctuation throughout, so ``\\(`` is plain text."""
    delimiters = len(_DELIMITER.findall(text))
    if not delimiters:
        return False
    ordinary = len(_ORDINARY_ESCAPE.findall(text))
    return ordinary < 3 or ordinary < delimiters


def parse_tex_math(inline: InlineParser, m: re.Match[str], state: InlineState) -> int:
    display = m.group("tex_display")
    tex = display if display is not None else m.group("tex_inline")
    if not tex.strip() or (display is not None and _NOT_MATH.fullmatch(display)):
        # Not a formula: behave like the escape it also is.
        state.append_token({"type": "text", "raw": m.group(0)[1], "_emphasis": False})
        return m.start() + 2
    state.append_token({"type": "block_math" if display is not None else "inline_math", "raw": tex.strip()})
    return m.end()


def tex_delimiters(md: Markdown) -> None:
    """mistune plugin: must run before the escape rule, which would eat the backslash."""
    md.inline.register("tex_math", TEX_MATH_PATTERN, parse_tex_math, before="escape", start_chars="\\")
