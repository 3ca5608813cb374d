"""WeasyPrint itself: the one place HTML becomes laid-out pages, and the one gate it reads through.

Kept apart from the build so a layout worker imports only this and WeasyPrint.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from publish.render import pdf_deflate as deflate
from publish.render import pdf_font_files as font_files
from publish.render import pdf_page_refs as page_refs
from publish.render import pdf_pango_layouts as pango_layouts
from publish.render import pdf_shared_fonts as shared_fonts
from publish.render import pdf_svg_paths as svg_paths
from publish.render import pdf_svg_plain as svg_plain
from publish.render.pdf_assets import SCHEME as ASSET_SCHEME
from publish.render.pdf_parts import Engine
from publish.render.pdf_sonames import libraries_by_soname
from publish.render.pdf_ua import ua_stylesheet

with libraries_by_soname():
    from weasyprint import CSS, HTML, Document
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

STYLE_SCHEME = "style:"  # images the stylesheets draw with, from the project's styles folder
HARFBUZZ_HINT = (
    "HarfBuzz's subsetter (libharfbuzz-subset0) was not found: fonts are subset with fontTools, "
    "which makes the PDF build several times slower; install libharfbuzz-subset0 (Debian/Ubuntu) "
    "or harfbuzz (Homebrew)"
)


class PackFetcher(URLFetcher):
    """WeasyPrint's only way to read anything: ``assets``, the styles' images, files under ``roots`` and ``files``.

    Never the network (images come from the store as local files), never a
    file elsewhere: a document cannot make the PDF embed ``/etc/passwd``.
    """

    def __init__(self, *, roots: Iterable[Path], files: Iterable[Path], assets: Mapping[str, bytes]) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.roots = tuple(Path(root).resolve() for root in roots)
        self.files = frozenset(Path(file).resolve() for file in files)
        self.assets = assets

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        if url.startswith(ASSET_SCHEME):
            data = self.assets.get(url)
            if data is None:
                raise ValueError(f"no such asset: {url}")
            return URLFetcherResponse(url, body=data, headers={"Content-Type": "image/svg+xml"})
        if url.startswith(STYLE_SCHEME):
            return URLFetcherResponse(url, body=style_image(url), headers={"Content-Type": "image/svg+xml"})
        path = allowed_path(url, self.roots, self.files)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})


def style_image(url: str) -> bytes:
    """An SVG the stylesheets draw with (``style:leader.svg``), from the project's styles folder only."""
    name = url.removeprefix(STYLE_SCHEME)
    if "/" in name or "\\" in name or not name.endswith(".svg"):
        raise ValueError(f"no such style image: {url}")
    return resources.files("publish.styles").joinpath(name).read_bytes()


def allowed_path(url: str, roots: Sequence[Path], files: frozenset[Path]) -> Path:
    """The local file ``url`` names if the PDF engine may read it; ``ValueError`` otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise ValueError(f"the PDF engine may not fetch {url}: every resource must come from the image store")
    path = Path(url2pathname(unquote(parts.path))).resolve()
    if path in files or any(path.is_relative_to(root) for root in roots):
        return path
    raise ValueError(f"the PDF engine may not read {path}: it is outside the pack, the image cache and the fonts")


def render_html(html: str, engine: Engine, assets: Mapping[str, bytes], style: str = "") -> Document:
    """Lay ``html`` out: the slow step (WeasyPrint lays out on one core)."""
    svg_paths.install()
    svg_plain.install()
    font_files.install()
    shared_fonts.install()
    deflate.install()
    page_refs.install()
    pango_layouts.install()
    fetcher = PackFetcher(roots=engine.roots, files=engine.font_files, assets=assets)
    texts = [*engine.stylesheets, style] if style else engine.stylesheets
    sheets = [_SHEETS.parsed(text, fetcher) for text in texts]
    return PackHTML(string=html, url_fetcher=fetcher).render(stylesheets=sheets, font_config=_SHEETS.font_config)


class PackHTML(HTML):
    """A pack's page, cascaded with the trimmed user-agent stylesheet (``pdf_ua``) where there is one."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        stock = super()._ua_stylesheets(forms)
        ours = ua_stylesheet()
        return stock if ours is None else [ours, *stock[1:]]


class ParsedSheets:
    """Stylesheets parsed once per process, with the one font configuration their ``@font-face`` rules went into.

    Every part uses the same stylesheets; parsing them and registering the
    fonts again took about 0.16 s per part.  A worker forks from the server
    after ``warm_up`` has parsed the build's stylesheets, so it starts with them.
    (WeasyPrint ignores ``@font-face`` rules registered in another configuration
    than the document's, hence one configuration for all.)
    """

    LIMIT = 64  # sheets kept; the page numbers' specimen brings one small sheet of its own

    def __init__(self) -> None:
        self.font_config = FontConfiguration()
        self.sheets: dict[str, CSS] = {}

    def parsed(self, text: str, fetcher: URLFetcher) -> CSS:
        sheet = self.sheets.get(text)
        if sheet is None:
            if len(self.sheets) >= self.LIMIT:
                self.sheets.clear()
                self.font_config = FontConfiguration()
            sheet = self.sheets[text] = CSS(string=text, url_fetcher=fetcher, font_config=self.font_config)
        return sheet


_SHEETS = ParsedSheets()

# A page with what every part has: Chinese in both faces, bold, hyphenated English, a formula's glyph path.
WARM_UP_PAGE = (
    '<html lang="zh-Hans"><body><h1>标题 <b>Title</b></h1><p>正文，中文与 Latin 混排。<b>粗体</b></p>'
    '<p lang="en" style="width: 4em">Representative hyphenation of English abstracts.</p>'
    '<p><img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%2210%22 height=%2210%22%3E'
    '%3Cpath d=%22M1 1L9 9Q5 5 1 9Z%22/%3E%3C/svg%3E"></p></body></html>'
)


def warm_up(engine: Engine, style: str = "") -> None:
    """Lay out and write one small page with ``engine``'s stylesheets, and forget the page (see ``pdf_worker``)."""
    logger = logging.getLogger("weasyprint")
    level, logger.level = logger.level, logging.CRITICAL  # nothing here is the user's document
    try:
        render_html(WARM_UP_PAGE, engine, {}, style).write_pdf(pdf_tags=True)
    finally:
        logger.setLevel(level)


def environment_warnings() -> list[str]:
    """What makes the build slow here and the user can fix (reported with each part laid out here)."""
    if harfbuzz_subset is None or not harfbuzz.hb_version_atleast(4, 1, 0):
        return [HARFBUZZ_HINT]
    return []
