"""Progress lines: plain in a log, nothing when quiet or unconfigured, a live display on a terminal."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from publish import progress
from publish.cache import CACHE_ENV
from publish.pipeline import load_pack


@pytest.fixture(autouse=True)
def _restore_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "_mode", progress._mode)


def _run(label: str = "PDF layout", total: int = 3) -> None:
    with progress.task(label, total=total) as task:
        for index in range(total):
            task.advance(f"doc-{index}.md")


def test_plain_prints_one_line_per_task_when_it_ends(capsys: pytest.CaptureFixture[str]) -> None:
    progress.configure("plain")
    _run()
    assert re.fullmatch(r"publish: PDF layout: 3/3 in \d+\.\d s\n", capsys.readouterr().err)


def test_auto_is_plain_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    progress.configure("auto")
    _run("Reading", 2)
    assert capsys.readouterr().err.startswith("publish: Reading: 2/2 in ")


def test_quiet_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    progress.configure("quiet")
    _run()
    assert capsys.readouterr() == ("", "")


def test_a_failed_task_is_not_timed(capsys: pytest.CaptureFixture[str]) -> None:
    progress.configure("plain")
    with pytest.raises(RuntimeError), progress.task("PDF layout", total=2) as task:
        task.advance()
        raise RuntimeError("boom")
    assert capsys.readouterr().err == ""


def test_unconfigured_library_use_prints_nothing() -> None:
    code = "from publish import progress\nwith progress.task('x', total=1) as t:\n    t.advance('a')\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_rich_shows_every_stage(capsys: pytest.CaptureFixture[str]) -> None:
    progress.configure("rich")
    with progress.task("Reading", total=2) as outer:
        outer.advance("a.md")
        _run("PDF layout", 1)  # nested: one display, one row each
        outer.advance("b.md")
    err = capsys.readouterr().err
    assert "Reading" in err and "PDF layout" in err and "2/2" in err


def test_advance_from_threads_counts_every_step() -> None:
    with progress.task("Images", total=800) as task:
        threads = [threading.Thread(target=lambda: [task.advance() for _ in range(100)]) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert task.done == 800


def test_load_pack_reports_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    (tmp_path / "a.md").write_text("# A\n", encoding="utf-8")
    progress.configure("plain")
    load_pack([tmp_path / "a.md"])
    assert capsys.readouterr().err.startswith("publish: Reading: 1/1 in ")


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="progress mode"):
        progress.configure("loud")  # type: ignore[arg-type]
