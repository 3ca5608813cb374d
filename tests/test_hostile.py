"""The hostile-input battery: broken and malicious documents through every backend.

Each case is one focused file: the text ones live in ``tests/hostile/``, the
ones that are about bytes (encodings, NULs) or size are generated here.  The
cheap backends (bundle, EPUB, LaTeX export) build every case on its own, so a
failure names its case; the checkers that start a JVM or TeX (Nu Html Checker,
EPUBCheck, XeLaTeX) and the PDF build take one pack holding every case.

For every case and backend: the build does not raise, the expected warnings
name the right lines (and no other line is warned about), every word of the
visible source is in the output, and nothing hostile survives: no script or
event handler, no ``javascript:`` address, no file read from outside the pack.
"""

from __future__ import annotations

import copy
import re
import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _helpers import missing_words, pdf_text, source_words, squeeze, vnu_errors
from lxml import etree
from lxml import html as lxml_html
from test_epub import NS, Book, epubcheck
from test_images import server  # noqa: F401  (the fixture: a web server on 127.0.0.1)

from publish import model as m
from publish.pipeline import load_pack
from publish.render.bundle import build_bundle
from publish.render.epub import build_epub
from publish.render.html import render_page
from publish.render.latex import compile_latex, export_latex
from publish.render.latex_ast import WORD_BREAK
from publish.render.latex_ast import text as latex_prose

HOSTILE = Path(__file__).with_name("hostile")
PWNED = Path("/tmp/publish-hostile-pwned")  # what the hostile commands would create if they ever ran
PASSWD = Path("/etc/passwd")
SVG = "{http://www.w3.org/2000/svg}svg"


# --------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes  # the file as written to disk
    text: str  # what the author's editor shows: the source of the words every output must hold
    warnings: tuple[tuple[int, str], ...] = ()  # (line, part of the message): exactly these lines are warned about
    dropped: tuple[int, ...] = ()  # lines whose words may be left out, because a warning says so
    literals: tuple[str, ...] = ()  # text that must be shown as written (spaces aside) in HTML, EPUB and PDF
    latex_warnings: tuple[tuple[int, str], ...] = ()  # what only the LaTeX draft has to say, besides ``warnings``

    def words(self) -> set[str]:
        lines = self.text.split("\n")
        kept = "\n".join("" if number in self.dropped else line for number, line in enumerate(lines, start=1))
        return source_words(kept)


def from_file(name: str, *warnings: tuple[int, str], keeps_front_matter: bool = False, **more: object) -> Case:
    data = (HOSTILE / f"{name}.md").read_bytes()
    text = data.decode("utf-8")
    if keeps_front_matter:  # broken front matter is kept as text: its words count too
        text = text.replace("---\n", "\n", 1)
    return Case(name, data, text, warnings, **more)  # type: ignore[arg-type]


def encoded(name: str, text: str, encoding: str, *warnings: tuple[int, str]) -> Case:
    return Case(name, text.encode(encoding), text, warnings)


def _alphabet(length: int) -> str:
    return "".join(chr(ord("a") + i % 26) for i in range(length))


def _table(rows: int, columns: int) -> str:
    """A pipe table; every other row lacks its closing pipe, as in the arXiv-daily READMEs."""
    head = "| " + " | ".join(f"h{c}" for c in range(columns)) + " |"
    lines = [head, "|" + "---|" * columns]
    for r in range(rows):
        row = "| " + " | ".join(f"r{r}c{c}" for c in range(columns))
        lines.append(row + (" |" if r % 2 else ""))
    return "\n".join(lines)


def _nested(depth: int) -> str:
    items = [" " * (2 * i) + f"- level{i} 层级" for i in range(depth)]
    quotes = [">" * (i + 1) + f" quote{i}" for i in range(depth)]
    return "\n".join(["# 深层嵌套 nesting", "", *items, "", *quotes, "", "after the nesting", ""])


CHINESE = "# 编码测试 encoding\n\n这是一段中文摘要：扩散模型逐步去噪，生成图像。\n\n第二段 second 仍是中文。\n"
TRADITIONAL = "# 繁體編碼 traditional\n\n這是一段繁體中文摘要：擴散模型逐步去噪。\n\n第二段 仍然是中文。\n"
BOM_CRLF = (
    "---\ntitle: 带标记的文档 bommed\n---\n\n# 换行 crlf\n\nfirst line\nsecond line\n\n"
    "[bad](javascript:alert(1)) on line ten\n"
)
BINARY = "# 二进制 binary\n\nbefore\x00after text\n\n\x01\x02\x03\x7f controls\n\n\ufffd\ufffd junk bytes\n"

CASES = [
    from_file("fm-unclosed", (1, "never closed")),
    from_file("fm-invalid-yaml", (3, "not valid YAML"), keeps_front_matter=True),
    from_file("fm-list", (2, "is a list"), keeps_front_matter=True),
    from_file("fm-python-tag", (2, "python/object"), keeps_front_matter=True),
    from_file("fm-only", literals=("只有前言 frontonly",)),
    from_file("empty"),
    from_file("math-unclosed", literals=("$x + y never closes",)),
    from_file("math-invalid", (3, "formula"), (5, "formula"), (9, "formula"), literals=(r"\frac{a}{",)),
    from_file(
        "footnotes", (3, "[^missing]"), (9, "[^dup]"), (10, "[^unused]"), dropped=(9, 10),
        literals=("undefined note[^missing]", "The defined footnote text."),
    ),
    from_file("footnote-cycle", latex_warnings=((5, "cites itself"),)),
    from_file(
        "code-dollar", literals=("echo $HOME", "price $5 and $6", "export PATH=$PATH:$HOME/bin", "$$ is the pid",
                                 r"indented $code$ block with \(parens\)"),
    ),
    from_file(
        "script-handlers", (3, "<script>"), (5, "<script>"), (7, "onclick"), (9, "onerror"), (9, "shot.png"),
        (11, "onmouseover"), (13, "onload"), (15, "onload"), (15, "<script>"), (17, "<iframe>"), (19, "ontoggle"),
    ),
    from_file(
        "javascript-links", (3, "JAVASCRIPT:"), (3, "javascript:"), (5, "javascript:"), (7, "javascript:"),
        (7, "vbscript:"), (9, "data:"), (11, "javascript:"), literals=("plain js", "raw js", "ref js"),
    ),
    from_file(
        "image-paths", (3, "file:///etc/passwd"), (5, "../../../../etc/passwd"), (7, "/etc/passwd"),
        (9, "file:///etc/shadow"), (11, "../secret.png"), (13, "images/nope.png"),
    ),
    from_file("remote-images", (3, "closed.png"), (5, "page.html"), (8, "fake.png"), (9, "other.png")),
    from_file(
        "latex-specials", (5, r"\input"), (5, r"\write"), (5, r"\end"), (7, r"\input"), (9, r"\input"), (15, r"\input"),
        literals=("100% & #1 a_b {x} ~ ^", r"\input{/etc/passwd}", r"\write18{touch", r"\immediate\write18"),
    ),
    encoded("gbk", CHINESE, "gbk", (0, "not UTF-8")),
    encoded("big5", TRADITIONAL, "big5", (0, "not UTF-8")),
    encoded("utf-16", CHINESE, "utf-16", (0, "UTF-16")),
    Case(
        "bom-crlf", b"\xef\xbb\xbf" + BOM_CRLF.replace("\n", "\r\n").encode(), BOM_CRLF,
        ((10, "javascript:"),), literals=("带标记的文档 bommed",),
    ),
    Case(
        "binary-nul", BINARY.replace("\ufffd", "").encode().replace(b" junk", b"\xff\xfe junk"), BINARY,
        ((0, "NUL"), (0, "not valid UTF-8"), (5, "control character")), literals=("controls",),
    ),
    encoded("long-line", f"# 长行 long\n\n{_alphabet(5000)}\n\n{'中文长行' * 1250}\n", "utf-8"),
    encoded("big-table", f"# 大表格 table\n\n{_table(200, 10)}\n\nafter the table\n", "utf-8"),
    encoded("deep-nesting", _nested(50), "utf-8"),
]
CASE_NAMES = [case.name for case in CASES]
BY_NAME = {case.name: case for case in CASES}


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory, server: str) -> dict[str, Path]:  # noqa: F811
    """Every case written into one pack folder; the remote one points at the test server and a closed port."""
    folder = tmp_path_factory.mktemp("hostile-pack")
    host = server.removeprefix("http://").encode()
    paths = {}
    for case in CASES:
        data = case.data.replace(b"{server}", host).replace(b"{closed}", str(closed_port()).encode())
        paths[case.name] = folder / f"{case.name}.md"
        paths[case.name].write_bytes(data)
    PWNED.unlink(missing_ok=True)
    return paths


# --------------------------------------------------------------------------
# What every output must satisfy
# --------------------------------------------------------------------------


def assert_warnings(case: Case, doc: m.Document, *, latex: bool = False) -> None:
    """Each expected warning on its line, and no warning on a line not expected."""
    expected = [*case.warnings, *(case.latex_warnings if latex else ())]
    found = [(w.line, w.message) for w in doc.warnings]
    missing = [(line, part) for line, part in expected if not any(n == line and part in t for n, t in found)]
    assert missing == [], f"{case.name}: expected warnings not found: {missing}; got {found}"
    unexpected = sorted({n for n, _ in found} - {line for line, _ in expected})
    assert unexpected == [], f"{case.name}: warnings on lines {unexpected}: {found}"


def assert_shows(case: Case, shown: str, *, literals: bool = True) -> None:
    """Every word of the case in ``shown``, and its literals (spacing aside)."""
    words = case.words()
    missing = missing_words(words, shown)
    assert missing == [], f"{case.name}: {len(missing)} of {len(words)} words lost, e.g. {missing[:10]}"
    if literals:
        absent = [text for text in case.literals if squeeze(text) not in squeeze(shown)]
        assert absent == [], f"{case.name}: not shown as written: {absent}"


_UNSAFE_URL = re.compile(r"^(?:javascript|vbscript|data|file):", re.I)
_URL_ATTRIBUTES = ("href", "src", "{http://www.w3.org/1999/xlink}href", "action", "formaction", "poster")


def assert_inert(root: etree._Element, where: str, allowed_scripts: tuple[str, ...] = ()) -> None:
    """No script, frame or event handler and no address that runs or reads something."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = etree.QName(el).localname.lower()
        assert tag not in ("iframe", "frame", "object", "embed", "base", "form"), (where, tag)
        if tag == "script":
            assert el.get("src") in allowed_scripts, (where, etree.tostring(el)[:200])
        for name, value in el.attrib.items():
            local = etree.QName(name).localname.lower()
            assert not local.startswith("on"), (where, tag, name, value)
            if name in _URL_ATTRIBUTES:
                cleaned = re.sub(r"[\x00-\x20]", "", value)
                assert not _UNSAFE_URL.match(cleaned), (where, tag, name, value)


def assert_no_secrets(data: bytes | str, where: str) -> None:
    """No byte of /etc/passwd (its first line stands for it) made it into an output."""
    secret = PASSWD.read_text().split("\n", 1)[0] if PASSWD.is_file() else "root:x:0:0"
    blob = data.encode() if isinstance(data, str) else data
    assert secret.encode() not in blob, where
    assert not PWNED.exists(), "a hostile command ran"


def page_text(path: Path) -> tuple[etree._Element, str]:
    """A bundle page parsed as HTML, and the visible text of its <main> (formulas' SVG aside)."""
    root = lxml_html.parse(str(path)).getroot()
    main = copy.deepcopy(root.find(".//main"))
    for svg in main.findall(".//svg"):
        svg.drop_tree()
    return root, main.text_content()


# --------------------------------------------------------------------------
# Each case on its own through the cheap backends
# --------------------------------------------------------------------------


Built = Callable[[m.Pack, Path, Path], m.Pack]


def _bundle(pack: m.Pack, out: Path, cache: Path) -> m.Pack:
    return build_bundle(pack, out / "html", cache_dir=cache)[0]


def _epub(pack: m.Pack, out: Path, cache: Path) -> m.Pack:
    return build_epub(pack, out / "book.epub", cache_dir=cache)


def _latex(pack: m.Pack, out: Path, cache: Path) -> m.Pack:
    return export_latex(pack, out / "latex", cache_dir=cache)


def build_case(backend: Built, case: str, sources: dict[str, Path], tmp_path: Path) -> m.Document:
    (doc,) = backend(load_pack([sources[case]]), tmp_path, tmp_path.parent / "image-cache").documents
    return doc


@pytest.mark.parametrize("case", CASE_NAMES)
def test_bundle(case: str, sources: dict[str, Path], tmp_path: Path) -> None:
    doc = build_case(_bundle, case, sources, tmp_path)
    assert_warnings(BY_NAME[case], doc)
    pages = sorted((tmp_path / "html").glob("*.html"))
    scripts = ("assets/bundle.js", "assets/search-index.js", "assets/search.js")
    for page in pages:
        root, _ = page_text(page)
        assert_inert(root, page.name, scripts)
    _, shown = page_text(tmp_path / "html" / f"01-{case}.html")
    assert_shows(BY_NAME[case], shown)
    for path in (tmp_path / "html").rglob("*"):
        if path.is_file():
            assert_no_secrets(path.read_bytes(), str(path))


@pytest.mark.parametrize("case", CASE_NAMES)
def test_epub(case: str, sources: dict[str, Path], tmp_path: Path) -> None:
    doc = build_case(_epub, case, sources, tmp_path)
    assert_warnings(BY_NAME[case], doc)
    book = Book(tmp_path / "book.epub")
    for page in book.pages():
        assert_inert(book.xml(page), page)
    assert book.broken_links() == []
    assert_shows(BY_NAME[case], book.text(book.chapters()))
    for name in book.names:
        assert_no_secrets(book.zip.read(name), name)


_DANGEROUS_TEX = re.compile(r"\\(?:input|include|write|immediate|openout|openin|read|catcode|csname)(?![A-Za-z])")


@pytest.mark.parametrize("case", CASE_NAMES)
def test_latex_export(case: str, sources: dict[str, Path], tmp_path: Path) -> None:
    doc = build_case(_latex, case, sources, tmp_path)
    assert_warnings(BY_NAME[case], doc, latex=True)
    tex = (tmp_path / "latex" / "main.tex").read_text(encoding="utf-8")
    assert _DANGEROUS_TEX.findall(tex) == []
    assert_shows(BY_NAME[case], tex.replace(WORD_BREAK, ""), literals=False)  # literals: in the compiled draft
    for path in (tmp_path / "latex").rglob("*"):
        if path.is_file():
            assert_no_secrets(path.read_bytes(), str(path))


# --------------------------------------------------------------------------
# Every case in one pack: the validators and the slow backends
# --------------------------------------------------------------------------


@dataclass
class PackBuild:
    pack: m.Pack
    out: Path

    def doc(self, case: str) -> m.Document:
        (doc,) = [d for d in self.pack.documents if d.path.stem == case]
        return doc


@pytest.fixture(scope="module")
def whole_pack(sources: dict[str, Path]) -> m.Pack:
    return load_pack(list(sources.values()))


@pytest.fixture(scope="module")
def bundle_pack(whole_pack: m.Pack, tmp_path_factory: pytest.TempPathFactory) -> PackBuild:
    out = tmp_path_factory.mktemp("bundle")
    return PackBuild(_bundle(whole_pack, out, out / "cache"), out / "html")


@pytest.fixture(scope="module")
def epub_pack(whole_pack: m.Pack, tmp_path_factory: pytest.TempPathFactory) -> PackBuild:
    out = tmp_path_factory.mktemp("epub")
    return PackBuild(_epub(whole_pack, out, out / "cache"), out / "book.epub")


@pytest.fixture(scope="module")
def latex_pack(whole_pack: m.Pack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PackBuild]:
    if shutil.which("latexmk") is None or shutil.which("xelatex") is None:
        pytest.skip("TeX Live is not installed (make tex-deps)")
    out = tmp_path_factory.mktemp("latex")
    pack = _latex(whole_pack, out, out / "cache")
    compile_latex(out / "latex")
    yield PackBuild(pack, out / "latex")


def test_every_bundle_page_is_valid_html(bundle_pack: PackBuild) -> None:
    assert vnu_errors(sorted(bundle_pack.out.glob("*.html"))) == ""


def test_the_book_passes_epubcheck(epub_pack: PackBuild) -> None:
    assert epubcheck([epub_pack.out]) == {epub_pack.out: []}


def test_the_draft_compiles_and_reads_nothing_outside(latex_pack: PackBuild) -> None:
    out = latex_pack.out
    assert (out / "main.pdf").stat().st_size > 10_000
    recorded = (out / "main.fls").read_text(encoding="utf-8", errors="replace")
    read = [line for line in recorded.splitlines() if line.startswith("INPUT ") and re.search(r"passwd|shadow", line)]
    assert read == []
    assert_no_secrets(pdf_text(out / "main.pdf"), "main.pdf")


@pytest.fixture(scope="module")
def draft_text(latex_pack: PackBuild) -> str:
    return pdf_text(latex_pack.out / "main.pdf", top=64, bottom=60)  # the template's 2.4 cm margins


@pytest.mark.parametrize("case", CASE_NAMES)
def test_the_compiled_draft_shows_every_word(case: str, latex_pack: PackBuild, draft_text: str) -> None:
    assert_warnings(BY_NAME[case], latex_pack.doc(case), latex=True)
    assert_shows(BY_NAME[case], draft_text)


def test_epub_and_bundle_of_the_pack_keep_each_cases_warnings(bundle_pack: PackBuild, epub_pack: PackBuild) -> None:
    for case in CASES:
        assert_warnings(case, bundle_pack.doc(case.name))
        assert_warnings(case, epub_pack.doc(case.name))


def test_nothing_hostile_in_the_nav_or_index(epub_pack: PackBuild, bundle_pack: PackBuild) -> None:
    book = Book(epub_pack.out)
    assert_inert(book.xml("EPUB/nav.xhtml"), "nav")
    assert book.xml("EPUB/nav.xhtml").find(".//x:nav", NS) is not None
    root, _ = page_text(bundle_pack.out / "index.html")
    assert_inert(root, "index.html", ("assets/bundle.js", "assets/search-index.js", "assets/search.js"))


def test_a_footnote_cited_twice_gets_two_ids() -> None:
    """Every backend's HTML starts from the HTML translator: one id per citation, on the standalone page too."""
    page = render_page(load_pack([HOSTILE / "footnotes.md"]).documents[0], {})
    ids = re.findall(r' id="([^"]+)"', page)
    assert "fnref-A-2" in ids and len(ids) == len(set(ids))


def test_only_long_runs_of_letters_get_break_points_in_latex() -> None:
    """A 5,000-letter word crashed XeLaTeX; Chinese prose (breaks anywhere) and addresses stay as they are."""

    def breaks(value: str) -> int:
        return sum(1 for el in latex_prose(value) if el.get("c") == ["latex", WORD_BREAK])

    assert breaks("a" * 100) == 12
    assert "".join(el["c"] for el in latex_prose("a" * 100) if el["t"] == "Str") == "a" * 100
    assert [breaks(kept) for kept in ("中文" * 100, "https://example.org/" + "b" * 60, "word " * 30)] == [0, 0, 0]
