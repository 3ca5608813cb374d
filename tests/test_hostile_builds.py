"""Builds under hostile conditions: ``--offline`` opens no connection, concurrent builds share the cache
safely, and a build that fails or is interrupted leaves the previous output as it was.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from test_images import Handler, server  # noqa: F401  (server: the fixture, a web server on 127.0.0.1)

from publish import output
from publish.model import Pack
from publish.pipeline import load_pack
from publish.render.bundle import build_bundle
from publish.render.epub import build_epub
from publish.render.latex import export_latex

REPO = Path(__file__).resolve().parent.parent
COMMANDS = {"html": "html", "epub": "book.epub", "latex": "latex", "pdf": "pack.pdf"}

DOCUMENT = """---
title: 远程图片
cover: {server}/big.jpg?cover
---

# 联网 network $x_{{i}}^2 + \\alpha$

![照片]({server}/ok.png) and $$\\sum_{{k=1}}^{{n}} k^{{3}} = \\Big(\\frac{{n(n+1)}}{{2}}\\Big)^2$$

<details><summary>点此查看论文截图</summary>
<img src="{server}/big.jpg?a" align="middle">
<img src="{server}/redirect" align="middle">
</details>
"""

# Installed as sitecustomize.py, so that every Python process of the build (the PDF backend's workers too)
# reports, and refuses, every attempt to reach a host.
AUDIT_HOOK = r"""
import socket, sys

def _refuse(event, args):
    if event == "socket.connect" and args[0].family not in (socket.AF_INET, socket.AF_INET6):
        return  # local sockets (multiprocessing, pipes) are not the network
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto",
                 "http.client.connect", "urllib.Request"):
        print(f"NETWORK {event} {args[1:]!r}", file=sys.stderr, flush=True)
        raise ConnectionRefusedError(f"the test forbids {event}")

sys.addaudithook(_refuse)
"""
# The argument is a JSON list of command lines, run through publish.cli.main in turn.
CLI = r"""
import json, sys
from publish.cli import main

if __name__ == "__main__":
    for command in json.loads(sys.argv[1]):
        sys.argv = ["publish", *command]
        try:
            main()
        except SystemExit as exc:
            if exc.code:
                print(f"EXIT {exc.code} {command!r}", file=sys.stderr, flush=True)
"""


def write_pack(folder: Path, server: str) -> Path:  # noqa: F811
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "online.md"
    source.write_text(DOCUMENT.format(server=server), encoding="utf-8")
    return source


def run_audited(commands: list[list[str]], tmp_path: Path) -> str:
    """Each command through ``publish.cli.main`` in one audited process (and its children); their stderr."""
    hooks = tmp_path / "audit"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(AUDIT_HOOK, encoding="utf-8")
    env = {**_env(tmp_path / "cache"), "PYTHONPATH": os.pathsep.join([str(hooks), str(REPO)])}
    run = subprocess.run(
        [sys.executable, "-c", CLI, json.dumps(commands)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stderr


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(REPO)}


# --------------------------------------------------------------------------
# --offline: no connection at all
# --------------------------------------------------------------------------


def test_offline_builds_open_no_connection(tmp_path: Path, server: str) -> None:  # noqa: F811
    source = write_pack(tmp_path / "pack", server)
    before = sum(Handler.hits.values())
    out = tmp_path / "out"
    commands = [[name, str(source), "-o", str(out / target), "--offline"] for name, target in COMMANDS.items()]
    stderr = run_audited(commands, tmp_path)
    assert "NETWORK" not in stderr and "EXIT" not in stderr, stderr[-3000:]
    assert sum(Handler.hits.values()) == before
    for target in COMMANDS.values():
        assert (out / target).exists(), target
    assert "offline" in stderr  # the placeholders are announced


def test_the_audit_would_see_an_online_build(tmp_path: Path, server: str) -> None:  # noqa: F811
    """The control for the test above: the same build online is seen reaching the server, and refused."""
    source = write_pack(tmp_path / "pack", server)
    stderr = run_audited([["html", str(source), "-o", str(tmp_path / "html")]], tmp_path)
    assert "NETWORK " in stderr


def test_offline_in_process_never_calls_connect(
    tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """The Python API's ``offline=True`` (what the CLI passes), with ``socket.connect`` recording and failing."""
    import socket

    calls: list[object] = []

    def connect(self: socket.socket, address: object) -> None:
        calls.append(address)
        raise ConnectionRefusedError("offline")

    monkeypatch.setattr(socket.socket, "connect", connect)
    pack = load_pack([write_pack(tmp_path / "pack", server)])
    cache = tmp_path / "cache"
    build_bundle(pack, tmp_path / "html", offline=True, cache_dir=cache)
    build_epub(pack, tmp_path / "book.epub", offline=True, cache_dir=cache)
    export_latex(pack, tmp_path / "latex", offline=True, cache_dir=cache)
    assert calls == []


# --------------------------------------------------------------------------
# Two builds at once share the cache
# --------------------------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_concurrent_builds_share_the_cache_without_corrupting_it(tmp_path: Path, server: str) -> None:  # noqa: F811
    source = write_pack(tmp_path / "pack", server)
    env = _env(tmp_path / "cache")
    command = [sys.executable, "-m", "publish", "html", str(source), "-o"]
    both = [
        subprocess.Popen([*command, str(tmp_path / name)], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
        for name in ("a", "b")
    ]
    for process in both:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    fetched = sum(Handler.hits.values())
    cache = tmp_path / "cache" / "publish"
    leftovers = [p for p in cache.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".")]
    assert leftovers == []
    images = [p for p in (cache / "images").rglob("*") if p.is_file()]
    assert images
    for path in images:
        if path.suffix in (".png", ".jpg", ".jpeg", ".webp", ".gif"):
            with Image.open(path) as image:
                image.verify()  # not a half-written file
    third = subprocess.run(
        [*command, str(tmp_path / "c")], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert third.returncode == 0, third.stderr
    assert "warning" not in third.stderr, third.stderr  # every image and formula came out of the cache whole
    assert sum(Handler.hits.values()) == fetched  # the third build read the cache, it did not fetch again
    first = _tree(tmp_path / "a")
    assert first and first == _tree(tmp_path / "b") == _tree(tmp_path / "c")


# --------------------------------------------------------------------------
# A failed or interrupted build leaves the previous output alone
# --------------------------------------------------------------------------

Build = Callable[[Pack, Path, Path], object]


def _pdf(pack: Pack, out: Path, cache: Path) -> object:
    from publish.render.pdf import build_pdf  # the PDF backend is imported only by the test that needs it

    return build_pdf(pack, out / "pack.pdf", offline=True, cache_dir=cache)


BACKENDS: dict[str, tuple[Build, str]] = {
    "html": (lambda pack, out, cache: build_bundle(pack, out / "html", offline=True, cache_dir=cache),
             "html/index.html"),
    "epub": (lambda pack, out, cache: build_epub(pack, out / "book.epub", offline=True, cache_dir=cache), "book.epub"),
    "latex": (lambda pack, out, cache: export_latex(pack, out / "latex", offline=True, cache_dir=cache),
              "latex/main.tex"),
    "pdf": (_pdf, "pack.pdf"),
}  # fmt: skip
PREVIOUS = b"the previous build's output\n"


class _DiskFull:
    """A file whose every write fails as on a full disk."""

    def __init__(self, fd: int, mode: str) -> None:
        self.fd = fd

    def __enter__(self) -> _DiskFull:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


def _assert_untouched(out: Path, target: str) -> None:
    assert (out / target).read_bytes() == PREVIOUS
    stray = [p.name for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert stray == []


def _interrupted(source: str, destination: str) -> None:
    raise KeyboardInterrupt


# A full disk while writing; Ctrl-C at the last moment, as the finished file is about to replace the old one.
FAILURES = {
    "disk-full": ("fdopen", _DiskFull, OSError),
    "interrupted": ("replace", _interrupted, KeyboardInterrupt),
}


@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failed_build_keeps_the_previous_output(
    backend: str, failure: str, tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    build, target = BACKENDS[backend]
    pack = load_pack([write_pack(tmp_path / "pack", server)])
    out = tmp_path / "out"
    (out / target).parent.mkdir(parents=True)
    (out / target).write_bytes(PREVIOUS)
    name, replacement, error = FAILURES[failure]
    monkeypatch.setattr(output.os, name, replacement)
    with pytest.raises(error):
        build(pack, out, tmp_path / "cache")
    _assert_untouched(out, target)
