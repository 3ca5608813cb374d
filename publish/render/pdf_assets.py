"""SVG images the pack's HTML refers to by ``asset:`` URLs, served from memory.

Formulas could be inline ``<svg>`` elements, but then
WeasyPrint parses and styles every path of every glyph as an HTML element:
on the corpus that is most of the HTML (1.9 of 2.2 MB) and a large part of
the layout time.  As ``<img>`` sources they are parsed once per distinct
image, by a plain XML parser, and never styled.  Our URL fetcher answers
``asset:`` URLs from here, so nothing is written to disk.  (QR codes are
not images at all: ``pdf_codes`` draws them after layout.)
"""

from __future__ import annotations

import hashlib
import re
from html import escape

SCHEME = "asset:"

# MathJax sizes its SVG in ex of a 16 px em with an 8 px ex (mathjax_server.js): 1 ex = 0.5 em.
_EM_PER_EX = 0.5
_EX_LENGTH = re.compile(r'\b(width|height)="(-?[\d.]+)ex"')
_VALIGN = re.compile(r"vertical-align:\s*(-?[\d.]+)ex")
_ROOT = re.compile(r"<svg\b[^>]*>")


class Assets:
    """Named SVG documents for one build."""

    def __init__(self) -> None:
        self._files: dict[str, bytes] = {}

    def add(self, svg: str) -> str:
        """Keep ``svg`` and return the URL that fetches it; the same SVG gets the same URL."""
        data = svg.encode("utf-8")
        name = f"{SCHEME}{hashlib.sha256(data).hexdigest()[:20]}.svg"
        self._files.setdefault(name, data)
        return name

    def get(self, url: str) -> bytes | None:
        return self._files.get(url)

    def formula(self, svg: str, tex: str, display: bool) -> str:
        """An ``<img>`` for one MathJax SVG, at text size, on the baseline MathJax computed."""
        root = _ROOT.search(svg)
        head = root.group(0) if root else ""
        sizes = {name: float(value) * _EM_PER_EX for name, value in _EX_LENGTH.findall(head)}
        valign = _VALIGN.search(head)
        style = [f"width: {sizes['width']:.3f}em"] if "width" in sizes else []
        if valign and not display:
            style.append(f"vertical-align: {float(valign.group(1)) * _EM_PER_EX:.3f}em")
        return f'<img src="{self.add(svg)}" alt="{escape(tex)}" style="{"; ".join(style)}"/>'
