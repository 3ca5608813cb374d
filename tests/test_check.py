"""``publish check``: the corpus's real problems and nothing else, and each kind of broken input, as a user runs it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest
from _helpers import local_server
from PIL import Image

from publish.check import duplicate_papers, format_finding, unbalanced_dollars
from publish.model import Diagnostic, Section
from publish.pipeline import process
from publish.read.document import read_text
from publish.tree import iter_nodes

FIELDS = {"file", "line", "column", "level", "message"}


def run_check(*args: str | Path, cache: Path) -> subprocess.CompletedProcess[str]:
    """The real command in a subprocess, with every cache (formulas, images) under ``cache``."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PUBLISH_CACHE_DIR": str(cache / "publish")}
    return subprocess.run(
        [sys.executable, "-m", "publish", "check", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def findings(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------
# The corpus: its real problems, and nothing false
# --------------------------------------------------------------------------

# Columns counted by hand in the source: the split word, the link target after `](`, the macro's backslash.
CORPUS_FINDINGS = [
    ("001", 57, 48, "warning", "repaired “M¨uller” to “Müller”"),
    ("001", 63, 23, "warning", "link target “论文链接地址” is not an address"),
    ("001", 63, 55, "warning", 'link target “如果没有可用代码，填写"None"” is not an address'),
    ("001", 853, 7, "warning", "repaired “Jo˜ao” to “João”"),
    ("003", 91, 264, "warning", "unknown LaTeX macro \\our"),
    ("003", 91, 329, "warning", "unknown LaTeX macro \\dataset"),
]


def test_corpus_reports_its_real_problems_and_nothing_else(corpus: Path, tmp_path: Path) -> None:
    result = run_check(corpus, cache=tmp_path)
    assert result.returncode == 0, result.stderr  # warnings only
    lines = result.stdout.splitlines()
    assert len(lines) == len(CORPUS_FINDINGS), result.stdout
    for line, (prefix, number, column, level, fragment) in zip(lines, CORPUS_FINDINGS, strict=True):
        path = next(corpus.glob(f"{prefix}_*.md"))
        assert line.startswith(f"{path}:{number}:{column}: {level}: "), line
        assert fragment in line
    assert result.stderr.strip().endswith("0 errors, 6 warnings in 4 files")
    assert run_check(corpus, "--strict", cache=tmp_path).returncode == 1


def test_corpus_findings_are_what_inspect_reports(corpus: Path, tmp_path: Path) -> None:
    """check adds nothing to the corpus and drops nothing a build would say."""
    checked = findings(run_check(corpus, "--json", cache=tmp_path))
    inspected = []
    for path in sorted(corpus.glob("0*.md")):
        facts = json.loads(
            subprocess.run(
                [sys.executable, "-m", "publish", "inspect", str(path), "--json"],
                capture_output=True,
                text=True,
                timeout=300,
            ).stdout
        )
        inspected += [(w["file"], w["line"], w["level"], w["message"]) for w in facts["warnings"]]
    assert [(f["file"], f["line"], f["level"], f["message"]) for f in checked] == inspected


# --------------------------------------------------------------------------
# Broken input, one problem per file
# --------------------------------------------------------------------------

BROKEN = {
    "front-matter": ("---\ntitle: [未闭合\ndate: 2025-01-01\n---\n\n# 标题\n", 3, 0, "warning", "not valid YAML"),
    "dollar": ("# 标题\n\n这个公式 $x+1 没有闭合。\n", 3, 6, "warning", "`$` opens a formula"),
    "formula": ("# 标题\n\n分数 $\\frac{1}$ 缺一个参数。\n", 3, 5, "error", "Missing argument for \\frac"),
    "macro-in-math": ("# 标题\n\n宏 $\\our + 1$ 未定义。\n", 3, 4, "error", "Undefined control sequence \\our"),
    "dead-link": ("# 标题\n\n见[后文](#不存在的小节)。\n", 3, 7, "warning", "link to #不存在的小节 leads nowhere"),
    "missing-image": ("# 标题\n\n截图：![图一](figs/none.png)\n", 3, 10, "error", "no such file: figs/none.png"),
    "split-accent": ("# 标题\n\n作者：Lea M¨uller 等。\n", 3, 8, "warning", "repaired “M¨uller”"),
    "placeholder-link": ("# 标题\n\n见[这里](论文链接地址)。\n", 3, 7, "warning", "“论文链接地址” is not an address"),
    "empty-link": ("# 标题\n\n见[这里]()。\n", 3, 7, "warning", "link has no target"),
    "unknown-macro": ("# 标题\n\n我们提出了 \\our 方法。\n", 3, 7, "warning", "unknown LaTeX macro \\our"),
    # The formulas filter reports the formula's first line, as a build does, so no column.
    "bad-tex": ("# 标题\n\n公式 $a}b$ 多了括号。\n", 3, 0, "warning", "has a `}` without a matching `{`"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_broken_input_is_one_finding_at_its_place(case: str, tmp_path: Path) -> None:
    text, line, column, level, fragment = BROKEN[case]
    doc = write(tmp_path, f"{case}.md", text)
    result = run_check(doc, "--json", cache=tmp_path / "cache")
    assert [(f["file"], f["line"], f["column"], f["level"]) for f in findings(result)] == [
        (str(doc), line, column, level)
    ]
    assert fragment in str(findings(result)[0]["message"])
    assert result.returncode == (1 if level == "error" else 0), result.stderr
    assert run_check(doc, "--strict", cache=tmp_path / "cache").returncode == 1


def test_gbk_file_is_read_and_reported_for_the_whole_file(tmp_path: Path) -> None:
    doc = tmp_path / "gbk.md"
    doc.write_bytes("# 标题\n\n这是一个用 GBK 编码保存的中文文件，内容完全正常。\n".encode("gbk"))
    result = run_check(doc, "--json", cache=tmp_path / "cache")
    [finding] = findings(result)
    assert (finding["file"], finding["line"], finding["column"], finding["level"]) == (str(doc), 0, 0, "warning")
    assert "not UTF-8" in str(finding["message"])
    assert result.returncode == 0


DAILY = "# 2025-02-14\n\n## {title}\n\n**下载地址**：http://arxiv.org/pdf/2502.09622v1\n\n**AI总结**：一篇论文。\n"


def test_duplicate_paper_across_the_pack_names_both_places(tmp_path: Path) -> None:
    first = write(tmp_path, "a.md", DAILY.format(title="Paper A"))
    second = write(tmp_path, "b.md", DAILY.format(title="Paper A again"))
    result = run_check(tmp_path, "--json", cache=tmp_path / "cache")
    [finding] = findings(result)
    assert (finding["file"], finding["line"], finding["column"], finding["level"]) == (str(second), 5, 31, "warning")
    assert f"{first}:5" in str(finding["message"]) and "2502.09622" in str(finding["message"])
    assert result.returncode == 0


ROW = "|**2025-09-17**|[A paper](http://arxiv.org/abs/2509.14060)|null|摘要。|"
TOPIC = "## {topic}\n\n| Publish Date | Title | Code | Abstract |\n|:---|:---|:---|:---|\n" + ROW + "\n\n"


def test_duplicate_paper_in_one_daily_digest() -> None:
    """Two sections of one day present one paper: each keeps it, and the repeat is reported."""
    text = DAILY.format(title="Paper A") + DAILY.format(title="Paper A again").removeprefix("# 2025-02-14\n")
    doc = process(read_text(text, Path("day.md")))
    assert [section.line for section in iter_nodes(doc) if isinstance(section, Section) and section.paper] == [3, 9]
    [finding] = duplicate_papers([doc])
    assert (finding.line, finding.column, finding.level) == (11, 31, "warning")
    assert "arXiv 2502.09622 is presented twice: here and at line 5" in finding.message


def test_duplicate_paper_in_one_document() -> None:
    """An arXiv-daily list that files one paper under two topics."""
    text = "## Updated on 2025.09.18\n\n" + TOPIC.format(topic="多模态") + TOPIC.format(topic="生成模型")
    [finding] = duplicate_papers([process(read_text(text, Path("twice.md")))])
    assert (finding.line, finding.column, finding.level) == (13, 48, "warning")
    assert "arXiv 2509.14060 is presented twice: here and at line 7" in finding.message


# --------------------------------------------------------------------------
# Output and exit codes
# --------------------------------------------------------------------------


def test_output_is_sorted_compiler_style_with_a_summary(tmp_path: Path) -> None:
    write(tmp_path, "b.md", "# 标题\n\n![a](one.png)\n\n价格 $5\n")
    write(tmp_path, "a.md", "# 标题\n\n![a](two.png)\n")
    result = run_check(tmp_path, cache=tmp_path / "cache")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'a.md'}:3:6: error: image cannot be had (no such file: two.png): two.png",
        f"{tmp_path / 'b.md'}:3:6: error: image cannot be had (no such file: one.png): one.png",
        f"{tmp_path / 'b.md'}:5:4: warning: `$` opens a formula that nothing closes: close it with `$`, "
        "or write `\\$` for a dollar",
    ]
    assert result.stderr.splitlines()[-1] == "2 errors, 1 warning in 2 files"


def test_json_is_an_array_of_findings(tmp_path: Path) -> None:
    doc = write(tmp_path, "a.md", "# 标题\n\n![a](none.png)\n")
    [finding] = findings(run_check(doc, "--json", cache=tmp_path / "cache"))
    assert set(finding) == FIELDS
    assert all(isinstance(finding[k], int) for k in ("line", "column"))
    clean = write(tmp_path / "clean", "ok.md", "# 标题\n\n没有问题，$x^2$ 也能排版。\n")
    result = run_check(clean, "--json", cache=tmp_path / "cache")
    assert (result.returncode, json.loads(result.stdout)) == (0, [])
    assert result.stderr.splitlines()[-1] == "0 errors, 0 warnings in 1 file"


@pytest.mark.parametrize("args", [("nope.md",), ("--no-such-option",)])
def test_usage_errors_exit_2(args: tuple[str, ...], tmp_path: Path) -> None:
    result = run_check(*args, cache=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_format_keeps_str_for_other_commands() -> None:
    finding = Diagnostic(file="a.md", line=3, column=7, message="m", level="error")
    assert format_finding(finding) == "a.md:3:7: error: m"
    assert str(finding) == "a.md:3: error: m"


# --------------------------------------------------------------------------
# Dollars: what the reader pairs is not reported
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "价格是 $ 5，不是公式。",
        "转义的 \\$5 是钱。",
        "代码 `echo $HOME` 不算。",
        "公式 $a$ 和 $b$ 都闭合了。",
        "行内显示 $$x^2$$ 也闭合了。",
        "$$\n\\sum_i x_i\n\n- y\n$$",
        "```sh\necho $PATH\n```",
        "| a | b |\n|---|---|\n| $c | d$ |",
        "---\ntitle: 价格 $5\n---\n\n正文",
    ],
)
def test_balanced_or_literal_dollars_are_not_reported(text: str) -> None:
    assert unbalanced_dollars(read_text(text, Path("ok.md"))) == []


def test_a_stray_dollar_names_the_formula_that_may_have_taken_its_partner() -> None:
    [finding] = unbalanced_dollars(read_text("公式 $x+1 没有闭合，后面是 $y$。", Path("bad.md")))
    assert (finding.line, finding.column) == (1, 20)
    assert "the formula before it, $x+1 没有闭合，后面是 $, may have taken its partner" in finding.message


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("开头 $x+1 没有闭合。", 1, 4),
        ("第一行 $a\n第二行 b$ 不能跨行配对。", 1, 5),
        ("- 列表 $a\n- 另一项 b$", 1, 6),
        ("| a | b |\n|---|---|\n| $c | d |", 3, 3),
        ("显示公式 $$x^2$ 少了一个。", 1, 6),
    ],
)
def test_unclosed_dollars_are_reported_where_they_open(text: str, line: int, column: int) -> None:
    [finding] = unbalanced_dollars(read_text(text, Path("bad.md")))
    assert (finding.line, finding.column, finding.level) == (line, column, "warning")


# --------------------------------------------------------------------------
# Remote images: only with --online, from a server the test starts
# --------------------------------------------------------------------------


class _Images(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []
    png = b""

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        if self.path == "/ok.png":
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(self.png)))
            self.end_headers()
            self.wfile.write(self.png)
        else:
            self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def image_server() -> Iterator[str]:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(buffer, "PNG")
    _Images.png = buffer.getvalue()
    _Images.requests = []
    with local_server(_Images) as url:
        yield url


def test_remote_images_are_fetched_only_online(image_server: str, tmp_path: Path) -> None:
    doc = write(tmp_path, "remote.md", f"# 标题\n\n![好]({image_server}/ok.png)\n\n![坏]({image_server}/gone.png)\n")
    offline = run_check(doc, "--json", cache=tmp_path / "cache")
    assert (offline.returncode, findings(offline), _Images.requests) == (0, [], [])
    online = run_check(doc, "--online", "--json", cache=tmp_path / "cache")
    [finding] = findings(online)
    assert (finding["line"], finding["column"], finding["level"]) == (5, 6, "error")
    assert "HTTP 404" in str(finding["message"]) and f"{image_server}/gone.png" in str(finding["message"])
    assert sorted(_Images.requests) == ["/gone.png", "/ok.png"]
    assert online.returncode == 1
