"""Each document's rendered pages, kept on disk so that a rebuild only renders what changed.

The EPUB and the HTML bundle both turn a document into files (XHTML chapters, one HTML page)
through the same steps: anchors, formulas, images, translation, links across the pack.  All but
the last depend on the document alone, so a document's ``Part`` is stored under a key of its
content (``document_key``), its place in the pack, the formula renderer and what the backend adds.
Two things a part shows come from outside that key, so the part records what it saw and is only
reused while that still holds:

* links into other documents (or to files not in the pack): ``Linker.target`` must still give
  what the part wrote, which needs the other documents' ids, known only once every part is
  at hand;
* images: what each URL became (a file in the book, or why not) changes as the image cache fills
  or the build goes online.

Pack-level files (navigation, contents, index page, search index, the zip) are rebuilt each time
from the parts: they are cheap, and they are where one document's change shows in the others.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from publish.cache import cache_key, document_key, reuse_entries
from publish.model import Diagnostic, Document, Pack
from publish.render.epub_links import Linker
from publish.render.epub_media import ImageMap, Resource, embed_urls, outcome
from publish.render.epub_xhtml import Chapter, prepare_documents, unsafe_link_warnings
from publish.render.html import FormulaMap
from publish.render.math import MathRenderer

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    """One file a document became, ready to go into the book or folder as it is."""

    name: str
    title: str
    lang: str
    content: bytes
    svg: bool = False  # the EPUB manifest must say so
    images: int = 0  # <img> elements, and how many of them lack alt text: the accessibility metadata
    undescribed: int = 0
    deflated: bytes = b""  # ``content`` as the raw deflate stream of a zip member, when the backend zips it


@dataclass(frozen=True)
class Part(Generic[T]):
    """A document as rendered, with what it depended on beyond its own text."""

    pages: list[Page]
    targets: dict[str, str]  # what Linker.targets gave out: other documents link here through it
    images: dict[str, str]  # URL → embedded file name, or why there is none
    cross_links: dict[tuple[str, str], str | None]  # (page, href) → what the href became
    warnings: list[Diagnostic]  # everything the build adds to the document's own warnings
    extra: T  # what else the backend keeps: the EPUB's contents entry, the bundle's search records


@dataclass(frozen=True)
class Parts(Generic[T]):
    """Every document's part, and what the pack-level files need besides."""

    parts: list[Part[T]]
    linker: Linker
    resources: list[Resource]  # every embedded image, once
    pack: Pack  # the pack with each document's build warnings added


class PartWriter(ABC, Generic[T]):
    """What a backend says about its parts; ``parts`` does the caching, the same for every backend."""

    kind: str  # the cache folder
    folder: str  # where images go inside the output

    def key(self, doc: Document) -> list[str]:
        """What, beyond the document, its position and the formula renderer, a part depends on."""
        return []

    @abstractmethod
    def chapters(self, doc: Document, formulas: FormulaMap, images: ImageMap, index: int) -> list[Chapter]:
        """The document as parsed bodies, links not yet resolved."""

    @abstractmethod
    def finish(self, doc: Document, index: int, chapters: list[Chapter], linker: Linker) -> tuple[list[Page], T]:
        """The files of the document once its links are resolved, and the backend's extra."""

    def parts(self, pack: Pack, *, offline: bool, cache_dir: Path | None) -> Parts[T]:
        """Every document's part, from the cache where it is still what a fresh render would give."""
        offline = offline or bool(pack.options.get("offline"))
        fingerprint = MathRenderer().fingerprint()
        keys = [
            cache_key(self.kind, document_key(doc), str(index), fingerprint, *self.key(doc))
            for index, doc in enumerate(pack.documents)
        ]
        linker = Linker(pack.documents)
        resources: dict[str, Resource] = {}

        def complete(found: list[object]) -> list[Part[T]]:
            cached = {i: part for i, part in enumerate(found) if isinstance(part, Part)}
            maps = embed_urls(
                [(pack.documents[i].path.parent, list(part.images)) for i, part in cached.items()],
                offline=offline,
                cache_dir=cache_dir,
                folder=self.folder,
            )
            parts: list[Part[T] | None] = [None] * len(found)
            for (i, part), images in zip(cached.items(), maps, strict=True):
                if outcome(images) == part.images:
                    parts[i] = part
                    linker.restore(i, part.targets, part.pages[0].name)
                    resources.update((r.name, r) for r in images.values() if isinstance(r, Resource))
            missing = [i for i, part in enumerate(parts) if part is None]
            parts = self._render(pack, missing, parts, linker, resources, offline=offline, cache_dir=cache_dir)
            # Only now is every document's ids known: a cached part linking to one that changed is redone.
            stale = [i for i, part in enumerate(parts) if i not in missing and not _links_hold(part, i, linker)]
            parts = self._render(pack, stale, parts, linker, resources, offline=offline, cache_dir=cache_dir)
            return [part for part in parts if part is not None]

        parts: list[Part[T]] = reuse_entries(self.kind, keys, complete)
        documents = [
            dataclasses.replace(doc, warnings=[*doc.warnings, *part.warnings])
            for doc, part in zip(pack.documents, parts, strict=True)
        ]
        return Parts(parts, linker, list(resources.values()), dataclasses.replace(pack, documents=documents))

    def _render(
        self,
        pack: Pack,
        todo: Sequence[int],
        parts: list[Part[T] | None],
        linker: Linker,
        resources: dict[str, Resource],
        *,
        offline: bool,
        cache_dir: Path | None,
    ) -> list[Part[T] | None]:
        """Render the documents ``todo``: every chapter is in the linker before any link is resolved."""
        if not todo:
            return parts
        subset = dataclasses.replace(pack, documents=[pack.documents[i] for i in todo])
        prepared = prepare_documents(subset, offline=offline, cache_dir=cache_dir, folder=self.folder)
        rendered = []
        for i, doc, formulas, images in zip(todo, prepared.documents, prepared.formulas, prepared.images, strict=True):
            chapters = self.chapters(doc, formulas, images, i)
            for chapter in chapters:
                linker.add(chapter)
            rendered.append(chapters)
            resources.update((r.name, r) for r in images.values() if isinstance(r, Resource))
        parts = list(parts)
        for j, (i, chapters) in enumerate(zip(todo, rendered, strict=True)):
            for chapter in chapters:
                linker.resolve_links(chapter)
            doc, original = prepared.documents[j], pack.documents[i]
            pages, extra = self.finish(doc, i, chapters, linker)
            parts[i] = Part(
                pages=pages,
                targets=linker.targets(i),
                images=outcome(prepared.images[j]),
                cross_links={(c.name, href): target for c in chapters for href, target in c.cross_links.items()},
                warnings=[
                    *doc.warnings[len(original.warnings) :],  # the formulas MathJax refused
                    *prepared.image_warnings[j],
                    *unsafe_link_warnings(doc),
                    *(w for c in chapters for w in c.warnings),
                ],
                extra=extra,
            )
        return parts


def _links_hold(part: Part[T] | None, index: int, linker: Linker) -> bool:
    """Whether every link of a cached part into another file still resolves as it did."""
    return part is not None and all(
        linker.target(name, index, href)[0] == target for (name, href), target in part.cross_links.items()
    )
