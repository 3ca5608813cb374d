"""The PDF backend on a small hand-built pack, with the real WeasyPrint and poppler's tools.

The pack holds one of everything the corpus has (paper sections, a table of
papers, a data table, formulas, a gallery, internal links, an emoji) plus
every kind of bad image; its remote images come from a server on 127.0.0.1.
The helpers here read a PDF back the way a reader would: its text
(pdftotext), its outline (pdftohtml -xml) and its fonts (pdffonts).
"""

from __future__ import annotations

import io
import logging
import pickle
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pytest
from _helpers import local_server, pdf_text, squeeze
from click.testing import CliRunner
from PIL import Image
from test_images import Handler

from publish import model as m
from publish.errors import PublishError
from publish.qr import MIN_PARALLEL, make_missing, make_svg, qr_svg
from publish.render import pdf_fonts
from publish.render.pdf import build_pdf, glyph_warnings, replace_undrawable
from publish.render.pdf_engine import allowed_path, style_image
from publish.render.pdf_html import COVER_COMPACT, paper_url, running_title
from publish.render.pdf_typography import space_text
from publish.tree import iter_nodes

REPO = Path(__file__).resolve().parent.parent
XHTML = "{http://www.w3.org/1999/xhtml}"

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")


# --------------------------------------------------------------------------
# Reading a PDF back
# --------------------------------------------------------------------------


def outline(path: Path) -> list[tuple[int, str, int]]:
    """(level, label, page) of every outline entry, in order (the outline comes whole with the first page)."""
    command = ["pdftohtml", "-xml", "-i", "-q", "-stdout", "-f", "1", "-l", "1", str(path)]
    xml = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    root = ET.fromstring(xml)
    entries: list[tuple[int, str, int]] = []

    def walk(node: ET.Element, level: int) -> None:
        for child in node:
            if child.tag == "item":
                entries.append((level, "".join(child.itertext()), int(child.get("page", "0"))))
            elif child.tag == "outline":
                walk(child, level + 1)

    top = root.find("outline")
    if top is not None:
        walk(top, 1)
    return entries


def words_off_the_page(path: Path) -> list[tuple[int, str]]:
    """(page, word) of every word drawn even partly outside its page: something was cut off."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", xhtml))
    out = []
    for number, page in enumerate(root.iter(f"{XHTML}page"), start=1):
        width, height = float(page.get("width", "0")), float(page.get("height", "0"))
        for word in page.iter(f"{XHTML}word"):
            box = [float(word.get(k, "0")) for k in ("xMin", "yMin", "xMax", "yMax")]
            if box[0] < 0 or box[1] < 0 or box[2] > width or box[3] > height:
                out.append((number, word.text or ""))
    return out


@dataclass
class FontRow:
    name: str
    embedded: bool
    subset: bool


def fonts(path: Path) -> list[FontRow]:
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    rows = []
    for line in lines[2:]:
        fields = line.split()
        # name, type words…, encoding, emb, sub, uni, object, id
        rows.append(FontRow(fields[0], fields[-5] == "yes", fields[-4] == "yes"))
    return rows


@dataclass
class Built:
    pack: m.Pack
    pages: int
    path: Path
    engine_records: list[logging.LogRecord]

    @property
    def diagnostics(self) -> list[m.Diagnostic]:
        return [w for doc in self.pack.documents for w in doc.warnings]

    @cached_property
    def text(self) -> str:
        return pdf_text(self.path)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def build(pack: m.Pack, path: Path, **options: object) -> Built:
    """Build, catching every WeasyPrint log record at warning level or above."""
    handler = _Records()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        pack, pages = build_pdf(pack, path, **options)  # type: ignore[arg-type]
    finally:
        logger.removeHandler(handler)
    return Built(pack, pages, path, handler.records)


def assert_clean_pdf(built: Built) -> None:
    """What every PDF must satisfy: fonts embedded and subset, no engine message, no raw TeX, nothing cut off."""
    assert built.engine_records == []
    assert words_off_the_page(built.path) == []
    assert [d for d in built.diagnostics if "PDF engine" in d.message] == []
    rows = fonts(built.path)
    assert rows and all(r.embedded and r.subset for r in rows), rows
    text = built.text
    squeezed = squeeze(text)
    rendered = [n.tex for d in built.pack.documents for n in iter_nodes(d) if isinstance(n, m.Math) and not n.error]
    leaked = [tex for tex in rendered if "\\" in tex and squeeze(tex) in squeezed]
    assert leaked == []
    dollars_in_prose = any("$" in n.text for d in built.pack.documents for n in iter_nodes(d) if isinstance(n, m.Text))
    if not dollars_in_prose:
        assert "$" not in text


def assert_papers_findable(built: Built) -> None:
    """Every paper title in the text and in the outline, every document in the outline."""
    squeezed = squeeze(built.text)
    labels = [squeeze(label) for _, label, _ in outline(built.path)]
    for doc in built.pack.documents:
        assert any(squeeze(doc.meta.title) == label for label in labels), doc.meta.title
        for paper in doc.papers:
            title = squeeze(paper.title)
            assert title in squeezed, paper.title
            assert any(title in label for label in labels), paper.title


# --------------------------------------------------------------------------
# The small pack
# --------------------------------------------------------------------------


def _png(path: Path, size: tuple[int, int]) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The image host of the image store's tests, on 127.0.0.1: good images and every kind of bad answer."""
    with local_server(Handler) as url:
        yield url


def T(text: str) -> m.Text:
    return m.Text(text=text)


def para(*children: m.Node, lang: str = "") -> m.Paragraph:
    return m.Paragraph(children=list(children), lang=lang)


def small_pack(folder: Path, site: str) -> m.Pack:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "images").mkdir(exist_ok=True)
    _png(folder / "images" / "local.png", (1200, 700))
    (folder / "secret.png").write_bytes(b"")  # beside the pack, never to be read

    attention = m.Paper(title="Attention Is All You Need", authors=["Ashish Vaswani", "Noam Shazeer"],
                        arxiv="1706.03762", anchor="attention-is-all-you-need", links={"code": "https://github.com/x/y"})
    ddpm = m.Paper(title="Denoising Diffusion Probabilistic Models", arxiv="2006.11239", anchor="ddpm")
    gallery = m.Gallery(caption=[T("点此查看论文截图")], line=30, images=[
        m.Image(url="images/local.png", line=31),
        m.Image(url=f"{site}/big.jpg", line=32),
        m.Image(url=f"{site}/missing.png", line=33),
        m.Image(url="file:///etc/passwd", line=34),
        m.Image(url="../secret.png", line=35),
        m.Image(url="../../../../etc/passwd", line=36),
        m.Image(url=f"{site}/page.html", line=37),
        m.Image(url=f"{site}/huge.jpg", line=38),
        m.Image(url="论文链接地址", line=39),
    ])
    daily = m.Document(
        path=folder / "2025-03-01-daily.md", source="", kind="daily",
        meta=m.Meta(title="2025-03-01", date="2025-03-01"),
        papers=[attention, ddpm],
        children=[m.Section(level=1, title=[T("2025-03-01")], id="2025-03-01", children=[
            para(T("今天整理了两篇论文，先读"), m.Link(url="#ddpm", children=[T("DDPM")]), T("，再读"),
                 m.Link(url="#user-content-attention-is-all-you-need", children=[T("Transformer")]), T("。🔴")),
            m.Section(level=2, title=[T(attention.title)], id=attention.anchor, paper=attention, lang="en", children=[
                para(T("缩放点积注意力除以"), m.Math(tex=r"\sqrt{d_k}"), T("防止 softmax 饱和。")),
                para(m.Math(tex=r"\mathrm{Attention}(Q,K,V)=\mathrm{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V",
                            display=True)),
                para(T("We propose a new simple network architecture based solely on attention mechanisms."),
                     lang="en"),
            ]),
            m.Section(level=2, title=[T(ddpm.title)], id=ddpm.anchor, paper=ddpm, lang="en", children=[
                para(T("前向过程加入噪声，反向过程去噪。"), m.Link(url="#top-of-nowhere", children=[T("坏链接")])),
                gallery,
            ]),
        ])],
    )
    rows = [
        m.Row(paper=m.Paper(title=f"Paper number {i} on flow matching", arxiv=f"2509.1000{i}", date="2025-09-17",
                            anchor=f"arxiv-2509.1000{i}", links={"abs": f"http://arxiv.org/abs/2509.1000{i}"}),
              cells=[m.Cell(children=[m.Strong(children=[T("2025-09-17")])]),
                     m.Cell(children=[m.Link(url=f"http://arxiv.org/abs/2509.1000{i}",
                                             children=[T(f"Paper number {i} on flow matching")])]),
                     m.Cell(children=[T("null")]),
                     m.Cell(children=[T("本文提出一种方法，误差为"), m.Math(tex=r"\pm 0.5"), T("。")])])
        for i in range(3)
    ]
    head = m.Row(cells=[m.Cell(children=[T(label)]) for label in ("Publish Date", "Title", "Code", "Abstract")])
    arxiv = m.Document(
        path=folder / "arxiv.md", source="", kind="arxiv-daily",
        meta=m.Meta(title="Updated on 2025.09.18", date="2025-09-18"),
        papers=[row.paper for row in rows if row.paper],
        children=[m.Section(level=2, title=[T("生成模型")], id="生成模型", children=[m.Table(head=head, rows=rows)])],
    )
    data = m.Table(
        head=m.Row(cells=[m.Cell(children=[T(h)]) for h in ("维度", "扩散模型", "自回归模型")]),
        rows=[m.Row(cells=[m.Cell(children=[T(c)]) for c in row]) for row in
              (("采样并行度", "逐步去噪", "逐步生成"), ("可控性", "强", "中等"))],
    )
    wide = m.Table(
        head=m.Row(cells=[m.Cell(children=[T(f"Column {i}")]) for i in range(8)]),
        rows=[m.Row(cells=[m.Cell(children=[T(f"https://example.org/a/very/long/address/{i}/without/breaks")])
                           for i in range(8)])],
    )
    survey = m.Document(
        path=folder / "survey.md", source="", kind="survey",
        meta=m.Meta(title="生成模型综述", date="2026-02-17", tags=["Diffusion"], author="publish"),
        children=[m.Section(level=2, title=[T("对比")], id="对比", children=[
            data, wide, m.CodeBlock(text="def f(x):\n    return x  # " + "long_comment_" * 20 + "\n", language="py"),
            m.BlockQuote(children=[para(T("引用的一段话。"), m.FootnoteRef(key="note", number=1))]),
        ])],
        footnotes=[m.FootnoteDef(key="note", number=1, children=[para(T("脚注的内容。"))])],
    )
    return m.Pack(title="测试阅读包", documents=[daily, arxiv, survey])


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, site: str) -> dict[str, Built]:
    folder = tmp_path_factory.mktemp("small")
    pack = small_pack(folder / "pack", site)
    return {paper: build(pack, folder / f"small-{paper}.pdf", paper=paper, cache_dir=folder / "cache")
            for paper in ("a4", "a5")}


@pytest.mark.parametrize("paper", ["a4", "a5"])
def test_small_pack_is_clean_and_findable(small: dict[str, Built], paper: str) -> None:
    built = small[paper]
    assert built.pages > 4 and built.path.read_bytes().startswith(b"%PDF-")
    assert_clean_pdf(built)
    assert_papers_findable(built)


def test_structure_cover_contents_running_heads(small: dict[str, Built]) -> None:
    built = small["a4"]
    pages = built.text.split("\f")
    assert "测试阅读包" in pages[0] and "3篇文档" in squeeze(pages[0]) and "5篇论文" in squeeze(pages[0])
    assert "目录" in pages[1]
    assert all(f"/{built.pages}" in squeeze(page) for page in pages[1:built.pages])  # "n / N" but on the cover
    contents = squeeze(pages[1])
    assert "AttentionIsAllYouNeed" in contents and any(ch.isdigit() for ch in contents)
    levels = {label: level for level, label, _ in outline(built.path)}
    assert levels["2025-03-01"] == 1 and levels["Attention Is All You Need"] == 2
    assert levels["生成模型"] == 2 and levels["Paper number 0 on flow matching"] == 3


@pytest.mark.parametrize("paper", ["a4", "a5"])
def test_a_months_cover_lists_every_document_in_two_columns(tmp_path: Path, paper: str) -> None:
    """As many documents as the compact cover takes, drawn on the first page side by side (not only in
    the text layer: a clipped or pushed-away list would still be found there)."""
    titles = ("{date}", "Flow Matching {day}", "Updated on {date}", "Digest {day}: 生成模型前沿技术综述：从 VAE 到 DLM")
    docs = [
        m.Document(path=tmp_path / f"{day}.md", source="", kind="daily", children=[para(T("正文。"))],
                   meta=m.Meta(title=titles[day % 4].format(day=day, date=date), date=date))
        for day in range(1, COVER_COMPACT + 1)
        for date in [f"2026-{4 + day // 31:02d}-{day % 31 + 1:02d}"]
    ]
    built = build(m.Pack(title="一个月", documents=docs), tmp_path / "month.pdf", paper=paper, cache_dir=tmp_path / "c")
    assert_clean_pdf(built)
    assert all(f"Digest {day}" in built.text.split("\f")[0] for day in range(3, COVER_COMPACT + 1, 4))
    cover = tmp_path / "cover"
    subprocess.run(["pdftoppm", "-r", "40", "-gray", "-png", "-singlefile", str(built.path), str(cover)], check=True)
    page = Image.open(cover.with_suffix(".png")).convert("L")
    width, height = page.size
    for left, right in ((0.1, 0.45), (0.55, 0.9)):  # each column's text, below the facts, above the foot
        column = page.crop((int(left * width), int(0.4 * height), int(right * width), int(0.75 * height)))
        assert column.getextrema()[0] < 128, f"{paper}: nothing drawn in the column at {left:.0%} of the cover"


def test_a5_documents_open_on_right_hand_pages(small: dict[str, Built]) -> None:
    starts = [page for level, label, page in outline(small["a5"].path) if level == 1 and label != "目录"]
    assert len(starts) == 3 and all(page % 2 == 1 for page in starts)


def test_bad_images_become_placeholders_with_warnings(small: dict[str, Built], site: str) -> None:
    built = small["a4"]
    warned = {d.line: d.message for d in built.diagnostics if "image not printed" in d.message}
    assert set(warned) == {33, 34, 35, 36, 37, 38, 39}
    assert "HTTP 404" in warned[33] and "'file:'" in warned[34] and "outside the pack" in warned[36]
    assert "text/html" in warned[37] and "20 MB" in warned[38] and "no such file" in warned[39]
    text = squeeze(built.text)
    assert "missing.png" in text and "未能载入" in text and "论文截图·3" in text  # the placeholder keeps the address
    listing = subprocess.run(["pdfimages", "-list", str(built.path)], capture_output=True, text=True).stdout
    sizes = {(row.split()[3], row.split()[4]) for row in listing.splitlines()[2:]}
    assert {("1200", "700"), ("1600", "1200")} <= sizes  # the local image, and the one from the server downscaled


def qr_codes(path: Path, dpi: int = 300) -> list[tuple[str, list[list[bool]]]]:
    """Each QR code printed as a link (a square link to a web address), with the address it links to
    and its modules as the page shows them: sampled at their centres, rendered by poppler."""
    import pikepdf
    import segno

    found = []
    with pikepdf.open(path) as pdf:
        for number, page in enumerate(pdf.pages):
            height = float(page.mediabox[3])
            squares = []
            for annot in page.obj.get("/Annots", []):
                xs, ys = sorted(float(v) for v in annot.Rect[::2]), sorted(float(v) for v in annot.Rect[1::2])
                width, tall = xs[1] - xs[0], ys[1] - ys[0]
                uri = str(annot.get("/A", {}).get("/URI", ""))
                if uri and abs(width - tall) < 0.5 and width > 20:
                    squares.append((uri, xs[0], ys[1], width))
            if not squares:
                continue
            png = subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", str(number + 1),
                                  "-l", str(number + 1), str(path)], capture_output=True, check=True).stdout
            image = Image.open(io.BytesIO(png)).convert("L")
            for uri, left, top, size in squares:
                modules = len(segno.make(uri, error="m", micro=False, boost_error=False).matrix)
                step = size / modules
                found.append((uri, [[image.getpixel((round((left + (col + 0.5) * step) * dpi / 72),
                                                      round((height - top + (row + 0.5) * step) * dpi / 72))) < 128
                                     for col in range(modules)] for row in range(modules)]))
    return found


@pytest.mark.parametrize("paper", ["a4", "a5"])
def test_every_qr_code_reads_as_the_address_it_links_to(small: dict[str, Built], paper: str) -> None:
    """Built in parts, the join draws the codes: each must still be the code of its link's address, in
    its place, at its size (module by module, against segno's own matrix)."""
    import segno

    codes = qr_codes(small[paper].path)
    papers = {paper_url(p) for doc in small[paper].pack.documents for p in doc.papers}
    assert papers <= {uri for uri, _ in codes}
    assert {uri for uri, _ in codes} - papers, "an image placeholder's code"
    for uri, seen in codes:
        matrix = segno.make(uri, error="m", micro=False, boost_error=False).matrix
        assert seen == [[bool(module) for module in row] for row in matrix], uri


def test_links_inside_the_pack_resolve_and_dead_ones_print_as_text(small: dict[str, Built]) -> None:
    built = small["a4"]
    dead = [d for d in built.diagnostics if "#top-of-nowhere" in d.message]
    assert len(dead) == 1
    assert "坏链接" in built.text


def test_characters_no_font_has_are_replaced_and_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_fonts.Coverage, "drawable", lambda self, char: char not in "🔴🦜")
    html, replaced = replace_undrawable("<p>重点🔴 鹦鹉🦜</p>")
    assert html == "<p>重点● 鹦鹉</p>" and replaced == {"🔴": "●", "🦜": ""}
    doc = m.Document(path=Path("a.md"), source="", children=[para(m.Text(text="鹦鹉🦜", line=7))])
    [warning] = glyph_warnings(doc, {"🦜": ""})
    assert warning.line == 7 and "U+1F99C" in warning.message and "left out" in warning.message


def test_metadata(small: dict[str, Built]) -> None:
    info = subprocess.run(["pdfinfo", str(small["a4"].path)], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert fields["Title"].strip() == "测试阅读包"
    assert fields["Author"].strip() == "publish"
    assert "5 篇论文" in fields["Subject"] and "Diffusion" in fields["Keywords"]
    assert fields["Tagged"].strip() == "yes"


# --------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------


def test_the_engine_may_read_only_the_pack_the_cache_and_named_fonts(tmp_path: Path) -> None:
    font = tmp_path / "fonts" / "a.otf"
    roots = [tmp_path / "pack"]
    assert allowed_path((tmp_path / "pack" / "x.png").as_uri(), roots, frozenset()) == tmp_path / "pack" / "x.png"
    assert allowed_path(font.as_uri(), roots, frozenset({font})) == font
    for url in ("file:///etc/passwd", (tmp_path / "pack" / ".." / "secret").as_uri(), "https://example.org/a.png",
                "data:image/png;base64,AAAA", "file://otherhost/x.png"):
        with pytest.raises(ValueError):
            allowed_path(url, roots, frozenset({font}))


def test_stylesheets_read_only_the_svgs_of_the_styles_folder() -> None:
    assert style_image("style:leader.svg").startswith(b"<svg")
    for url in ("style:../pdf.css", "style:pdf.css", "style:sub/leader.svg", "style:..\\cache.py"):
        with pytest.raises(ValueError):
            style_image(url)


def test_the_worker_server_starts_with_weasyprint_run_once() -> None:
    """Its warm-up errors are suppressed (a real layout reports them), so check here that it works."""
    probe = (
        "import pyphen, publish.render.pdf_worker\n"
        "from publish.render.pdf_engine import _SHEETS\n"
        "from publish.render.pdf import PAPER_SIZES\n"
        "assert len(_SHEETS.sheets) == len(PAPER_SIZES['a4']) + 3  # fonts, list markers, sheets, no folio\n"
        "assert pyphen.hdcache, 'no hyphenation dictionary loaded'\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_latin_face_coverage_is_kept_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    faces = pdf_fonts.find_fonts().faces
    if not faces:
        pytest.skip("no Latin face found by fontconfig")
    monkeypatch.setenv("PUBLISH_CACHE_DIR", str(tmp_path))
    read = pdf_fonts._latin_advances.__wrapped__  # past the in-process memo
    fresh = read(faces[0].path)
    [kept] = (tmp_path / "fonts").rglob("*.pickle")
    assert fresh and 0.2 < fresh[ord("A")] < 1
    kept.write_bytes(pickle.dumps({65: 0.5}))  # what is on disk is what a later build uses
    assert read(faces[0].path) == {65: 0.5}


def test_no_chinese_font_stops_the_build_naming_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_fonts, "_fc_list", lambda pattern, fmt: [])
    with pytest.raises(PublishError, match="fonts-noto-cjk"):
        pdf_fonts.find_fonts()


def test_unknown_paper_size_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="a4, a5"):
        build_pdf(m.Pack(title="x"), tmp_path / "x.pdf", paper="letter")


@pytest.mark.parametrize(
    ("text", "spaced"),
    [("使用Transformer模型", "使用 Transformer 模型"), ("在2025年", "在 2025 年"), ("已有 空格", "已有 空格"),
     ("（SMT）", "（SMT）"), ("English only", "English only")],
)
def test_cjk_latin_gap(text: str, spaced: str) -> None:
    assert space_text(text) == spaced


def test_running_title_is_cut_to_fit() -> None:
    assert running_title("短标题") == "短标题"
    title = "生成模型前沿技术综述 - 从 VAE 到 Diffusion Language Models 以及更多更多内容"
    cut = running_title(title)
    assert cut.endswith("…") and title.startswith(cut[:-1])


def test_cli_builds_the_sample_pack_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    from publish.cli import cli

    result = CliRunner().invoke(cli, ["pdf", "--offline", "--paper", "a5"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "build" / "reading-pack.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_missing_qr_codes_are_made_in_other_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLISH_CACHE_DIR", str(tmp_path))
    urls = [f"https://arxiv.org/abs/2601.{n:05d}" for n in range(MIN_PARALLEL + 5)]
    too_long = "https://example.org/" + "x" * 5000  # more than a QR code holds: made by no one, and no error
    with make_missing([*urls, urls[0], "", too_long], jobs=2):
        pass
    made = {path.read_text("utf-8") for path in (tmp_path / "qr").rglob("*.svg")}
    assert made == {make_svg(url) for url in urls}


def test_qr_codes_are_cached_on_disk(tmp_path: Path) -> None:
    url = "https://arxiv.org/abs/1706.03762"
    svg = qr_svg(url, tmp_path)
    assert svg == make_svg(url) and svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox=')
    [cached] = tmp_path.rglob("*.svg")
    assert cached.read_text("utf-8") == svg
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert qr_svg(url, blocked) == svg  # a cache that cannot be written only costs time
