"""Page numbers set glyph by glyph must sit exactly where WeasyPrint would have set them.

The specimen is laid out with the real WeasyPrint and the pack's real stylesheets,
A4 (numbers centred) and A5 (numbers on the outer edge); a number the specimen
never showed (three digits, another total) is then compared with the same page
laid out by WeasyPrint itself.
"""

from __future__ import annotations

import io

import pikepdf
import pytest

from publish.render.pdf import layout_engine
from publish.render.pdf_fonts import find_fonts
from publish.render.pdf_numbers import (
    DIGITS,
    SIDES,
    Folio,
    Numbers,
    placements,
    read_lines,
    read_specimen,
    specimen_engine,
    specimen_part,
)
from publish.render.pdf_parts import Engine, Part, Slot, layout_part

STYLES = [(11.333333, 400), (14.666667, 700)]


def engine_for(paper: str) -> Engine:
    return layout_engine(find_fonts(), paper, roots=())


def specimen(paper: str) -> Numbers:
    laid = layout_part(specimen_part(STYLES), specimen_engine(engine_for(paper)))
    assert laid.messages == ()
    return read_specimen(laid.pdf, len(STYLES))


def page_set_by_weasyprint(paper: str, page: int, total: int) -> tuple[float, float, str]:
    """Where WeasyPrint itself sets the number of page ``page`` of ``total``, on a right-hand page if
    ``page`` is odd, as in the pack: the origin of the folio's text, and the text."""
    engine = engine_for(paper)
    sheets = tuple(text.replace("counter(pages)", f'"{total}"') for text in engine.stylesheets)
    first = page if page % 2 else page - 1  # a part's first page is a right-hand one
    style = f"@page :first {{ counter-reset: page {first}; }}"
    pages = '<div></div><div style="break-before: page"></div>'
    laid = layout_part(Part("one page", f"<html><body>{pages}</body></html>", style=style),
                       Engine(sheets, engine.roots, engine.font_files))
    with pikepdf.open(io.BytesIO(laid.pdf)) as pdf:
        [line] = read_lines(pdf, page - first)
    return line.tm[4], line.tm[5], line.text


@pytest.mark.parametrize(("paper", "aligns"), [("a4", (0.5, 0.5)), ("a5", (1.0, 0.0))])
def test_the_specimen_shows_how_each_side_is_numbered(paper: str, aligns: tuple[float, float]) -> None:
    numbers = specimen(paper)
    for folio, align in zip(numbers.folios, aligns, strict=True):
        assert isinstance(folio, Folio)
        assert folio.template == "{page} / {total}"
        assert folio.align == pytest.approx(align, abs=1e-3)
        assert folio.face.covers(DIGITS + " /")
    assert [face.text for face in numbers.contents] == [DIGITS, DIGITS]
    assert [face.size for face in numbers.contents] == pytest.approx([size for size, _ in STYLES], abs=1e-3)
    assert numbers.contents[0].font != numbers.contents[1].font, "bold digits are another font"


@pytest.mark.parametrize("paper", ["a4", "a5"])
@pytest.mark.parametrize(("page", "total"), [(123, 456), (7, 1024), (1000, 1001)])
def test_numbers_sit_where_weasyprint_sets_them(paper: str, page: int, total: int) -> None:
    folio = specimen(paper).folios[(page - 1) % SIDES]
    assert folio is not None
    x, y, text = page_set_by_weasyprint(paper, page, total)
    assert folio.text(page, total) == text == f"{page} / {total}"
    assert folio.origin(text) == pytest.approx((x, y), abs=0.01)


def test_placements_number_every_page_but_the_skipped_and_fill_each_slot() -> None:
    numbers = specimen("a4")
    slots = {"d1": Slot(1, 500.0, 120.0, *STYLES[1]), "d1-x": Slot(1, 500.0, 140.0, *STYLES[0]),
             "not a target": Slot(2, 1, 1, 1, 1)}
    placed = placements(numbers, 12, {0, 5}, slots, {"d1": 3, "d1-x": 11}, STYLES)
    assert sorted(placed) == [n for n in range(12) if n not in {0, 5}]
    assert [p.text for p in placed[1]] == ["2 / 12", "3", "11"]
    for item in placed[1][1:]:
        assert item.x + item.face.width(item.text) == pytest.approx(500.0)  # flush right in the slot's padding
    assert [p.y for p in placed[1][1:]] == [120.0, 140.0]
    assert placed[1][1].face is numbers.contents[1]
