"""``publish pdf``: the reading pack typeset for print with WeasyPrint.

The steps, each small enough to test on its own:

1. fonts: fontconfig must know a Chinese face, or the build stops (``pdf_fonts``);
2. formulas: every ``Math`` node to SVG with the shared MathJax renderer;
3. CJK–Latin spacing written into the text (``pdf_typography``);
4. images: fetched, verified and cached by the shared store, concurrently;
5. HTML for the whole pack (``pdf_html``) and layout with WeasyPrint, whose
   URL fetcher is ours: it reads only the image cache, the pack's folders and
   the font files fontconfig named — never the network, never other files;
6. every WeasyPrint log record becomes a warning for the user.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import mimetypes
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint import CSS, HTML, Document
from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from publish import model as m
from publish.errors import PublishError
from publish.images import ImageResult, ImageStore
from publish.output import write_bytes_atomic
from publish.render.html import stylesheet
from publish.render.math import MathRenderer, render_formulas
from publish.render.pdf_assets import SCHEME as ASSET_SCHEME
from publish.render.pdf_assets import Assets
from publish.render.pdf_fonts import Coverage, find_fonts
from publish.render.pdf_html import DocumentInput, Rendered, render_pack
from publish.render.pdf_typography import space_document, substitutes
from publish.tree import iter_nodes

PAPER_SIZES = {"a4": ("pdf.css",), "a5": ("pdf.css", "pdf-a5.css")}
HARFBUZZ_HINT = (
    "HarfBuzz's subsetter (libharfbuzz-subset0) was not found: fonts are subset with fontTools, "
    "which makes the PDF build several times slower; install libharfbuzz-subset0 (Debian/Ubuntu) "
    "or harfbuzz (Homebrew)"
)


def build_pdf(
    pack: m.Pack, output: Path, *, paper: str = "a4", offline: bool = False, cache_dir: Path | None = None
) -> tuple[m.Pack, int]:
    """Write ``pack`` as a PDF to ``output``; return the pack with warnings added and the page count.

    ``cache_dir`` is where downloaded images are kept (default
    ``$XDG_CACHE_HOME/publish/images``); ``offline`` uses only what is cached there.
    """
    if paper not in PAPER_SIZES:
        raise PublishError(f"unknown paper size {paper!r}: use one of {', '.join(PAPER_SIZES)}")
    if not pack.documents:
        raise PublishError("the pack has no documents to print")
    fonts = find_fonts()
    docs, formulas = typeset_formulas(pack.documents)
    docs = [space_document(doc) for doc in docs]
    roots = document_roots(docs)
    store = ImageStore(cache_dir=cache_dir, offline=offline, allowed_roots=roots)
    items = [DocumentInput(*parts) for parts in zip(docs, formulas, fetch_images(docs, store), strict=True)]
    assets = Assets()
    rendered = render_pack(pack.title, items, assets, generated=build_date(), toc=bool(pack.options.get("toc", True)))
    html, replaced = replace_undrawable(rendered.html)
    fetcher = PackFetcher(roots=[store.cache_dir, *roots], files=fonts.files, assets=assets)
    with engine_messages() as messages:
        document = render_html(html, [fonts.css(), *(stylesheet(name) for name in PAPER_SIZES[paper])], fetcher)
        write_bytes_atomic(output, document.write_pdf(pdf_tags=True))
    general = [
        m.Diagnostic(file=str(output), line=0, message=text)
        for text in [*fonts.warnings, *environment_warnings(), *(f"PDF engine: {text}" for text in messages)]
    ]
    documents = with_warnings(items, rendered, replaced, general)
    return m.Pack(title=pack.title, documents=documents, options=pack.options), len(document.pages)


def with_warnings(
    items: Sequence[DocumentInput], rendered: Rendered, replaced: dict[str, str], general: list[m.Diagnostic]
) -> list[m.Document]:
    """Each document with what the PDF build found in it; warnings about the build go with the first."""
    out = []
    for index, (item, found) in enumerate(zip(items, rendered.warnings, strict=True)):
        extra = [*found, *image_warnings(item), *glyph_warnings(item.doc, replaced), *(general if index == 0 else [])]
        out.append(dataclasses.replace(item.doc, warnings=[*item.doc.warnings, *extra]))
    return out


def pdf_options(pack: m.Pack, *, paper: str | None, offline: bool) -> dict[str, object]:
    """``build_pdf`` keywords: the command line wins, then the manifest's ``options``, then A4 online."""
    chosen = paper or str(pack.options.get("paper") or "a4")
    return {"paper": chosen.lower(), "offline": offline or bool(pack.options.get("offline", False))}


# --------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------


def typeset_formulas(docs: Sequence[m.Document]) -> tuple[list[m.Document], list[dict[tuple[str, bool], str]]]:
    """Every document's formulas as SVG, through one MathJax process for the whole pack."""
    out_docs, out_formulas = [], []
    with MathRenderer() as renderer:
        for doc in docs:
            doc, svgs = render_formulas(doc, renderer)
            out_docs.append(doc)
            out_formulas.append(svgs)
    return out_docs, out_formulas


def document_roots(docs: Sequence[m.Document]) -> list[Path]:
    """The folders relative image paths may point into: each document's own."""
    return list(dict.fromkeys(doc.path.resolve().parent for doc in docs))


def _image_urls(doc: m.Document) -> list[str]:
    return list(dict.fromkeys(node.url for node in iter_nodes(doc) if isinstance(node, m.Image)))


def fetch_images(docs: Sequence[m.Document], store: ImageStore) -> list[dict[str, ImageResult]]:
    """Every image of every document in one concurrent batch: slow hosts overlap instead of adding up."""
    requests = [(url, doc.path.resolve().parent) for doc in docs for url in _image_urls(doc)]
    results = store.fetch_all(requests)
    return [{url: results[(url, doc.path.resolve().parent)] for url in _image_urls(doc)} for doc in docs]


def image_warnings(item: DocumentInput) -> list[m.Diagnostic]:
    """One warning per image that prints as a placeholder, at its line."""
    return [
        item.doc.diagnostic(node.line, f"image not printed ({result.error}): {node.url}; printed as a placeholder")
        for node in iter_nodes(item.doc)
        if isinstance(node, m.Image) and not (result := item.images[node.url]).ok
    ]


def replace_undrawable(html: str) -> tuple[str, dict[str, str]]:
    """The HTML with characters no installed font has replaced; and what replaced them.

    WeasyPrint would print them as empty boxes (.notdef), mostly emoji.
    """
    coverage = Coverage()
    table = substitutes(coverage.missing(html), coverage.drawable)
    return (html.translate(str.maketrans(table)) if table else html), table


def glyph_warnings(doc: m.Document, replaced: dict[str, str]) -> list[m.Diagnostic]:
    """One warning per replaced character, at the first line of ``doc`` that has it."""
    out = []
    texts = [(n.line, n.text) for n in iter_nodes(doc) if isinstance(n, (m.Text, m.Code, m.CodeBlock))]
    for char, symbol in sorted(replaced.items()):
        line = next((line for line, text in texts if char in text), None)
        if line is not None:
            shown = f"printed as {symbol}" if symbol else "left out"
            out.append(doc.diagnostic(line, f"no installed font has {char} (U+{ord(char):04X}): {shown}"))
    return out


def build_date() -> dt.date:
    """Today, or ``SOURCE_DATE_EPOCH`` when set, so that a rebuild can be byte-for-byte the same."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


def environment_warnings() -> list[str]:
    """What makes the build slow here and the user can fix."""
    if harfbuzz_subset is None or not harfbuzz.hb_version_atleast(4, 1, 0):
        return [HARFBUZZ_HINT]
    return []


# --------------------------------------------------------------------------
# WeasyPrint
# --------------------------------------------------------------------------


class PackFetcher(URLFetcher):
    """WeasyPrint's only way to read anything: ``assets``, files under ``roots`` and exactly ``files``.

    Never the network (images come from the store as local files), never a
    file elsewhere: a document cannot make the PDF embed ``/etc/passwd``.
    """

    def __init__(self, *, roots: Iterable[Path], files: Iterable[Path], assets: Assets) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.roots = tuple(Path(root).resolve() for root in roots)
        self.files = frozenset(Path(file).resolve() for file in files)
        self.assets = assets

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        if url.startswith(ASSET_SCHEME):
            data = self.assets.get(url)
            if data is None:
                raise ValueError(f"no such asset: {url}")
            return URLFetcherResponse(url, body=data, headers={"Content-Type": "image/svg+xml"})
        path = allowed_path(url, self.roots, self.files)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})


def allowed_path(url: str, roots: Sequence[Path], files: frozenset[Path]) -> Path:
    """The local file ``url`` names if the PDF engine may read it; ``ValueError`` otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise ValueError(f"the PDF engine may not fetch {url}: every resource must come from the image store")
    path = Path(url2pathname(unquote(parts.path))).resolve()
    if path in files or any(path.is_relative_to(root) for root in roots):
        return path
    raise ValueError(f"the PDF engine may not read {path}: it is outside the pack, the image cache and the fonts")


class _Collect(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(level=logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


@contextmanager
def engine_messages() -> Iterator[list[str]]:
    """WeasyPrint's warnings and errors, collected instead of printed: each becomes a warning of ours."""
    messages: list[str] = []
    handler = _Collect(messages)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


def render_html(html: str, stylesheets: Sequence[str], fetcher: URLFetcher) -> Document:
    """Lay the pack out: the slow step (WeasyPrint lays out on one core).

    One font configuration for all stylesheets, or ``@font-face`` rules are ignored.
    """
    font_config = FontConfiguration()
    sheets = [CSS(string=text, url_fetcher=fetcher, font_config=font_config) for text in stylesheets]
    return HTML(string=html, url_fetcher=fetcher).render(stylesheets=sheets, font_config=font_config)
