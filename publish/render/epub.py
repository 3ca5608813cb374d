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

ebooklib writes the package (OPF, nav, NCX); the content documents are
ours, byte for byte, and so is the zip (``_Zip``).  A rebuild renders only
the documents that changed: each document's chapters are cached, deflated,
with what they depended on (``epub_parts``); the cover, contents and
navigation show the whole pack and are made each time.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from uuid import NAMESPACE_URL, uuid5

from ebooklib import epub
from lxml import etree

from publish.cache import cache_key, reuse_entries
from publish.errors import PublishError
from publish.model import Document, Pack
from publish.output import write_bytes_atomic
from publish.pack import DEFAULT_TITLE
from publish.render.epub_links import Linker, relative
from publish.render.epub_media import ImageMap, Resource, cover_fonts, cover_image
from publish.render.epub_nav import TocEntry, contents_markup, document_entry, ebooklib_toc
from publish.render.epub_parts import Page, PartWriter
from publish.render.epub_xhtml import (
    XHTML_NS,
    Chapter,
    EPUBTranslator,
    body_from_markup,
    document_chapters,
    has_svg,
    label,
    xhtml_page,
)
from publish.render.html import FormulaMap, stylesheet

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
    built = _Chapters().parts(pack, offline=offline, cache_dir=cache_dir)
    pages = [page for part in built.parts for page in part.pages]
    toc = [part.extra for part in built.parts]
    write_bytes_atomic(output, _package(_book(pack, pages, toc, built.resources), pages))
    return built.pack


class _Chapters(PartWriter[TocEntry]):
    """A document's chapters, as XHTML pages, and its entry in the table of contents."""

    kind = "epub"
    folder = "images"

    def chapters(self, doc: Document, formulas: FormulaMap, images: ImageMap, index: int) -> list[Chapter]:
        return document_chapters(EPUBTranslator(doc, formulas, images), index)

    def finish(self, doc: Document, index: int, chapters: list[Chapter], linker: Linker) -> tuple[list[Page], TocEntry]:
        pages = []
        for c in chapters:
            images = list(c.body.iter(f"{{{XHTML_NS}}}img"))
            content = xhtml_page(c.title, c.lang, c.body, relative(c.name, STYLESHEET))
            undescribed = sum(1 for img in images if not img.get("alt"))
            pages.append(
                Page(c.name, c.title, c.lang, content, has_svg(c.body), len(images), undescribed, deflate(content))
            )
        return pages, document_entry(doc, index, linker)


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


def _accessibility(book: epub.EpubBook, pages: Sequence[Page]) -> None:
    """EPUB Accessibility metadata, claiming only what the content shows.

    Images without alt text (the corpus's screenshot galleries) mean text
    alone is not a sufficient way to read the book.
    """
    images = sum(page.images for page in pages)
    math = any(page.svg for page in pages)
    described = not any(page.undescribed for page in pages)
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


def _metadata(book: epub.EpubBook, pack: Pack, toc: list[TocEntry], pages: Sequence[Page]) -> None:
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
    _accessibility(book, pages)


# --------------------------------------------------------------------------
# The book
# --------------------------------------------------------------------------


def _page(uid: str, page: Page) -> _Page:
    item = _Page(uid=uid, file_name=page.name, title=page.title, lang=page.lang, content=page.content)
    if page.svg:
        item.properties.append("svg")
    return item


def _own_page(uid: str, name: str, title: str, body: etree._Element) -> _Page:
    """The cover and the contents: made each time, as they show the whole pack."""
    content = xhtml_page(title, LANGUAGE, body, relative(name, STYLESHEET))
    return _page(uid, Page(name, title, LANGUAGE, content, has_svg(body)))


def _cover(book: epub.EpubBook, pack: Pack, toc: list[TocEntry]) -> _Page:
    """The generated cover image, marked as the cover, and the page that shows it."""
    title = book_title(pack)
    dates = _dates(pack.documents)
    span = f"{dates[0]} – {dates[-1]}" if dates and dates[0] != dates[-1] else "".join(dates[:1])
    papers = sum(len(doc.papers) for doc in pack.documents)
    facts, titles, fonts = f"{len(toc)} 篇文档 · {papers} 篇论文", [entry.title for entry in toc], cover_fonts()
    # Drawing and encoding the cover is a good part of a rebuild; it changes far less often than a chapter.
    key = cache_key("cover", title, span, facts, *titles, repr(fonts))
    [image] = reuse_entries(
        "epub",
        [key],
        lambda found: [c if isinstance(c, Resource) else cover_image(title, span, facts, titles, fonts) for c in found],
    )
    book.set_cover(image.name, image.data, create_page=False)
    src = relative(COVER_PAGE, image.name)
    body = body_from_markup(
        f'<section class="cover-page"><img src="{src}" alt="封面：{escape(title)}"/></section>', "cover", "cover"
    )
    return _own_page("cover", COVER_PAGE, title, body)


def _book(pack: Pack, chapters: Sequence[Page], toc: list[TocEntry], images: list[Resource]) -> epub.EpubBook:
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
    contents = _own_page(
        "contents",
        CONTENTS_PAGE,
        CONTENTS_TITLE,
        body_from_markup(contents_markup(toc, CONTENTS_PAGE, CONTENTS_TITLE), "frontmatter", "contents"),
    )
    pages = [_page(f"c{number}", c) for number, c in enumerate(chapters, start=1)]
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
    """ebooklib's writer, with the NCX numbered the way its specification asks, writing into ``_Zip``."""

    def write(self) -> None:
        """ebooklib's ``write`` with our zip in place of ``zipfile``'s: ``file_name`` is the ``_Zip``."""
        self.out = self.file_name
        self.out.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        self._write_container()
        self._write_opf()
        self._write_items()

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


def build_time() -> datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set, so that a rebuild can be byte for byte the same."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    return datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)


def _package(book: epub.EpubBook, pages: Sequence[Page]) -> bytes:
    """The zip in memory, so a failed build never leaves half an EPUB at the output path."""
    mtime = build_time()
    options = {"epub3_pages": False, "landmark_title": "导览", "raise_exceptions": True, "mtime": mtime}
    out = _Zip(mtime, {f"{book.FOLDER_NAME}/{page.name}": page for page in pages})
    writer = _Writer(out, book, options)
    writer.process()
    writer.write()
    return out.close()


class _Zip:
    """The zip ebooklib writes into, for one reason: a chapter goes in as the deflate stream its
    part was cached with, instead of being compressed again on every build (most of a rebuild's
    time otherwise).  Images are stored: JPEG and PNG do not deflate.
    """

    def __init__(self, mtime: datetime, pages: dict[str, Page]) -> None:
        self.pages = pages
        self.buffer = io.BytesIO()
        self.central = io.BytesIO()
        self.count = 0
        self.time = (mtime.hour << 11) | (mtime.minute << 5) | (mtime.second // 2)
        self.date = ((max(mtime.year, 1980) - 1980) << 9) | (mtime.month << 5) | mtime.day

    def writestr(self, name: str, data: str | bytes, compress_type: int | None = None) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        page = self.pages.get(name)
        if compress_type == zipfile.ZIP_STORED or name.endswith((".jpg", ".png")):
            method, body = zipfile.ZIP_STORED, raw
        elif page is not None and page.deflated and page.content == raw:
            method, body = zipfile.ZIP_DEFLATED, page.deflated
        else:
            method, body = zipfile.ZIP_DEFLATED, deflate(raw)
        encoded = name.encode("utf-8")
        flags = 0 if name.isascii() else 0x800  # names in UTF-8
        fields = (20, flags, method, self.time, self.date, zlib.crc32(raw), len(body), len(raw), len(encoded))
        offset = self.buffer.tell()
        self.buffer.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + encoded + body)
        self.central.write(
            struct.pack("<IH", 0x02014B50, (3 << 8) | 20)
            + struct.pack("<HHHHHIIIHHHHHII", *fields, 0, 0, 0, 0, 0o100644 << 16, offset)
            + encoded
        )
        self.count += 1

    def close(self) -> bytes:
        start, central = self.buffer.tell(), self.central.getvalue()
        if start + len(central) >= 1 << 32 or self.count >= 1 << 16:
            raise PublishError("the EPUB would be larger than a zip without ZIP64 can hold: split the pack")
        self.buffer.write(central)
        self.buffer.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, self.count, self.count, len(central), start, 0))
        return self.buffer.getvalue()


def deflate(data: bytes) -> bytes:
    """The raw deflate stream a zip member holds."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()
