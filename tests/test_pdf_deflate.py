"""pydyf's streams at zlib level 6: the same content, deflated at the level we chose."""

from __future__ import annotations

import io
import zlib

import pikepdf
import pydyf
import pytest
from weasyprint import HTML

from publish.render import pdf_deflate

PAGE = "<p>" + "正文，中文与 Latin 混排。" * 400 + "</p>"


def streams(data: bytes) -> list[bytes]:
    """Every stream's decoded bytes but the cross-reference table's, which holds the file offsets."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        found = [obj for obj in pdf.objects if isinstance(obj, pikepdf.Stream)]
        return sorted(obj.read_bytes() for obj in found if obj.get("/Type") != pikepdf.Name.XRef)


@pytest.fixture
def stock_zlib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pydyf, "zlib", zlib)


def test_streams_hold_the_same_bytes_deflated_at_level_6(stock_zlib: None) -> None:
    expected = streams(HTML(string=PAGE).write_pdf())
    assert pdf_deflate.install(), "the pydyf version in use was not checked: update CHECKED_VERSIONS"
    assert streams(HTML(string=PAGE).write_pdf()) == expected
    stream = pydyf.Stream([b"0 0 m 10 10 l S"] * 50, compress=True)
    assert zlib.compress(b"\n".join([b"0 0 m 10 10 l S"] * 50), pdf_deflate.LEVEL) in stream.data


def test_installing_twice_keeps_one_shim(stock_zlib: None) -> None:
    assert pdf_deflate.install()
    shim = pydyf.zlib
    assert pdf_deflate.install() and pydyf.zlib is shim
