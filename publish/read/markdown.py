"""Markdown text → mistune 3 AST tokens, each block token tagged with its source line.

mistune tokens carry no positions.  ``LineState`` knows the file line where its
``src`` starts (child states of lists and quotes get their own base), and the
parser tags every block token with ``_line`` when it is created: block rules
start at the match position, paragraphs at the cursor.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import mistune
from mistune.block_parser import BlockParser
from mistune.core import BlockState
from mistune.plugins.footnotes import parse_footnote_item
from mistune.util import unikey

from publish.read.autolink import url
from publish.read.table import table_plugin
from publish.read.texmath import tex_delimiters

Token = dict[str, Any]

_PLUGINS = (
    "math",
    "mistune.plugins.math.math_in_list",
    "mistune.plugins.math.math_in_quote",
    "strikethrough",
    "footnotes",
)
_LIST_ITEM = re.compile(r"(?P<indent> {0,3})(?P<marker>[*+-]|\d{1,9}[.)])(?P<gap>[ \t]+|$)(?P<text>.*)", re.M)


@dataclass
class _Frame:
    """A block rule being parsed: where it matched, and (for lists) the last item found."""

    rule: str
    start: int
    item: int = -1


class LineState(BlockState):
    """BlockState that can tell the file line of any offset in its ``src``."""

    def __init__(self, parent: Any = None, line0: int = 1) -> None:
        super().__init__(parent)
        self.line0 = line0
        self.frames: list[_Frame] = []
        self._newlines: list[int] = []

    def process(self, src: str) -> None:
        super().process(src)
        self._newlines = [m.start() for m in re.finditer("\n", src)]

    def line_at(self, pos: int) -> int:
        return self.line0 + bisect_left(self._newlines, pos)

    def child_state(self, src: str, lazy_line_starts: set[int] | None = None) -> BlockState:
        child = super().child_state(src, lazy_line_starts)
        assert isinstance(child, LineState)
        child.line0 = self._child_line()
        return child

    def _child_line(self) -> int:
        """Where the src of a quote's or list item's child state starts in the file."""
        if not self.frames:
            return self.line0  # footnote bodies: the converter re-bases them
        frame = self.frames[-1]
        if frame.rule != "list":
            return self.line_at(frame.start)
        frame.item = frame.start if frame.item < 0 else self._next_item(frame.item)
        m = _LIST_ITEM.match(self.src, frame.item)
        blank_first = m is not None and not m["text"].strip()
        return self.line_at(frame.item) + blank_first

    def _next_item(self, pos: int) -> int:
        """Offset of the list item after the one at ``pos``: the next marker line indented less than its content."""
        m = _LIST_ITEM.match(self.src, pos)
        width = _content_width(m) if m else 1
        line_end = self.src.find("\n", pos)
        while line_end >= 0:
            start = line_end + 1
            line_end = self.src.find("\n", start)
            m = _LIST_ITEM.match(self.src, start, len(self.src) if line_end < 0 else line_end)
            if m and len(m["indent"]) < width:
                return start
        return pos

    def append_token(self, token: Token) -> None:
        token.setdefault("_line", self._rule_line())
        super().append_token(token)

    def prepend_token(self, token: Token) -> None:
        token.setdefault("_line", self._rule_line())
        super().prepend_token(token)

    def add_paragraph(self, text: str) -> None:
        last = self.last_token()
        super().add_paragraph(text)
        if self.last_token() is not last:
            self.tokens[-1]["_line"] = self.line_at(self.cursor)

    def _rule_line(self) -> int:
        return self.line_at(self.frames[-1].start if self.frames else self.cursor)


def _content_width(m: re.Match[str]) -> int:
    gap = len(m["gap"].expandtabs(4))
    return len(m["indent"]) + len(m["marker"]) + (gap if 1 <= gap <= 4 and m["text"] else 1)


class LineBlockParser(BlockParser):
    """Records each rule's match start so tokens (and child states) know their line."""

    state_cls = LineState

    def parse_method(self, m: re.Match[str], state: BlockState) -> int | None:
        assert isinstance(state, LineState)  # state_cls: every state, children included, is one
        count = len(state.tokens)
        state.frames.append(_Frame(m.lastgroup or "", m.start()))
        try:
            end = super().parse_method(m, state)
        finally:
            state.frames.pop()
        line = state.line_at(m.start())
        for token in state.tokens[count:]:
            token.setdefault("_line", line)  # lists are inserted, not appended
        if m.lastgroup == "ref_footnote":  # definitions leave no token; remember where they were
            state.env.setdefault("footnote_lines", {}).setdefault(unikey(m.group("footnote_key")), line)
            state.env.setdefault("footnote_definitions", []).append((m.group("footnote_key"), line))
        return end


@lru_cache(maxsize=2)
def _markdown(tex_parens: bool) -> mistune.Markdown:
    plugins: list[Any] = [mistune.plugins.import_plugin(name) for name in _PLUGINS]
    plugins += [url, table_plugin(tex_parens)]
    if tex_parens:
        plugins.append(tex_delimiters)
    return mistune.Markdown(renderer=None, block=LineBlockParser(), plugins=plugins)


def parse_markdown(text: str, first_line: int = 1, tex_parens: bool = True) -> tuple[list[Token], LineState]:
    """Block tokens (inline children already parsed) of ``text``, whose first line is file line ``first_line``.

    ``tex_parens`` enables ``\\(…\\)``/``\\[…\\]`` math; the caller decides per file.
    """
    state = LineState(line0=first_line)
    md = _markdown(tex_parens)
    tokens, state = md.parse(text, state)
    assert isinstance(tokens, list) and isinstance(state, LineState)
    return tokens + _notes_cited_by_notes(md, state, tokens), state


def _notes_cited_by_notes(md: mistune.Markdown, state: LineState, tokens: list[Token]) -> list[Token]:
    """The ``footnotes`` tokens mistune leaves out: notes cited only from another note's text.

    mistune lists the notes the body cites, then parses their text, which may cite more notes;
    without their own items those citations would point nowhere.
    """
    done = {item["attrs"]["key"] for t in tokens if t["type"] == "footnotes" for item in t.get("children", [])}
    cited: list[str] = state.env.get("footnotes") or []  # grows while note texts are parsed
    extra: list[Token] = []
    while missing := [key for key in cited if key not in done]:
        done.update(missing)
        items = [parse_footnote_item(md.block, key, cited.index(key) + 1, state) for key in missing]
        batch = BlockState(parent=state)
        batch.tokens = [{"type": "footnotes", "children": items}]
        rendered = md.render_state(batch)
        assert isinstance(rendered, list)
        extra += rendered
    return extra
