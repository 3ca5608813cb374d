"""Laying out the parts of the PDF: one WeasyPrint run per part, cached, several at once.

WeasyPrint lays out on one core and holds the whole box tree of what it lays
out in memory.  A pack of a month of digests is therefore laid out as parts —
the front matter and each document on its own — in a pool of worker processes,
one part at a time per worker.  A part's PDF is kept on disk under the hash of
everything that shapes it (its HTML, the stylesheets, the images it shows, the
code), so a rebuild lays out only the documents that changed.

Each worker gets plain data (``Engine`` and ``Part``), never live objects, and
comes from a forkserver that has imported WeasyPrint once (``publish.workers``).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from publish.cache import code_fingerprint, entry_path, read_entry, write_entry
from publish.render.pdf_shared_fonts import LeftOut, deferring, font_files_digest
from publish.workers import cores, process_pool, start_server

PARTS = "pdf-parts"
LAYOUT_MODULE = "publish.render.pdf_worker"  # what a layout worker starts from: WeasyPrint, imported and run once
T = TypeVar("T")
_FILE_URL = re.compile(r'src="(file:[^"]+)"')
_ASSET_URL = re.compile(r"asset:[0-9a-f]+\.svg")
SLOT_ATTRIBUTE = "data-slot"  # a contents entry's title: its page number is set after it at the join
CODE_ATTRIBUTE = "data-qr"  # an empty box the QR code of the attribute's URL is drawn into (``pdf_codes``)


@dataclass(frozen=True)
class Engine:
    """What every layout shares: stylesheets (text) and what the URL fetcher may read."""

    stylesheets: tuple[str, ...]
    roots: tuple[Path, ...]
    font_files: tuple[Path, ...]
    font_sources: tuple[Path, ...] = ()  # fonts parts may leave to the join (``Part.shared_fonts``)

    def fingerprint(self) -> str:
        digest = hashlib.sha256(code_fingerprint().encode())
        for text in self.stylesheets:
            digest.update(hashlib.sha256(text.encode()).digest())
        digest.update(font_files_digest(self.font_sources))
        return digest.hexdigest()


@dataclass(frozen=True)
class Part:
    """One part's HTML, the in-memory SVG assets it refers to, and a stylesheet of its own after the
    engine's.  ``shared_fonts``: its PDF leaves the engine's fonts for the join to embed, shared with
    the other parts (``pdf_shared_fonts``); it is not a PDF to read on its own."""

    name: str
    html: str
    assets: dict[str, bytes] = field(default_factory=dict)
    style: str = ""
    shared_fonts: bool = False

    def key(self, engine: Engine) -> str:
        """Everything the laid-out pages depend on: the HTML (assets are named by their hash), the
        engine, and the bytes of every local image (a re-fetched URL may bring another picture)."""
        digest = hashlib.sha256(engine.fingerprint().encode())
        digest.update(hashlib.sha256(self.style.encode()).digest())
        digest.update(b"shared fonts" if self.shared_fonts else b"own fonts")
        digest.update(self.html.encode())
        for url in sorted(set(_FILE_URL.findall(self.html))):
            path = Path(url2pathname(unquote(urlsplit(url.replace("&amp;", "&")).path)))
            digest.update(_file_digest(path))
        return digest.hexdigest()


@dataclass(frozen=True)
class Slot:
    """Where the number and leader after a ``data-slot`` element go, in CSS px from its page's top left.

    The number is set flush with ``right`` (the right edge of the block's padding box) on the
    ``baseline`` of the line the element ends on, in its font size (px) and weight; the leader's
    dots run on a grid from ``left`` (the block's content box), seen from ``start`` (where the
    element ends) to ``column`` (where the content box ends), above its ``foot``.
    """

    page: int
    right: float
    baseline: float
    font_size: float
    font_weight: int
    left: float
    start: float
    column: float
    foot: float


@dataclass(frozen=True)
class CodeBox:
    """Where the box of a ``data-qr`` element is: its content box's top left and width, in CSS px
    from the top left of its page, whose height (px) turns them into PDF points."""

    page: int
    x: float
    y: float
    size: float
    page_height: float
    url: str


@dataclass(frozen=True)
class LaidOut:
    """A part as PDF bytes, with its page count, the (0-based) page of each id and each slot, what
    WeasyPrint said, and the fonts it embedded (for the join to share them)."""

    pdf: bytes
    pages: int
    anchors: dict[str, int]
    messages: tuple[str, ...]
    key: str = ""  # where it is cached, once it is
    slots: dict[str, Slot] = field(default_factory=dict)
    fonts: dict[str, LeftOut] = field(default_factory=dict)


def _file_digest(path: Path) -> bytes:
    try:
        return hashlib.sha256(path.read_bytes()).digest()
    except OSError:
        return b"missing"


def part_assets(html: str, get: Callable[[str], bytes | None]) -> dict[str, bytes]:
    """The assets ``html`` refers to, so a worker gets only its own part's SVGs."""
    return {url: data for url in set(_ASSET_URL.findall(html)) if (data := get(url)) is not None}


# --------------------------------------------------------------------------
# The cache
# --------------------------------------------------------------------------


def cached(kind: str, key: str, expected: type[T]) -> T | None:
    """The entry ``key`` if it is what it should be; a torn, foreign or stale file is a miss."""
    found = read_entry(entry_path(kind, key))
    return found if isinstance(found, expected) else None


def remember(kind: str, key: str, value: T) -> T:
    write_entry(entry_path(kind, key), value)
    return value


# --------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------


def start_layout_server(jobs: int | None) -> None:
    """Have the layout workers' server import WeasyPrint (about a second) while this process goes on
    reading and preparing the documents; nothing when layout will not run in parallel.  Light to
    import, so a command can call it before it imports the rest of the PDF build (0.17 s)."""
    if (jobs or cores()) > 1:
        start_server(preload=[LAYOUT_MODULE])


class Layouts:
    """Lays parts out, from the cache or now; new parts go to a pool of processes kept for the whole build."""

    def __init__(self, engine: Engine, *, jobs: int | None = None) -> None:
        self.engine = engine
        self.jobs = jobs or cores()
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Layouts:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def start(
        self,
        parts: Sequence[Part],
        *,
        on_done: Callable[[int, LaidOut], None] | None = None,
        engine: Engine | None = None,
        alone_here: bool = False,
    ) -> Pending:
        """Every part as PDF, begun now in the pool: call what this returns for them, in order, after
        doing something else here; it gives ``on_done`` each part (its index and layout) as it is
        ready.  ``engine`` replaces the build's for these parts.  ``alone_here``: one part alone is
        laid out in this process, when it is called, unless the pool is up (its workers have
        WeasyPrint running; this one may not).  With one job, every part is laid out here when it is called."""
        engine = engine or self.engine
        keys = [part.key(engine) for part in parts]
        results: dict[int, LaidOut] = {}
        todo = []
        for index, key in enumerate(keys):
            hit = cached(PARTS, key, LaidOut)
            if hit is None:
                todo.append(index)
            else:
                results[index] = dataclasses.replace(hit, key=key)
        # Largest first, so the long document does not start last and leave a core idle.
        todo.sort(key=lambda i: len(parts[i].html), reverse=True)
        if self.jobs > 1 and todo and not (alone_here and len(todo) == 1 and self._pool is None):
            pool = self._pool = self._pool or process_pool(self.jobs, preload=[LAYOUT_MODULE], fresh=True)
            done = _hand_over(pool, [(index, parts[index]) for index in todo], engine)
        else:
            done = ((index, layout_part(parts[index], engine)) for index in todo)

        def collect() -> list[LaidOut]:
            if on_done:
                for index in sorted(results):
                    on_done(index, results[index])
            for index, laid in done:
                results[index] = remember(PARTS, keys[index], dataclasses.replace(laid, key=keys[index]))
                if on_done:
                    on_done(index, results[index])
            return [results[index] for index in range(len(parts))]

        # Collected once, however often called: a second call gets the same layouts, and on_done is not repeated.
        return Pending(functools.cache(collect), from_cache=len(results), laid_out=len(todo))


@dataclass(frozen=True)
class Pending:
    """Parts being laid out: call it for them, in order (as often as wanted).  How many came ``from_cache``,
    how many are ``laid_out`` now."""

    collect: Callable[[], list[LaidOut]]
    from_cache: int
    laid_out: int

    def __call__(self) -> list[LaidOut]:
        return self.collect()


def _hand_over(
    pool: ProcessPoolExecutor, todo: Sequence[tuple[int, Part]], engine: Engine
) -> Iterator[tuple[int, LaidOut]]:
    """Each part's index and layout from ``pool``, as they are ready.

    Handing the pool its first part waits for the worker server, which may still be importing
    WeasyPrint (half a second after a build's first steps): a thread hands the parts over, and
    this process goes on rendering the other parts and joining those from the cache meanwhile.
    """
    futures: dict[Future[LaidOut], int] = {}
    failed: list[BaseException] = []

    def submit() -> None:
        try:
            for index, part in todo:
                futures[pool.submit(layout_part, part, engine)] = index
        except BaseException as exc:  # a broken pool: raised where the results are wanted
            failed.append(exc)

    handing = threading.Thread(target=submit, name="hand over parts", daemon=True)
    handing.start()

    def results() -> Iterator[tuple[int, LaidOut]]:
        handing.join()
        if failed:
            raise failed[0]
        for future in as_completed(futures):
            yield futures[future], future.result()

    return results()


def layout_part(part: Part, engine: Engine) -> LaidOut:
    """One WeasyPrint run: the part's HTML to PDF bytes (in a worker, or here)."""
    from publish.render.pdf_codes import drawing
    from publish.render.pdf_engine import environment_warnings, render_html

    with engine_messages() as messages, deferring(engine.font_sources if part.shared_fonts else ()) as left_out:
        document = render_html(part.html, engine, part.assets, part.style)
        slots, codes = find_boxes(document.pages)
        data = document.write_pdf(pdf_tags=True, finisher=drawing(codes))
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, number)  # a box split across pages carries its id on each: the first counts
    warnings = (*environment_warnings(), *messages)
    return LaidOut(data, len(document.pages), anchors, warnings, slots=slots, fonts=dict(left_out))


def find_boxes(pages: Sequence[Any]) -> tuple[dict[str, Slot], tuple[CodeBox, ...]]:
    """Where every element with a ``data-slot`` or a ``data-qr`` attribute is in WeasyPrint's laid-out ``pages``."""
    from weasyprint.formatting_structure.boxes import BlockContainerBox, InlineBlockBox, LineBox

    slots: dict[str, Slot] = {}
    codes: dict[int, CodeBox] = {}
    for number, page in enumerate(pages):
        block = line = None
        for box in _descendants(page._page_box):  # a block, then its lines, then what is on them
            if isinstance(box, BlockContainerBox) and not isinstance(box, InlineBlockBox):  # not one set on a line
                block = box
            elif isinstance(box, LineBox):
                line = box
            element = getattr(box, "element", None)
            if element is None or "::" in box.element_tag:
                continue  # anonymous, or the box of a ::before or ::after
            url = element.get(CODE_ATTRIBUTE)
            if url is not None and id(element) not in codes:  # a box split across pages: its first piece
                codes[id(element)] = CodeBox(
                    number, box.content_box_x(), box.content_box_y(), box.width, page.height, url
                )
            name = element.get(SLOT_ATTRIBUTE)
            if name is not None and block is not None and line is not None:
                # split across lines or pages, the slot is where its last piece ends
                left, column = block.content_box_x(), block.content_box_x() + block.width
                slots[name] = Slot(
                    number, column + block.padding_right, line.position_y + line.baseline, box.style["font_size"],
                    box.style["font_weight"], left, box.position_x + box.margin_width(), column,
                    block.content_box_y() + block.height,
                )
    return slots, tuple(codes.values())


def _descendants(box: Any) -> Iterator[Any]:
    """WeasyPrint's laid-out boxes below ``box`` (no public API), depth first, and unlike its
    ``descendants()``, those of positioned boxes too (in their placeholders)."""
    stack = list(reversed(getattr(box, "children", ())))
    while stack:
        box = stack.pop()
        box = getattr(box, "_box", box)  # an AbsolutePlaceholder stands in its parent for the box
        yield box
        stack.extend(reversed(getattr(box, "children", ())))


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
