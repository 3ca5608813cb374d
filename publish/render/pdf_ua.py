"""WeasyPrint's user-agent stylesheet without the universal pseudo-element rules our pages never use.

The stock sheet gives *every* element ``::marker``, ``::footnote-call``,
``::footnote-marker``, ``::note-call``, ``::note-marker`` and
``::note-callback`` styles, so the cascade builds and computes seven styles
per element instead of one: on the corpus survey (2,600 elements) the cascade
took 0.51 s of a 4.5 s part, 0.10 s without them.  A marker is only drawn for
a list item, and the footnote and note styles only for an element floated into
a footnote, which the pack's stylesheets never do (``PACK_FLOATS`` is checked
by a test).  So ``::marker`` is kept for ``li``, the only elements our
stylesheets and the UA sheet display as list items, and the others are left out.

The rest of the sheet is WeasyPrint's own text; the trimming is applied only to the WeasyPrint versions it was checked
against (``tests/test_pdf_ua.py`` compares the drawn pages with and without it).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

CHECKED_VERSIONS = ("70.",)
PACK_FLOATS = ("left", "right", "none")  # the only ``float`` values pdf.css and pdf-a5.css may use
_UNIVERSAL_NOTES = re.compile(r"^::(?:footnote|note)-[a-z]+\s*\{[^}]*\}\s*$", re.M)
_UNIVERSAL_MARKER = re.compile(r"^::marker\s*\{", re.M)


def trimmed(text: str) -> str | None:
    """The UA stylesheet ``text`` with ``::marker`` limited to list items and the note rules left out;
    ``None`` if it does not have the six rules as they were checked."""
    text, markers = _UNIVERSAL_MARKER.subn("li::marker {", text)
    text, notes = _UNIVERSAL_NOTES.subn("", text)
    return text if (markers, notes) == (1, 5) else None


@cache
def ua_stylesheet() -> Any | None:
    """The trimmed sheet, parsed once per process; ``None`` (keep WeasyPrint's) where it was not checked."""
    import weasyprint
    from weasyprint import html
    from weasyprint.css.counters import CounterStyle

    text = trimmed(html.UA) if weasyprint.__version__.startswith(CHECKED_VERSIONS) else None
    # Its @counter-style rules are WeasyPrint's, already registered: a throwaway registry takes them again.
    return None if text is None else weasyprint.CSS(string=text, counter_style=CounterStyle())
