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
    DOT,
    DOT_STEP,
    SIDES,
    Folio,
    Numbers,
    Placement,
    leader,
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
        assert set(DIGITS + " /") <= set(folio.face.glyphs)
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
    slots = {"d1": Slot(1, 500.0, 120.0, *STYLES[1], 90.0, 300.0, 470.0, 125.0),
             "d1-x": Slot(1, 500.0, 140.0, *STYLES[0], 90.0, 469.0, 470.0, 145.0),
             "not a target": Slot(2, 1, 1, 1, 1, 1, 1, 1, 1)}
    placed = placements(numbers, 12, {0, 5}, slots, {"d1": 3, "d1-x": 11}, STYLES)
    assert sorted(placed) == [n for n in range(12) if n not in {0, 5}]
    folio, number, dots, small = placed[1]  # the second entry's title leaves no room for a dot
    assert isinstance(folio, Placement) and isinstance(number, Placement) and isinstance(small, Placement)
    assert [folio.text, number.text, small.text] == ["2 / 12", "3", "11"]
    for item in (number, small):
        assert item.x + item.face.width(item.text) == pytest.approx(500.0)  # flush right in the slot's padding
    assert [number.y, small.y] == [120.0, 140.0]
    assert number.face is numbers.contents[1]
    assert dots == leader(slots["d1"], numbers.contents[1].ctm)


def test_leader_dots_keep_to_the_grid_between_title_and_number() -> None:
    slot = Slot(0, 500.0, 120.0, 14.0, 400, 90.0, 300.0, 470.0, 125.0)
    dots = leader(slot, (1, 0, 0, 1, 0, 0))
    assert dots is not None
    steps = (dots.x0 - 90.0 - DOT / 2) / DOT_STEP
    assert steps == pytest.approx(round(steps)), "on the grid from the entry's left edge, as on every line"
    assert 300.0 <= dots.x0 < 300.0 + DOT_STEP and dots.x1 == 470.0 - DOT / 2
    assert dots.y < 125.0 - 0.28 * 14.0
    assert leader(Slot(0, 500.0, 120.0, 14.0, 400, 90.0, 469.9, 470.0, 125.0), (1, 0, 0, 1, 0, 0)) is None
