"""``publish html``: one standalone page per document plus a plain index.

The full bilingual bundle (search, language switch, shared assets) builds on
these pages; this writer keeps each page readable on its own.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from publish.model import Pack
from publish.output import write_text_atomic
from publish.render.html import render_page, stylesheet
from publish.render.math import MathRenderer, render_formulas


def page_name(index: int, stem: str) -> str:
    return f"{index:02d}-{stem}.html"


def write_pages(pack: Pack, output: Path) -> tuple[Pack, list[Path]]:
    """Render formulas, write every page, return the pack with formula warnings added."""
    output.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    documents = []
    with MathRenderer() as renderer:
        for index, doc in enumerate(pack.documents, start=1):
            doc, formulas = render_formulas(doc, renderer)
            documents.append(doc)
            target = output / page_name(index, doc.path.stem)
            write_text_atomic(target, render_page(doc, formulas))
            written.append(target)
    pack = Pack(title=pack.title, documents=documents, options=pack.options)
    index_page = output / "index.html"
    write_text_atomic(index_page, render_index(pack, [p.name for p in written]))
    return pack, [*written, index_page]


def render_index(pack: Pack, names: list[str]) -> str:
    items = "".join(
        f'<li><a href="{escape(name)}">{escape(doc.meta.title or doc.path.stem)}</a>'
        f' <span class="doc-meta">{escape(doc.meta.date)} · {len(doc.papers)} 篇论文</span></li>\n'
        for doc, name in zip(pack.documents, names, strict=True)
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-Hans">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(pack.title)}</title>\n<style>\n{stylesheet()}</style>\n</head>\n<body>\n"
        f"<h1>{escape(pack.title)}</h1>\n<ol>\n{items}</ol>\n</body>\n</html>\n"
    )
