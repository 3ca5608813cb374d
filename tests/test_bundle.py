"""The HTML bundle on small made-up documents: safety, languages, stable ids, zip, CLI."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from _helpers import serve_folder
from click.testing import CliRunner
from PIL import Image

from publish.cli import cli
from publish.pipeline import load_pack
from publish.render.bundle import build_bundle

HOSTILE = """\
# Hostile

<script>alert(1)</script>

<p onclick="alert(2)">点击 <a href="javascript:alert(3)" onmouseover="alert(4)">这里</a></p>

[link](javascript:alert(5)) and [ok](https://example.org/)

<iframe src="https://evil.example/"></iframe>

<img src="x.png" onerror="alert(6)">

<style>body { display: none }</style>

<div style="color: red">styled</div>
"""

BILINGUAL = """\
# 双语测试

这是一段中文说明，介绍扩散模型的最新进展。

This paragraph is written in English and explains the method.

![remote](https://images.example.org/shot.png)
"""


def build(tmp_path: Path, text: str, name: str = "doc.md") -> Path:
    source = tmp_path / "src" / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(text, "utf-8")
    out = tmp_path / "html"
    build_bundle(load_pack([source]), out, offline=True, cache_dir=tmp_path / "cache")
    return out


def main_of(page: Path) -> str:
    html = page.read_text("utf-8")
    return html[html.index("<main") : html.index("</main>")]


def test_hostile_markup_is_gone(tmp_path: Path) -> None:
    out = build(tmp_path, HOSTILE)
    for page in out.glob("*.html"):
        html = page.read_text("utf-8")
        assert re.findall(r"<script[^>]*>", html) == [
            '<script src="assets/bundle.js">',
            '<script src="assets/search-index.js" defer>',
            '<script src="assets/search.js" defer>',
        ]
        lowered = html.lower()
        for banned in ("<iframe", "javascript:", "onclick", "onmouseover", "onerror", "<style", "style="):
            assert banned not in lowered, (page.name, banned)
    assert "https://example.org/" in main_of(out / "01-doc.html")


def test_every_text_block_has_lang_and_id(tmp_path: Path) -> None:
    main = main_of(build(tmp_path, BILINGUAL) / "01-doc.html")
    blocks = re.findall(r"<(p|h\d|li|td|th)( [^>]*)?>", main)
    assert blocks
    for tag, attrs in blocks:
        assert re.search(r' lang="(zh-Hans|en)"', attrs), (tag, attrs)
        assert re.search(r' id="[^"]+"', attrs), (tag, attrs)
    assert '<p id="t-' in main and 'lang="en"' in main and 'lang="zh-Hans"' in main


def _ids(page: Path) -> list[str]:
    return re.findall(r' id="(t-[^"]+)"', page.read_text("utf-8"))


def test_ids_are_stable_across_rebuilds_and_edits(tmp_path: Path) -> None:
    first = _ids(build(tmp_path / "a", BILINGUAL) / "01-doc.html")
    again = _ids(build(tmp_path / "b", BILINGUAL) / "01-doc.html")
    inserted = BILINGUAL.replace("# 双语测试\n", "# 双语测试\n\n新增一段。\n")
    edited = _ids(build(tmp_path / "c", inserted) / "01-doc.html")
    assert first == again
    assert set(first) <= set(edited)  # inserting a block leaves the other blocks' ids alone


def test_remote_images_never_load_from_the_network(tmp_path: Path) -> None:
    main = main_of(build(tmp_path, BILINGUAL) / "01-doc.html")
    assert not re.search(r"<img[^>]+src=\"https?:", main)
    assert 'href="https://images.example.org/shot.png"' in main  # the placeholder keeps the link


def test_cli_writes_bundle_and_zip(tmp_path: Path) -> None:
    source = tmp_path / "doc.md"
    source.write_text(BILINGUAL, "utf-8")
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["html", str(source), "-o", str(out), "--zip", "--offline"])
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file() and (out / "assets" / "bundle.css").is_file()
    with zipfile.ZipFile(tmp_path / "site.zip") as archive:
        names = set(archive.namelist())
    assert {"site/index.html", "site/01-doc.html", "site/assets/search-index.js"} <= names


@pytest.fixture
def image_server(tmp_path: Path) -> Iterator[str]:
    """Remote images from 127.0.0.1: tests never reach the internet."""
    root = tmp_path / "www"
    root.mkdir()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(root / "shot.png")
    with serve_folder(root) as url:
        yield url


def test_remote_images_are_copied_into_the_bundle(tmp_path: Path, image_server: str) -> None:
    source = tmp_path / "doc.md"
    source.write_text(f"# 图\n\n![截图]({image_server}/shot.png)\n", "utf-8")
    out = tmp_path / "html"
    build_bundle(load_pack([source]), out, cache_dir=tmp_path / "cache")
    (src,) = re.findall(r'<img src="([^"]+)"', main_of(out / "01-doc.html"))
    assert src.startswith("assets/img/") and (out / src).is_file()
