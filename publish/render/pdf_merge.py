"""Joining laid-out parts into one PDF that reads as if it had been laid out in one piece.

Each part is a complete tagged PDF from WeasyPrint.  Joining them means, with
pikepdf (qpdf), carrying over what WeasyPrint wrote per part and making it
whole again:

* pages, with a blank page wherever a document must open on a right-hand page;
* named destinations (ids are unique across the pack), and the contents'
  links, which point across parts (``PART_LINK``), turned into internal links;
* the outline, part after part;
* the structure tree that makes the PDF tagged: every part's tree under one
  root, the keys that tie pages and links to it renumbered;
* fonts the parts left out: one subset of each for all of them
  (``pdf_shared_fonts``);
* page numbers ("n / N"), which no part can know, and the contents' numbers,
  set in the fonts of a specimen WeasyPrint laid out (``pdf_numbers``), under
  each page as an artifact;
* the catalog's language and the document information from the front part.
"""

from __future__ import annotations

import io
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import pikepdf
from pikepdf import Array, Dictionary, Name, Object, Pdf, String

from publish.render.pdf_html import PART_LINK
from publish.render.pdf_numbers import Mark
from publish.render.pdf_shared_fonts import LeftOut, Programs, fill, font_descriptors


@dataclass(frozen=True)
class Plan:
    """Where each part's first page goes in the joined PDF (0-based), and how long each part is."""

    starts: tuple[int, ...]
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return self.starts[-1] + self.counts[-1] if self.starts else 0

    @property
    def blanks(self) -> frozenset[int]:
        """The pages inserted so that a part opens on a right-hand page."""
        ends = [start + count for start, count in zip(self.starts, self.counts, strict=True)]
        return frozenset(i for end, start in zip(ends, self.starts[1:], strict=False) for i in range(end, start))


def plan(pages: Sequence[int], *, right_hand: bool) -> Plan:
    """Parts one after the other; with ``right_hand``, every part after the first opens on an odd page."""
    starts = []
    at = 0
    for index, count in enumerate(pages):
        if right_hand and index and at % 2:
            at += 1  # page ``at + 1`` would be a left-hand page
        starts.append(at)
        at += count
    return Plan(starts=tuple(starts), counts=tuple(pages))


def tree_items(node: Object, leaf: str) -> Iterator[tuple[Object, Object]]:
    """The key–value pairs of a PDF name or number tree (``leaf`` is ``/Names`` or ``/Nums``), in order."""
    if leaf in node:
        pairs = node[leaf]
        for i in range(0, len(pairs) - 1, 2):
            yield pairs[i], pairs[i + 1]
    for kid in node.get("/Kids", Array()):
        yield from tree_items(kid, leaf)


def _indirect(pdf: Pdf, obj: Object) -> Object:
    """qpdf copies only indirect objects between files."""
    return obj if obj.is_indirect else pdf.make_indirect(obj)


@dataclass
class _Part:
    """What one part brought to the joined PDF, kept apart until ``finish`` puts the parts in order."""

    source: Pdf
    pages: int
    names: list[tuple[bytes, Object]] = field(default_factory=list)
    outline: list[Object] = field(default_factory=list)
    outline_count: int = 0
    struct_kids: list[Object] = field(default_factory=list)
    parent_tree: list[tuple[int, Object]] = field(default_factory=list)
    font_descriptors: dict[str, list[Object]] = field(default_factory=dict)


class Joiner:
    """The joined PDF being built, part by part, in whatever order the parts are ready."""

    def __init__(self) -> None:
        self.out = pikepdf.new()
        self.fonts = Programs()
        self.parts: dict[int, _Part] = {}
        self.next_key = 0
        self.sources: list[Pdf] = []  # qpdf reads copied objects lazily: keep sources open until saved

    def __contains__(self, index: int) -> bool:
        return index in self.parts

    def add(self, index: int, data: bytes, fonts: Mapping[str, LeftOut] | None = None) -> None:
        """Part ``index``'s pages, after those of the parts before it added so far; ``fonts``, the
        fonts it left out, which the join embeds."""
        src = Pdf.open(io.BytesIO(data))
        self.sources.append(src)
        out = self.out
        first = sum(part.pages for i, part in self.parts.items() if i < index)
        with warnings.catch_warnings():
            # pikepdf warns that named destinations do not travel with pages: ``finish`` carries them.
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            if first == len(out.pages):
                out.pages.extend(src.pages)
            else:
                for offset, page in enumerate(src.pages):
                    out.pages.insert(first + offset, page)
        part = self.parts[index] = _Part(src, len(src.pages))
        offset = self.next_key
        used = -1
        pages = out.pages[first : first + part.pages]
        if fonts:
            font_dicts = {font.objgen: font for page in pages for font in page.obj.Resources.get("/Font", {}).values()}
            part.font_descriptors = font_descriptors(font_dicts.values(), fonts)
            self.fonts.note(fonts)
        for page in pages:
            used = max(used, _shift(page.obj, "/StructParents", offset))
            for annot in page.obj.get("/Annots", Array()):
                used = max(used, _shift(annot, "/StructParent", offset))
                _internal_link(annot)
        root = src.Root
        struct = root.get("/StructTreeRoot")
        if struct is not None:
            for kid in struct.get("/K", Array()):
                part.struct_kids.append(out.copy_foreign(_indirect(src, kid)))
            for key, value in tree_items(struct.get("/ParentTree", Dictionary()), "/Nums"):
                part.parent_tree.append((int(key) + offset, out.copy_foreign(_indirect(src, value))))
                used = max(used, int(key) + offset)
        self.next_key = max(self.next_key, used + 1)
        dests = root.get("/Names", Dictionary()).get("/Dests")
        if dests is not None:
            for name, dest in tree_items(dests, "/Names"):
                part.names.append((bytes(name), out.copy_foreign(_indirect(src, dest))))
        outlines = root.get("/Outlines")
        if outlines is not None and "/First" in outlines:
            item = outlines.First
            while True:
                part.outline.append(out.copy_foreign(item))
                if "/Next" not in item:
                    break
                item = item.Next
            part.outline_count = max(int(outlines.get("/Count", 0)), 0)

    def finish(self, layout: Plan) -> None:
        """Blank pages where ``layout`` has them, and the shared structures, part after part; the
        document facts come from the first part."""
        out = self.out
        parts = [self.parts[index] for index in sorted(self.parts)]
        for blank in sorted(layout.blanks):
            size = out.pages[blank - 1].mediabox
            page = out.make_indirect(Dictionary(Type=Name.Page, MediaBox=Array([0, 0, size[2], size[3]]),
                                                Contents=out.make_stream(b""), Resources=Dictionary()))
            out.pages.insert(blank, pikepdf.Page(page))
        names = sorted((pair for part in parts for pair in part.names), key=lambda p: p[0])
        flat = [x for name, dest in names for x in (String(name), dest)]
        out.Root.Names = Dictionary(Dests=Dictionary(Names=Array(flat)))
        outline = [item for part in parts for item in part.outline]
        if outline:
            root = out.make_indirect(Dictionary(Type=Name.Outlines, Count=sum(part.outline_count for part in parts)))
            for i, item in enumerate(outline):
                item.Parent = root
                for key in ("/Prev", "/Next"):
                    if key in item:
                        del item[key]
                if i:
                    item.Prev = outline[i - 1]
                    outline[i - 1].Next = item
            root.First, root.Last = outline[0], outline[-1]
            out.Root.Outlines = root
        struct_kids = [kid for part in parts for kid in part.struct_kids]
        if struct_kids:
            struct = out.make_indirect(Dictionary(Type=Name.StructTreeRoot))
            kids = _one_document(struct_kids)
            for kid in kids:
                kid.P = struct
            struct.K = Array(kids)
            entries = sorted((entry for part in parts for entry in part.parent_tree), key=lambda p: p[0])
            struct.ParentTree = out.make_indirect(Dictionary(Nums=Array([x for key, value in entries
                                                                         for x in (key, value)])))
            struct.ParentTreeNextKey = self.next_key
            out.Root.StructTreeRoot = struct
        src = parts[0].source
        for key in ("/Lang", "/MarkInfo", "/ViewerPreferences", "/PageMode"):
            if key in src.Root:
                out.Root[key] = out.copy_foreign(_indirect(src, src.Root[key]))
        with out.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta.load_from_docinfo(src.docinfo)
        out.docinfo = out.copy_foreign(_indirect(src, src.trailer.Info)) if "/Info" in src.trailer else out.docinfo

    def draw(self, specimen: bytes, marks: Mapping[int, Sequence[Mark]]) -> None:
        """Draw each page's ``marks`` under its content, text in the fonts of the ``specimen`` PDF."""
        source = Pdf.open(io.BytesIO(specimen))
        self.sources.append(source)
        fonts: dict[tuple[int, str], Object] = {}
        for number, placed in sorted(marks.items()):
            page = self.out.pages[number]
            names: dict[tuple[int, str], str] = {}
            operators = []
            for mark in placed:
                key = mark.font
                if key is not None and key not in fonts:
                    fonts[key] = self.out.copy_foreign(source.pages[key[0]].obj.Resources.Font[key[1]])
                if key is not None and key not in names:
                    names[key] = str(page.add_resource(fonts[key], Name.Font, prefix="Number"))
                operators.append(mark.operators(names[key] if key is not None else ""))
            # First, in the page's own coordinates; marked as an artifact so it is not read aloud.
            content = b"q /Artifact BMC\n" + b"".join(operators) + b"EMC Q\n"
            page.contents_add(pikepdf.Stream(self.out, content), prepend=True)

    def join(self, layout: Plan, *, numbers: Callable[[], tuple[bytes, Mapping[int, Sequence[Mark]]]]) -> bytes:
        """The PDF of the parts added, all of ``layout``'s, with the page and contents' numbers ``numbers``
        gives: a specimen PDF and what to set on each page in its fonts.  ``numbers`` is called once
        the parts are in place, so that the specimen can be laid out meanwhile."""
        self.fonts.start()
        self.finish(layout)
        fill(self.out, [part.font_descriptors for part in self.parts.values()], self.fonts.result())
        self.draw(*numbers())
        return self.save()

    def make_fonts(self) -> None:
        """Begin making, on other threads, the fonts the parts added so far left out (``Programs``)."""
        self.fonts.start()

    def save(self) -> bytes:
        """The joined PDF; the joiner is spent, and what it holds is freed later (``free_later``)."""
        buffer = io.BytesIO()
        self.out.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
        for src in self.sources:
            src.close()
        free_later((self.out, self.sources, self.parts))
        self.parts, self.sources = {}, []
        del self.out
        return buffer.getvalue()


FREE_AFTER_S = 10.0


def free_later(objects: object) -> None:
    """Let ``objects`` go ``FREE_AFTER_S`` from now, on a daemon thread.

    Freeing a joined month's qpdf objects takes 0.2 s, holding the interpreter: on any thread it
    delayed the end of the build as much.  A command that ends sooner never frees them (the system
    takes the memory back at once); a process that goes on building frees them in the background.
    """
    threading.Thread(target=_hold, args=(objects,), name="free the joined PDF", daemon=True).start()


def _hold(objects: object) -> None:
    time.sleep(FREE_AFTER_S)  # ``Thread.run`` lets go of ``objects`` after this returns


def _one_document(elements: list[Object]) -> list[Object]:
    """Each part's tree has a ``Document`` element at the top; a reader should meet one, as in one piece."""
    first, *others = elements
    if first.get("/S") != Name.Document or any(e.get("/S") != Name.Document for e in others):
        return elements
    children = _as_list(first.get("/K"))
    for element in others:
        for child in _as_list(element.get("/K")):
            if isinstance(child, Dictionary):
                child.P = first
            children.append(child)
    first.K = Array(children)
    return [first]


def _as_list(kids: Object | None) -> list[Object]:
    """A structure element's ``/K``: absent, one kid, or an array of them."""
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _shift(obj: Object, key: str, offset: int) -> int:
    """Add ``offset`` to a structure-tree key; the new key, or -1 if there is none."""
    if key not in obj:
        return -1
    obj[key] = int(obj[key]) + offset
    return int(obj[key])


def _internal_link(annot: Object) -> None:
    """A link the contents made to another part (``pdf-part:d2-x``) becomes a link to destination ``d2-x``."""
    action = annot.get("/A")
    if action is None or action.get("/S") != Name.URI:
        return
    uri = str(action.get("/URI", ""))
    if uri.startswith(PART_LINK):
        del annot["/A"]
        annot.Dest = String(uri.removeprefix(PART_LINK))
