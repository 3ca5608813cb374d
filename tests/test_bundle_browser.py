"""The corpus bundle in a real browser: Debian's Chromium driven by Playwright, from file://.

What a reader does (switch language, search, move between pages) is checked
where it happens, with no server and no request leaving the bundle.  Skips
with a reason when Playwright or Chromium is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO

from publish.pipeline import load_pack
from publish.render.bundle import build_bundle

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright to run the browser tests")

CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
MODES = {"zh": "中文", "en": "English", "both": "双语"}


@pytest.fixture(scope="module")
def bundle(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "html"
    cache = tmp_path_factory.mktemp("images")
    build_bundle(load_pack([corpus]), out, offline=True, cache_dir=cache)
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = shutil.which("chromium") or (str(CHROMIUM) if CHROMIUM.exists() else None)
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=ARGS)
        yield chromium
        chromium.close()


class Visit:
    """A page with every console error and every request outside the bundle recorded (and refused)."""

    def __init__(self, browser: object, bundle: Path, width: int = 1280, scheme: str = "light") -> None:
        self.context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": 900}, color_scheme=scheme
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        root = bundle.resolve().as_uri()
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

        def gate(route: object) -> None:
            url = route.request.url  # type: ignore[attr-defined]
            if url.startswith(root):
                route.continue_()  # type: ignore[attr-defined]
            else:
                self.outside.append(url)
                route.abort()  # type: ignore[attr-defined]

        self.page.route("**/*", gate)
        self.root = bundle

    def open(self, name: str) -> object:
        self.page.goto((self.root / name).resolve().as_uri())
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: object, bundle: Path) -> Iterator[Visit]:
    v = Visit(browser, bundle)
    yield v
    v.close()


def pages(bundle: Path) -> list[str]:
    return sorted(p.name for p in bundle.glob("*.html"))


def test_pages_open_without_errors_or_outside_requests(visit: Visit, bundle: Path) -> None:
    for name in pages(bundle):
        visit.open(name)
    assert visit.errors == []
    assert visit.outside == []


def _visible(page: object, selector: str) -> bool:
    return page.locator(selector).first.is_visible()  # type: ignore[attr-defined]


def test_switch_hides_the_other_language_and_is_remembered(visit: Visit, bundle: Path) -> None:
    digest = next(n for n in pages(bundle) if "001_" in n)
    page = visit.open(digest)
    assert _visible(page, ".paper-abstract") and _visible(page, ".paper-summary")
    page.get_by_role("button", name="English").click()
    assert _visible(page, ".paper-abstract") and not _visible(page, ".paper-summary")
    page.focus('button[data-set-mode="zh"]')
    page.keyboard.press("Space")
    assert not _visible(page, ".paper-abstract") and _visible(page, ".paper-summary")
    page = visit.open("index.html")
    assert page.locator("html").get_attribute("data-mode") == "zh"
    assert page.get_by_role("button", name="中文").get_attribute("aria-pressed") == "true"
    assert page.get_by_role("button", name="English").get_attribute("aria-pressed") == "false"


def test_without_javascript_both_languages_show(browser: object, bundle: Path) -> None:
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto((bundle / next(n for n in pages(bundle) if "001_" in n)).as_uri())
    assert _visible(page, ".paper-abstract") and _visible(page, ".paper-summary")
    assert not _visible(page, ".lang-switch")
    context.close()


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("掩码扩散", "Theoretical Benefit and Limitation of Diffusion Language Model"),
        ("egoallo", "Estimating Body and Hand Motion in an Ego-sensed World"),
    ],
)
def test_search_finds_chinese_and_english_words(visit: Visit, query: str, title: str) -> None:
    page = visit.open("index.html")
    page.fill("#search-input", query)
    results = page.locator("#search-results")
    assert results.is_visible()
    assert title in results.inner_text()
    assert visit.errors == []


@pytest.mark.parametrize(("width", "scheme"), [(1280, "light"), (390, "dark")])
def test_axe_reports_nothing_serious(browser: object, bundle: Path, width: int, scheme: str) -> None:
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: run npm install at the repository root")
    visit = Visit(browser, bundle, width, scheme)
    problems = []
    for name in pages(bundle):
        page = visit.open(name)
        page.add_script_tag(content=AXE.read_text("utf-8"))
        violations = page.evaluate("async () => (await axe.run()).violations")
        problems += [
            f"{name}: {v['id']} ({v['impact']}) {len(v['nodes'])}× e.g. {v['nodes'][0]['target']}"
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
    visit.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_in_every_mode(browser: object, bundle: Path, width: int, tmp_path: Path) -> None:
    """Screenshots for a human to look at; PUBLISH_SCREENSHOTS names a folder to keep them in."""
    folder = Path(os.environ.get("PUBLISH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    v = Visit(browser, bundle, width)
    try:
        for mode, label in MODES.items():
            page = v.open(next(n for n in pages(bundle) if "001_" in n))
            page.get_by_role("button", name=label).click()
            shot = folder / f"digest-{width}-{mode}.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 0
        v.open("index.html").screenshot(path=str(folder / f"index-{width}.png"))
    finally:
        v.close()
    assert v.errors == [] and v.outside == []
