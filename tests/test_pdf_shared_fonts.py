"""Parts joined share one subset of each font, made as WeasyPrint makes its own, and print the same.

The parts are laid out by the real WeasyPrint with the pack's stylesheets; the
pages are compared as pdftoppm draws them.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zlib
from pathlib import Path

import pikepdf
import pytest

from publish.render import pdf_subset
from publish.render.pdf import layout_engine
from publish.render.pdf_fonts import find_fonts
from publish.render.pdf_merge import Joiner, plan
from publish.render.pdf_parts import Engine, LaidOut, Part, layout_part
from publish.render.pdf_shared_fonts import Embedded, FontFiles, shared_fonts

pytestmark = [
    pytest.mark.skipif(shutil.which("fc-list") is None, reason="needs fontconfig (fc-list)"),
    pytest.mark.skipif(not pdf_subset.available(), reason="needs HarfBuzz's subsetter (libharfbuzz-subset0)"),
]

PARTS = (
    "<h1>第一部分 Part one</h1><p>扩散模型把噪声一步步还原成图像。<b>加粗</b> and English text, 2026.</p>",
    "<h1>第二部分 Part two</h1><p>流匹配学习一个速度场，把噪声送到数据。<i>emphasis</i> with other words, 1999.</p>",
)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return layout_engine(find_fonts(), "a4", roots=())


@pytest.fixture(scope="module")
def parts(engine: Engine) -> list[LaidOut]:
    laid = [layout_part(Part(f"part {i}", f'<html lang="zh-Hans"><body>{body}</body></html>'), engine)
            for i, body in enumerate(PARTS)]
    assert all(part.messages == () for part in laid)
    return laid


def font_programs(pdf: pikepdf.Pdf) -> dict[str, list[pikepdf.Object]]:
    """Each font name's embedded programs, each once."""
    found: dict[str, dict[tuple[int, int], pikepdf.Object]] = {}
    for page in pdf.pages:
        for font in page.Resources.get("/Font", {}).values():
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.FontDescriptor
                for key in ("/FontFile2", "/FontFile3"):
                    if key in descriptor:
                        found.setdefault(str(descriptor.FontName), {})[descriptor[key].objgen] = descriptor[key]
    return {name: list(programs.values()) for name, programs in found.items()}


def test_each_embedded_font_is_found_and_subset_to_weasyprints_bytes(parts: list[LaidOut]) -> None:
    files = FontFiles()
    for part in parts:
        assert part.fonts, "WeasyPrint's fonts were not noted"
        pdf = pikepdf.open(io.BytesIO(part.pdf))
        programs = font_programs(pdf)
        for name, embedded in part.fonts.items():
            path = files.find(embedded.length, embedded.head)
            assert path is not None, f"no font file found for {name}"
            [program] = programs[name]
            assert pdf_subset.subset(path, embedded.index, embedded.glyphs) == program.read_bytes(), name


def join(parts: list[LaidOut], *, share: bool) -> bytes:
    joiner = Joiner()
    for index, part in enumerate(parts):
        joiner.add(index, part.pdf, part.fonts)
    if share:
        joiner.share_fonts(range(len(parts)))
    return joiner.join(plan([part.pages for part in parts], right_hand=False), numbers=lambda: (parts[0].pdf, {}))


def pixels(pdf: bytes, folder: Path, name: str) -> list[bytes]:
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "72", "-png", str(path), str(folder / name)], check=True)
    return [png.read_bytes() for png in sorted(folder.glob(f"{name}-*.png"))]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")
def test_joined_parts_share_one_subset_per_font_and_print_the_same(parts: list[LaidOut], tmp_path: Path) -> None:
    shared = join(parts, share=True)
    alone = join(parts, share=False)
    programs = font_programs(pikepdf.open(io.BytesIO(shared)))
    in_both = set(parts[0].fonts) & set(parts[1].fonts)
    assert any("CJK" in name for name in in_both)
    for name in in_both:
        assert len(programs[name]) == 1, f"{name} is embedded {len(programs[name])} times"
    assert len(font_programs(pikepdf.open(io.BytesIO(alone)))[next(iter(in_both))]) == 2
    assert len(shared) < len(alone)
    assert pixels(shared, tmp_path, "shared") == pixels(alone, tmp_path, "alone")


def test_the_same_name_from_two_files_is_not_shared() -> None:
    one = Embedded(length=100, head="a", index=0, glyphs=(1, 2))
    other = Embedded(length=100, head="b", index=0, glyphs=(3,))
    assert shared_fonts([{"/ABCDEF+Face": one}, {"/ABCDEF+Face": other}], FontFiles()) == {}


def test_a_shared_subset_holds_the_glyphs_of_every_part(parts: list[LaidOut]) -> None:
    name = next(name for name in parts[0].fonts if name in parts[1].fonts and "Serif-CJK" in name)
    shared = shared_fonts([part.fonts for part in parts], FontFiles())[name]
    glyphs = set(parts[0].fonts[name].glyphs) | set(parts[1].fonts[name].glyphs)
    embedded = parts[0].fonts[name]
    path = FontFiles().find(embedded.length, embedded.head)
    assert path is not None
    assert zlib.decompress(shared.data) == pdf_subset.subset(path, embedded.index, glyphs)
    assert shared.length == len(zlib.decompress(shared.data))
