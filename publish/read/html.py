"""Raw HTML inside Markdown → model nodes.  No HTML string survives the reader.

mistune hands HTML over in pieces: a ``<details>`` may open in one block and
close three Markdown blocks later, and inline ``<b>`` arrives as separate open
and close tokens around Markdown text.  ``HtmlTree`` therefore builds one
element tree from HTML fragments fed in order, with already-converted model
nodes placed between them, and converts it when the container ends.
Dangerous content (scripts, frames, event handlers, ``javascript:`` URLs) is
dropped here, with a warning naming the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from publish.model import (
    BlockQuote,
    Cell,
    Code,
    CodeBlock,
    Details,
    Emph,
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
    Subscript,
    Superscript,
    Table,
    Text,
    ThematicBreak,
)
from publish.read.sections import Heading, as_paragraph
from publish.tree import plain_text

Report = Callable[[int, str], None]

INLINE_TYPES = (Text, Emph, Strong, Strikeout, Superscript, Subscript, Code, Link, Image, Math, LineBreak,
                SoftBreak, FootnoteRef)
MAX_DEPTH = 64  # no real page nests deeper; bounding it keeps conversion linear and off Python's stack limit
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
DANGEROUS = {"script", "style", "iframe", "object", "embed", "frame", "frameset", "applet"}
_CONTAINERS = {"div", "center", "section", "article", "aside", "header", "footer", "main", "nav", "figure",
               "form", "fieldset", "address", "body", "html", "dl", "dd", "li", "tbody", "thead", "tfoot"}
BLOCK = _CONTAINERS | {"p", "details", "summary", "ol", "ul", "table", "tr", "td", "th", "pre", "hr",
                       "blockquote", "figcaption", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "caption"}
_WRAPPERS: dict[str, type[Strong | Emph | Strikeout | Subscript | Superscript]] = {
    "b": Strong, "strong": Strong, "i": Emph, "em": Emph, "cite": Emph, "dfn": Emph, "var": Emph,
    "s": Strikeout, "del": Strikeout, "strike": Strikeout, "sub": Subscript, "sup": Superscript,
}
_CODE = {"code", "kbd", "samp", "tt"}
_URL_ATTRS = {"href", "src", "action", "formaction", "poster", "background"}
_BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20]+")  # browsers skip these inside "java\tscript:"
# html.parser raises AssertionError on `<![` sections other than these; as text they are harmless.
_BAD_MARKED_SECTION = re.compile(r"<!\[(?!(?:cdata|temp|ignore|include|rcdata|if|else|endif)(?![-_.a-z0-9]))", re.I)
_SPACE = re.compile(r"[ \t\n\r\f]+")
# Which open element an incoming start tag implicitly closes (HTML's optional end tags).
_IMPLIED_END = {"li": ("li",), "p": ("p",), "tr": ("tr", "td", "th"), "td": ("td", "th"), "th": ("td", "th"),
                "dt": ("dt", "dd"), "dd": ("dt", "dd"), "summary": ("summary",)}
_TABLE_PARTS = {"thead", "tbody", "tfoot", "tr", "td", "th", "colgroup", "col"}
_SCOPES = {"ol", "ul", "table", "details", "div", "blockquote", "dl"}


@dataclass
class HtmlText:
    """Character data as written; whitespace collapses only when it becomes a ``Text``."""

    text: str
    line: int


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[Element | HtmlText | Node] = field(default_factory=list)
    dropped: bool = False


Child = Element | HtmlText | Node


class HtmlTree:
    """One element tree grown from HTML fragments and model nodes, in document order."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.root = Element("#root", {}, 0)
        self.stack = [self.root]
        self.too_deep = False

    def feed(self, html: str, line: int) -> None:
        parser = _FragmentParser(self, line)
        parser.feed(_BAD_MARKED_SECTION.sub("&lt;![", html))
        parser.close()

    def add(self, nodes: list[Node]) -> None:
        """Place converted Markdown where the HTML left off (inside any open element)."""
        self.stack[-1].children.extend(nodes)

    def open_elements(self) -> list[Element]:
        """Still-open elements, outermost first, one per tag name (for warnings)."""
        first: dict[str, Element] = {}
        for element in self.stack[1:]:
            first.setdefault(element.tag, element)
        return list(first.values())

    def close_all(self) -> None:
        del self.stack[1:]

    def start(self, tag: str, attrs: dict[str, str], line: int) -> None:
        self._close_implied(tag)
        if len(self.stack) > MAX_DEPTH and tag not in VOID:
            if not self.too_deep:
                self.report(line, f"HTML nests more than {MAX_DEPTH} elements deep; deeper tags are ignored, "
                                  "their text is kept")
            self.too_deep = True
            return
        element = Element(tag, attrs, line, dropped=tag in DANGEROUS or self.stack[-1].dropped)
        if tag in DANGEROUS and not self.stack[-1].dropped:
            self.report(line, f"<{tag}> removed: scripts, styles and embedded frames are not published")
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def end(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return
        # A stray end tag closes nothing: the author's text is still there.

    def text(self, data: str, line: int) -> None:
        self.stack[-1].children.append(HtmlText(data, line))

    def _close_implied(self, tag: str) -> None:
        closes = _IMPLIED_END.get(tag, ("p",) if tag in BLOCK else ())
        for i in range(len(self.stack) - 1, 0, -1):
            open_tag = self.stack[i].tag
            if open_tag in closes:
                del self.stack[i:]
                return
            if open_tag in _SCOPES:
                return


class _FragmentParser(HTMLParser):
    """Feeds one HTML fragment into a shared ``HtmlTree``, cleaning attributes on the way."""

    def __init__(self, tree: HtmlTree, first_line: int) -> None:
        super().__init__(convert_charrefs=True)
        self.tree = tree
        self.first_line = first_line

    def _line(self) -> int:
        return self.first_line + self.getpos()[0] - 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tree.start(tag, self._clean(tag, attrs), self._line())

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.tree.end(tag)

    def handle_endtag(self, tag: str) -> None:
        self.tree.end(tag)

    def handle_data(self, data: str) -> None:
        words = data.lstrip()
        leading = data[: len(data) - len(words)] if words else ""
        self.tree.text(data, self._line() + leading.count("\n"))  # the line where the words start

    def unknown_decl(self, data: str) -> None:
        if data.upper().startswith("CDATA["):  # CDATA is text to a reader
            self.handle_data(data[6:])

    def _clean(self, tag: str, attrs: list[tuple[str, str | None]]) -> dict[str, str]:
        clean: dict[str, str] = {}
        for name, value in attrs:
            if name.startswith("on"):
                self.tree.report(self._line(), f"event handler {name}= removed from <{tag}>")
            elif name in _URL_ATTRS and value and is_dangerous_url(value):
                self.tree.report(self._line(), f"{value.split(':')[0].strip()}: URL removed from <{tag} {name}=…>")
            else:
                clean[name] = value or ""
        return clean


def is_dangerous_url(url: str) -> bool:
    """URLs that run code when followed; they never reach an output."""
    return _IGNORED_IN_SCHEME.sub("", url).lower().startswith(_BAD_SCHEMES)


# --------------------------------------------------------------------------
# Element tree → model nodes
# --------------------------------------------------------------------------


def to_blocks(children: list[Child], top: bool = False) -> list[Node]:
    """Block context: runs of inline content become paragraphs; ``top`` keeps headings as headings."""
    out: list[Node] = []
    run: list[Child] = []
    for child in children:
        if _is_block(child):
            out.extend(_paragraphs(run))
            run = []
            out.extend(_block(child, top))
        else:
            run.append(child)
    out.extend(_paragraphs(run))
    return out


def to_inlines(children: list[Child]) -> list[Node]:
    """Inline context: tags become inline nodes; blocks dissolve into their text, separated by line breaks."""
    out: list[Node] = []
    for child in children:
        if isinstance(child, HtmlText):
            out.append(Text(line=child.line, text=_SPACE.sub(" ", child.text)))
            continue
        if isinstance(child, Node):
            out.extend(_inline_node(child))
            continue
        if child.dropped:
            continue
        if child.tag in BLOCK and out and child.tag not in ("td", "th"):
            out.append(LineBreak(line=child.line))
        out.extend(_inline_element(child))
    return normalize_inlines(out)


def normalize_inlines(nodes: list[Node]) -> list[Node]:
    """Merge neighbouring text, drop empty text: filters see one ``Text`` per run of words."""
    out: list[Node] = []
    for node in nodes:
        if isinstance(node, Text):
            if not node.text:
                continue
            if out and isinstance(out[-1], Text):
                out[-1] = Text(line=out[-1].line, text=out[-1].text + node.text)
                continue
        out.append(node)
    return out


def trim(nodes: list[Node]) -> list[Node]:
    """Strip the whitespace HTML layout leaves at both ends of a paragraph."""
    nodes = list(nodes)
    while nodes and isinstance(nodes[0], (Text, SoftBreak, LineBreak)):
        if isinstance(nodes[0], Text) and nodes[0].text.strip():
            nodes[0] = Text(line=nodes[0].line, text=nodes[0].text.lstrip())
            break
        nodes.pop(0)
    while nodes and isinstance(nodes[-1], (Text, SoftBreak, LineBreak)):
        if isinstance(nodes[-1], Text) and nodes[-1].text.strip():
            nodes[-1] = Text(line=nodes[-1].line, text=nodes[-1].text.rstrip())
            break
        nodes.pop()
    return nodes


def _is_block(child: Child) -> bool:
    if isinstance(child, Element):
        return child.tag in BLOCK and not child.dropped
    return isinstance(child, Node) and not isinstance(child, INLINE_TYPES)


def _paragraphs(run: list[Child]) -> list[Node]:
    """An inline run as a paragraph, or one paragraph per image when it is only images."""
    nodes = trim(to_inlines(run))
    if not nodes:
        return []
    visible = [n for n in nodes if not _is_space(n)]
    if visible and all(isinstance(n, Image) for n in visible):
        return [Paragraph(line=n.line, children=[n]) for n in visible]
    return [Paragraph(line=nodes[0].line, children=nodes)]


def _is_space(node: Node) -> bool:
    return isinstance(node, (SoftBreak, LineBreak)) or (isinstance(node, Text) and not node.text.strip())


def _block(child: Child, top: bool) -> list[Node]:
    if isinstance(child, Heading):
        return [child if top else as_paragraph(child)]
    if isinstance(child, Node):
        return [child]
    return _BLOCK_CONVERTERS.get(child.tag, _container)(child, top)


def _container(el: Element, top: bool) -> list[Node]:
    blocks = to_blocks(el.children, top)
    align = "center" if el.tag == "center" else el.attrs.get("align", "").lower()
    if align:
        for block in blocks:
            if isinstance(block, Paragraph) and not block.align:
                block.align = align
    return blocks


def _paragraph(el: Element, top: bool) -> list[Node]:
    if any(_is_block(c) for c in el.children):  # a <p> left open around Markdown blocks
        return _container(el, top)
    children = trim(to_inlines(el.children))
    if not children:
        return []
    return [Paragraph(line=el.line, children=children, align=el.attrs.get("align", "").lower())]


def _details(el: Element, top: bool) -> list[Node]:
    summary = next((c for c in el.children if isinstance(c, Element) and c.tag == "summary"), None)
    rest = [c for c in el.children if c is not summary]
    title = trim(to_inlines(summary.children)) if summary else []
    return [Details(line=el.line, summary=title, children=to_blocks(rest))]


def _list(el: Element, top: bool) -> list[Node]:
    items: list[ListItem] = []
    for child in el.children:
        if isinstance(child, Element) and child.tag == "li":
            items.append(ListItem(line=child.line, children=to_blocks(child.children)))
        elif blocks := to_blocks([child]):  # stray text between <li>s keeps its own item
            items.append(ListItem(line=blocks[0].line, children=blocks))
    start = el.attrs.get("start", "1")
    return [ListBlock(line=el.line, items=items, ordered=el.tag == "ol", start=int(start) if start.isdigit() else 1)]


def _heading(el: Element, top: bool) -> list[Node]:
    heading = Heading(line=el.line, level=int(el.tag[1]), title=trim(to_inlines(el.children)))
    return [heading if top else as_paragraph(heading)]


def _pre(el: Element, top: bool) -> list[Node]:
    code = next((c for c in el.children if isinstance(c, Element) and c.tag == "code"), None)
    classes = (code.attrs.get("class", "") if code else el.attrs.get("class", "")).split()
    language = next((c.split("-", 1)[1] for c in classes if c.startswith(("language-", "lang-"))), "")
    return [CodeBlock(line=el.line, text=_raw_text(el).strip("\n"), language=language)]


def _quote(el: Element, top: bool) -> list[Node]:
    return [BlockQuote(line=el.line, children=to_blocks(el.children))]


def _rule(el: Element, top: bool) -> list[Node]:
    return [ThematicBreak(line=el.line)]


def _term(el: Element, top: bool) -> list[Node]:
    text = trim(to_inlines(el.children))
    return [Paragraph(line=el.line, children=[Strong(line=el.line, children=text)])] if text else []


def _table(el: Element, top: bool) -> list[Node]:
    rows = _descendants(el, "tr")
    if not rows:
        return to_blocks(el.children)
    first = rows[0]
    in_head = any(isinstance(c, Element) and c.tag == "thead" and first in _descendants(c, "tr") for c in el.children)
    cells = [c for c in first.children if isinstance(c, Element) and c.tag in ("td", "th")]
    has_head = in_head or (cells and all(c.tag == "th" for c in cells))
    head = _row(first) if has_head else Row(line=el.line)
    body = rows[1:] if has_head else rows
    # Browsers show content that sits outside any cell (and the caption) before the table.
    before = to_blocks(_outside_cells(el), top)
    return [*before, Table(line=el.line, head=head, rows=[_row(r) for r in body])]


def _outside_cells(el: Element) -> list[Child]:
    found: list[Child] = []
    for child in el.children:
        tag = child.tag if isinstance(child, Element) else ""
        if tag in ("td", "th") and el.tag == "tr":
            continue
        if tag in _TABLE_PARTS and tag not in ("td", "th"):
            found.extend(_outside_cells(child))
        else:
            found.append(child)
    return found


def _row(tr: Element) -> Row:
    return Row(
        line=tr.line,
        cells=[
            Cell(line=c.line, children=trim(to_inlines(c.children)), align=_align(c))
            for c in tr.children
            if isinstance(c, Element) and c.tag in ("td", "th")
        ],
    )


def _align(el: Element) -> str:
    m = re.search(r"text-align\s*:\s*(\w+)", el.attrs.get("style", ""))
    return (m.group(1) if m else el.attrs.get("align", "")).lower()


def _descendants(el: Element, tag: str) -> list[Element]:
    """Rows of this table, not of tables nested in its cells."""
    found: list[Element] = []
    for child in el.children:
        if isinstance(child, Element) and not child.dropped:
            if child.tag == tag:
                found.append(child)
            elif child.tag != "table":
                found.extend(_descendants(child, tag))
    return found


_BLOCK_CONVERTERS: dict[str, Callable[[Element, bool], list[Node]]] = {
    "p": _paragraph, "figcaption": _paragraph, "summary": _paragraph, "caption": _paragraph,
    "details": _details, "ol": _list, "ul": _list, "pre": _pre, "blockquote": _quote, "hr": _rule,
    "table": _table, "dt": _term,
    **{f"h{n}": _heading for n in range(1, 7)},
}


def _inline_node(node: Node) -> list[Node]:
    """Model nodes inside inline HTML; a block that lands here keeps its words."""
    if isinstance(node, INLINE_TYPES):
        return [node]
    if isinstance(node, Heading):
        return node.title
    children = getattr(node, "children", None)
    if isinstance(children, list):
        return [n for c in children for n in _inline_node(c)]
    text = getattr(node, "text", "")
    return [Text(line=node.line, text=text)] if text else []


def _inline_element(el: Element) -> list[Node]:
    tag = el.tag
    if tag == "br":
        return [LineBreak(line=el.line)]
    if tag == "img":
        src = el.attrs.get("src", "")
        alt = el.attrs.get("alt", "")
        if not src:
            return [Text(line=el.line, text=alt)] if alt else []
        return [Image(line=el.line, url=src, alt=alt, title=el.attrs.get("title", ""))]
    if tag in _CODE or tag == "pre":
        return [Code(line=el.line, text=_raw_text(el))]
    children = to_inlines(el.children)
    if tag == "a" and el.attrs.get("href"):
        return [Link(line=el.line, url=el.attrs["href"], title=el.attrs.get("title", ""), children=children)]
    wrapper = _WRAPPERS.get(tag)
    return [wrapper(line=el.line, children=children)] if wrapper else children


def _raw_text(el: Child) -> str:
    """Text exactly as written (code keeps its whitespace)."""
    if isinstance(el, HtmlText):
        return el.text
    if isinstance(el, Element):
        if el.dropped:
            return ""
        if el.tag == "br":
            return "\n"
        return "".join(_raw_text(c) for c in el.children)
    return plain_text(el)
