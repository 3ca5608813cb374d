"""The facts ``publish inspect`` reports: what a correct reading of a file must reproduce."""

from __future__ import annotations

from typing import Any

from publish.model import Document, Image, Math, Table
from publish.tree import iter_nodes


def summarize(doc: Document) -> dict[str, Any]:
    """Counts cover the body only: a front-matter cover is metadata, not an image in the text."""
    nodes = list(iter_nodes(doc))
    return {
        "file": str(doc.path),
        "kind": doc.kind,
        "title": doc.meta.title,
        "date": doc.meta.date,
        "papers": [
            {
                "title": p.title,
                "authors": p.authors,
                "arxiv": p.arxiv,
                "links": p.links,
                "topic": p.topic,
                "date": p.date,
                "line": p.line,
            }
            for p in doc.papers
        ],
        "formulas": sum(isinstance(n, Math) for n in nodes),
        "images": sum(isinstance(n, Image) for n in nodes),
        "tables": sum(isinstance(n, Table) for n in nodes),
        "warnings": [{"file": w.file, "line": w.line, "level": w.level, "message": w.message} for w in doc.warnings],
    }
