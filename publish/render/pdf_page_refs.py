"""pydyf's page references made once per page count, not once per use.

``pydyf.PDF.page_references`` is a property that formats a reference to every
page of the document each time it is read, and WeasyPrint reads it for every
element of the structure tree (tagged PDF) and every link: a part of n pages
with e tagged elements formats n × e references.  In a month of digests that
was 2 % of layout (py-spy over 32 parts).  The references only change when a
page is added, so they are kept with the page count they were made for.

Applied only to the pydyf versions it was checked against (``tests/test_pdf_page_refs.py``).
"""

from __future__ import annotations

from typing import Any

CHECKED_VERSIONS = ("0.13.",)
_KEPT = "_publish_page_references"  # (length of the Kids array, the references), on the PDF object


def install() -> bool:
    """Keep pydyf's page references; ``False`` where its version was not checked."""
    import pydyf

    if pydyf.PDF.page_references is PAGE_REFERENCES:
        return True
    if not pydyf.__version__.startswith(CHECKED_VERSIONS):
        return False
    pydyf.PDF.page_references = PAGE_REFERENCES
    return True


def page_references(pdf: Any) -> tuple[bytes, ...]:
    """``b"n 0 R"`` for each page, in order (the Kids array holds each as number, 0, R)."""
    kids = pdf.pages["Kids"]
    kept = pdf.__dict__.get(_KEPT)
    if kept is None or kept[0] != len(kids):
        kept = len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3])
        setattr(pdf, _KEPT, kept)
    return kept[1]


PAGE_REFERENCES = property(page_references)
