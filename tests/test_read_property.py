"""Whatever a file holds, the reader returns a document: properties over generated input."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publish.model import Document
from publish.read import read_document
from publish.read.sections import Heading
from publish.tree import iter_nodes, plain_text

# Fragments that exercise every rule the reader adds to Markdown.
SYNTAX = [
    "#", "## ", "---", "\n", "\n\n", "|", "| a | b |", "|---|---|", "\\|", "$", "$$", "\\(", "\\)", "\\[", "\\]",
    "- ", "1. ", "> ", "    ", "\t", "`", "```", "*", "_", "[", "](", ")", "![", "[^1]", "[^1]: ", "<", ">",
    "<details>", "</details>", "<summary>", "</summary>", "<img src=x>", "<b>", "</b>", "<a href=#y>", "</a>",
    "<script>", "</script>", "<p align=right>", "</p>", "<table><tr><td>", "</td></tr></table>", "<!--", "-->",
    "<ol><li>", "</li></ol>", "<br>", "<![", "<![if x]>", "<![CDATA[", "]]>",
    "&amp;", "&#x4e2d;", "http://e.com/中", "---\ntitle: [x\n---\n", "\r\n", "\r",
    "\ufeff", "\x00", "2025-02-14", "更新", "**Authors:**", "\\", "{", "}", "~~",
]
markdownish = st.lists(st.one_of(st.sampled_from(SYNTAX), st.text(max_size=8)), max_size=60).map("".join)

WORD = st.text(alphabet="abcxyz中文字模型", min_size=2, max_size=6)
TAGS = ["<b>", "</b>", "<i>", "</i>", "<span>", "</span>", "<details>", "</details>", "<summary>", "</summary>",
        "<p align=right>", "</p>", "<div>", "</div>", "<ol>", "<li>", "</li>", "</ol>", "<table>", "<tr>", "<td>",
        "</td>", "</tr>", "</table>", "<br>", "<a href=#x>", "</a>", "<h2>", "</h2>", "<center>", "<font size=2>",
        "<unknown>", "<![x", "<![if !IE]>"]
SEPARATORS = [" ", "\n", "\n\n"]


def read_bytes(data: bytes, suffix: str = ".md") -> Document:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        return read_document(path)


def assert_well_formed(doc: Document) -> None:
    last_line = doc.source.count("\n") + 1
    assert all(0 <= n.line <= last_line for n in iter_nodes(doc))
    assert all(0 <= w.line <= last_line for w in doc.warnings)
    assert not any("nests too deeply" in w.message for w in doc.warnings)
    assert not any(isinstance(n, Heading) for n in iter_nodes(doc))  # reader-internal, never leaks


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdownish)
def test_any_markdownish_text_reads(text: str) -> None:
    assert_well_formed(read_bytes(text.encode("utf-8", errors="surrogatepass")))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_read(data: bytes) -> None:
    assert_well_formed(read_bytes(data, ".txt"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.one_of(WORD, st.sampled_from(TAGS)), st.sampled_from(SEPARATORS)), max_size=40))
def test_no_word_inside_html_is_lost(parts: list[tuple[str, str]]) -> None:
    text = "".join(piece + sep for piece, sep in parts)
    doc = read_bytes(text.encode("utf-8"))
    visible = plain_text(doc.children).replace(" ", "").replace("\n", "")
    for piece, _ in parts:
        if piece not in TAGS:
            assert piece in visible
