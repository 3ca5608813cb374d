"""Parts leave their fonts out; the join embeds one subset of each, made as WeasyPrint makes its own.

The parts are laid out by the real WeasyPrint with the pack's stylesheets, and
the joined pages are compared, as pdftoppm draws them, with the same parts
joined with their own fonts.
"""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from publish.errors import PublishError
from publish.render import pdf_subset
from publish.render.pdf import layout_engine
from publish.render.pdf_fonts import find_fonts
from publish.render.pdf_merge import Joiner, plan
from publish.render.pdf_parts import Engine, LaidOut, Part, layout_part
from publish.render.pdf_shared_fonts import LeftOut, Programs

pytestmark = [
    pytest.mark.skipif(shutil.which("fc-list") is None, reason="needs fontconfig (fc-list)"),
    pytest.mark.skipif(not pdf_subset.available(), reason="needs HarfBuzz's subsetter (libharfbuzz-subset0)"),
]

BODIES = (
    "<h1>第一部分 Part one</h1><p>扩散模型把噪声一步步还原成图像。<b>加粗</b> and English text, 2026.</p>",
    "<h1>第二部分 Part two</h1><p>流匹配学习一个速度场，把噪声送到数据。<i>emphasis</i> with other words, 1999.</p>",
    "<h1>封面</h1><p>只在这一部分出现的字：鑫龘麤，还有 Zygote quartz.</p>",
)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return layout_engine(find_fonts(), "a4", roots=())


def lay_out(engine: Engine, *, shared: bool) -> list[LaidOut]:
    parts = [Part(f"part {i}", f'<html lang="zh-Hans"><body>{body}</body></html>', shared_fonts=shared)
             for i, body in enumerate(BODIES)]
    laid = [layout_part(part, engine) for part in parts]
    assert all(done.messages == () for done in laid)
    return laid


@pytest.fixture(scope="module")
def left_out(engine: Engine) -> list[LaidOut]:
    return lay_out(engine, shared=True)


@pytest.fixture(scope="module")
def own(engine: Engine) -> list[LaidOut]:
    return lay_out(engine, shared=False)


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


def test_a_part_leaves_the_engines_fonts_out(left_out: list[LaidOut], own: list[LaidOut]) -> None:
    pdf = pikepdf.open(io.BytesIO(left_out[0].pdf))
    found = font_programs(pdf)
    assert any("Serif-CJK" in name for name in left_out[0].fonts)
    for name in left_out[0].fonts:
        [program] = found[name]
        assert program.read_bytes() in (b"OTTO", b"\0\1\0\0", b"true"), name
    assert len(left_out[0].pdf) * 5 < len(own[0].pdf)


def test_a_font_left_out_is_made_as_weasyprint_makes_it(left_out: list[LaidOut], own: list[LaidOut]) -> None:
    for shared, alone in zip(left_out, own, strict=True):
        pdf = pikepdf.open(io.BytesIO(alone.pdf))
        found = font_programs(pdf)
        for name, embedded in shared.fonts.items():
            [program] = found[name]
            made = pdf_subset.subset(Path(embedded.path), embedded.index, embedded.glyphs)
            assert made == program.read_bytes(), name


def join(parts: list[LaidOut], *, early: range | None = None) -> bytes:
    """``parts`` joined; the fonts begun once the parts ``early`` are in, as when the contents comes last."""
    joiner = Joiner()
    for index in early or ():
        joiner.add(index, parts[index].pdf, parts[index].fonts)
    if early is not None:
        joiner.make_fonts()
    for index, part in enumerate(parts):
        if index not in joiner:
            joiner.add(index, part.pdf, part.fonts)
    return joiner.join(plan([part.pages for part in parts], right_hand=False), numbers=lambda: (parts[0].pdf, {}))


def pixels(pdf: bytes, folder: Path, name: str) -> list[bytes]:
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "72", "-png", str(path), str(folder / name)], check=True)
    return [png.read_bytes() for png in sorted(folder.glob(f"{name}-*.png"))]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")
@pytest.mark.parametrize("early", [None, range(1, 3)], ids=["made at the join", "made early, one part later"])
def test_joined_parts_embed_one_subset_per_font_and_print_the_same(
    left_out: list[LaidOut], own: list[LaidOut], early: range | None, tmp_path: Path
) -> None:
    shared = join(left_out, early=early)
    pdf = pikepdf.open(io.BytesIO(shared))
    found = font_programs(pdf)
    for name in {name for part in left_out for name in part.fonts}:
        [program] = found[name]
        assert len(program.read_bytes()) > 1000, f"{name} was not filled in"
    # The first part has glyphs the other two lack: begun from those two, its fonts are made again.
    assert left_out[0].fonts.keys() & left_out[1].fonts.keys()
    assert pixels(shared, tmp_path, "shared") == pixels(join(own), tmp_path, "own")
    assert len(shared) < len(join(own))


def test_one_font_name_from_two_files_stops_the_build() -> None:
    one = LeftOut(path="/fonts/a.otf", index=0, glyphs=(1, 2))
    other = LeftOut(path="/fonts/b.otf", index=0, glyphs=(3,))
    fonts = Programs()
    fonts.note({"/ABCDEF+Face": one})
    fonts.note({"/ABCDEF+Face": other})
    with pytest.raises(PublishError, match="several files"):
        fonts.result()


def test_a_changed_font_file_changes_every_parts_key(engine: Engine, tmp_path: Path) -> None:
    font = tmp_path / "face.otf"
    shutil.copy(engine.font_files[0], font)
    with_font = dataclasses.replace(engine, font_sources=(font,))
    part = Part("part", "<p>字</p>", shared_fonts=True)
    before = part.key(with_font)
    stat = font.stat()
    os.utime(font, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert part.key(with_font) != before
    assert dataclasses.replace(part, shared_fonts=False).key(with_font) != part.key(with_font)

