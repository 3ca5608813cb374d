"""Each line's Pango layout kept from layout to drawing, instead of being made and shaped twice.

WeasyPrint frees a text box's Pango layout once its line is laid out
(``Layout.deactivate``) and, to draw the page, makes it again from the style
and shapes the text anew (``Layout.reactivate``); drawing also switches the
layout to single-paragraph mode, which by itself throws its lines away.
py-spy put that at 5 % of a month's layout; callgrind counts 2.3 % fewer
instructions for the corpus's two largest documents without it.

So a text with nothing Pango would take for a paragraph break is laid out in
single-paragraph mode from the start (the same lines: there is no break to
treat otherwise), and its layout is kept and reused to draw it unless the line
is justified (drawing adds the justification's word spacing) or the box is
drawn with another style.  It costs memory only until the part is written: 5 MB
more for the four corpus documents laid out in one process.

Applied only to the WeasyPrint versions it was checked against
(``tests/test_pdf_pango_layouts.py`` compares the drawn pages with and without it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

CHECKED_VERSIONS = ("70.",)
_BREAKS = re.compile("[\n\r\v\f\x85\u2028\u2029]")  # what Pango may end a paragraph at, and line separators


def install() -> bool:
    """Keep and reuse the layouts; ``False`` where WeasyPrint's version was not checked."""
    import weasyprint
    from weasyprint.text.line_break import Layout

    if getattr(Layout.reactivate, "reuses_layouts", False):
        return True
    if not weasyprint.__version__.startswith(CHECKED_VERSIONS):
        return False
    Layout.set_text = single_paragraph(Layout.set_text)
    Layout.deactivate = keep
    Layout.reactivate = reusing(Layout.reactivate)
    return True


def single_paragraph(set_text: Callable[..., None]) -> Callable[..., None]:
    """``set_text``, first putting the layout in the single-paragraph mode drawing sets, when ``text`` has
    no break the mode would change.  Never out of it: drawing may set a text after setting the mode."""
    from weasyprint.text.ffi import pango

    def set_text_in_one_paragraph(layout: Any, text: str, justify: bool = False) -> None:
        if not _BREAKS.search(text):
            pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
        set_text(layout, text, justify)

    return set_text_in_one_paragraph


def keep(layout: Any) -> None:
    """In place of ``Layout.deactivate``, which drops the Pango layout, its language and its style."""


def reusing(reactivate: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """``reactivate``, skipped when the layout it would make is the one still there."""

    def reuse(layout: Any, style: Any) -> None:
        if getattr(layout, "layout", None) is None or layout.style is not style or layout.justification_spacing:
            reactivate(layout, style)

    reuse.reuses_layouts = True  # type: ignore[attr-defined]
    return reuse
