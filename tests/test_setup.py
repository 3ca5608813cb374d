"""The build's own plumbing: Makefile, packaging and the sample pack's manifest.

These guard what a fresh machine relies on: `make setup` must be cheap to rerun, `make test`
must install before it tests, the wheel must carry the non-Python files, and the manifest
must name files that exist.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")


def make(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "MAKEFLAGS": ""},
    )


@needs_make
def test_setup_is_a_fast_no_op_once_installed() -> None:
    if not (REPO / ".venv" / ".publish-installed").is_file():
        pytest.skip("not a set-up checkout: run `make setup` first")
    dry = make("-n", "setup")
    assert dry.returncode == 0, dry.stderr
    stale = [step for step in ("pip install", "npm ci", "npm install", "-m venv") if step in dry.stdout]
    assert not stale, f"`make setup` would rerun {stale} although nothing changed: run `make setup`"

    start = time.monotonic()
    # SYSTEM_INSTALL=0: a missing system package fails here instead of running apt-get from a test.
    run = make("setup", "SYSTEM_INSTALL=0")
    elapsed = time.monotonic() - start
    assert run.returncode == 0, run.stdout + run.stderr
    assert "system packages present" in run.stdout
    assert "apt-get update" not in run.stdout + run.stderr
    assert elapsed < 10, f"a second `make setup` took {elapsed:.1f} s; it should only check stamps"


@needs_make
def test_make_test_installs_before_it_tests() -> None:
    dry = make("-n", "test")
    assert dry.returncode == 0, dry.stderr
    out = dry.stdout
    steps = ["==> setup: system packages present", "==> test-deps: system packages present", "ruff check", "pytest"]
    positions = [out.find(step) for step in steps]
    missing = [step for step, at in zip(steps, positions, strict=True) if at < 0]
    assert not missing, f"missing from `make -n test`: {missing}"
    assert positions == sorted(positions), "`make test` must run setup, then test-deps, then ruff, then pytest"
    packages = ("fonts-noto-cjk", "fonts-texgyre", "libharfbuzz-subset0", "poppler-utils", "texlive-xetex", "latexmk")
    for package in packages:
        assert package in out, f"{package} is not installed by `make test`"


@needs_make
def test_help_is_the_default_goal() -> None:
    run = make()
    assert run.returncode == 0, run.stderr
    for target in ("setup", "test", "pdf", "html", "epub", "latex", "bench", "fuzz", "lint", "clean"):
        assert re.search(rf"^\s+{target}\s", run.stdout, re.MULTILINE), f"`make` does not list {target}"


def _copy_project(dest: Path) -> None:
    """The files a source distribution carries, so the build never writes into the checkout."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, dest / name)
    for name in ("publish", "filters", "styles"):
        shutil.copytree(REPO / name, dest / name, ignore=ignore)


def _shipped(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def test_wheel_carries_filters_styles_and_scripts(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    _copy_project(src)
    run = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(src), "-w", str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    (wheel,) = (tmp_path / "dist").glob("publish-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    # Every file of the top-level filters/ and styles/ folders lands inside the package…
    for folder, package in (("filters", "publish/filters"), ("styles", "publish/styles")):
        missing = {f"{package}/{name}" for name in _shipped(REPO / folder)} - names
        assert not missing, f"the wheel lacks {sorted(missing)}: add their suffixes to package-data"
        assert any(n.startswith(f"{package}/") for n in names)
    # …and never beside it as top-level modules.
    assert not [n for n in names if n.startswith(("filters/", "styles/"))]
    # The Node side of the math renderer is package data too.
    scripts = {f"publish/render/{p.name}" for p in (REPO / "publish" / "render").glob("*.js")}
    assert scripts <= names, f"the wheel lacks {sorted(scripts - names)}"

    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert re.search(r"^publish\s*=\s*publish\.cli:main$", text, re.MULTILINE), text


def _manifest() -> dict[str, object]:
    data = yaml.safe_load((CONTENT / "publish.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "content/publish.yaml must be a mapping"
    return data


def test_sample_manifest_names_every_sample_file() -> None:
    data = _manifest()
    assert isinstance(data.get("title"), str) and data["title"].strip()
    documents = data.get("documents")
    assert isinstance(documents, list) and documents, "the manifest must list its documents in order"
    missing = [d for d in documents if not (CONTENT / d).is_file()]
    assert not missing, f"content/publish.yaml names files that do not exist: {missing}"
    assert len(set(documents)) == len(documents), "a document is listed twice"
    unlisted = sorted({p.name for p in CONTENT.glob("*.md")} - set(documents))
    assert not unlisted, f"sample files missing from content/publish.yaml: {unlisted}"
    assert isinstance(data.get("options", {}), dict)


def test_sample_images_exist() -> None:
    """The sample pack builds offline: every image it names is a file in content/."""
    pattern = re.compile(r"""<img\s[^>]*src="([^"]+)"|!\[[^\]]*\]\(([^)\s]+)|^cover:\s*(\S+)""", re.MULTILINE)
    referenced: set[str] = set()
    for doc in _manifest()["documents"]:
        text = (CONTENT / doc).read_text(encoding="utf-8")
        referenced |= {next(g for g in m.groups() if g) for m in pattern.finditer(text)}
    assert referenced, "the sample pack shows no image"
    remote = sorted(r for r in referenced if "://" in r)
    assert not remote, f"sample images must be local files: {remote}"
    missing = sorted(r for r in referenced if not (CONTENT / r).is_file())
    assert not missing, f"images named in content/ that do not exist: {missing}"
