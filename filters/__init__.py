"""Filters: pure functions from document to document, one concern each.

Order matters where one filter reads what another wrote; the comments on
``DEFAULT_FILTERS`` say why each sits where it does.
"""

from __future__ import annotations

from collections.abc import Callable

from publish.filters.anchors import anchors
from publish.filters.artefacts import text_artefacts
from publish.filters.formulas import formulas
from publish.filters.galleries import galleries
from publish.filters.language import language
from publish.filters.papers import papers
from publish.filters.prose_latex import prose_latex
from publish.filters.tables import tables
from publish.model import Document

Filter = Callable[[Document], Document]

DEFAULT_FILTERS: tuple[Filter, ...] = (
    galleries,  # structure first: later filters see Gallery, not Details of images
    tables,  # drop parser-left empty rows before papers are read from rows
    anchors,  # ids from headings exactly as written (GitHub keeps runs of spaces), and the dead-link check
    prose_latex,  # \textbf{…} → Strong etc.; before artefacts so an \href placeholder is seen as a link
    text_artefacts,  # M¨uller → Müller and placeholder links, before text is copied into records
    formulas,  # normalize and vet TeX before any renderer sees it
    papers,  # paper records from the cleaned tree, anchored to section ids
    language,  # last: tags every block, including those the filters above created
)

__all__ = ["DEFAULT_FILTERS", "Filter"]
