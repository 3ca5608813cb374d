"""read → filters → pack: the stages every backend shares.

Backends start from ``load_pack`` and never look at Markdown again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from publish.filters import DEFAULT_FILTERS, Filter
from publish.model import Document, Pack
from publish.pack import resolve_inputs
from publish.read import read_document


def process(doc: Document, filters: Iterable[Filter] = DEFAULT_FILTERS) -> Document:
    """Run the filters in order; each returns a new document."""
    for apply in filters:
        doc = apply(doc)
    return doc


def load_document(path: Path) -> Document:
    return process(read_document(path))


def load_pack(inputs: Sequence[Path]) -> Pack:
    spec = resolve_inputs(list(inputs))
    documents = [load_document(path) for path in spec.files]
    return Pack(title=spec.title, documents=documents, options=spec.options)
