"""``publish html``: a folder (or zip) of pages a researcher opens from disk or puts on any host.

Layout: ``index.html`` (the pack, its documents, every paper A–Z and by
topic), one page per document, and ``assets/`` (CSS, scripts, the search
index, images copied from the shared image store).  Every link is relative
and nothing is loaded from outside the folder: remote images are embedded
from the cache or replaced by a placeholder that keeps their link.

A rebuild renders only the documents that changed: each page and its papers'
search records are cached (``epub_parts``); the index page and the search
index show the whole pack and are assembled each time.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from html import escape
from pathlib import Path

from publish.errors import PublishError
from publish.model import Document, Pack
from publish.output import write_bytes_atomic
from publish.render.bundle_html import BundleTranslator, safe_article, sanitize
from publish.render.bundle_index import (
    Entry,
    document_entries,
    document_list,
    entries,
    paper_index,
    search_index,
    search_records,
)
from publish.render.epub_links import Linker
from publish.render.epub_media import ImageMap
from publish.render.epub_parts import Page, PartWriter
from publish.render.epub_xhtml import Chapter, document_chapters
from publish.render.html import FormulaMap, stylesheet
from publish.translate import load_translations

ASSETS = "assets"
SCRIPTS = ("bundle.js", "search.js")
ONE_PAGE = 1 << 40  # a document is one page in the bundle, however long
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def page_name(index: int, doc: Document) -> str:
    """ASCII names: they survive zip tools, mail and web servers unescaped."""
    stem = _UNSAFE_NAME.sub("-", doc.path.stem).strip("-") or "document"
    return f"{index + 1:02d}-{stem}.html"


def build_bundle(
    pack: Pack, output: Path, *, offline: bool = False, cache_dir: Path | None = None, archive: bool = False
) -> tuple[Pack, list[Path]]:
    """Write the bundle into ``output`` (and ``output.zip`` with ``archive``); return the pack with warnings."""
    if not pack.documents:
        raise PublishError("there is nothing to put in the HTML bundle: the pack has no documents")
    built = _Pages(pack.title).parts(pack, offline=offline, cache_dir=cache_dir)
    found = entries(pack.documents, built.linker)
    index = index_article(pack, pack.documents, built.linker, found)
    records = [record for part in built.parts for record in part.extra]
    files = {
        **{p.name: p.content for part in built.parts for p in part.pages},
        "index.html": page(pack.title, "zh-Hans", pack.title, index).encode("utf-8"),
        **{name: text.encode("utf-8") for name, text in assets(records).items()},
        **{r.name: r.data for r in built.resources},
    }
    written = _write(output, files)
    if archive:
        written.append(write_zip(output, files))
    return built.pack, written


class _Pages(PartWriter[list[dict[str, str]]]):
    """A document's page and its papers' search records; the page's frame shows the pack title: in the key."""

    kind = "bundle"
    folder = f"{ASSETS}/img"

    def __init__(self, pack_title: str) -> None:
        self.pack_title = pack_title
        self.svgs: dict[int, list[str]] = {}  # the formulas each translator held out of the sanitizer

    def key(self, doc: Document) -> list[str]:
        return [self.pack_title]

    def chapters(self, doc: Document, formulas: FormulaMap, images: ImageMap, index: int) -> list[Chapter]:
        translator = BundleTranslator(doc, formulas, images, load_translations(doc.path))
        (chapter,) = document_chapters(translator, index, budget=ONE_PAGE)
        chapter.name = page_name(index, doc)
        next(chapter.body.iterchildren()).set("lang", translator.page_lang)
        self.svgs[index] = translator.svgs
        return [chapter]

    def finish(
        self, doc: Document, index: int, chapters: list[Chapter], linker: Linker
    ) -> tuple[list[Page], list[dict[str, str]]]:
        (c,) = chapters
        html = page(c.title, c.lang, self.pack_title, safe_article(c.body, self.svgs.pop(index)))
        records = search_records(document_entries(doc, index, linker))
        return [Page(c.name, c.title, c.lang, html.encode("utf-8"))], records


def assets(records: Sequence[dict[str, str]]) -> dict[str, str]:
    """Style, scripts and the search index, shared by every page."""
    return {
        f"{ASSETS}/bundle.css": stylesheet("html.css") + stylesheet("bundle.css"),
        f"{ASSETS}/search-index.js": search_index(records),
        **{f"{ASSETS}/{name}": stylesheet(name) for name in SCRIPTS},
    }


def _write(output: Path, files: dict[str, bytes]) -> list[Path]:
    written = []
    for name, data in files.items():
        write_bytes_atomic(output / name, data)
        written.append(output / name)
    return written


def write_zip(output: Path, files: dict[str, bytes]) -> Path:
    """One archive holding the bundle under its folder's name, to mail or upload as one file."""
    target = output.with_name(output.name + ".zip")
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            stored = name.endswith((".jpg", ".png"))  # already compressed: deflating them again only costs time
            archive.writestr(f"{output.name}/{name}", files[name], zipfile.ZIP_STORED if stored else None)
    return target


# --------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------


def index_article(pack: Pack, documents: Sequence[Document], linker: Linker, found: Sequence[Entry]) -> str:
    body = f"<h1>{escape(pack.title)}</h1>\n{document_list(documents, linker)}{paper_index(found)}"
    return sanitize(f'<article class="pack-index">\n{body}</article>\n')


def page(title: str, lang: str, pack_title: str, article: str) -> str:
    """The frame every page shares; the switch and search stay hidden until the script shows them."""
    return f"""<!DOCTYPE html>
<html lang="{escape(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title or pack_title)}</title>
<link rel="stylesheet" href="{ASSETS}/bundle.css">
<script src="{ASSETS}/bundle.js"></script>
<script src="{ASSETS}/search-index.js" defer></script>
<script src="{ASSETS}/search.js" defer></script>
</head>
<body>
<a class="skip" href="#main"><span lang="zh-Hans">跳到正文</span> <span lang="en">Skip to content</span></a>
<header class="site-header">
<a class="home" href="index.html">{escape(pack_title)}</a>
<div class="search" role="search" hidden>
<label for="search-input" class="visually-hidden">搜索论文 Search papers</label>
<input id="search-input" type="search" placeholder="搜索 Search…" autocomplete="off">
</div>
<div class="lang-switch" role="group" aria-label="语言 Language" hidden>
<button type="button" data-set-mode="zh" aria-pressed="false" lang="zh-Hans">中文</button>
<button type="button" data-set-mode="en" aria-pressed="false" lang="en">English</button>
<button type="button" data-set-mode="both" aria-pressed="true" lang="zh-Hans">双语</button>
</div>
<div id="search-results" class="search-results" aria-live="polite" hidden></div>
</header>
<main id="main">
{article}</main>
</body>
</html>
"""
