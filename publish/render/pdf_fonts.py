"""Which fonts the PDF uses, found through fontconfig before anything is laid out.

A missing CJK font does not fail in WeasyPrint: it prints tofu boxes on every
page.  So the build asks ``fc-list`` first and stops with the package to
install.  The Latin face is declared with ``@font-face`` under three family
names: one limited to the characters Latin and Chinese text do not share
(Chinese quotes, dashes, ellipsis and the middle dot stay full-width, from the
CJK face), one complete for English blocks, and its italic as an upright
family for emphasis inside Chinese text.  Ranges are cut to what the font file
really covers, or Pango would draw .notdef for a character a range claims.
"""

from __future__ import annotations

import bisect
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError

from publish.cache import cache_key, entry_path, read_entry, write_entry
from publish.errors import PublishError

CJK_SERIF = ("Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN", "Noto Serif SC")
CJK_SANS = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC")
LATIN_SERIF = ("TeX Gyre Pagella", "Source Serif 4", "Noto Serif", "DejaVu Serif")

CJK_PACKAGE = (
    "install the Noto CJK fonts: `apt-get install fonts-noto-cjk` (Debian/Ubuntu), "
    "`dnf install google-noto-serif-cjk-fonts google-noto-sans-cjk-fonts` (Fedora), "
    "`brew install --cask font-noto-serif-cjk-sc font-noto-sans-cjk-sc` (macOS)"
)

# The family names the stylesheet uses for the Latin face: within Chinese text, in English
# blocks, and for emphasis within Chinese text (italic Latin letters as an upright face, so
# that Han characters beside them stay upright instead of being slanted artificially).
LATIN_IN_CJK = "Publish Latin"
LATIN_TEXT = "Publish Latin Text"
LATIN_EMPHASIS = "Publish Latin Emphasis"

# Characters Chinese text prints full-width although Latin fonts have them.
_SHARED_PUNCTUATION = frozenset({0x00B7, 0x2014, 0x2015, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x2E3A})
_INVISIBLE = frozenset({"Cc", "Cf", "Mn", "Me", "Zl", "Zp"})  # controls, joiners, variation selectors
_LATIN_BLOCKS = ((0x0020, 0x036F), (0x0370, 0x03FF), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x20A0, 0x20CF),
                 (0x2100, 0x214F), (0xFB00, 0xFB06))


@dataclass(frozen=True)
class Face:
    """One file of the Latin family: ``weight`` 400 or 700, ``style`` normal or italic."""

    path: Path
    weight: int
    style: str


@dataclass(frozen=True)
class FontSetup:
    """The faces found, the CSS declaring them, and what to tell the user."""

    latin_family: str = ""
    faces: tuple[Face, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)
    cjk_files: tuple[Path, ...] = ()

    @property
    def files(self) -> frozenset[Path]:
        """Font files WeasyPrint may read (through our URL fetcher, for ``@font-face``)."""
        return frozenset(face.path for face in self.faces)

    @property
    def sources(self) -> tuple[Path, ...]:
        """The files of the faces the stylesheets name, Latin and Chinese: the fonts parts may leave
        to the join to embed (``pdf_shared_fonts``)."""
        return tuple(sorted({*self.files, *self.cjk_files}))

    def css(self) -> str:
        """``@font-face`` rules for the three families the stylesheet names."""
        rules = []
        for face in self.faces:
            ranges = frozenset(_latin_advances(face.path))
            in_cjk = ranges - _SHARED_PUNCTUATION
            families = [(LATIN_IN_CJK, face.style, in_cjk), (LATIN_TEXT, face.style, ranges)]
            if face.style == "italic":
                families.append((LATIN_EMPHASIS, "normal", in_cjk))
            for family, style, keep in families:
                rules.append(
                    f'@font-face {{ font-family: "{family}"; src: url("{face.path.as_uri()}"); '
                    f"font-weight: {face.weight}; font-style: {style}; unicode-range: {_css_ranges(keep)}; }}"
                )
        return "\n".join(rules) + "\n"

    def latin_width(self, text: str) -> float | None:
        """How wide ``text`` prints in Chinese body text, in em (kerning left out), if the regular Latin
        face draws all of it."""
        regular = next((face.path for face in self.faces if (face.weight, face.style) == (400, "normal")), None)
        advances = _latin_advances(regular) if regular else {}
        if any(ord(char) not in advances or ord(char) in _SHARED_PUNCTUATION for char in text):
            return None
        return sum(advances[ord(char)] for char in text)


def _fc_list(pattern: str, fmt: str) -> list[str]:
    result = subprocess.run(
        ["fc-list", "--format", fmt, pattern], capture_output=True, text=True, check=False, timeout=30
    )
    return [line for line in result.stdout.splitlines() if line.strip()]


def find_fonts() -> FontSetup:
    """Check the CJK faces and find the Latin one; ``PublishError`` when no Chinese font exists."""
    if shutil.which("fc-list") is None:
        return FontSetup(warnings=("cannot check the fonts: fc-list not found (install the fontconfig package)",))
    listed = [line.split("|", 1) for line in _fc_list(":lang=zh", "%{family[0]}|%{file}\n") if "|" in line]
    chinese = {family for family, _ in listed}
    cjk_files = tuple(sorted({Path(file) for family, file in listed if family in CJK_SERIF + CJK_SANS}))
    if not chinese:
        raise PublishError(f"no Chinese font is installed, so the PDF would print empty boxes: {CJK_PACKAGE}")
    warnings = []
    if not chinese.intersection(CJK_SERIF + CJK_SANS):
        warnings.append(f"Noto Serif/Sans CJK SC not found, printing with {sorted(chinese)[0]}: {CJK_PACKAGE}")
    for family in LATIN_SERIF:
        faces = _faces(family)
        if faces:
            return FontSetup(latin_family=family, faces=faces, warnings=tuple(warnings), cjk_files=cjk_files)
    return FontSetup(warnings=tuple(warnings), cjk_files=cjk_files)


def _faces(family: str) -> tuple[Face, ...]:
    """Regular, bold, italic and bold italic of ``family``; empty unless it has a regular face."""
    found: dict[tuple[int, str], Path] = {}
    for line in _fc_list(family, "%{weight}|%{slant}|%{file}\n"):
        weight_text, slant_text, file = line.split("|", 2)
        if not (weight_text.isdigit() and slant_text.isdigit()) or not file.endswith((".otf", ".ttf")):
            continue  # variable fonts and collections report lists here; the next family will do
        weight = 700 if int(weight_text) >= 180 else 400 if 75 <= int(weight_text) <= 100 else 0
        style = "italic" if int(slant_text) > 0 else "normal"
        if weight:
            found.setdefault((weight, style), Path(file))
    if (400, "normal") not in found:
        return ()
    return tuple(Face(path, weight, style) for (weight, style), path in sorted(found.items()))


@lru_cache(maxsize=16)
def _latin_advances(path: Path) -> Mapping[int, float]:
    """The Latin-block code points the font file maps to a glyph, with the glyph's advance in em
    (shared by every caller: not to be changed).

    Kept on disk under the file's size and modification time: reading the four faces' character
    maps took 0.17 s of every PDF build, a tenth of a rebuild with nothing changed, and reading
    the list markers' widths from the file took 40 ms more.
    """
    try:
        stat = path.stat()
    except OSError:
        return {}
    kept = entry_path("fonts", cache_key("advances", str(path.resolve()), str(stat.st_size), str(stat.st_mtime_ns)))
    found = read_entry(kept)
    if isinstance(found, dict):
        return found
    try:
        with TTFont(path, lazy=True) as font:
            cmap = font.getBestCmap() or {}
            widths, em = font["hmtx"], font["head"].unitsPerEm
            found = {cp: widths[name][0] / em for cp, name in cmap.items()
                     if any(lo <= cp <= hi for lo, hi in _LATIN_BLOCKS)}
    except (OSError, TTLibError, KeyError):
        return {}
    write_entry(kept, found)
    return found


def _css_ranges(code_points: frozenset[int]) -> str:
    """``U+20-7E, U+A0-17F, …``: consecutive code points folded into ranges."""
    spans: list[list[int]] = []
    for cp in sorted(code_points):
        if spans and cp == spans[-1][1] + 1:
            spans[-1][1] = cp
        else:
            spans.append([cp, cp])
    return ", ".join(f"U+{lo:X}" if lo == hi else f"U+{lo:X}-{hi:X}" for lo, hi in spans)


class Coverage:
    """Which characters no installed font can draw: WeasyPrint would print them as .notdef boxes.

    Characters the main CJK face has are answered from its charset; fontconfig
    is asked about each other character once (emoji, rare symbols).
    """

    def __init__(self, family: str = CJK_SERIF[0]) -> None:
        self.enabled = shutil.which("fc-list") is not None
        lines = _fc_list(f"{family}:style=Regular", "%{charset}\n") if self.enabled else []
        spans = sorted(_span(text) for text in (lines[0].split() if lines else []))
        self._starts = [lo for lo, _ in spans]
        self._ends = [hi for _, hi in spans]
        self._known: dict[str, bool] = {}

    def _in_main_face(self, char: str) -> bool:
        code = ord(char)
        at = bisect.bisect_right(self._starts, code) - 1  # the last span starting at or before ``code``
        return at >= 0 and code <= self._ends[at]

    def drawable(self, char: str) -> bool:
        if not self.enabled or char.isascii() or self._in_main_face(char):
            return True
        if unicodedata.category(char) in _INVISIBLE:
            return True
        if char not in self._known:
            self._known[char] = bool(_fc_list(f":charset={ord(char):x}", "%{family[0]}\n"))
        return self._known[char]

    def missing(self, chars: Iterable[str]) -> set[str]:
        return {char for char in set(chars) if not self.drawable(char)}


def _span(text: str) -> tuple[int, int]:
    lo, _, hi = text.partition("-")
    return int(lo, 16), int(hi or lo, 16)
