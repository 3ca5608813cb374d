"""Each line's Pango layout kept from layout to drawing, instead of being made and shaped twice.

WeasyPrint frees a text box's Pango layout once its line is laid out
(``Layout.deactivate``) and, to draw the page, makes it again from the style
and shapes the text anew (``Layout.reactivate``): py-spy put that at 5 % of a
month's layout.  The layout it makes again is the one it freed, unless the
line is justified (drawing adds the justification's word spacing) or the box
is drawn with another style, so a layout is now kept and reused in every other
case.  It costs memory only until the part is written: 5 MB more for the four
corpus documents laid out in one process.

Applied only to the WeasyPrint versions it was checked against
(``tests/test_pdf_pango_layouts.py`` compares the drawn pages with and without it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CHECKED_VERSIONS = ("70.",)


def install() -> bool:
    """Keep and reuse the layouts; ``False`` where WeasyPrint's version was not checked."""
    import weasyprint
    from weasyprint.text.line_break import Layout

    if getattr(Layout.reactivate, "reuses_layouts", False):
        return True
    if not weasyprint.__version__.startswith(CHECKED_VERSIONS):
        return False
    Layout.setup = single_paragraph(Layout.setup)
    Layout.deactivate = keep
    Layout.reactivate = reusing(Layout.reactivate)
    return True


def single_paragraph(setup: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """``setup``, with the layout in the single-paragraph mode drawing sets: setting it then would throw
    the lines away and shape them again.  Only where white space collapses: no newline is left there
    to break paragraphs at, so the lines are the same."""
    from weasyprint.text.ffi import pango

    def set_up(layout: Any, style: Any) -> None:
        setup(layout, style)
        if style["white_space"] in ("normal", "nowrap"):
            pango.pango_layout_set_single_paragraph_mode(layout.layout, True)

    return set_up


def keep(layout: Any) -> None:
    """In place of ``Layout.deactivate``, which drops the Pango layout, its language and its style."""


def reusing(reactivate: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """``reactivate``, skipped when the layout it would make is the one still there."""

    def reuse(layout: Any, style: Any) -> None:
        if getattr(layout, "layout", None) is None or layout.style is not style or layout.justification_spacing:
            reactivate(layout, style)

    reuse.reuses_layouts = True  # type: ignore[attr-defined]
    return reuse
