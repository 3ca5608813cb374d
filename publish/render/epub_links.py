"""Ids and links across the book's files.

Documents link to their own headings (``#多模态``, "back to top"), footnotes
link back and forth, and the navigation points at sections and papers.  Once
a document is split over several files, ``#id`` must become ``file#id``.
EPUBCheck also rejects a link to an id that does not exist, to a file that is
not in the book, or to a URL that does not parse; readers follow such links
into nowhere.  So every link is checked here: what cannot be resolved becomes
plain text, with a warning for the author.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import SplitResult, quote, unquote, urlsplit, urlunsplit

from lxml import etree

from publish import model as m
from publish.render.epub_xhtml import XHTML_NS, Chapter

_HOST = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?")
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_URL_SAFE = "/%:@!$&'()*+,;=-._~"


def _quote(part: str, extra: str = "") -> str:
    return quote(_LONE_PERCENT.sub("%25", part), safe=_URL_SAFE + extra)


def web_url(parts: SplitResult) -> str | None:
    """An http(s) URL written so that strict URL parsers accept it, or None when it has no valid host."""
    try:
        host = (parts.hostname or "").encode("idna").decode("ascii")
        port = parts.port
    except (UnicodeError, ValueError):
        return None
    if not _HOST.fullmatch(host):
        return None
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit(
        (parts.scheme.lower(), netloc, _quote(parts.path), _quote(parts.query, "?"), _quote(parts.fragment, "?"))
    )


def relative(from_name: str, target: str) -> str:
    """``target`` (a book path with optional fragment) as written in the file ``from_name``.

    Book paths are normalised (no ``.`` or ``..``), so this is string work: ``posixpath.relpath``
    asks the OS for the working directory each time, and a contents page has a link per paper.
    """
    path, _, fragment = target.partition("#")
    if path == from_name and fragment:
        return f"#{fragment}"
    folders, parts = from_name.split("/")[:-1], path.split("/")
    common = 0
    while common < min(len(folders), len(parts) - 1) and folders[common] == parts[common]:
        common += 1
    href = "/".join([".."] * (len(folders) - common) + parts[common:])
    return f"{href}#{fragment}" if fragment else href


def _unwrap(link: etree._Element) -> None:
    """Keep the link's text (and its id, which other links may use), drop the dead target."""
    link.tag = f"{{{XHTML_NS}}}span"
    for name in ("href", "title"):
        link.attrib.pop(name, None)


class Linker:
    """Where every id of every document ended up, and links rewritten to match.

    A document's ids come from its own chapters (``add``) or, when its part was cached, from
    what the part recorded (``restore``): ids and file names depend on the document alone.
    """

    def __init__(self, documents: Sequence[m.Document], chapters: Sequence[Chapter] = ()) -> None:
        self.documents = documents
        self._targets: list[dict[str, str]] = [{} for _ in documents]
        self._used: list[set[str]] = [set() for _ in documents]
        self._first: list[str] = [""] * len(documents)
        self._by_path = {doc.path.resolve(): index for index, doc in enumerate(documents)}
        for chapter in chapters:
            self.add(chapter)

    def add(self, chapter: Chapter) -> None:
        """Take in a freshly rendered chapter's ids (made valid and unique on the way)."""
        self._first[chapter.doc_index] = self._first[chapter.doc_index] or chapter.name
        self._assign_ids(chapter)

    def restore(self, doc_index: int, targets: dict[str, str], first: str) -> None:
        """Take in a cached document's ids, as ``targets`` gave them out when it was rendered."""
        self._targets[doc_index] = dict(targets)
        self._first[doc_index] = first

    def targets(self, doc_index: int) -> dict[str, str]:
        """Every id of the document as written by its author → book path: what ``restore`` takes back."""
        return dict(self._targets[doc_index])

    def first_file(self, doc_index: int) -> str:
        return self._first[doc_index]

    def locate(self, doc_index: int, anchor: str) -> str | None:
        """The book path ``file#id`` of an id as the document wrote it (``#`` and percent-escapes allowed)."""
        anchor = anchor.removeprefix("#")
        targets = self._targets[doc_index]
        for candidate in dict.fromkeys((anchor, unquote(anchor))):
            found = targets.get(candidate) or targets.get(candidate.lower())
            if found:
                return found
        return None

    def _assign_ids(self, chapter: Chapter) -> None:
        """Make ids valid (no spaces) and unique within their document, and remember where each is."""
        used = self._used[chapter.doc_index]
        targets = self._targets[chapter.doc_index]
        for element in chapter.body.iter(f"{{{XHTML_NS}}}*"):
            written = element.get("id")
            if written is None:
                continue
            base = new = "-".join(written.split())
            suffix = 2
            while new in used:
                new = f"{base}-{suffix}"
                suffix += 1
            if not new:
                del element.attrib["id"]
                continue
            used.add(new)
            element.set("id", new)
            target = f"{chapter.name}#{new}"
            targets.setdefault(written, target)
            targets.setdefault(written.lower(), target)

    def resolve_links(self, chapter: Chapter) -> None:
        """Rewrite every ``<a href>`` of the chapter to a target that exists; warn about the rest.

        Links to other files are noted in ``chapter.cross_links``: how they resolve depends on the
        rest of the pack, so a cached chapter is only reused while ``target`` still agrees.
        """
        doc = self.documents[chapter.doc_index]
        for link in list(chapter.body.iter(f"{{{XHTML_NS}}}a")):
            line = int(link.attrib.pop("data-line", "0") or 0)
            href = link.get("href")
            if href is None:
                continue
            target, problem = self.target(chapter.name, chapter.doc_index, href)
            if _to_other_file(href):
                chapter.cross_links[href] = target
            if target is None:
                _unwrap(link)
                chapter.warnings.append(doc.diagnostic(line, f"link to {href[:80]!r} {problem}: shown as plain text"))
            else:
                link.set("href", target)

    def target(self, name: str, doc_index: int, href: str) -> tuple[str | None, str]:
        """The href to write in the file ``name`` of document ``doc_index``, or None and why there is none."""
        try:
            parts = urlsplit(href.strip())
        except ValueError:
            return None, "is not a valid address"
        scheme = parts.scheme.lower()
        if scheme in ("http", "https"):
            return web_url(parts), "is not a valid web address"
        if scheme == "mailto":
            return (f"mailto:{_quote(parts.path)}" if "@" in parts.path else None), "is not a valid e-mail address"
        if scheme or parts.netloc:
            return None, f"uses an address type ({scheme or '//'}) an e-reader cannot open"
        return self._internal(name, doc_index, parts)

    def _internal(self, name: str, doc_index: int, parts: SplitResult) -> tuple[str | None, str]:
        """A link inside the pack: to an id of this document, or to another document of the pack."""
        if parts.path:
            doc_path = self.documents[doc_index].path.parent / unquote(parts.path)
            try:
                found = self._by_path.get(doc_path.resolve())
            except (OSError, ValueError):  # a NUL byte or a path the OS cannot even look at
                found = None
            if found is None:
                return None, "points to a file that is not in this pack"
            doc_index = found
        if not parts.fragment:
            return relative(name, self._first[doc_index]), ""
        target = self.locate(doc_index, parts.fragment)
        if target is None:
            return None, "points to no heading or anchor of the document"
        return relative(name, target), ""


def _to_other_file(href: str) -> bool:
    """A relative link with a path: to another document of the pack, or to a file that is not in it."""
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return False
    return not parts.scheme and not parts.netloc and bool(parts.path)
