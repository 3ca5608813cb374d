"""Fonts read lazily must give the same PDF as WeasyPrint's whole-file copies, in less memory."""

from __future__ import annotations

import io
import shutil
import subprocess

import pikepdf
import pytest
from weasyprint import HTML
from weasyprint.pdf.fonts import Font

from publish.render import pdf_font_files

pytestmark = pytest.mark.skipif(shutil.which("fc-list") is None, reason="needs fontconfig (fc-list)")

HTML_TEXT = (
    '<html lang="zh-Hans"><body style="font-family: \'Noto Serif CJK SC\', serif">'
    "<p>中文排版：标点、数字 2026 与 English words.</p>"
    '<h1 style="font-family: \'Noto Sans CJK SC\', sans-serif">标题 Title</h1>'
    # A form field embeds its font whole (not subset): the file must still be read in full.
    '<form><input name="q" value="field" style="font-family: \'DejaVu Sans\'"></form>'
    "</body></html>"
)


def fingerprint(pdf_bytes: bytes) -> tuple[object, ...]:
    """What must not change: every page's drawing, and each embedded font's name and program size."""
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    contents = []
    for page in pdf.pages:
        page.contents_coalesce()
        contents.append(page.Contents.read_bytes())
    fonts = set()
    for page in pdf.pages:
        for font in page.Resources.get("/Font", {}).values():
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get("/FontDescriptor", {})
                program = next((descriptor[k] for k in ("/FontFile2", "/FontFile3") if k in descriptor), None)
                size = len(program.read_bytes()) if program is not None else 0
                fonts.add((str(font.BaseFont), size))
    return tuple(contents), tuple(sorted(fonts))


@pytest.fixture
def original_font_class() -> object:
    yield
    if isinstance(Font.__dict__.get("file_content"), pdf_font_files.FileContent):
        del Font.file_content


def test_lazy_font_files_make_the_same_pdf(original_font_class: object) -> None:
    if not subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip():
        pytest.skip("no Chinese font installed (fonts-noto-cjk)")
    expected = fingerprint(HTML(string=HTML_TEXT).write_pdf(pdf_forms=True))
    assert pdf_font_files.install(), "the WeasyPrint version in use was not checked: update CHECKED_VERSIONS"
    assert fingerprint(HTML(string=HTML_TEXT).write_pdf(pdf_forms=True)) == expected
    assert any(size > 100_000 for _, size in expected[1]), "the form field's font is embedded whole"


def test_a_font_keeps_no_copy_of_its_file(original_font_class: object) -> None:
    pdf_font_files.install()
    kept: dict[str, int] = {}  # font family: bytes held right after the font was made
    original_init = Font.__init__

    def record(self: Font, *args: object) -> None:
        original_init(self, *args)
        held = [len(value) for value in vars(self).values() if isinstance(value, bytes)]
        kept[self.family] = max(held, default=0)
        assert len(self.file_content) > 1000  # still there when asked for

    Font.__init__ = record  # type: ignore[method-assign]
    try:
        HTML(string=HTML_TEXT).render().write_pdf()
    finally:
        Font.__init__ = original_init  # type: ignore[method-assign]
    assert kept
    assert max(kept.values()) < 1000, kept
