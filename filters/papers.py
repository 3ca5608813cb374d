"""Collect the papers a document presents into ``Document.papers``.

Authors lay papers out in many ways: a section per paper (daily and blog
digests), a section with a ``Meta`` list (surveys), a table row per paper
(arXiv-daily READMEs), a bullet list of links.  So a paper is recognised by
structure, never by file name or ``Document.kind``: an arXiv reference plus
something title-like, in a section, a table row or a list item.  What each
layout labels differently (``**AI总结**``, ``**Summary**``, ``**TL;DR**``, an
``Abstract`` column) is read through one vocabulary of labels, so a new label
is one dictionary entry, not a new extractor.

Each section and row that presents a paper gets ``paper`` set to the very
``Paper`` object in ``Document.papers``, so backends can go either way; a
section's ``id`` (final once the anchors filter has run) becomes ``Paper.anchor``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from publish.model import (
    BlockQuote,
    Cell,
    Details,
    Diagnostic,
    Document,
    FootnoteDef,
    Gallery,
    LineBreak,
    Link,
    ListBlock,
    ListItem,
    Node,
    Paper,
    Paragraph,
    Row,
    Section,
    SoftBreak,
    Strong,
    Table,
    Text,
)
from publish.tree import iter_nodes, plain_text, walk_document

from .language import ENGLISH, URL, detect_language

# New ids (YYMM.NNNN or YYMM.NNNNN, since 2007) and old ones (archive[.SUBJ]/YYMMNNN),
# behind an arxiv.org abs/pdf/html path or an ``arXiv:`` (or ``arXiv：``) prefix.  A bare number such
# as 2509.14060 is not taken: dates and version numbers look the same.  The subdomain
# is bounded (as DNS bounds it) so a long run of letters cannot make matching quadratic.
ARXIV_REF = re.compile(
    r"(?:(?P<url>(?:https?://)?(?:[\w-]{1,63}\.)?arxiv\.org/(?P<kind>abs|pdf|html)/)|\barxiv[:：]\s*)"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7})(?P<version>v\d+)?(?:\.pdf)?(?!\d)",
    re.IGNORECASE | re.ASCII,
)
# Labels before a value (``**Authors**: …``, ``**AI总结**：``, ``Urls: …``) and over
# table columns, by what the value is.  ``link`` labels only tell that a section
# was meant to be a paper (see ``_warn_if_paper_like``).
LABELS: dict[str, str] = {
    "title": "title", "paper": "title", "标题": "title", "论文": "title", "论文标题": "title",
    "authors": "authors", "author": "authors", "作者": "authors",
    "date": "date", "publish date": "date", "published": "date", "日期": "date", "发布日期": "date",
    "summary": "digest", "abstract": "digest", "tl;dr": "digest", "tldr": "digest", "ai总结": "digest",
    "总结": "digest", "摘要": "digest", "简介": "digest",
    "下载地址": "link", "pdf": "link", "link": "link", "links": "link", "url": "link", "urls": "link",
    "论文链接": "link", "论文地址": "link", "链接": "link",
}  # fmt: skip
# Link texts that name a kind of link, not the paper.
_GENERIC_TEXT = frozenset(
    {"", "pdf", "abs", "arxiv", "html", "link", "links", "paper", "code", "here", "null", "none",
     "链接", "论文", "代码", "下载", "点击这里", "这里"}
)  # fmt: skip
_CODE_HOSTS = re.compile(r"https?://(?:www\.)?(?:github\.com|gitlab\.com|gitee\.com|bitbucket\.org)/", re.I)
_CODE_WORDS = re.compile(r"code|github|代码", re.I)
_PROJECT_WORDS = re.compile(r"project|主页|项目", re.I)
_DATE = re.compile(r"\d{4}[-./]\d{1,2}(?:[-./]\d{1,2})?")
_AUTHOR_SEPARATORS = re.compile(r"\s*(?:[,，、;；]|\band\b|和)\s*")
# What separates a name from the link after it: ``VAE: …``, ``Notes, arXiv:…``, ``A | B``.
_SEPARATORS = " :：,，;；、|-–—"
# Longest text still read as a label (``**Authors:…**``) rather than an emphasised phrase.
_MAX_LABEL = 24
# How far before a bare URL to look for what it is ("Project page: https://…").
_URL_LABEL_CHARS = 24


@dataclass(frozen=True)
class _Ref:
    """One mention of an arXiv paper; ``kind`` is abs, pdf, html, or empty for ``arXiv:`` text."""

    arxiv: str
    version: str
    kind: str
    url: str


@dataclass
class _Field:
    """A labelled value; ``parts`` grows while the value runs on over following lines and blocks."""

    label: str
    parts: list[str]

    @property
    def kind(self) -> str:
        return LABELS.get(self.label, "")

    @property
    def text(self) -> str:
        return "\n".join(part.strip() for part in self.parts if part.strip())


@dataclass(frozen=True)
class _Item:
    """A list item that presents a paper of its own: its inline content and title candidates."""

    inlines: list[Node]
    titles: list[str]


@dataclass
class _Scan:
    """State of one pass over a document.

    ``items`` memoises, by identity, which list items present a paper: the scan
    asks about the same item once per enclosing section, and never copies a
    node, so identities stay valid for the whole pass.
    """

    doc: Document
    found: list[tuple[Node | None, Paper]] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    items: dict[int, _Item | None] = field(default_factory=dict)


# --------------------------------------------------------------------------
# Reading around records: tables and paper list items present their own
# papers, never the section they sit in.
# --------------------------------------------------------------------------


def _block_lists(node: Node) -> list[list[Node]]:
    """The sequences of blocks directly inside ``node`` (a list's sequence is its items)."""
    if isinstance(node, ListBlock):
        return [list(node.items)]
    if isinstance(node, (Section, BlockQuote, Details, ListItem, FootnoteDef)):
        return [node.children]
    return []


def _inlines(node: Node) -> list[Node]:
    """The inline content a block holds itself (a heading, a paragraph's text); a stray inline is its own."""
    if isinstance(node, (Paragraph, Cell)):
        return node.children
    if isinstance(node, Section):
        return node.title
    if isinstance(node, Details):
        return node.summary
    if isinstance(node, Gallery):
        return node.caption
    if isinstance(node, (ListBlock, ListItem, BlockQuote, FootnoteDef, Table)):
        return []
    return [node]


def _is_record(scan: _Scan, node: Node) -> bool:
    """Tables and paper list items: what they name belongs to their rows and items, not to the section."""
    return isinstance(node, Table) or (isinstance(node, ListItem) and _item(scan, node) is not None)


def _blocks(scan: _Scan, nodes: list[Node]) -> Iterator[Node]:
    """Blocks in reading order, not entering tables and paper list items."""
    for node in nodes:
        if not _is_record(scan, node):
            yield node
            for inner in _block_lists(node):
                yield from _blocks(scan, inner)


def _content(scan: _Scan, nodes: list[Node]) -> Iterator[Node]:
    """Inline nodes in reading order, outside tables and paper list items."""
    for block in _blocks(scan, nodes):
        yield from iter_nodes(_inlines(block))


def _text(scan: _Scan, nodes: list[Node]) -> str:
    """Plain text of the paragraphs in ``nodes``, one per line."""
    return "\n".join(plain_text(block.children) for block in _blocks(scan, nodes) if isinstance(block, Paragraph))


# --------------------------------------------------------------------------
# arXiv references and other links
# --------------------------------------------------------------------------


def _refs_in(text: str, url: str = "") -> Iterator[_Ref]:
    """References in a string; ``url`` is the link target when the string is one."""
    if "arxiv" not in text.lower():  # most text: skip the regex, which backtracks over every word
        return
    for match in ARXIV_REF.finditer(text):
        found = url or (match[0] if match["url"] else "")
        if found and not found.lower().startswith("http"):
            found = "https://" + found
        yield _Ref(match["id"], match["version"] or "", (match["kind"] or "").lower(), found)


def _refs_of(inlines: list[Node]) -> list[_Ref]:
    """Every arXiv reference in link targets and text, in reading order."""
    refs: list[_Ref] = []
    for node in inlines:
        if isinstance(node, Link):
            refs.extend(_refs_in(node.url, node.url))
        elif isinstance(node, Text):
            refs.extend(_refs_in(node.text))
    return refs


def _refs(scan: _Scan, nodes: list[Node]) -> list[_Ref]:
    """Every arXiv reference in ``nodes``, outside tables and paper list items."""
    return _refs_of(list(_content(scan, nodes)))


def _primary(scan: _Scan, nodes: list[Node]) -> str:
    """The arXiv id ``nodes`` mention first, or empty: the paper they are about."""
    refs = _refs(scan, nodes)
    return refs[0].arxiv if refs else ""


def _labelled_urls(inlines: list[Node]) -> Iterator[tuple[str, str]]:
    """(url, label) for each link: its own text, or for a bare or autolinked URL the words just before it."""
    read = ""  # the last words read, URLs removed: "Project page: " before a bare URL
    for node in inlines:
        text = URL.sub(" ", plain_text(node.children)).strip() if isinstance(node, Link) else ""
        if isinstance(node, Link) and text:
            yield node.url, text
        elif isinstance(node, Text):
            for match in URL.finditer(node.text):
                label = read + URL.sub(" ", node.text[: match.start()])
                yield match[0].rstrip(".,;:!?)]"), label[-_URL_LABEL_CHARS:]
            read = (read + URL.sub(" ", node.text))[-_URL_LABEL_CHARS:]


def _link_kind(url: str, label: str) -> str:
    """``code`` or ``project`` for a link worth keeping with a paper, else empty."""
    if not url.lower().startswith("http") or ARXIV_REF.search(url):
        return ""
    if _CODE_HOSTS.match(url) or _CODE_WORDS.search(label):
        return "code"
    return "project" if _PROJECT_WORDS.search(label) else ""


def _links(inlines: list[Node], refs: list[_Ref]) -> dict[str, str]:
    """abs/pdf/html links of the paper as the author wrote them (with version), then code and project.

    A paper known only by an ``arXiv:`` mention still gets an ``abs`` link, so
    every paper can be linked to.
    """
    arxiv = refs[0].arxiv
    links: dict[str, str] = {}
    for ref in refs:
        if ref.arxiv == arxiv and ref.kind and ref.url:
            links.setdefault(ref.kind, ref.url)
    if "abs" not in links:
        version = next((ref.version for ref in refs if ref.arxiv == arxiv and ref.version), "")
        links["abs"] = f"https://arxiv.org/abs/{arxiv}{version}"
    for url, label in _labelled_urls(inlines):
        kind = _link_kind(url, label)
        if kind:
            links.setdefault(kind, url)
    return links


# --------------------------------------------------------------------------
# Labelled fields
# --------------------------------------------------------------------------


def _lines(inlines: list[Node]) -> Iterator[list[Node]]:
    """A paragraph's inline nodes split at line breaks: one field per line is the common layout."""
    line: list[Node] = []
    for node in inlines:
        if isinstance(node, (LineBreak, SoftBreak)):
            yield line
            line = []
        else:
            line.append(node)
    yield line


def _label(text: str) -> str:
    """A label as the vocabulary spells it: ``AI总结`` and ``Publish  Date`` match ``ai总结``, ``publish date``."""
    return " ".join(text.lower().split())


def _field_head(line: list[Node]) -> tuple[str, str] | None:
    """(label, value) when a line opens with a label.

    Any short bold text is a label (``**L**: v``, ``**L:** v``, ``**L:v**``, ``**L**``
    alone); plain ``L: v`` only with a label of the vocabulary, since plain
    ``VAE: [arXiv:…]`` names a paper rather than a field.
    """
    nodes = [node for node in line if not (isinstance(node, Text) and not node.text.strip())]
    if not nodes:
        return None
    if isinstance(nodes[0], Strong):
        bold = plain_text(nodes[0]).strip()
        rest = plain_text(nodes[1:]).strip()
        if rest and not (bold.endswith((":", "：")) or rest.startswith((":", "："))):
            return None  # bold words opening a sentence, not a label
        label, _, value = bold.replace("：", ":").partition(":")
        value = f"{value} {rest.lstrip(':：')}"
    else:
        label, colon, value = plain_text(nodes).replace("：", ":").partition(":")
        if not colon or _label(label) not in LABELS:
            return None
    label = _label(label)
    return (label, value.strip()) if label and len(label) <= _MAX_LABEL else None


def _labelled(blocks: list[Node]) -> bool:
    """Whether ``blocks`` open with a field of the vocabulary (``**Link**: …``, ``Urls: …``)."""
    first = blocks[0] if blocks else None
    head = _field_head(next(_lines(first.children))) if isinstance(first, Paragraph) else None
    return head is not None and head[0] in LABELS


def _paragraph_fields(paragraph: Paragraph) -> list[_Field]:
    """The fields of a paragraph, one per labelled line; unlabelled lines continue the field above."""
    fields: list[_Field] = []
    for line in _lines(paragraph.children):
        head = _field_head(line)
        if head:
            fields.append(_Field(head[0], [head[1]]))
        elif fields:
            fields[-1].parts.append(plain_text(line))
    return fields


def _fields(scan: _Scan, blocks: list[Node]) -> list[_Field]:
    """Labelled fields in reading order, in lists and facet sections too, outside records.

    A digest runs on over the unlabelled paragraphs and lists after its label:
    ``**AI总结**：`` is often followed by several paragraphs and a numbered list.
    """
    fields: list[_Field] = []
    for index, block in enumerate(blocks):
        if _is_record(scan, block):
            continue
        found = _paragraph_fields(block) if isinstance(block, Paragraph) else []
        if found and found[-1].kind == "digest":
            found[-1].parts.extend(_run_on(scan, blocks[index + 1 :]))
        fields.extend(found)
        for inner in _block_lists(block):
            fields.extend(_fields(scan, inner))
    return fields


def _run_on(scan: _Scan, blocks: list[Node]) -> Iterator[str]:
    """Text of the paragraphs and lists after a label, up to the next labelled paragraph."""
    for block in blocks:
        labelled = isinstance(block, Paragraph) and _paragraph_fields(block)
        if labelled or not isinstance(block, (Paragraph, ListBlock)):
            return
        yield _text(scan, [block])


def _lead_prose(scan: _Scan, blocks: list[Node]) -> str:
    """The first run of unlabelled paragraphs without references among a section's own blocks.

    Blog digests give the English abstract this way, between the authors line
    and the ``[PDF](…)`` link, with no label of its own.
    """
    run: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph) and not _paragraph_fields(block) and not _refs(scan, [block]):
            run.append(plain_text(block.children))
        elif run:
            break
    return "\n\n".join(run)


# --------------------------------------------------------------------------
# Building a Paper
# --------------------------------------------------------------------------


def _title_like(text: str) -> str:
    """``text``, whitespace collapsed, if it could name a paper; empty for ``PDF``, ``arXiv:…``, URLs."""
    text = " ".join(text.split()).strip(_SEPARATORS)
    rest = URL.sub("", ARXIV_REF.sub("", text)).strip(_SEPARATORS + "()（）[]")
    return text if rest.lower() not in _GENERIC_TEXT and any(ch.isalpha() for ch in rest) else ""


def _link_titles(inlines: list[Node]) -> list[str]:
    """Texts of the links to the first paper named: in tables and lists the title is usually the link."""
    refs = _refs_of(inlines)
    return [
        plain_text(node.children)
        for node in inlines
        if refs and isinstance(node, Link) and any(ref.arxiv == refs[0].arxiv for ref in _refs_in(node.url))
    ]


def _lead_text(scan: _Scan, nodes: list[Node]) -> str:
    """Text before the first reference or URL, as in ``VAE: [arXiv:1312.6114](…)``."""
    text = _text(scan, nodes)
    cut = min((m.start() for pattern in (ARXIV_REF, URL) if (m := pattern.search(text))), default=len(text))
    return text[:cut]


def _authors(text: str) -> list[str]:
    """Names from an authors line, whichever separators it uses (``,`` ``，`` ``、`` ``and`` ``和``)."""
    names = (name.strip(" .。*") for name in _AUTHOR_SEPARATORS.split(text))
    return [name for name in names if name and name.lower() != "et al"]


def _digests(texts: list[str]) -> tuple[str, str]:
    """(abstract, summary): the first English and the first Chinese text, whatever their labels said.

    Labels do not tell the language: arXiv-daily's ``Abstract`` column is Chinese.
    """
    english = [text for text in texts if detect_language(text, "") == ENGLISH]
    chinese = [text for text in texts if text not in english]
    return (english[0] if english else ""), (chinese[0] if chinese else "")


def _values(fields: list[_Field]) -> dict[str, list[str]]:
    """Field texts by kind, in reading order.

    A title counts only before the first digest: labelled lines after the summary
    are reading notes (ChatPaperFree's ``1. **标题**：…``) restating the title in translation.
    """
    values: dict[str, list[str]] = {}
    for item in fields:
        if item.kind and item.text and not (item.kind == "title" and "digest" in values):
            values.setdefault(item.kind, []).append(item.text)
    return values


def _paper(
    scan: _Scan,
    inlines: list[Node],
    *,
    fields: list[_Field],
    titles: list[str],
    topic: str,
    line: int,
    anchor: str = "",
) -> Paper | None:
    """The first paper ``inlines`` name; None when they name none or nothing is title-like.

    A ``Title`` field wins over the heading or link text: a survey heading such as
    ``1. VAE - Auto-Encoding Variational Bayes (2013)`` is a label, not the title.
    """
    refs = _refs_of(inlines)
    values = _values(fields)
    title = next(filter(None, map(_title_like, [*values.get("title", []), *titles])), "")
    if not refs or not title:
        return None
    abstract, summary = _digests(values.get("digest", []))
    return Paper(
        title=title,
        authors=_authors(values.get("authors", [""])[0]),
        arxiv=refs[0].arxiv,
        links=_links(inlines, refs),
        abstract=abstract,
        summary=summary,
        topic=topic,
        date=values.get("date", [scan.doc.meta.date])[0],
        anchor=anchor,
        line=line,
    )


def _heading(section: Section) -> str:
    """A section's title as text; authors (and PDF extraction) leave runs of spaces in headings."""
    return " ".join(plain_text(section.title).split())


def _section_paper(scan: _Scan, section: Section, topic: str) -> Paper | None:
    """A section entry; unlabelled lead paragraphs count as a digest after the labelled ones."""
    fields = _fields(scan, section.children)
    lead = _lead_prose(scan, section.children)
    if lead:
        fields.append(_Field("abstract", [lead]))
    inlines = list(_content(scan, [section]))
    titles = [_heading(section)]
    return _paper(scan, inlines, fields=fields, titles=titles, topic=topic, line=section.line, anchor=section.id)


def _column_label(header: str, cell: str) -> str:
    """What a table column holds: its header when the vocabulary knows it, else ``date`` for dates."""
    label = _label(header)
    return "date" if label not in LABELS and _DATE.fullmatch(cell.strip()) else label


def _row_paper(scan: _Scan, row: Row, headers: list[str], topic: str) -> Paper | None:
    """A table row, its cells read as fields named by the column headers."""
    texts = [plain_text(cell.children) for cell in row.cells]
    fields = [_Field(_column_label(header, text), [text]) for header, text in zip(headers, texts, strict=False)]
    inlines = list(iter_nodes([child for cell in row.cells for child in cell.children]))
    return _paper(scan, inlines, fields=fields, titles=_link_titles(inlines), topic=topic, line=row.line)


def _item(scan: _Scan, item: ListItem) -> _Item | None:
    """The references and title candidates of a list item that presents a paper of its own, else None.

    ``- VAE: [arXiv:1312.6114](…)`` presents one.  A survey's ``- **Link**: [arXiv:…](…)``
    (a labelled field) and a bare ``- [PDF](…)`` (nothing names the paper) are
    details of the section around them.
    """
    key = id(item)
    if key not in scan.items:
        inlines = list(_content(scan, item.children))
        found = None
        if _refs_of(inlines) and not _labelled(item.children):
            titles = [*_link_titles(inlines), _lead_text(scan, item.children)]
            found = _Item(inlines, titles) if any(map(_title_like, titles)) else None
        scan.items[key] = found
    return scan.items[key]


def _item_paper(scan: _Scan, item: ListItem, topic: str) -> Paper | None:
    """A list item that names a paper (``- BERT: arXiv:1810.04805``)."""
    found = _item(scan, item)
    if found is None:
        return None
    fields = _fields(scan, item.children)
    return _paper(scan, found.inlines, fields=fields, titles=found.titles, topic=topic, line=item.line)


def _merge(first: Paper, later: Paper) -> Paper:
    """``first`` completed from a later mention of the same paper (a link list adds a code link)."""
    filled = {
        f.name: getattr(later, f.name)
        for f in dataclasses.fields(Paper)
        if f.name != "links" and not getattr(first, f.name)
    }
    links = {**first.links, **{kind: url for kind, url in later.links.items() if kind not in first.links}}
    return dataclasses.replace(first, **filled, links=links)


# --------------------------------------------------------------------------
# Walking the document
# --------------------------------------------------------------------------


def _role(scan: _Scan, section: Section) -> str:
    """``entry`` (presents one paper), ``group`` (holds papers) or ``none``.

    - subsections about two or more different papers: a group, e.g. a survey topic;
    - a reference in the section's own heading or text: an entry, its
      subsections being facets (Method, Evidence…) or reading notes;
    - references only in subsections, all to one paper: an entry when those
      are facets, that is one gives its title as a field (a survey's ``#### Meta``
      with ``**Title**``) or several refer to it but at most one summarises it;
      otherwise a group whose subsections are entries (a topic or a day holding
      a single paper, or presenting one paper twice: each presentation has its
      own summary, where facets split one paper into aspects).
    """
    kids = [child for child in section.children if isinstance(child, Section)]
    kid_ids = [_primary(scan, [kid]) for kid in kids]
    if len(set(kid_ids) - {""}) >= 2:
        return "group"
    if _refs(scan, [*section.title, *_own(section)]):
        return "entry"
    referring = [kid for kid, arxiv in zip(kids, kid_ids, strict=True) if arxiv]
    if not referring:
        return "none"
    values = [_values(_fields(scan, _own(kid))) for kid in referring]
    if any("title" in value for value in values):
        return "entry"
    summaries = sum("digest" in value for value in values)
    return "entry" if len(referring) >= 2 and summaries <= 1 else "group"


def _own(section: Section) -> list[Node]:
    """A section's blocks before its first subsection: what it says itself."""
    return [child for child in section.children if not isinstance(child, Section)]


def _add(scan: _Scan, node: Node | None, paper: Paper | None) -> None:
    """Record a paper with the section or row presenting it (None for list items, which have no field)."""
    if paper is not None:
        scan.found.append((node, paper))


def _scan_records(scan: _Scan, block: Node, topic: str) -> None:
    """Papers in table rows and paper list items anywhere inside ``block``."""
    for node in iter_nodes(block):
        if isinstance(node, Table):
            headers = [plain_text(cell.children) for cell in node.head.cells]
            for row in node.rows:
                _add(scan, row, _row_paper(scan, row, headers, topic))
        elif isinstance(node, ListItem):
            _add(scan, None, _item_paper(scan, node, topic))


def _warn_if_paper_like(scan: _Scan, section: Section) -> None:
    """A section with a summary or download field but no arXiv id was meant to be a paper."""
    labels = [item.label for item in _fields(scan, _own(section)) if item.kind in ("digest", "link")]
    if labels:
        message = (
            f"section “{_heading(section)}” looks like a paper (it has a “{labels[0]}” field) but no arXiv id "
            "was found; add its arXiv link (https://arxiv.org/abs/…) so it is listed as a paper"
        )
        scan.warnings.append(scan.doc.diagnostic(section.line, message))


def _scan_section(scan: _Scan, section: Section, topic: str, *, in_entry: bool) -> None:
    """Classify a section; inside an entry, subsections are facets and only their tables and lists count."""
    role = "facet" if in_entry else _role(scan, section)
    if role == "entry":
        _add(scan, section, _section_paper(scan, section, topic))
    elif role == "none":
        _warn_if_paper_like(scan, section)
    _scan_blocks(scan, section.children, _heading(section), in_entry=in_entry or role == "entry")


def _scan_blocks(scan: _Scan, blocks: list[Node], topic: str, *, in_entry: bool = False) -> None:
    """Top-down over a block sequence; ``topic`` is the title of the section holding it."""
    for block in blocks:
        if isinstance(block, Section):
            _scan_section(scan, block, topic, in_entry=in_entry)
        else:
            _scan_records(scan, block, topic)


def _attach(doc: Document, found: list[tuple[Node | None, Paper]], kind: type[Section] | type[Row]) -> Document:
    """Set ``paper`` on the ``kind`` nodes that present one, found by identity.

    Identity holds only for nodes the walk has not rebuilt, so sections go in a
    pass before rows: setting a row's paper rebuilds every section around it.
    """
    by_node = {id(node): paper for node, paper in found if isinstance(node, kind)}

    def visit(node: Node) -> Node | None:
        paper = by_node.get(id(node))
        return dataclasses.replace(node, paper=paper) if paper else None

    return walk_document(doc, visit) if by_node else doc


def row_anchor(arxiv: str) -> str:
    """The id a table row presenting a paper gets: rows have no heading to take one from."""
    return "arxiv-" + re.sub(r"[^0-9A-Za-z.-]", "-", arxiv)


def papers(doc: Document) -> Document:
    """``doc`` with ``papers`` filled, one per arXiv id, and ``paper`` set on the sections and rows presenting them.

    A paper mentioned twice (a survey entry and its line in the closing link
    list; one row under two topics) is one ``Paper``: the first mention,
    completed by the later ones.
    """
    scan = _Scan(doc)
    _scan_blocks(scan, doc.children, "")
    merged: dict[str, Paper] = {}
    for _, paper in scan.found:
        merged[paper.arxiv] = _merge(merged[paper.arxiv], paper) if paper.arxiv in merged else paper
    for node, paper in scan.found:
        record = merged[paper.arxiv]
        if isinstance(node, Row) and not record.anchor:
            merged[paper.arxiv] = dataclasses.replace(record, anchor=row_anchor(record.arxiv))
    found = [(node, merged[paper.arxiv]) for node, paper in scan.found]
    result = _attach(_attach(doc, found, Section), found, Row)
    return dataclasses.replace(result, papers=list(merged.values()), warnings=[*doc.warnings, *scan.warnings])
