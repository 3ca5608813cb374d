"""List markers printed as text must hang exactly where WeasyPrint's markers stood."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from publish.read.document import read_text
from publish.render import pdf
from publish.render.pdf_assets import Assets
from publish.render.pdf_engine import render_html
from publish.render.pdf_fonts import find_fonts
from publish.render.pdf_html import DocumentInput, render_document
from publish.render.pdf_list_markers import BULLETS, GAP, marker

XHTML = "{http://www.w3.org/1999/xhtml}"
ENGLISH = "Alpha " + "words that wrap onto a second line of the item " * 3
CHINESE = "甲" + "中文的列表项要折到第二行，才能看出悬挂缩进是否对齐。" * 3
LISTS = f"- {ENGLISH}\n  - {CHINESE}\n    - {ENGLISH}\n\n8. {CHINESE}\n9. {CHINESE}\n10. {ENGLISH}\n"
MARKER = re.compile(rf"^(?:[{''.join(BULLETS)}]|\d+\.)$")


def page_html(markdown: str) -> str:
    doc = read_text(markdown, Path("lists.md"))
    return render_document(DocumentInput(doc, {}, {}), 1, Assets()).html


def lines(markdown: str, tmp_path: Path) -> list[list[tuple[float, str]]]:
    """Each printed line of the list pages as (x where a word starts, word), top to bottom."""
    engine = pdf.layout_engine(find_fonts(), "a4", roots=())
    path = tmp_path / "lists.pdf"
    path.write_bytes(render_html(page_html(markdown), engine, {}).write_pdf())
    xhtml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    rows: dict[float, list[tuple[float, str]]] = {}
    for word in ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", xhtml)).iter(f"{XHTML}word"):
        bottom = round(float(word.get("yMax", "0")))  # words of one line share a baseline, whatever their font
        rows.setdefault(bottom, []).append((float(word.get("xMin", "0")), word.text or ""))
    return [sorted(rows[y]) for y in sorted(rows)]


def test_the_text_after_a_marker_starts_where_the_items_next_lines_do(tmp_path: Path) -> None:
    printed = lines(LISTS, tmp_path)
    starts = [i for i, line in enumerate(printed) if MARKER.match(line[0][1])]
    assert [printed[i][0][1] for i in starts] == [*BULLETS, "8.", "9.", "10."]
    for i in starts:
        (marker_x, _), (text_x, _) = printed[i][:2]
        next_line_x = printed[i + 1][0][0]
        assert marker_x < text_x and abs(text_x - next_line_x) < 0.3, printed[i : i + 2]
    numbered = [printed[i][1][0] for i in starts[3:]]
    assert max(numbered) - min(numbered) < 0.3, "numbers of one list hang to one edge"


def test_items_not_opening_with_a_paragraph_keep_weasyprints_markers() -> None:
    html = page_html("- ```\n  code first\n  ```\n- $$x^2$$\n\n1. text\n")
    assert html.count("<li>") == 2 and 'class="marked number-1"' in html


@pytest.mark.parametrize(
    ("depth", "number", "expected"),
    [
        (1, None, ("marked bullet-1", BULLETS[0] + GAP)),
        (5, None, ("marked bullet-3", BULLETS[2] + GAP)),
        (2, 10, ("marked number-2", f"10.{GAP}")),
        (1, 0, ("marked number-1", f"0.{GAP}")),
        (1, 12345, None),
    ],
)
def test_marker(depth: int, number: int | None, expected: tuple[str, str] | None) -> None:
    assert marker(depth, number) == expected
