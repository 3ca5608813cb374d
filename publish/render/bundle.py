"""``publish html``: a folder (or zip) of pages a researcher opens from disk or puts on any host.

Layout: ``index.html`` (the pack, its documents, every paper A–Z and by
topic), one page per document, and ``assets/`` (CSS, scripts, the search
index, images copied from the shared image store).  Every link is relative
and nothing is loaded from outside the folder: remote images are embedded
from the cache or replaced by a placeholder that keeps their link.
"""

from __future__ import annotations

import dataclasses
import re
import zipfile
from collections.abc import Sequence
from html import escape
from pathlib import Path

from publish.errors import PublishError
from publish.model import Diagnostic, Document, Pack
from publish.output import write_bytes_atomic, write_text_atomic
from publish.render.bundle_html import BundleTranslator, safe_article, sanitize
from publish.render.bundle_index import Entry, document_list, entries, paper_index, search_index
from publish.render.epub_links import Linker
from publish.render.epub_media import Resource
from publish.render.epub_xhtml import Chapter, document_chapters, prepare_documents, unsafe_link_warnings
from publish.render.html import stylesheet
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
    prepared = prepare_documents(pack, offline=offline, cache_dir=cache_dir, folder=f"{ASSETS}/img")
    documents, images, image_warnings = prepared.documents, prepared.images, prepared.image_warnings
    translators = [
        BundleTranslator(doc, formulas, found, load_translations(doc.path))
        for doc, formulas, found in zip(documents, prepared.formulas, images, strict=True)
    ]
    chapters = [_one_page(t, index) for index, t in enumerate(translators)]
    linker = Linker(documents, chapters)
    for chapter in chapters:
        linker.resolve_links(chapter)
    found = entries(documents, linker)
    pages = {
        c.name: page(c.title, c.lang, pack.title, safe_article(c.body, t.svgs))
        for c, t in zip(chapters, translators, strict=True)
    }
    files = {
        **pages,
        "index.html": page(pack.title, "zh-Hans", pack.title, index_article(pack, documents, linker, found)),
        **assets(found),
    }
    binaries = {r.name: r.data for found_images in images for r in found_images.values() if isinstance(r, Resource)}
    written = _write(output, files, binaries)
    if archive:
        written.append(write_zip(output, files, binaries))
    extra = [
        [*w, *unsafe_link_warnings(doc), *c.warnings]
        for doc, w, c in zip(documents, image_warnings, chapters, strict=True)
    ]
    return _with_warnings(pack, documents, extra), written


def assets(found: Sequence[Entry]) -> dict[str, str]:
    """Style, scripts and the search index, shared by every page."""
    return {
        f"{ASSETS}/bundle.css": stylesheet("html.css") + stylesheet("bundle.css"),
        f"{ASSETS}/search-index.js": search_index(found),
        **{f"{ASSETS}/{name}": stylesheet(name) for name in SCRIPTS},
    }


def _one_page(translator: BundleTranslator, index: int) -> Chapter:
    (chapter,) = document_chapters(translator, index, budget=ONE_PAGE)
    chapter.name = page_name(index, translator.doc)
    article = next(chapter.body.iterchildren())
    article.set("lang", translator.page_lang)
    return chapter


def _with_warnings(pack: Pack, documents: Sequence[Document], extra: Sequence[list[Diagnostic]]) -> Pack:
    updated = [
        dataclasses.replace(doc, warnings=[*doc.warnings, *more]) for doc, more in zip(documents, extra, strict=True)
    ]
    return dataclasses.replace(pack, documents=updated)


def _write(output: Path, files: dict[str, str], binaries: dict[str, bytes]) -> list[Path]:
    written = []
    for name, text in files.items():
        write_text_atomic(output / name, text)
        written.append(output / name)
    for name, data in binaries.items():
        write_bytes_atomic(output / name, data)
        written.append(output / name)
    return written


def write_zip(output: Path, files: dict[str, str], binaries: dict[str, bytes]) -> Path:
    """One archive holding the bundle under its folder's name, to mail or upload as one file."""
    target = output.with_name(output.name + ".zip")
    target.parent.mkdir(parents=True, exist_ok=True)
    entries = {**{k: v.encode("utf-8") for k, v in files.items()}, **binaries}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            archive.writestr(f"{output.name}/{name}", entries[name])
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
