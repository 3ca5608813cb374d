"""The draft's ``references.bib``: one BibTeX entry per arXiv paper the documents mention.

Built offline, from what the documents say about each paper (title, authors,
arXiv id), so a researcher can start citing at once and later replace an
entry by the publisher's.  Keys follow Google Scholar's habit,
``kingma2013autoencoding``: the first author's family name, the year, the first
word of the title that is not an article or a preposition; ``arxiv2502.09622``
when no author is known.  The same paper in several documents is one entry.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from publish.model import Paper
from publish.render.latex_glyphs import latex_text

_VERSION = re.compile(r"v\d+$")
_NEW_ID = re.compile(r"(\d{2})(\d{2})\.\d{4,5}")
_OLD_ID = re.compile(r"[a-z\-]+(?:\.[A-Z]{2})?/(\d{2})\d{5}")
_STOP_WORDS = frozenset("a an the on of in for to and with from at by via is are towards toward".split())


@dataclass(frozen=True)
class BibEntry:
    key: str
    arxiv: str  # without version
    title: str
    authors: tuple[str, ...]
    year: str

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv}"


def arxiv_id(value: str) -> str:
    """``2502.09622v1`` and ``arXiv:2502.09622`` → ``2502.09622``: versions are one paper."""
    value = value.strip().removeprefix("arXiv:").removeprefix("arxiv:")
    return _VERSION.sub("", value)


def arxiv_year(identifier: str) -> str:
    """The year an arXiv id was issued: ``1312.6114`` → 2013, ``hep-th/9901001`` → 1999."""
    new = _NEW_ID.fullmatch(identifier)
    old = _OLD_ID.fullmatch(identifier)
    digits = new.group(1) if new else old.group(1) if old else ""
    if not digits:
        return ""
    return ("19" if int(digits) >= 91 else "20") + digits


def _ascii_word(text: str) -> str:
    """Lower-case ASCII letters and digits only: ``Müller`` → ``muller``."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def family_name(author: str) -> str:
    """``Diederik P. Kingma`` → Kingma; ``Kingma, Diederik`` → Kingma."""
    author = author.strip()
    if "," in author:
        return author.split(",", 1)[0].strip()
    parts = author.split()
    return parts[-1] if parts else ""


def _title_word(title: str) -> str:
    for word in title.split():
        folded = _ascii_word(word)
        if folded and folded not in _STOP_WORDS:
            return folded
    return ""


def base_key(identifier: str, title: str, authors: tuple[str, ...], year: str) -> str:
    surname = _ascii_word(family_name(authors[0])) if authors else ""
    if not surname:
        return "arxiv" + re.sub(r"[^A-Za-z0-9.]", "-", identifier)
    return f"{surname}{year}{_title_word(title)}"


def entries(papers: Iterable[Paper]) -> dict[str, BibEntry]:
    """One entry per arXiv id, keyed by the id; the first mention with authors wins.

    Keys are unique: a second ``kingma2014adam`` becomes ``kingma2014adamb``.
    """
    chosen: dict[str, Paper] = {}
    for paper in papers:
        identifier = arxiv_id(paper.arxiv)
        if not identifier:
            continue
        known = chosen.get(identifier)
        if known is None or (not known.authors and paper.authors):
            chosen[identifier] = paper
    taken: set[str] = set()
    result: dict[str, BibEntry] = {}
    for identifier, paper in chosen.items():
        authors = tuple(a.strip() for a in paper.authors if a.strip())
        year = arxiv_year(identifier) or paper.date[:4]
        key = _unique(base_key(identifier, paper.title, authors, year), taken)
        result[identifier] = BibEntry(
            key=key, arxiv=identifier, title=" ".join(paper.title.split()), authors=authors, year=year
        )
    return result


def _unique(key: str, taken: set[str]) -> str:
    candidate = key
    suffix = ord("b")
    while candidate in taken:
        candidate = f"{key}{chr(suffix)}"
        suffix += 1
    taken.add(candidate)
    return candidate


def bibtex_value(text: str) -> str:
    """A field value: TeX specials as text, unusual characters in a font that has them.

    BibTeX copies the value into the ``.bbl`` that LaTeX reads, so it is LaTeX
    text; braces stay balanced because every ``{``/``}`` of the author's is
    escaped.
    """
    return latex_text(" ".join(text.split()))


def format_entry(entry: BibEntry) -> str:
    fields = [
        # Double braces keep the title's capitals: styles lower-case titles otherwise.
        ("title", "{" + bibtex_value(entry.title) + "}"),
        ("author", " and ".join(bibtex_value(a) for a in entry.authors)),
        ("year", entry.year),
        ("eprint", entry.arxiv),
        ("archivePrefix", "arXiv"),
        ("howpublished", f"arXiv:{entry.arxiv}"),
        ("url", entry.url),
        # Without authors, natbib labels every entry by the first letters of its
        # key ("arx") and numbers the clashes past "z" until BibTeX fails.
        ("key", "" if entry.authors else f"arXiv:{entry.arxiv}"),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{entry.key},\n{body}\n}}\n"


def format_bibtex(bib: dict[str, BibEntry]) -> str:
    return "\n".join(format_entry(entry) for entry in bib.values())
