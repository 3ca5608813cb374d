"""What reaches the reader from disk: encodings, line ends, front matter, bad paths."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from publish.errors import PublishError
from publish.model import Document, Paragraph, Section, Text
from publish.read import read_document
from publish.read.frontmatter import iso_date
from publish.tree import iter_nodes, plain_text

SAMPLE = "# 2024-10-07 更新\n\n## 扩散模型的理论分析\n\n这篇论文的核心贡献是对扩散语言模型的理论分析和实验验证。\n"
TRADITIONAL = "# 2024-10-07 更新\n\n## 擴散模型的理論分析\n\n這篇論文的核心貢獻是對擴散語言模型的理論分析。\n"


def write(tmp_path: Path, data: bytes | str, name: str = "doc.md") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def section_titles(doc: Document) -> list[str]:
    return [plain_text(n.title) for n in iter_nodes(doc) if isinstance(n, Section)]


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_read_like_lf(tmp_path: Path, newline: str) -> None:
    doc = read_document(write(tmp_path, SAMPLE.replace("\n", newline)))
    reference = read_document(write(tmp_path, SAMPLE, "ref.md"))
    assert doc.source == SAMPLE
    assert doc.children == reference.children and doc.warnings == []


def test_bom_is_dropped(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, b"\xef\xbb\xbf" + SAMPLE.encode()))
    assert doc.source == SAMPLE and doc.warnings == []
    assert section_titles(doc)[0] == "2024-10-07 更新"


@pytest.mark.parametrize(("encoding", "name"), [("gbk", "GB18030"), ("big5", "BIG5")])
def test_chinese_legacy_encodings_are_decoded_with_a_warning(tmp_path: Path, encoding: str, name: str) -> None:
    text = SAMPLE if encoding == "gbk" else TRADITIONAL
    doc = read_document(write(tmp_path, text.encode(encoding)))
    assert doc.source == text
    [warning] = doc.warnings
    assert name in warning.message and "UTF-8" in warning.message and warning.line == 0


def test_binary_garbage_is_read_with_warnings(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, bytes(range(256)) * 4))
    assert doc.warnings and any("UTF-8" in w.message for w in doc.warnings)
    assert "\x00" not in doc.source


@pytest.mark.parametrize(
    ("name", "create", "needle"),
    [("missing.md", False, "not found"), ("notes.docx", True, "unsupported"), ("folder.md", None, "directory")],
)
def test_unreadable_paths_raise_publish_error(tmp_path: Path, name: str, create: bool | None, needle: str) -> None:
    path = tmp_path / name
    if create:
        path.write_text("x")
    elif create is None:
        path.mkdir()
    with pytest.raises(PublishError, match=needle):
        read_document(path)


@pytest.mark.parametrize("suffix", [".md", ".markdown", ".txt", ".MD"])
def test_markdown_suffixes_are_accepted(tmp_path: Path, suffix: str) -> None:
    assert read_document(write(tmp_path, SAMPLE, "doc" + suffix)).meta.date == "2024-10-07"


def test_hexo_front_matter_maps_onto_meta(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, (
        "\n---\ntitle: Diffusion\ndate: 2024-10-07 21:25:30\nauthor: [Ann, Bob]\ntags: Single\n"
        "category: [Paper]\nbanner: https://x/b.jpg\nlang: en\nempty:\nextra_date: 2024-01-02\n---\n# Body\n"
    )))
    meta = doc.meta
    assert (meta.title, meta.date, meta.author, meta.tags, meta.categories) == (
        "Diffusion", "2024-10-07", "Ann, Bob", ["Single"], ["Paper"])
    assert (meta.cover, meta.language) == ("https://x/b.jpg", "en")
    assert meta.extra == {"extra_date": "2024-01-02"}
    assert doc.children[0].line == 13  # line numbers count the front matter and the blank line before it


def test_astro_front_matter_with_flow_string_tags(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, (
        "---\ntitle: Survey\npublished: 2026-02-17\ntags: \"[VAE, GAN]\"\nogImage: https://x/o.png\n"
        "image: {src: https://x/i.png}\ndraft: false\n---\ntext\n"
    )))
    assert (doc.meta.date, doc.meta.tags, doc.meta.cover) == ("2026-02-17", ["VAE", "GAN"], "https://x/o.png")
    assert doc.meta.extra == {"draft": False}


@pytest.mark.parametrize(
    ("yaml_lines", "bad_line"),
    [
        (["title: x", "  bad: indent"], 3),
        (["title: ok", "\ttabbed: 1"], 3),
        (['title: "unclosed', "date: 2024-01-01"], 3),
        (["just a scalar"], 2),
        (["date: 2024-02-30"], 2),
    ],
)
def test_broken_front_matter_keeps_its_words_and_warns(tmp_path: Path, yaml_lines: list[str], bad_line: int) -> None:
    text = "---\n" + "\n".join(yaml_lines) + "\n---\n# 2025-01-02\n\nbody\n"
    doc = read_document(write(tmp_path, text))
    [warning] = doc.warnings
    assert warning.line == bad_line and "front matter" in warning.message
    kept = doc.children[0]
    assert isinstance(kept, Paragraph) and kept.line == 2
    for line in yaml_lines:
        assert any(isinstance(n, Text) and n.text == line for n in kept.children)
    assert doc.meta.date == "2025-01-02"  # fell back to the heading
    assert doc.kind == "generic"


def test_unparseable_front_matter_date_is_reported(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "---\ntitle: t\ndate: someday\n---\n# 2025-03-04\n"))
    assert [w.line for w in doc.warnings] == [2] and "someday" in doc.warnings[0].message
    assert doc.meta.date == "2025-03-04" and doc.meta.extra["date"] == "someday"


def test_title_falls_back_to_file_stem(tmp_path: Path) -> None:
    assert read_document(write(tmp_path, "no headings here\n", "my-notes.md")).meta.title == "my-notes"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(dt.date(2024, 1, 2), "2024-01-02"), (dt.datetime(2024, 1, 2, 3, 4), "2024-01-02"),
     ("Updated on 2025.09.18", "2025-09-18"), ("2024年10月7日", "2024-10-07"), ("2024-13-45", ""), ("soon", "")],
)
def test_iso_date(value: object, expected: str) -> None:
    assert iso_date(value) == expected
