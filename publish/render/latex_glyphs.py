"""Which font of the LaTeX template draws each character, decided before XeLaTeX runs.

XeTeX does not fall back to another font for a character its current font
lacks: it drops the glyph and logs ``Missing character``.  The corpus mixes
Chinese, English, Greek (``α-JSD``), Cyrillic, circled digits, ``ℓ``, ``⚠``
and emoji in one paragraph, so every run of text is split here by the font
that can draw it:

- xeCJK sets its CJK classes (ideographs, kana, full-width forms, CJK
  punctuation) in the CJK font; everything else is set in the Latin font;
- a character that font lacks is wrapped in ``\\publishfallback<N>{…}``, the
  first fallback font that has it;
- a character no font has (emoji) becomes ``\\publishnoglyph{1F534}``, which
  the template prints as its code point; format and control characters
  (variation selectors, zero-width joiners, NUL) are dropped, since TeX would
  either refuse or drop them anyway.

Coverage comes from the fonts' own ``cmap`` tables, located with fontconfig's
``fc-match`` (the same lookup XeTeX does for a font name).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

from publish.errors import PublishError


@dataclass(frozen=True)
class Fonts:
    """The template's fonts; ``latex.py`` hands the same names to the template."""

    main: str = "Latin Modern Roman"
    sans: str = "Latin Modern Sans"
    cjk: str = "Noto Serif CJK SC"
    cjk_bold: str = "Noto Serif CJK SC Bold"
    cjk_sans: str = "Noto Sans CJK SC"
    # One font for all code, Latin and CJK alike: code cannot be split into
    # runs of several fonts (a code block is verbatim), so it needs the widest.
    mono: str = "Noto Sans Mono CJK SC"
    fallbacks: tuple[str, ...] = ("Noto Serif CJK SC", "DejaVu Serif")


FONTS = Fonts()

# xeCJK's default CJK character class, plus the punctuation it sets full-width.
_CJK_RANGES = (
    (0x02EA, 0x02EB), (0x2E80, 0x2FFF), (0x3000, 0x9FFF), (0xA000, 0xA4CF), (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF), (0xFE10, 0xFE1F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x16FE0, 0x18D7F),
    (0x1AFF0, 0x1B2FF), (0x1F200, 0x1F2FF), (0x20000, 0x3FFFF),
)  # fmt: skip
_CJK_PUNCTUATION = frozenset("\u00b7\u2013\u2014\u2018\u2019\u201c\u201d\u2025\u2026\u2027\u2e3a")
# Kept although Unicode calls them format characters: TeX handles them as text.
_KEPT_FORMAT = frozenset("\u00ad")


def is_cjk(char: str) -> bool:
    code = ord(char)
    return char in _CJK_PUNCTUATION or any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def is_dropped(char: str) -> bool:
    """Controls (TeX refuses them) and invisible format characters (nothing to draw)."""
    if char in "\t\n" or char in _KEPT_FORMAT:
        return False
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") or "\ufe00" <= char <= "\ufe0f"


@functools.cache
def _font_file(name: str) -> tuple[Path, int]:
    """The file (and face in a collection) fontconfig gives for ``name``, as XeTeX will get it."""
    if shutil.which("fc-match") is None:
        raise PublishError("fc-match (fontconfig) is not installed: install fontconfig so fonts can be found")
    out = subprocess.run(
        ["fc-match", "-f", "%{family}|%{file}|%{index}", name],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    families, file, index = out.rsplit("|", 2)
    if name not in families.split(","):
        raise PublishError(
            f"the font {name!r} used by the LaTeX template is not installed "
            "(install fonts-noto-cjk, fonts-lmodern and fonts-dejavu-core)"
        )
    return Path(file), int(index or 0)


@functools.cache
def coverage(name: str) -> frozenset[int]:
    """Code points the font ``name`` has a glyph for."""
    path, index = _font_file(name)
    font = TTCollection(str(path)).fonts[index] if path.suffix.lower() in (".ttc", ".otc") else TTFont(str(path))
    return frozenset(font.getBestCmap())


def _draws(char: str, fonts: Fonts) -> bool:
    """Whether the font xeCJK picks for ``char`` has it."""
    return ord(char) in coverage(fonts.cjk if is_cjk(char) else fonts.main)


def fallback_index(char: str, fonts: Fonts = FONTS) -> int:
    """0 when the normal font draws ``char``; N for the Nth fallback font; -1 when none does."""
    if _draws(char, fonts):
        return 0
    for number, name in enumerate(fonts.fallbacks, start=1):
        if ord(char) in coverage(name):
            return number
    return -1


@dataclass(frozen=True)
class Run:
    """Characters set in the same font: ``font`` as in ``fallback_index``."""

    text: str
    font: int


def runs(text: str, fonts: Fonts = FONTS) -> Iterator[Run]:
    """``text`` split into runs by font, dropped characters left out."""
    current = ""
    font = 0
    for char in text:
        if is_dropped(char):
            continue
        index = 0 if char.isascii() else fallback_index(char, fonts)
        if index != font and current:
            yield Run(current, font)
            current = ""
        current += char
        font = index
    if current:
        yield Run(current, font)


def noglyph(char: str) -> str:
    return f"\\publishnoglyph{{{ord(char):04X}}}"


def wrapper(font: int) -> tuple[str, str]:
    """The LaTeX before and after a run set in fallback font ``font`` (1, 2…)."""
    return (f"\\publishfallback{_letters(font)}{{", "}") if font > 0 else ("", "")


def wrap_run(run: Run, body: str) -> str:
    """The LaTeX for a run whose (already escaped) text is ``body``."""
    if run.font < 0:
        return "".join(noglyph(char) for char in run.text)
    before, after = wrapper(run.font)
    return f"{before}{body}{after}"


def fallback_macros(fonts: Fonts = FONTS) -> str:
    """Preamble lines defining ``\\publishfallbackA``… for the template."""
    lines = []
    for number, name in enumerate(fonts.fallbacks, start=1):
        letters = _letters(number)
        lines.append(f"\\newfontfamily\\publishfallbackfont{letters}{{{name}}}")
        lines.append(f"\\newcommand\\publishfallback{letters}[1]{{{{\\publishfallbackfont{letters}#1}}}}")
    return "\n".join(lines)


def _letters(number: int) -> str:
    """Macro names take letters only: 1 → A, 2 → B."""
    return chr(ord("A") + number - 1)


_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def escape(text: str) -> str:
    """TeX's special characters as text: for the LaTeX we write ourselves (BibTeX fields)."""
    return "".join(_TEXT_ESCAPES.get(char, char) for char in text)


def latex_text(text: str, fonts: Fonts = FONTS) -> str:
    """``text`` as LaTeX that prints it literally, each character in a font that has it."""
    return "".join(wrap_run(run, escape(run.text)) for run in runs(text, fonts))


def code_text(text: str, fonts: Fonts = FONTS) -> str:
    """Code for a verbatim block: what the code font lacks is spelled ``<U+1F534>``.

    A verbatim block cannot switch fonts, and a dropped character would change
    the code without a trace.
    """
    mono = coverage(fonts.mono)
    return "".join(
        char if char in "\t\n" or (ord(char) in mono and not is_dropped(char)) else f"<U+{ord(char):04X}>"
        for char in text
    )
