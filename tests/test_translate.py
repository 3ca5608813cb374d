"""Translation round trip: export XLIFF 2, fill it in, import beside the source, rebuild."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner
from conftest import corpus_file
from lxml import etree

from publish.cli import cli
from publish.pipeline import load_pack
from publish.render.bundle import build_bundle
from publish.translate import XLIFF_NS, sidecar_path

NS = {"x": XLIFF_NS}


def run(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output


def fill(xliff: Path, count: int) -> dict[str, str]:
    """Give the first ``count`` units a target, as a translator would; returns id → translation."""
    tree = etree.parse(str(xliff))
    done = {}
    for unit in tree.findall(".//x:unit", NS)[:count]:
        text = f"Translated paragraph {len(done) + 1}"
        unit.find(".//x:target", NS).text = text
        done[unit.get("id")] = text
    tree.write(str(xliff), xml_declaration=True, encoding="utf-8")
    return done


def test_round_trip_on_a_corpus_file(tmp_path: Path) -> None:
    source = tmp_path / "digest.md"
    shutil.copyfile(corpus_file("000"), source)
    original = source.read_bytes()
    xliff = tmp_path / "digest.xlf"
    run("translate", "export", str(source), "-o", str(xliff), "--to", "en")
    root = etree.parse(str(xliff)).getroot()
    assert (root.get("version"), root.get("srcLang"), root.get("trgLang")) == ("2.0", "zh-Hans", "en")
    units = root.findall(".//x:unit", NS)
    assert len(units) >= 22  # at least every paper's Chinese summary
    done = fill(xliff, 3)

    run("translate", "import", str(xliff))
    assert source.read_bytes() == original
    assert sidecar_path(source).is_file()

    out = tmp_path / "html"
    build_bundle(load_pack([source]), out, offline=True, cache_dir=tmp_path / "cache")
    page = (out / "01-digest.html").read_text("utf-8")
    for block_id, text in done.items():
        block = page[page.index(f'id="{block_id}"') :]
        block = block[: block.index("</p>")]
        assert 'class="translation only-en" lang="en"' in block
        assert f'<span class="tr-mark">Translation</span> {text}' in block
        assert 'class="orig only-zh"' in block

    again = tmp_path / "again.xlf"
    run("translate", "export", str(source), "-o", str(again))
    left = {u.get("id") for u in etree.parse(str(again)).getroot().findall(".//x:unit", NS)}
    assert len(left) == len(units) - len(done) and not left & set(done)


def test_export_to_chinese_offers_english_titles(tmp_path: Path) -> None:
    source = tmp_path / "digest.md"
    shutil.copyfile(corpus_file("000"), source)
    xliff = tmp_path / "zh.xlf"
    run("translate", "export", str(source), "-o", str(xliff), "--to", "zh-Hans")
    sources = [s.text for s in etree.parse(str(xliff)).getroot().findall(".//x:source", NS)]
    assert "Theoretical Benefit and Limitation of Diffusion Language Model" in sources
