"""galleries, tables and anchors: hand-built trees pin each rule; the corpus shows they hold on real files."""

from __future__ import annotations

import copy
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from conftest import corpus_file
from hypothesis import given
from hypothesis import strategies as st

from publish.filters.anchors import anchors, slug
from publish.filters.galleries import galleries
from publish.filters.tables import tables
from publish.model import (
    Cell,
    Details,
    Document,
    FootnoteDef,
    Gallery,
    Image,
    LineBreak,
    Link,
    Node,
    Paragraph,
    Row,
    Section,
    SoftBreak,
    Table,
    Text,
)
from publish.tree import iter_nodes, plain_text


def _doc(*children: Node, footnotes: list[FootnoteDef] | None = None) -> Document:
    return Document(path=Path("t.md"), source="", children=list(children), footnotes=footnotes or [])


def _read(prefix: str) -> Document:
    read = pytest.importorskip("publish.read")
    if not hasattr(read, "read_document"):
        pytest.skip("the reader (publish.read.read_document) is not there yet")
    return read.read_document(corpus_file(prefix))


def _img(n: int) -> Image:
    return Image(url=f"https://pic.example/{n}.jpg")


def _section(title: str, *children: Node, level: int = 2) -> Section:
    return Section(level=level, title=[Text(text=title)], children=list(children))


def _link(url: str, text: str = "here") -> Paragraph:
    return Paragraph(children=[Link(url=url, children=[Text(text=text)])])


# --------------------------------------------------------------------------
# galleries
# --------------------------------------------------------------------------


def test_details_of_images_becomes_a_gallery() -> None:
    summary = [Text(text="点此查看论文截图")]
    body = Paragraph(children=[_img(1), SoftBreak(), _img(2), Text(text=" "), LineBreak(), _img(3)])
    out = galleries(_doc(_section("A", Details(line=7, summary=summary, children=[body]))))
    gallery = out.children[0].children[0]  # type: ignore[attr-defined]
    assert gallery == Gallery(line=7, caption=summary, images=[_img(1), _img(2), _img(3)])


def test_images_directly_inside_details_count_too() -> None:
    out = galleries(_doc(Details(summary=[], children=[_img(1), _img(2)])))
    assert isinstance(out.children[0], Gallery) and len(out.children[0].images) == 2


@pytest.mark.parametrize(
    "children",
    [
        [Paragraph(children=[_img(1), Text(text="Figure 1")])],
        [Paragraph(children=[Link(url="#a", children=[Text(text="contents")])])],
        [Paragraph(children=[_img(1)]), Table(head=Row())],
        [],
    ],
)
def test_other_details_stay_details(children: list[Node]) -> None:
    doc = _doc(Details(summary=[Text(text="Table of Contents")], children=children))
    assert galleries(doc).children[0] is doc.children[0]


# --------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------


def _row(*cells: str | list[Node], line: int = 0) -> Row:
    return Row(line=line, cells=[Cell(children=[Text(text=c)] if isinstance(c, str) else c) for c in cells])


def test_rows_of_empty_cells_are_dropped() -> None:
    table = Table(head=_row("Date", "Title"), rows=[_row("1", "a"), _row([], " "), _row("2", "b"), _row([LineBreak()])])
    out = tables(_doc(table)).children[0]
    assert isinstance(out, Table) and [plain_text(r.cells[0].children) for r in out.rows] == ["1", "2"]


def test_cells_are_trimmed_and_short_rows_padded() -> None:
    table = Table(head=_row("a", "b", "c"), rows=[_row([Text(text="  x "), LineBreak()], "  ")])
    row = tables(_doc(table)).children[0].rows[0]  # type: ignore[attr-defined]
    assert [c.children for c in row.cells] == [[Text(text="x")], [], []]


def test_wide_rows_keep_their_cells_and_warn() -> None:
    table = Table(head=_row("a"), rows=[_row("1", "2", line=9)])
    out = tables(_doc(table))
    assert len(out.children[0].rows[0].cells) == 2  # type: ignore[attr-defined]
    assert [(w.line, "2 cells but the header has 1" in w.message) for w in out.warnings] == [(9, True)]


def test_a_clean_table_and_null_cells_are_left_alone() -> None:
    doc = _doc(Table(head=_row("Title", "Code"), rows=[_row("x", "null"), _row("y", "-")]))
    out = tables(doc)
    assert out.children[0] is doc.children[0] and not out.warnings


# --------------------------------------------------------------------------
# anchors
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Updated on 2025.09.18", "updated-on-20250918"),
        ("Flow Matching 与 Rectified Flow", "flow-matching-与-rectified-flow"),
        ("Kaiming He 近期工作", "kaiming-he-近期工作"),
        ("大模型PEFT", "大模型peft"),
        ("Problem & Contribution", "problem--contribution"),
        ("Fail on   Diffusion", "fail-on---diffusion"),
        ("4. Glow - Invertible 1×1 Convolutions (2018)", "4-glow---invertible-11-convolutions-2018"),
        ("snake_case, Café! 😀", "snake_case-café-"),
    ],
)
def test_slug_follows_github(title: str, expected: str) -> None:
    assert slug(title) == expected


def test_ids_are_unique_in_document_order_like_github() -> None:
    doc = _doc(
        _section("Meta", _section("Meta", level=3), _section("a-1", level=3)),
        _section("Meta"),
        _section("a"),
        _section("a"),
        _section("a-1"),
        _section("!!!"),
    )
    ids = [s.id for s in iter_nodes(anchors(doc)) if isinstance(s, Section)]
    assert ids == ["meta", "meta-1", "a-1", "meta-2", "a", "a-2", "a-1-1", "section"]


def test_internal_links_resolve_in_any_spelling() -> None:
    doc = _doc(
        _link("#多模态"),
        _link("#" + quote("多模态")),
        _link("#user-content-多模态"),
        _link("#"),
        _link("#fn-1"),
        _link("./docs/README.md#usage"),
        _section("多模态"),
        footnotes=[FootnoteDef(key="1")],
    )
    out = anchors(doc)
    assert not out.warnings
    assert len([n for n in iter_nodes(out) if isinstance(n, Link)]) == 6


def test_dead_internal_link_warns_with_a_suggestion_and_becomes_text() -> None:
    doc = Document(
        path=Path("t.md"),
        source="## Transformer\n\nsee [there](#transfomer)\n",
        children=[
            _section(
                "Transformer",
                Paragraph(line=3, children=[Link(line=3, url="#transfomer", children=[Text(text="there")])]),
            )
        ],
    )
    out = anchors(doc)
    assert out.children[0].children[0].children == [Text(text="there")]  # type: ignore[attr-defined]
    assert [(w.line, "#transfomer" in w.message and "#transformer?" in w.message) for w in out.warnings] == [(3, True)]


def test_anchors_does_not_mutate_its_input() -> None:
    doc = _doc(_section("A", _link("#nowhere"), _section("B", level=3)))
    before = copy.deepcopy(doc)
    anchors(doc)
    assert doc == before


@given(st.lists(st.text(max_size=12), min_size=1, max_size=12))
def test_property_every_heading_gets_a_unique_id_that_links_reach(titles: list[str]) -> None:
    doc = _doc(*[_section(t) for t in titles])
    with_ids = anchors(doc)
    ids = [s.id for s in with_ids.children if isinstance(s, Section)]
    assert len(set(ids)) == len(ids) and all(ids)
    linked = anchors(_doc(*[_link("#" + i) for i in ids], *with_ids.children))
    assert not linked.warnings


@given(st.lists(st.sampled_from(["img", "br", "space", "text"]), max_size=8))
def test_property_galleries_keep_every_image(kinds: list[str]) -> None:
    made = {"img": lambda: _img(0), "br": SoftBreak, "space": lambda: Text(text=" "), "text": lambda: Text(text="x")}
    details = Details(summary=[Text(text="s")], children=[Paragraph(children=[made[k]() for k in kinds])])
    out = galleries(_doc(details))
    images = [n for n in iter_nodes(out) if isinstance(n, Image)]
    assert len(images) == kinds.count("img")
    assert isinstance(out.children[0], Gallery) == ("img" in kinds and "text" not in kinds)


@given(st.lists(st.lists(st.text(max_size=6), min_size=1, max_size=4), max_size=6))
def test_property_tables_keep_all_cell_text(rows: list[list[str]]) -> None:
    table = Table(head=_row("a", "b", "c"), rows=[_row(*cells) for cells in rows])
    out = tables(_doc(table)).children[0]
    assert isinstance(out, Table)
    kept = [plain_text(c.children) for r in out.rows for c in r.cells if c.children]
    assert kept == [t.strip() for cells in rows for t in cells if t.strip()]


@given(st.lists(st.text(max_size=8), max_size=6))
def test_property_dead_links_keep_their_text(fragments: list[str]) -> None:
    doc = _doc(*[_link("#" + quote(f), text=f"to {f}") for f in fragments], _section("Known"))
    out = anchors(doc)
    assert plain_text(out.children) == plain_text(doc.children)


# --------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------


def test_corpus_001_galleries() -> None:
    out = galleries(_read("001"))
    found = [n for n in iter_nodes(out) if isinstance(n, Gallery)]
    assert len(found) == 12 and sum(len(g.images) for g in found) == 50
    assert {plain_text(g.caption) for g in found} == {"点此查看论文截图"}
    assert not [n for n in iter_nodes(out) if isinstance(n, Details)]


def test_corpus_003_sections_contents_and_back_to_top_resolve() -> None:
    doc = _read("003")
    out = anchors(doc)
    assert out.warnings == doc.warnings
    ids = [s.id for s in iter_nodes(out) if isinstance(s, Section)]
    assert ids == [
        "updated-on-20250918",
        "多模态",
        "生成模型",
        "大语言模型",
        "transformer",
        "多模态大模型",
        "大模型peft",
        "大模型强化学习",
    ]
    internal = [unquote(n.url) for n in iter_nodes(out) if isinstance(n, Link) and n.url.startswith("#")]
    assert sorted(set(internal)) == sorted(f"#{i}" for i in ids)
    assert internal.count("#updated-on-20250918") == 7
    assert "./docs/README.md#usage" in [n.url for n in iter_nodes(out) if isinstance(n, Link)]


def test_corpus_003_tables_keep_ten_rows_each() -> None:
    out = tables(_read("003"))
    assert [len(t.rows) for t in iter_nodes(out) if isinstance(t, Table)] == [10] * 7


def test_corpus_004_contents_links_resolve() -> None:
    doc = _read("004")
    out = anchors(doc)
    assert out.warnings == doc.warnings
    internal = [unquote(n.url) for n in iter_nodes(out) if isinstance(n, Link) and n.url.startswith("#")]
    assert "#flow-matching-与-rectified-flow" in internal and "#kaiming-he-近期工作" in internal
    assert len(internal) == 8
