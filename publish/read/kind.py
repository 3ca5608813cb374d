"""What kind of digest a document is, and its title/date when no front matter says.

Decided from structure, never from the file name: authors vary their layouts,
so each rule looks for a family resemblance (date headings, paper tables,
``**Authors:**`` lines, numbered ``N. Name (year)`` sections) rather than
exact strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from publish.model import Kind, Link, Math, Meta, Node, Paragraph, Section, Strong, Table, Text
from publish.read.frontmatter import iso_date
from publish.tree import iter_nodes, plain_text

_DATE_HEADING = re.compile(
    r"(?:updated\s+on\s*)?\d{4}[-./年]\d{1,2}[-./月]\d{1,2}日?(?:\s*(?:更新|update[sd]?))?", re.I
)
_UPDATED_ON = re.compile(r"updated\s+on\s*\d{4}[-./]\d{1,2}[-./]\d{1,2}", re.I)
_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/|\barxiv:\s*\d{4}\.\d{4,5}", re.I)
_NUMBERED_PAPER = re.compile(r"\d{1,3}[.、)]\s*\S.*[(（]\s*(?:19|20)\d{2}[a-z]?\s*[)）]")
_TITLE_COLUMN = re.compile(r"title|标题|论文|paper", re.I)
_OTHER_COLUMN = re.compile(r"abstract|摘要|summary|code|代码|date|日期|pdf|link", re.I)
_AUTHORS = re.compile(r"\s*(?:authors?|作者)\s*[:：]", re.I)
_DOWNLOAD = re.compile(r"下载地址|pdf\s*[:：]|论文链接", re.I)
_SURVEY_PARTS = re.compile(r"meta|method|takeaways?|evidence|problem|方法|贡献|结论", re.I)


def detect_kind(children: list[Node], has_front_matter: bool) -> Kind:
    """The first family the structure matches; 'generic' when none does."""
    sections = [n for n in iter_nodes(children) if isinstance(n, Section)]
    titles = [plain_text(s.title).strip() for s in sections]
    table_papers = _paper_table_rows(children)
    if table_papers >= 3 or (table_papers and any(map(_UPDATED_ON.search, titles))):
        return "arxiv-daily"
    numbered = [s for s, t in zip(sections, titles, strict=True) if _NUMBERED_PAPER.fullmatch(t)]
    with_parts = sum(1 for s in numbered if _has_part_sections(s))
    maths = sum(1 for n in iter_nodes(children) if isinstance(n, Math))
    if len(numbered) >= 3 and (with_parts >= 2 or maths >= 10):
        return "survey"
    date_heading = any(_DATE_HEADING.fullmatch(t) for t in titles)
    authored = sum(1 for s in sections if _starts_with_authors(s))
    if authored >= 2 and (has_front_matter or date_heading):
        return "blog"
    linked = sum(1 for s in sections if _links_arxiv(s))
    if linked >= 2 and date_heading:
        return "daily"
    if authored >= 2:
        return "blog"
    if len(numbered) >= 3:
        return "survey"
    return "generic"


def fill_meta_from_headings(meta: Meta, children: list[Node], stem: str) -> None:
    """Title and date from the document's own headings where front matter gave none."""
    titles = [plain_text(n.title).strip() for n in iter_nodes(children) if isinstance(n, Section)]
    if not meta.date:
        meta.date = next((iso_date(t) for t in titles if _DATE_HEADING.fullmatch(t) and iso_date(t)), "")
    if not meta.title:
        meta.title = next((t for t in titles if t), stem)


def _own_nodes(section: Section) -> Iterator[Node]:
    """Nodes of a section's own text, not of its sub-sections."""
    for child in section.children:
        if not isinstance(child, Section):
            yield from iter_nodes(child)


def _paper_table_rows(children: list[Node]) -> int:
    """Rows with arXiv links in tables whose header names a title column and another paper column."""
    count = 0
    for table in (n for n in iter_nodes(children) if isinstance(n, Table)):
        header = [plain_text(c.children) for c in table.head.cells]
        if any(_TITLE_COLUMN.search(h) for h in header) and any(_OTHER_COLUMN.search(h) for h in header):
            count += sum(1 for row in table.rows if any(_is_arxiv_link(n) for n in iter_nodes(row)))
    return count


def _is_arxiv_link(node: Node) -> bool:
    return (isinstance(node, Link) and bool(_ARXIV.search(node.url))) or (
        isinstance(node, Text) and bool(_ARXIV.search(node.text))
    )


def _links_arxiv(section: Section) -> bool:
    return any(_is_arxiv_link(n) or (isinstance(n, Text) and _DOWNLOAD.search(n.text)) for n in _own_nodes(section))


def _starts_with_authors(section: Section) -> bool:
    """A paragraph opening with bold ``Authors:`` (the bold may hold the names too)."""
    for child in section.children:
        if isinstance(child, Paragraph) and child.children:
            first = child.children[0]
            text = plain_text(first.children) if isinstance(first, Strong) else ""
            if _AUTHORS.match(text):
                return True
    return False


def _has_part_sections(section: Section) -> bool:
    parts = [c for c in section.children if isinstance(c, Section) and _SURVEY_PARTS.search(plain_text(c.title))]
    return len(parts) >= 2
