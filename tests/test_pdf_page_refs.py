"""pydyf's page references kept per page count: the same tagged PDF, with each reference made once."""

from __future__ import annotations

import io

import pikepdf
import pydyf
import pytest
from weasyprint import HTML

from publish.render import pdf_page_refs

# Five pages with a structure tree (headings, lists, paragraphs) and links from the last page to the first.
PAGE = (
    '<html lang="zh-Hans"><body>'
    + "".join(
        f'<h2 id="s{n}" style="break-before: page">第 {n} 节</h2><ul><li>要点 {n}</li><li>Point {n}</li></ul>'
        + "<p>正文，中文与 Latin 混排。</p>" * 3
        for n in range(5)
    )
    + "".join(f'<p><a href="#s{n}">见第 {n} 节</a></p>' for n in range(5))
    + "</body></html>"
)


def pages_referred(data: bytes) -> tuple[list[bytes], list[int], list[int]]:
    """Every stream's bytes, the page of each structure element (tree order) and of each link's target."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        index = {page.objgen: number for number, page in enumerate(pdf.pages)}
        streams = sorted(
            obj.read_bytes() for obj in pdf.objects
            if isinstance(obj, pikepdf.Stream) and obj.get("/Type") != pikepdf.Name.XRef
        )
        tagged, stack = [], [pdf.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Dictionary):
                if "/Pg" in node:
                    tagged.append(index[node.Pg.objgen])
                kids = node.get("/K")
                stack.extend(reversed(list(kids)) if isinstance(kids, pikepdf.Array) else [kids])
        named = pikepdf.NameTree(pdf.Root.Names.Dests)  # WeasyPrint's links go to named destinations
        links = [index[named[str(annot.Dest)][0].objgen] for page in pdf.pages for annot in page.get("/Annots", [])]
        return streams, tagged, links


STOCK = pydyf.PDF.__dict__["page_references"]  # read when tests are collected, before any layout installs ours


@pytest.fixture
def stock_references(monkeypatch: pytest.MonkeyPatch) -> None:
    assert STOCK is not pdf_page_refs.PAGE_REFERENCES
    monkeypatch.setattr(pydyf.PDF, "page_references", STOCK)


def test_a_tagged_pdf_with_links_refers_to_the_same_pages(stock_references: None) -> None:
    assert pydyf.PDF.page_references is STOCK
    expected = pages_referred(HTML(string=PAGE).write_pdf(pdf_tags=True))
    assert len(set(expected[1])) == 5 and set(expected[2]) == set(range(5)), "the page must tag and link every page"
    assert pdf_page_refs.install(), "the pydyf version in use was not checked: update CHECKED_VERSIONS"
    assert pages_referred(HTML(string=PAGE).write_pdf(pdf_tags=True)) == expected


def test_references_are_made_again_only_when_a_page_is_added(stock_references: None) -> None:
    assert pdf_page_refs.install() and pdf_page_refs.install()
    pdf = pydyf.PDF()
    pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    first = pdf.page_references
    assert pdf.page_references is first
    pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    assert pdf.page_references == (*first, f"{pdf.objects[-1].number} 0 R".encode())
