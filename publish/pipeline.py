"""read → filters → pack: the stages every backend shares.

Backends start from ``load_pack`` and never look at Markdown again.  Reading and filtering a large
digest takes a good part of a second, so a document is kept on disk once read
(``cache_folder("documents")``) and rebuilt only when its bytes, its path or publish itself change;
the documents that must be rebuilt are read in parallel worker processes.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, as_completed
from pathlib import Path

from publish import progress
from publish.cache import cache_key, entry_path, read_entry, write_entry
from publish.filters import DEFAULT_FILTERS, Filter
from publish.model import Document, Pack
from publish.pack import resolve_inputs
from publish.read import read_document
from publish.workers import cores, process_pool

# A pool of fresh interpreters takes about 0.3 s of CPU each to import publish, and reading runs
# at roughly 400 KB/s per core: below this much new Markdown one process is done first.
POOL_MIN_BYTES = 512 * 1024


def process(doc: Document, filters: Iterable[Filter] = DEFAULT_FILTERS) -> Document:
    """Run the filters in order; each returns a new document."""
    for apply in filters:
        doc = apply(doc)
    return doc


def load_document(path: Path) -> Document:
    """Read and filter ``path``, or take the result from the document cache when nothing changed."""
    entry = _entry(path)
    cached = _cached(entry)
    return cached if cached is not None else _build(path, entry)


def load_pack(inputs: Sequence[Path]) -> Pack:
    """The pack ``inputs`` name, its documents in reading order; many not cached are read in parallel."""
    spec = resolve_inputs(list(inputs))
    files = spec.files
    documents: list[Document | None] = [None] * len(files)
    with progress.task("Reading", total=len(files)) as task:
        missing = []
        for index, path in enumerate(files):
            documents[index] = _cached(_entry(path))
            if documents[index] is None:
                missing.append(index)
            else:
                task.advance(path.name)
        workers = min(len(missing), cores())
        if workers > 1 and sum(_size(files[index]) for index in missing) >= POOL_MIN_BYTES:
            _load_in_workers(files, missing, documents, workers, task)
        else:
            for index in missing:
                documents[index] = load_document(files[index])
                task.advance(files[index].name)
    return Pack(title=spec.title, documents=[doc for doc in documents if doc is not None], options=spec.options)


def _load_in_workers(
    files: list[Path], missing: list[int], documents: list[Document | None], workers: int, task: progress.Task
) -> None:
    """Fill ``documents[i]`` for each missing index from a process pool; each worker writes the cache.

    Handing the pool its first document waits for the worker server to start, which for a PDF
    build imports WeasyPrint first (about a second): meanwhile this process reads documents from
    the other end of the list, until the pool has taken the rest.  An exception in a worker (a
    ``PublishError`` for an unreadable file) is raised here as it was.
    """
    todo = deque(missing)
    futures: dict[Future[Document], int] = {}
    with process_pool(workers, preload=["publish.pipeline"]) as pool:

        def hand_over() -> None:
            while (index := _take(todo.popleft)) is not None:
                futures[pool.submit(load_document, files[index])] = index

        handing = threading.Thread(target=hand_over, daemon=True)
        handing.start()
        while (index := _take(todo.pop)) is not None:
            documents[index] = load_document(files[index])
            task.advance(files[index].name)
        handing.join()
        for future in as_completed(futures):
            index = futures[future]
            documents[index] = future.result()
            task.advance(files[index].name)


def _take(pop: Callable[[], int]) -> int | None:
    """The next index from one end of a shared queue; None once the other side took the last."""
    try:
        return pop()
    except IndexError:
        return None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the reader will say what is wrong with it


def _entry(path: Path) -> Path | None:
    """Where the document read from ``path`` is cached: by its bytes, its path and the code.

    The path is in the key because the document carries it (``doc.path``, every warning's file,
    the title when there is no other).  None when the file cannot be read: the reader says why.
    """
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    return entry_path("documents", cache_key(str(path), data))


def _cached(entry: Path | None) -> Document | None:
    doc = read_entry(entry) if entry is not None else None
    return doc if isinstance(doc, Document) else None


def _build(path: Path, entry: Path | None) -> Document:
    doc = process(read_document(path))
    # Stored only if the file still hashes to the key: an editor saving mid-read must not pin a stale document.
    if entry is not None and _entry(path) == entry:
        write_entry(entry, doc)
    return doc
