"""List markers printed as text at the start of the item's first line.

WeasyPrint lays out each ``::marker`` as an absolutely placed box with its own
line: on the survey, whose 652 bullet items are the most of any corpus file,
markers took 14.5 % of the part's layout (4.2 million instructions a bullet,
measured with callgrind), and they sat above the text's baseline.  A marker as
characters at the start of the first paragraph costs next to nothing, and
hangs where WeasyPrint's stood when the paragraph's first line is pulled left
by the marker's width (``text-indent``).

The bullets are LaTeX's (•, – and * by depth) and the numbers the Latin
face's tabular figures, so every marker's width is read from one font file.
The gap is a narrow no-break space, which justification does not widen and a
line cannot break after.  Items that do not start with a paragraph keep
WeasyPrint's markers.
"""

from __future__ import annotations

from publish.render.pdf_fonts import FontSetup

BULLETS = ("\u2022", "\u2013", "*")  # by the number of lists around the item, as LaTeX's itemize
GAP = "\u202f"
DIGITS = 4  # numbers up to 9999; a longer one keeps WeasyPrint's marker


def marker(depth: int, number: int | None) -> tuple[str, str] | None:
    """The class and the text opening an item ``depth`` lists deep (1 for none): numbered, or bulleted
    when ``number`` is ``None``; ``None`` for a number too long to hang."""
    if number is None:
        level = min(depth, len(BULLETS))
        return f"marked bullet-{level}", BULLETS[level - 1] + GAP
    digits = len(str(number))
    return (f"marked number-{digits}", f"{number}.{GAP}") if 0 <= number and digits <= DIGITS else None


def marker_css(fonts: FontSetup) -> str:
    """No ``::marker`` on items marked in their text, and each first line pulled left by its marker's width.

    Without a Latin face (or one lacking a character) a first line is not pulled: the marker then
    starts the line where the text of the other lines does, which is still readable.
    """
    samples = {f"bullet-{level}": glyph for level, glyph in enumerate(BULLETS, 1)}
    samples.update({f"number-{digits}": "0" * digits + "." for digits in range(1, DIGITS + 1)})
    # text-indent is inherited: an inline block in the paragraph (an image placeholder) must not hang too
    rules = ["li.marked { list-style: none; }", "li.marked > p:first-child > * { text-indent: 0; }"]
    for name, sample in samples.items():
        hang = fonts.latin_width(sample + GAP)
        if hang is not None:
            rules.append(f"li.{name} > p:first-child {{ text-indent: -{hang:.3f}em; }}")
    return "\n".join(rules) + "\n"
