"""The CLI as a user runs it: a real subprocess, real corpus files, real exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import corpus_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Expected facts come from the corpus README, the later and corrected table.
EXPECTED = {
    "000": {"papers": 22, "formulas": 1, "images": 0, "tables": 0, "kind": "daily"},
    "001": {"papers": 12, "formulas": 2, "images": 50, "tables": 0, "kind": "blog"},
    "003": {"papers": 70, "formulas": 14, "images": 0, "tables": 7, "kind": "arxiv-daily"},
    "004": {"papers": 18, "formulas": 125, "images": 0, "tables": 1, "kind": "survey"},
}


def run_publish(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publish", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_inspect_reports_the_facts_of_each_corpus_file(prefix: str) -> None:
    path = corpus_file(prefix)
    result = run_publish("inspect", str(path), "--json")
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    want = EXPECTED[prefix]
    assert facts["kind"] == want["kind"]
    assert len(facts["papers"]) == want["papers"]
    if prefix == "004":
        assert facts["formulas"] >= want["formulas"]  # "about 129": at least the 73 inline + 52 display counted by hand
    else:
        assert facts["formulas"] == want["formulas"]
    assert facts["images"] == want["images"]
    assert facts["tables"] == want["tables"]
    assert all(p["arxiv"] for p in facts["papers"]), [p["title"] for p in facts["papers"] if not p["arxiv"]]
    assert all(p["title"] and isinstance(p["authors"], list) and isinstance(p["links"], dict) for p in facts["papers"])
    assert facts["title"] and facts["date"]
    for warning in facts["warnings"]:
        assert set(warning) >= {"file", "line", "message"}


def test_inspect_date_comes_from_headings_without_front_matter() -> None:
    facts = json.loads(run_publish("inspect", str(corpus_file("003")), "--json").stdout)
    assert facts["date"] == "2025-09-18"
    facts = json.loads(run_publish("inspect", str(corpus_file("000")), "--json").stdout)
    assert facts["date"] == "2025-02-14"


def test_missing_input_is_an_error_with_a_message(tmp_path: Path) -> None:
    result = run_publish("inspect", str(tmp_path / "nope.md"), "--json")
    assert result.returncode == 1
    assert "nope.md" in result.stderr and "Traceback" not in result.stderr


def test_usage_error_exits_2() -> None:
    result = run_publish("inspect")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_every_command_has_help() -> None:
    top = run_publish("--help")
    assert top.returncode == 0
    commands = [line.split()[0] for line in top.stdout.split("Commands:")[1].splitlines() if line.strip()]
    assert {"inspect", "html"} <= set(commands)
    for command in commands:
        result = run_publish(command, "--help")
        assert result.returncode == 0 and "Usage:" in result.stdout, command


def test_strict_turns_warnings_into_exit_1(tmp_path: Path) -> None:
    doc = tmp_path / "placeholder.md"
    doc.write_text("# 2025-01-01\n\n## A paper\n\n论文链接：[点击这里](论文链接地址)\n", encoding="utf-8")
    relaxed = run_publish("inspect", str(doc), "--json")
    strict = run_publish("inspect", str(doc), "--json", "--strict")
    assert relaxed.returncode == 0
    assert json.loads(relaxed.stdout)["warnings"], "a placeholder link must be reported"
    assert strict.returncode == 1
    assert f"{doc}:5:" in strict.stderr


broken_inputs = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda s: s.encode("utf-8")),
    st.sampled_from(
        [
            b"---\ntitle: [unclosed\n---\n# x\n",
            b"---\n\ttitle: tab\n---\nbody $x\n",
            b"---\n- a list\n---\n",
            b"$$ \\frac{a}{ $$ and $unbalanced",
            b"<details><summary>x<img src=javascript:alert(1)></details>",
            b"\xff\xfe\x00b\x00a\x00d",
            "中文 GBK 编码的文件".encode("gbk"),
        ]
    ),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=broken_inputs)
def test_cli_never_shows_a_traceback(tmp_path: Path, data: bytes) -> None:
    doc = tmp_path / "broken.md"
    doc.write_bytes(data)
    result = run_publish("inspect", str(doc), "--json")
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if result.returncode == 0:
        json.loads(result.stdout)
