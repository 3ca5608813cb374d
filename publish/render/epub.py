"""``publish epub``: an EPUB 3 for e-readers that EPUBCheck accepts without a warning.

What a side-loaded book on a Kobo, a Kindle (through Send to Kindle), Apple
Books or an Android reader needs, and what pandoc's EPUB of our corpus lacks:

* navigation in every form readers use: the EPUB 3 nav, an NCX, landmarks
  and a contents page, all from one tree (``epub_nav``);
* formulas as inline SVG, since most readers have no MathML; the SVG's
  ``aria-label`` keeps the TeX for screen readers and search;
* every image inside the book (``epub_media``), a placeholder with the link
  where there is none;
* XHTML that is well-formed by construction: each piece is parsed before it
  goes in (``epub_xhtml``), and every link is checked (``epub_links``).

ebooklib writes the package (OPF, nav, NCX, zip layout); the content
documents are ours, byte for byte.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from uuid import NAMESPACE_URL, uuid5

from ebooklib import epub
from lxml import etree

from publish.errors import PublishError
from publish.model import Document, Pack
from publish.output import write_bytes_atomic
from publish.pack import DEFAULT_TITLE
from publish.render.epub_links import Linker, relative
from publish.render.epub_media import Resource, cover_image
from publish.render.epub_nav import TocEntry, contents_markup, document_entry, ebooklib_toc
from publish.render.epub_xhtml import (
    XHTML_NS,
    Chapter,
    EPUBTranslator,
    body_from_markup,
    document_chapters,
    has_svg,
    label,
    prepare_documents,
    unsafe_link_warnings,
    xhtml_page,
)
from publish.render.html import stylesheet

LANGUAGE = "zh-Hans"
STYLESHEET = "styles/epub.css"
COVER_PAGE = "text/cover.xhtml"
CONTENTS_PAGE = "text/contents.xhtml"
CONTENTS_TITLE = "目录"
NCX_NS = epub.NAMESPACES["DAISY"]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

ACCESSIBILITY_SUMMARY = (
    "可重排文本，字体、字号与夜间模式由阅读器决定；目录、章节标题与论文条目提供结构化导航；"
    "公式以 SVG 显示，并以 TeX 源码作为文字替代（aria-label）。"
)


class _Page(epub.EpubHtml):
    """An XHTML page we wrote, stored byte for byte.

    ebooklib would otherwise re-parse it as HTML, which lowercases SVG's
    ``viewBox`` and drops namespaces: the formulas would vanish.
    """

    def get_content(self, default: bytes | None = None) -> bytes:
        return self.content


def build_epub(pack: Pack, output: Path, *, offline: bool = False, cache_dir: Path | None = None) -> Pack:
    """Write ``pack`` as an EPUB 3 to ``output``; return the pack with this build's warnings added.

    ``offline`` (or the manifest's ``offline`` option) takes remote images
    only from the image cache; ``cache_dir`` is the image cache's folder.
    """
    if not pack.documents:
        raise PublishError("there is nothing to put in the EPUB: the pack has no documents")
    prepared = prepare_documents(pack, offline=offline, cache_dir=cache_dir)
    documents, images, image_warnings = prepared.documents, prepared.images, prepared.image_warnings
    translators = [
        EPUBTranslator(doc, formulas, found)
        for doc, formulas, found in zip(documents, prepared.formulas, images, strict=True)
    ]
    chapters = [chapter for index, t in enumerate(translators) for chapter in document_chapters(t, index)]
    linker = Linker(documents, chapters)
    for chapter in chapters:
        linker.resolve_links(chapter)
    toc = [document_entry(doc, index, linker) for index, doc in enumerate(documents)]
    resources = {r.name: r for found in images for r in found.values() if isinstance(r, Resource)}
    book = _book(pack, chapters, toc, list(resources.values()))
    write_bytes_atomic(output, _package(book))
    warnings = [[*found, *unsafe_link_warnings(doc)] for doc, found in zip(documents, image_warnings, strict=True)]
    for chapter in chapters:
        warnings[chapter.doc_index].extend(chapter.warnings)
    documents = [
        dataclasses.replace(doc, warnings=[*doc.warnings, *extra])
        for doc, extra in zip(documents, warnings, strict=True)
    ]
    return dataclasses.replace(pack, documents=documents)


# --------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------


def book_title(pack: Pack) -> str:
    """A single document built alone is better known by its own title than by the default pack title."""
    if len(pack.documents) == 1 and pack.title == DEFAULT_TITLE and pack.documents[0].meta.title:
        return label(pack.documents[0].meta.title)
    return label(pack.title) or DEFAULT_TITLE


def book_identifier(pack: Pack) -> str:
    """The same pack (title, files, document titles) always gets the same id.

    Readers and stores then treat a rebuilt pack as an update of the book, not a new one.
    """
    key = "\n".join([pack.title, *(f"{doc.path.name}\t{doc.meta.title}" for doc in pack.documents)])
    return f"urn:uuid:{uuid5(NAMESPACE_URL, 'publish-epub:' + key)}"


def _dates(documents: Sequence[Document]) -> list[str]:
    return sorted(doc.meta.date[:10] for doc in documents if _ISO_DATE.fullmatch(doc.meta.date[:10]))


def _authors(pack: Pack) -> list[str]:
    names = [label(str(pack.options.get("author") or "")), *(label(doc.meta.author) for doc in pack.documents)]
    return list(dict.fromkeys(name for name in names if name))


def _description(pack: Pack, toc: list[TocEntry]) -> str:
    given = label(str(pack.options.get("description") or ""))
    if given:
        return given
    papers = sum(len(doc.papers) for doc in pack.documents)
    return f"{len(toc)} 篇文档，{papers} 篇论文：" + "；".join(entry.title for entry in toc)


def _meta(book: epub.EpubBook, prop: str, value: str) -> None:
    book.add_metadata(None, "meta", value, {"property": prop})


def _accessibility(book: epub.EpubBook, chapters: Sequence[Chapter]) -> None:
    """EPUB Accessibility metadata, claiming only what the content shows.

    Images without alt text (the corpus's screenshot galleries) mean text
    alone is not a sufficient way to read the book.
    """
    images = [img for c in chapters for img in c.body.iter(f"{{{XHTML_NS}}}img")]
    math = any(has_svg(c.body) for c in chapters)
    described = all(img.get("alt") for img in images)
    _meta(book, "schema:accessMode", "textual")
    if images or math:
        _meta(book, "schema:accessMode", "visual")
    _meta(book, "schema:accessModeSufficient", "textual" if described else "textual,visual")
    features = ["tableOfContents", "structuralNavigation", "readingOrder", "displayTransformability"]
    features += ["describedMath"] if math else []
    features += ["alternativeText"] if images and described else []
    for feature in features:
        _meta(book, "schema:accessibilityFeature", feature)
    _meta(book, "schema:accessibilityHazard", "none")
    _meta(book, "schema:accessibilitySummary", ACCESSIBILITY_SUMMARY)


def _metadata(book: epub.EpubBook, pack: Pack, toc: list[TocEntry], chapters: Sequence[Chapter]) -> None:
    book.set_identifier(book_identifier(pack))
    book.set_title(book_title(pack))
    book.set_language(LANGUAGE)
    for number, author in enumerate(_authors(pack), start=1):
        book.add_author(author, uid=f"creator-{number}")
    dates = _dates(pack.documents)
    if dates:
        book.add_metadata("DC", "date", dates[-1])
    for tag in dict.fromkeys(label(tag) for doc in pack.documents for tag in doc.meta.tags):
        if tag:
            book.add_metadata("DC", "subject", tag)
    book.add_metadata("DC", "description", _description(pack, toc))
    _accessibility(book, chapters)


# --------------------------------------------------------------------------
# The book
# --------------------------------------------------------------------------


def _page(uid: str, name: str, title: str, body: etree._Element, lang: str = LANGUAGE) -> _Page:
    content = xhtml_page(title, lang, body, relative(name, STYLESHEET))
    page = _Page(uid=uid, file_name=name, title=title, lang=lang, content=content)
    if has_svg(body):
        page.properties.append("svg")
    return page


def _cover(book: epub.EpubBook, pack: Pack, toc: list[TocEntry]) -> _Page:
    """The generated cover image, marked as the cover, and the page that shows it."""
    title = book_title(pack)
    dates = _dates(pack.documents)
    span = f"{dates[0]} – {dates[-1]}" if dates and dates[0] != dates[-1] else "".join(dates[:1])
    papers = sum(len(doc.papers) for doc in pack.documents)
    image = cover_image(title, span, f"{len(toc)} 篇文档 · {papers} 篇论文", [entry.title for entry in toc])
    book.set_cover(image.name, image.data, create_page=False)
    src = relative(COVER_PAGE, image.name)
    body = body_from_markup(
        f'<section class="cover-page"><img src="{src}" alt="封面：{escape(title)}"/></section>', "cover", "cover"
    )
    return _page("cover", COVER_PAGE, title, body)


def _book(pack: Pack, chapters: Sequence[Chapter], toc: list[TocEntry], images: list[Resource]) -> epub.EpubBook:
    book = epub.EpubBook()
    _metadata(book, pack, toc, chapters)
    book.add_item(
        epub.EpubItem(uid="css", file_name=STYLESHEET, media_type="text/css", content=stylesheet("epub.css").encode())
    )
    for number, image in enumerate(images, start=1):
        book.add_item(
            epub.EpubImage(uid=f"img-{number}", file_name=image.name, media_type=image.media_type, content=image.data)
        )
    cover = _cover(book, pack, toc)
    contents = _page(
        "contents",
        CONTENTS_PAGE,
        CONTENTS_TITLE,
        body_from_markup(contents_markup(toc, CONTENTS_PAGE, CONTENTS_TITLE), "frontmatter", "contents"),
    )
    pages = [_page(f"c{number}", c.name, c.title, c.body, c.lang) for number, c in enumerate(chapters, start=1)]
    for page in [cover, contents, *pages]:
        book.add_item(page)
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav(title=CONTENTS_TITLE))
    book.toc = ebooklib_toc(toc)
    book.spine = [cover, contents, *pages]
    book.guide = [
        {"href": COVER_PAGE, "title": "封面", "type": "cover"},
        {"href": CONTENTS_PAGE, "title": CONTENTS_TITLE, "type": "toc"},
        {"href": chapters[0].name, "title": toc[0].title, "type": "text"},
    ]
    return book


class _Writer(epub.EpubWriter):
    """ebooklib's writer, with the NCX numbered the way its specification asks."""

    def _get_ncx(self) -> bytes:
        """One ``playOrder`` per target (EPUBCheck rejects two for one target) and the real ``dtb:depth``."""
        root = etree.fromstring(super()._get_ncx())
        numbers: dict[str, int] = {}
        depth = 0
        for point in root.iter(f"{{{NCX_NS}}}navPoint"):
            content = point.find(f"{{{NCX_NS}}}content")
            src = "" if content is None else content.get("src", "")
            point.set("playOrder", str(numbers.setdefault(src, len(numbers) + 1)))
            depth = max(depth, sum(1 for _ in point.iterancestors(f"{{{NCX_NS}}}navPoint")) + 1)
        for meta in root.iterfind(f"{{{NCX_NS}}}head/{{{NCX_NS}}}meta[@name='dtb:depth']"):
            meta.set("content", str(depth))
        return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _package(book: epub.EpubBook) -> bytes:
    """The zip in memory, so a failed build never leaves half an EPUB at the output path."""
    buffer = io.BytesIO()
    options = {
        "epub3_pages": False,
        "landmark_title": "导览",
        "raise_exceptions": True,
        "mtime": datetime.now(UTC),
    }
    writer = _Writer(buffer, book, options)
    writer.process()
    writer.write()
    return buffer.getvalue()
