"""``publish pdf``: the reading pack typeset for print with WeasyPrint.

The steps, each small enough to test on its own:

1. fonts: fontconfig must know a Chinese face, or the build stops (``pdf_fonts``);
2. formulas: every ``Math`` node to SVG with the shared MathJax renderer;
3. CJK–Latin spacing written into the text (``pdf_typography``);
4. images: fetched, verified and cached by the shared store, concurrently;
5. HTML for the front matter and for each document (``pdf_html``), each laid out
   by WeasyPrint as a part of its own, cached and in parallel (``pdf_parts``),
   through a URL fetcher that reads only the image cache, the pack's folders and
   the font files fontconfig named — never the network, never other files
   (``pdf_engine``);
6. the parts joined into one PDF with page numbers, contents, outline and
   structure tree made whole, and one subset of each font (``pdf_merge``);
7. every WeasyPrint log record becomes a warning for the user.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from publish import model as m
from publish import progress
from publish.cache import cache_key
from publish.errors import PublishError
from publish.images import ImageResult, ImageStore
from publish.output import write_bytes_atomic
from publish.qr import make_missing
from publish.render.html import stylesheet
from publish.render.math import MathRenderer, render_formulas
from publish.render.pdf_assets import Assets
from publish.render.pdf_fonts import Coverage, FontSetup, find_fonts
from publish.render.pdf_html import (
    CONTENTS_ID,
    DocumentInput,
    paper_url,
    render_document,
    render_front,
    render_pack,
)
from publish.render.pdf_list_markers import marker_css
from publish.render.pdf_merge import Joiner, plan
from publish.render.pdf_numbers import Mark, placements, read_specimen, specimen_engine, specimen_part
from publish.render.pdf_parts import (
    PARTS,
    Engine,
    LaidOut,
    Layouts,
    Part,
    cached,
    layout_part,
    part_assets,
    remember,
    start_layout_server,
)
from publish.render.pdf_typography import space_document, substitutes
from publish.tree import iter_nodes
from publish.workers import cores

PAPER_SIZES = {"a4": ("pdf.css",), "a5": ("pdf.css", "pdf-a5.css")}


@dataclass(frozen=True)
class Laid:
    """A finished PDF and what making it found: warnings per document, replaced characters, engine messages."""

    pdf: bytes
    pages: int
    found: list[list[m.Diagnostic]]
    replaced: dict[str, str]
    messages: list[str]


def build_pdf(
    pack: m.Pack,
    output: Path,
    *,
    paper: str = "a4",
    offline: bool = False,
    cache_dir: Path | None = None,
    in_parts: bool = True,
    jobs: int | None = None,
) -> tuple[m.Pack, int]:
    """Write ``pack`` as a PDF to ``output``; return the pack with warnings added and the page count.

    ``cache_dir`` is where downloaded images are kept (default
    ``$XDG_CACHE_HOME/publish/images``); ``offline`` uses only what is cached there.
    ``in_parts`` lays documents out separately, in parallel and cached, and joins them;
    without it the pack is laid out as one HTML document (slower; the reference the parts must match).
    ``jobs`` bounds the layout processes (default: one per core); each holds one part's boxes,
    about 150 MB for a digest, so ``jobs=1`` is the way to build within little memory.
    """
    if paper not in PAPER_SIZES:
        raise PublishError(f"unknown paper size {paper!r}: use one of {', '.join(PAPER_SIZES)}")
    if not pack.documents:
        raise PublishError("the pack has no documents to print")
    if in_parts:
        start_layout_server(jobs)
    fonts = find_fonts()
    with make_missing((paper_url(paper) for doc in pack.documents for paper in doc.papers), jobs or cores()):
        docs, formulas = typeset_formulas(pack.documents)  # while the QR codes are made in other processes
    docs = [space_document(doc) for doc in docs]
    roots = document_roots(docs)
    store = ImageStore(cache_dir=cache_dir, offline=offline, allowed_roots=roots)
    items = [DocumentInput(*parts) for parts in zip(docs, formulas, fetch_images(docs, store), strict=True)]
    engine = layout_engine(fonts, paper, roots=(store.cache_dir.resolve(), *roots))
    front = {"title": pack.title, "generated": build_date(), "toc": bool(pack.options.get("toc", True))}
    if in_parts:
        laid = lay_out_in_parts(items, engine, right_hand=paper == "a5", jobs=jobs, **front)  # type: ignore[arg-type]
    else:
        laid = lay_out_in_one_piece(items, engine, **front)  # type: ignore[arg-type]
    write_bytes_atomic(output, laid.pdf)
    general = [
        m.Diagnostic(file=str(output), line=0, message=text)
        for text in [*fonts.warnings, *(f"PDF engine: {text}" for text in dict.fromkeys(laid.messages))]
    ]
    documents = with_warnings(items, laid, general)
    return m.Pack(title=pack.title, documents=documents, options=pack.options), laid.pages


def layout_engine(fonts: FontSetup, paper: str, *, roots: Sequence[Path]) -> Engine:
    """The stylesheets for ``paper`` and what WeasyPrint may read: ``roots`` and the fonts' files."""
    stylesheets = (fonts.css(), marker_css(fonts), *(stylesheet(name) for name in PAPER_SIZES[paper]))
    return Engine(stylesheets=stylesheets, roots=tuple(roots), font_files=tuple(sorted(fonts.files)),
                  font_sources=fonts.sources)


def lay_out_in_one_piece(
    items: Sequence[DocumentInput], engine: Engine, *, title: str, generated: dt.date, toc: bool
) -> Laid:
    """The whole pack as one HTML document, one WeasyPrint run (the stylesheet opens A5 documents on the right)."""
    assets = Assets()
    rendered = render_pack(title, items, assets, generated=generated, toc=toc)
    html, replaced = replace_undrawable(rendered.html)
    laid = layout_part(Part("pack", html, part_assets(html, assets.get)), engine)
    return Laid(laid.pdf, laid.pages, rendered.warnings, replaced, list(laid.messages))


def lay_out_in_parts(
    items: Sequence[DocumentInput],
    engine: Engine,
    *,
    title: str,
    generated: dt.date,
    toc: bool,
    right_hand: bool,
    jobs: int | None = None,
) -> Laid:
    """Front matter and each document laid out on their own (cached, in parallel), then joined.

    The contents cannot know the page numbers, which only the laid-out documents know: it
    leaves a slot for each, and the numbers are set into the slots when the parts are joined.
    """
    assets = Assets()
    replaced: dict[str, str] = {}
    coverage = Coverage()

    def part(name: str, html: str) -> Part:
        html, table = replace_undrawable(html, coverage)
        replaced.update(table)
        return Part(name, html, part_assets(html, assets.get), style=NO_FOLIO, shared_fonts=True)

    with Layouts(engine, jobs=jobs) as layouts:
        with progress.task("PDF layout", total=len(items) + 2) as task:
            # The contents needs no laid-out document: it starts first, while the documents are rendered.
            front_html = render_front(title, items, generated=generated, toc=toc)
            front_done = layouts.start([part("front matter", front_html)], on_done=lambda *_: task.advance("contents"))
            rendered = [render_document(item, number, assets) for number, item in enumerate(items, start=1)]
            documents = [part(f"document {n}", r.html) for n, r in enumerate(rendered, start=1)]
            joiner = Joiner()

            def document_done(index: int, done: LaidOut) -> None:
                task.advance(documents[index].name)
                if join_now:
                    joiner.add(index + 1, done.pdf, done.fonts)

            documents_done = layouts.start(documents, on_done=document_done, alone_here=True)
            # A part laid out anew makes a new joined PDF: each document is joined as soon as it is ready.
            join_now = bool(front_done.laid_out or documents_done.laid_out)
            specimen_with = specimen_engine(engine)
            specimen_done = None
            if join_now and not documents_done.from_cache:
                # The join will need the specimen, as soon as the contents shows its styles: it goes to the
                # pool behind the documents, and a core that has finished its documents lays it out while
                # the other still works on its last one.  (With documents from the cache, this process
                # joins them while the contents is laid out instead of waiting for it.)
                [front] = front_done()
                specimen_done = layouts.start([specimen_part(contents_styles(front))], engine=specimen_with)
            laid = documents_done()
            if join_now:  # the documents' fonts are made while the contents is laid out
                joiner.make_fonts()
            [front] = front_done()
            layout = plan([front.pages, *(doc.pages for doc in laid)], right_hand=right_hand)
            numbers = {
                name: layout.starts[index] + page + 1
                for index, doc in enumerate(laid, start=1)
                for name, page in doc.anchors.items()
            }
            unnumbered = frozenset(range(front.anchors.get(CONTENTS_ID, front.pages)))  # the cover
            styles = contents_styles(front)
            specimen = specimen_part(styles)
            # Nothing changed since the last build: its joined PDF is in the cache under the parts' keys.
            key = cache_key(
                "joined",
                *(done.key for done in (front, *laid)),
                specimen.key(specimen_with),
                repr(layout),
                repr(sorted(unnumbered)),
                repr(sorted((name, page) for name, page in numbers.items() if name in front.slots)),
            )
            data = cached(PARTS, key, bytes)
            if data is None:
                specimen_pending = specimen_done or layouts.start([specimen], engine=specimen_with)

                def numbering() -> tuple[bytes, dict[int, list[Mark]]]:
                    [laid_specimen] = specimen_pending()
                    found = read_specimen(laid_specimen.pdf, len(styles))
                    skip = unnumbered | layout.blanks
                    return laid_specimen.pdf, placements(found, layout.total, skip, front.slots, numbers, styles)

                for index, done in enumerate((front, *laid)):
                    if index not in joiner:
                        joiner.add(index, done.pdf, done.fonts)
                data = remember(PARTS, key, joiner.join(layout, numbers=numbering))
            task.advance("page numbers")
    messages = [text for done in (front, *laid) for text in done.messages]
    return Laid(data, layout.total, [r.warnings[0] for r in rendered], replaced, messages)


def contents_styles(front: LaidOut) -> list[tuple[float, int]]:
    """The font size and weight of each kind of page number the contents has: the specimen shows them all."""
    return sorted({(slot.font_size, slot.font_weight) for slot in front.slots.values()})


def with_warnings(items: Sequence[DocumentInput], laid: Laid, general: list[m.Diagnostic]) -> list[m.Document]:
    """Each document with what the PDF build found in it; warnings about the build go with the first."""
    out = []
    for index, (item, found) in enumerate(zip(items, laid.found, strict=True)):
        extra = [
            *found, *image_warnings(item), *glyph_warnings(item.doc, laid.replaced), *(general if index == 0 else [])
        ]
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


def replace_undrawable(html: str, coverage: Coverage | None = None) -> tuple[str, dict[str, str]]:
    """The HTML with characters no installed font has replaced; and what replaced them.

    WeasyPrint would print them as empty boxes (.notdef), mostly emoji.  Pass one ``coverage``
    for a build's parts: it asks fontconfig about each character once.
    """
    coverage = coverage or Coverage()
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


# Parts carry no page numbers: no part knows its place.  They are set onto the joined pages (``pdf_numbers``).
NO_FOLIO = """
@page { @bottom-center { content: none; } }
@page :left { @bottom-left { content: none; } }
@page :right { @bottom-right { content: none; } }
"""
