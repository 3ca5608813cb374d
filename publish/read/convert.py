"""mistune tokens → model nodes, with lines.

Block tokens carry ``_line`` (see ``markdown.py``); inline nodes take their
block's line and advance it at each line break, so a formula on the third line
of a paragraph points at that line.  Raw HTML goes through ``html.py``.
"""

from __future__ import annotations

import re
from typing import Any

from publish.model import (
    BlockQuote,
    Cell,
    Code,
    CodeBlock,
    Emph,
    FootnoteDef,
    FootnoteRef,
    Image,
    LineBreak,
    Link,
    ListBlock,
    ListItem,
    Math,
    Node,
    Paragraph,
    Row,
    SoftBreak,
    Strikeout,
    Strong,
    Table,
    Text,
    ThematicBreak,
)
from publish.read.html import (
    BLOCK,
    HtmlTree,
    Report,
    is_dangerous_url,
    normalize_inlines,
    to_blocks,
    to_inlines,
    trim,
)
from publish.read.sections import Heading
from publish.tree import plain_text

Token = dict[str, Any]

_WRAPPERS: dict[str, type[Emph | Strong | Strikeout]] = {
    "emphasis": Emph,
    "strong": Strong,
    "strikethrough": Strikeout,
}
_ENCODED_NON_ASCII = re.compile(r"(?:%[89A-Fa-f][0-9A-Fa-f])+")
_UNDEFINED_FOOTNOTE = re.compile(r"\[\^([^\]\s]+)\]")


class Converter:
    """One document's conversion; ``report(line, message)`` collects warnings."""

    def __init__(self, report: Report, footnote_lines: dict[str, int] | None = None, first_line: int = 1) -> None:
        self.report = report
        self.footnote_lines = footnote_lines or {}
        self.first_line = first_line
        self.shift = 0  # footnote bodies are parsed apart from the file; this re-bases their lines
        self.line = 0  # running line of the inline node being converted

    # -- blocks -------------------------------------------------------------

    def document(self, tokens: list[Token]) -> tuple[list[Node], list[FootnoteDef]]:
        """Top-level blocks (headings kept as ``Heading``) and the footnote definitions."""
        notes = [t for t in tokens if t["type"] == "footnotes"]
        body = [t for t in tokens if t["type"] != "footnotes"]
        footnotes = [self.footnote(item) for t in notes for item in t.get("children", [])]
        return self.blocks(body, top=True), footnotes

    def blocks(self, tokens: list[Token], top: bool = False) -> list[Node]:
        """Blocks of one container; HTML fragments among them are stitched into one tree."""
        tree = HtmlTree(self.report)
        for token in tokens:
            if token["type"] == "block_html":
                tree.feed(token.get("raw", ""), self._line(token))
                continue
            if top and token["type"] == "heading" and tree.open_elements():
                self._close_before_heading(tree, self._line(token))
            tree.add(self.block(token))
        for element in tree.open_elements():
            if element.tag in BLOCK and element.tag not in ("p", "li", "td", "th", "tr", "dt", "dd"):
                self.report(element.line, f"<{element.tag}> is never closed; add </{element.tag}>")
        return to_blocks(tree.root.children, top)

    def _close_before_heading(self, tree: HtmlTree, line: int) -> None:
        """An unclosed ``<details>`` must not swallow every later section."""
        for element in tree.open_elements():
            self.report(element.line, f"<{element.tag}> is not closed before the heading on line {line}; "
                                      f"closed it there (add </{element.tag}>)")
        tree.close_all()

    def block(self, token: Token) -> list[Node]:
        kind = token["type"]
        line = self._line(token)
        if kind == "blank_line":
            return []
        if kind in ("paragraph", "block_text"):
            return self.paragraphs(token.get("children", []), line)
        if kind == "heading":
            return [Heading(line=line, level=token["attrs"]["level"], title=trim(self.inlines_at(token, line)))]
        if kind == "block_quote":
            return [BlockQuote(line=line, children=self.blocks(token["children"]))]
        if kind == "list":
            return [self.list_block(token, line)]
        if kind == "block_code":
            info = (token.get("attrs") or {}).get("info", "").split()
            return [CodeBlock(line=line, text=token.get("raw", "").rstrip("\n"), language=info[0] if info else "")]
        if kind == "thematic_break":
            return [ThematicBreak(line=line)]
        if kind == "block_math":
            return [Paragraph(line=line, children=[Math(line=line, tex=token.get("raw", "").strip(), display=True)])]
        if kind == "table":
            return [self.table(token, line)]
        return self._unknown_block(token, line)

    def _unknown_block(self, token: Token, line: int) -> list[Node]:
        """A token type this reader does not know (a new mistune plugin): keep its words."""
        if "children" in token:
            return self.paragraphs(token["children"], line)
        raw = token.get("raw") or token.get("text") or ""
        return [Paragraph(line=line, children=[Text(line=line, text=raw)])] if raw.strip() else []

    def paragraphs(self, children: list[Token], line: int) -> list[Node]:
        """A paragraph, split around display formulas: ``text $$x$$ more`` is three blocks."""
        out: list[Node] = []
        run: list[Node] = []
        for node in self.inlines(children, line):
            if isinstance(node, Math) and node.display:
                out.extend(self._paragraph(run))
                out.append(Paragraph(line=node.line, children=[node]))
                run = []
            else:
                run.append(node)
        out.extend(self._paragraph(run))
        return out

    @staticmethod
    def _paragraph(run: list[Node]) -> list[Node]:
        nodes = trim(run)
        return [Paragraph(line=nodes[0].line, children=nodes)] if nodes else []

    def list_block(self, token: Token, line: int) -> ListBlock:
        attrs = token.get("attrs") or {}
        items = []
        for item in token.get("children", []):
            children = item.get("children", [])
            first = next((self._line(c) for c in children if "_line" in c), line)
            items.append(ListItem(line=first, children=self.blocks(children)))
        return ListBlock(line=line, items=items, ordered=bool(attrs.get("ordered")), start=attrs.get("start", 1))

    def table(self, token: Token, line: int) -> Table:
        head_token, body_token = token["children"]
        return Table(
            line=line,
            head=self.row(head_token),
            rows=[self.row(r) for r in body_token.get("children", [])],
        )

    def row(self, token: Token) -> Row:
        line = self._line(token)
        cells = [
            Cell(line=line, align=(c.get("attrs") or {}).get("align") or "", children=trim(self.inlines_at(c, line)))
            for c in token.get("children", [])
        ]
        return Row(line=line, cells=cells)

    def footnote(self, item: Token) -> FootnoteDef:
        attrs = item.get("attrs") or {}
        key = str(attrs.get("key", ""))
        line = self.footnote_lines.get(key, 0)
        self.shift, saved = line - self.first_line, self.shift
        try:
            children = self.blocks(item.get("children", []))
        finally:
            self.shift = saved
        return FootnoteDef(line=line, key=key, number=int(attrs.get("index", 0)), children=children)

    def _line(self, token: Token) -> int:
        """A block token's file line; tokens without one (single-line footnotes) take the container's."""
        return int(token.get("_line", self.first_line)) + self.shift

    # -- inlines ------------------------------------------------------------

    def inlines_at(self, token: Token, line: int) -> list[Node]:
        return self.inlines(token.get("children", []), line)

    def inlines(self, tokens: list[Token], line: int) -> list[Node]:
        """Inline nodes starting at ``line``; inline HTML tags are matched up around their content."""
        self.line = line
        return self._inlines(tokens)

    def _inlines(self, tokens: list[Token]) -> list[Node]:
        if not any(t["type"] == "inline_html" for t in tokens):
            return normalize_inlines([n for t in tokens for n in self.inline(t)])
        tree = HtmlTree(self.report)
        for token in tokens:
            if token["type"] == "inline_html":
                tree.feed(token.get("raw", ""), self.line)
                self.line += token.get("raw", "").count("\n")
            else:
                tree.add(self.inline(token))
        return to_inlines(tree.root.children)

    def inline(self, token: Token) -> list[Node]:
        kind = token["type"]
        line = self.line
        raw = token.get("raw", "")
        attrs = token.get("attrs") or {}
        if kind in ("softbreak", "linebreak"):
            self.line += 1
            return [SoftBreak(line=line) if kind == "softbreak" else LineBreak(line=line)]
        self.line += raw.count("\n")
        if kind == "text":
            for key in _UNDEFINED_FOOTNOTE.findall(raw):  # a defined one would have been a footnote_ref
                self.report(line, f"footnote [^{key}] has no definition: shown as written; add a `[^{key}]: …` line")
            return [Text(line=line, text=raw)]
        if kind == "codespan":
            return [Code(line=line, text=raw)]
        if kind in ("inline_math", "block_math"):
            return [Math(line=line, tex=raw.strip(), display=kind == "block_math")]
        if kind == "footnote_ref":
            return [FootnoteRef(line=line, key=raw, number=int(attrs.get("index", 0)))]
        if kind == "link":
            return self._link(token, line)
        if kind == "image":
            return self._image(token, line)
        wrapper = _WRAPPERS.get(kind)
        children = self._inlines(token.get("children", []))
        if wrapper is not None:
            return [wrapper(line=line, children=children)]
        return children or ([Text(line=line, text=raw)] if raw else [])

    def _link(self, token: Token, line: int) -> list[Node]:
        attrs = token.get("attrs") or {}
        url = readable_url(attrs.get("url", ""))
        children = self._inlines(token.get("children", []))
        if is_dangerous_url(url):
            self.report(line, f"link to a {url.split(':')[0].strip()}: URL removed; its text is kept")
            return children
        return [Link(line=line, url=url, title=attrs.get("title") or "", children=children)]

    def _image(self, token: Token, line: int) -> list[Node]:
        attrs = token.get("attrs") or {}
        url = readable_url(attrs.get("url", ""))
        alt = plain_text(self._inlines(token.get("children", [])))
        if is_dangerous_url(url):
            self.report(line, "image with a script URL removed; its alt text is kept")
            return [Text(line=line, text=alt)] if alt else []
        return [Image(line=line, url=url, alt=alt, title=attrs.get("title") or "")]


def readable_url(url: str) -> str:
    """Undo mistune's percent-encoding of non-ASCII, so ``#多模态`` matches the heading it names."""
    return _ENCODED_NON_ASCII.sub(lambda m: _decode_utf8(m.group(0)), url)


def _decode_utf8(encoded: str) -> str:
    try:
        return bytes.fromhex(encoded.replace("%", "")).decode("utf-8")
    except ValueError:  # not whole UTF-8 characters: leave the escapes alone
        return encoded
