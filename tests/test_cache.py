"""The cache root, the code fingerprint and the document cache that ``load_document``/``load_pack`` keep."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from publish import cache, pipeline, progress
from publish.cache import CACHE_ENV, cache_folder, cache_root_override, code_fingerprint, document_key
from publish.errors import PublishError
from publish.pipeline import load_document, load_pack
from publish.translate import sidecar_path

REPO = Path(__file__).resolve().parent.parent
# A dead in-page link: the anchors filter warns about it, so the document carries a Diagnostic.
SAMPLE = "# 标题\n\n正文 [跳到别处](#nowhere)。\n\n$$E = mc^2$$\n"


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private ``$XDG_CACHE_HOME``, and no override from the caller's environment."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(CACHE_ENV, raising=False)
    return tmp_path / "xdg"


def _entries(kind: str = "documents") -> list[Path]:
    folder = cache_folder(kind)
    return sorted(folder.rglob("*.pickle")) if folder.is_dir() else []


def _write(path: Path, text: str = SAMPLE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _reader_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(path: Path) -> None:
        raise AssertionError(f"{path} was read again instead of coming from the cache")

    monkeypatch.setattr(pipeline, "read_document", fail)


def test_cache_folder_follows_the_override_then_xdg(xdg: Path, tmp_path: Path) -> None:
    assert cache_folder("math") == xdg / "publish" / "math"
    with cache_root_override(tmp_path / "mine"):
        assert cache_folder("math") == tmp_path / "mine" / "math"
        assert os.environ[CACHE_ENV] == str(tmp_path / "mine")
    assert CACHE_ENV not in os.environ
    assert cache_folder("math") == xdg / "publish" / "math"


def _run_publish(xdg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(xdg)}
    env.pop(CACHE_ENV, None)
    return subprocess.run(
        [sys.executable, "-m", "publish", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=300
    )


def _nothing_under(folder: Path) -> bool:
    return not any(p.is_file() for p in folder.rglob("*")) if folder.exists() else True


def test_cache_option_puts_every_cache_under_dir(xdg: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    result = _run_publish(xdg, "html", "content", "-o", str(tmp_path / "out"), "--offline", "--cache", str(mine))
    assert result.returncode == 0, result.stderr
    assert len(list((mine / "documents").rglob("*.pickle"))) == 4
    assert any((mine / "math").rglob("*.svg")), "formulas are cached there too"
    assert _nothing_under(xdg), list(xdg.rglob("*"))
    assert "publish: Reading: 4/4 in " in result.stderr  # not a terminal: one plain line per stage


def test_cache_option_reaches_the_worker_processes(corpus: Path, xdg: Path, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    for copy in range(3):  # enough Markdown for load_pack to start a pool
        for source in sorted(corpus.glob("0*.md")):
            shutil.copy(source, pack / f"{copy}-{source.name}")
    assert sum(p.stat().st_size for p in pack.iterdir()) >= pipeline.POOL_MIN_BYTES
    mine = tmp_path / "mine"
    result = _run_publish(xdg, "translate", "export", str(pack), "-o", str(tmp_path / "t.xlf"), "--cache", str(mine))
    assert result.returncode == 0, result.stderr
    assert len(list((mine / "documents").rglob("*.pickle"))) == len(list(pack.iterdir()))
    assert _nothing_under(xdg), list(xdg.rglob("*"))


def test_a_second_load_of_an_unchanged_file_comes_from_the_cache(
    xdg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "doc.md")
    first = load_document(path)
    assert len(_entries()) == 1
    _reader_forbidden(monkeypatch)
    assert load_document(path) == first


def test_editing_one_byte_is_a_miss(xdg: Path, tmp_path: Path) -> None:
    path = _write(tmp_path / "doc.md")
    load_document(path)
    _write(path, SAMPLE.replace("正文", "正言"))
    assert "正言" in load_document(path).source
    assert len(_entries()) == 2


def test_a_corrupt_entry_is_rebuilt_with_the_same_result(xdg: Path, tmp_path: Path) -> None:
    path = _write(tmp_path / "doc.md")
    first = load_document(path)
    (entry,) = _entries()
    for damage in (entry.read_bytes()[: entry.stat().st_size // 2], b"not a pickle", b""):
        entry.write_bytes(damage)
        assert load_document(path) == first
        assert cache.read_entry(entry) == first  # written again, whole


def test_a_change_of_code_fingerprint_invalidates(xdg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "doc.md")
    load_document(path)
    reads = []
    real = pipeline.read_document
    monkeypatch.setattr(pipeline, "read_document", lambda p: reads.append(p) or real(p))
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "other code")
    load_document(path)
    assert reads == [path]
    assert len(_entries()) == 2


def test_code_fingerprint_covers_the_package_and_changes_with_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [name for name, _ in cache._source_files()]
    for expected in ("publish/pipeline.py", "publish.filters/papers.py", "publish.styles/pdf.css",
                     "publish.styles/search.js", "publish/render/mathjax_server.js"):
        assert expected in names
    assert code_fingerprint() == code_fingerprint()
    source = _write(tmp_path / "module.py", "A = 1\n")
    monkeypatch.setattr(cache, "_source_files", lambda: [("publish/module.py", source)])
    before = code_fingerprint.__wrapped__()
    source.write_text("A = 2\n")
    assert code_fingerprint.__wrapped__() != before


def test_the_same_bytes_at_two_paths_carry_their_own_path(xdg: Path, tmp_path: Path) -> None:
    one = _write(tmp_path / "one" / "doc.md")
    two = tmp_path / "two" / "doc.md"
    two.parent.mkdir()
    shutil.copy(one, two)
    for path in (one, two, one, two):
        doc = load_document(path)
        assert doc.path == path
        assert doc.warnings and {w.file for w in doc.warnings} == {str(path)}


def test_document_key_is_stable_and_follows_path_text_and_translations(xdg: Path, tmp_path: Path) -> None:
    one = _write(tmp_path / "one.md")
    two = _write(tmp_path / "two.md")
    key = document_key(load_document(one))
    assert key == document_key(load_document(one))
    assert len(key) == 64 and int(key, 16) >= 0
    assert key != document_key(load_document(two))
    sidecar_path(one).write_text("{}\n", encoding="utf-8")
    assert key != document_key(load_document(one))


def test_parallel_load_pack_matches_sequential(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "sequential"))
    monkeypatch.setattr(pipeline, "cores", lambda: 1)
    sequential = load_pack([corpus])
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "parallel"))
    monkeypatch.setattr(pipeline, "cores", lambda: 4)
    monkeypatch.setattr(pipeline, "POOL_MIN_BYTES", 0)  # the corpus alone is read faster without a pool
    parallel = load_pack([corpus])
    assert len(_entries()) == len(parallel.documents) > 1  # written by the workers, in the cache they were told
    assert [d.path for d in parallel.documents] == [d.path for d in sequential.documents]
    assert parallel == sequential
    _reader_forbidden(monkeypatch)
    assert load_pack([corpus]) == sequential


def test_an_error_in_a_worker_is_the_same_publish_error(xdg: Path, tmp_path: Path) -> None:
    files = [tmp_path / "gone-1.md", tmp_path / "gone-2.md"]
    with pytest.raises(PublishError, match=r"gone-\d\.md: file not found"), progress.task("Reading", 2) as task:
        pipeline._load_in_workers(files, [0, 1], [None, None], 2, task)


def _aged(path: Path, size: int, days_unused: float, now: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    os.utime(path, (now - days_unused * 86400, now - days_unused * 86400))
    return path


def test_prune_removes_entries_unused_for_a_month_then_the_least_recently_used(xdg: Path) -> None:
    now = 2_000_000_000.0
    fresh = _aged(cache.entry_path("pdf-parts", "aa01"), 400, 1, now)
    recent = _aged(cache.entry_path("epub", "bb02"), 400, 5, now)
    older = _aged(cache.entry_path("documents", "cc03"), 400, 20, now)
    stale = _aged(cache.entry_path("pdf-parts", "dd04"), 10, 31, now)
    image = _aged(cache_folder("images") / "ee" / "photo.jpg", 10, 400, now)  # not a pickled entry: kept

    assert cache.prune(max_bytes=900, now=now) == 2  # the stale one by age, then the oldest over budget
    assert fresh.exists() and recent.exists() and image.exists()
    assert not stale.exists() and not older.exists()


def test_a_cache_hit_marks_the_entry_used(xdg: Path, tmp_path: Path) -> None:
    source = _write(tmp_path / "day.md")
    load_document(source)
    (entry,) = _entries()
    os.utime(entry, (1_000_000_000, 1_000_000_000))
    load_document(source)  # from the cache
    assert entry.stat().st_atime > 1_500_000_000
    assert entry.stat().st_mtime == 1_000_000_000  # when it was written: the incremental tests go by that
    assert cache.prune() == 0 and entry.exists()


def test_a_command_prunes_the_cache_it_used(xdg: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    old = _aged(folder / "pdf-parts" / "ab" / "ab12.pickle", 10, 90, time.time())
    result = _run_publish(xdg, "inspect", str(_write(tmp_path / "day.md")), "--cache", str(folder))
    assert result.returncode == 0, result.stderr
    assert not old.exists() and list((folder / "documents").rglob("*.pickle"))
