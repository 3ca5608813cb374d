"""The bundle's front page and search index: every paper of the pack, findable.

Both are built from the papers' records, located through the ``Linker`` so
that a link lands on the id the page really carries.  The search index is a
script (``window.PUBLISH_SEARCH = …``) rather than JSON because a page opened
from ``file://`` may not ``fetch()`` a neighbouring file.
"""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from publish import model as m
from publish.render.epub_links import Linker
from publish.render.epub_xhtml import document_title

SNIPPET = 160


@dataclass(frozen=True)
class Entry:
    """One paper as the index and the search show it."""

    paper: m.Paper
    href: str
    doc_title: str


def entries(documents: Sequence[m.Document], linker: Linker) -> list[Entry]:
    return [entry for index, doc in enumerate(documents) for entry in document_entries(doc, index, linker)]


def document_entries(doc: m.Document, index: int, linker: Linker) -> list[Entry]:
    page = linker.first_file(index)
    targets = ((paper, linker.locate(index, paper.anchor) if paper.anchor else None) for paper in doc.papers)
    return [Entry(paper, target or page, document_title(doc)) for paper, target in targets]


def fold(text: str) -> str:
    """What search compares: NFKC (full-width Latin to ASCII) and lower case; the script folds queries alike."""
    return unicodedata.normalize("NFKC", text).lower()


def search_records(found: Sequence[Entry]) -> list[dict[str, str]]:
    """What the search shows and matches of each paper: a document's share is cached with its page."""
    return [
        {
            "t": e.paper.title,
            "a": ", ".join(e.paper.authors),
            "d": e.doc_title,
            "u": e.href,
            "s": " ".join((e.paper.summary or e.paper.abstract).split())[:SNIPPET],
            "h": fold(" ".join([e.paper.title, *e.paper.authors, e.paper.abstract, e.paper.summary])),
        }
        for e in found
    ]


def search_index(records: Sequence[dict[str, str]]) -> str:
    """``assets/search-index.js``: titles, authors, abstracts and summaries of every paper."""
    data = json.dumps(records, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f"window.PUBLISH_SEARCH = {data};\n"


def _paper_item(entry: Entry, with_doc: bool = True) -> str:
    where = f' <span class="muted">· {escape(entry.doc_title)}</span>' if with_doc else ""
    return f'<li><a href="{escape(entry.href)}" lang="en">{escape(entry.paper.title)}</a>{where}</li>\n'


def _initial(title: str) -> str:
    letter = fold(title.strip()[:1]).upper()
    return letter if "A" <= letter <= "Z" else "#"


def _grouped(groups: dict[str, list[Entry]], prefix: str, with_doc: bool) -> str:
    parts = []
    for number, (name, items) in enumerate(groups.items(), start=1):
        ordered = sorted(items, key=lambda e: fold(e.paper.title))
        lis = "".join(_paper_item(e, with_doc) for e in ordered)
        parts.append(f'<h3 id="{prefix}-{number}">{escape(name)}</h3>\n<ul class="paper-list">\n{lis}</ul>\n')
    return "".join(parts)


def paper_index(found: Sequence[Entry]) -> str:
    """A–Z by title, then by topic: the two ways a reader looks for a paper they half remember."""
    by_letter: dict[str, list[Entry]] = defaultdict(list)
    for entry in found:
        by_letter[_initial(entry.paper.title)].append(entry)
    letters = dict(sorted(by_letter.items(), key=lambda kv: (kv[0] == "#", kv[0])))
    nav = " ".join(f'<a href="#az-{n}">{escape(k)}</a>' for n, k in enumerate(letters, start=1))
    by_topic: dict[str, list[Entry]] = defaultdict(list)
    for entry in found:
        by_topic[entry.paper.topic or entry.doc_title].append(entry)
    return (
        '<section id="papers-az">\n<h2><span lang="zh-Hans">论文索引</span> <span lang="en">Papers A–Z</span></h2>\n'
        f'<p class="az-nav">{nav}</p>\n{_grouped(letters, "az", True)}</section>\n'
        '<section id="papers-topic">\n<h2><span lang="zh-Hans">按主题</span> <span lang="en">By topic</span></h2>\n'
        f"{_grouped(dict(by_topic), 'topic', False)}</section>\n"
    )


def document_list(documents: Sequence[m.Document], linker: Linker) -> str:
    items = "".join(
        f'<li><a href="{escape(linker.first_file(i))}">{escape(document_title(doc))}</a> '
        f'<span class="muted">{escape(doc.meta.date)} · {len(doc.papers)} '
        f'<span lang="zh-Hans">篇论文</span> / <span lang="en">papers</span></span></li>\n'
        for i, doc in enumerate(documents)
    )
    return (
        '<section id="documents">\n<h2><span lang="zh-Hans">文档</span> <span lang="en">Documents</span></h2>\n'
        f'<ol class="doc-list">\n{items}</ol>\n</section>\n'
    )
