"""Binary resources of the EPUB: the documents' images and a generated cover.

A side-loaded book is read where there may be no network, and EPUBCheck
rejects remote images without the ``remote-resources`` property that many
readers ignore anyway; so every image is embedded from the shared image store
(which has already verified it and downscaled it to a JPEG or PNG), and an
image the store could not get is reported so the page shows a placeholder.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from publish.errors import PublishError
from publish.images import ImageResult, ImageStore
from publish.model import Diagnostic, Document
from publish.model import Image as ImageNode
from publish.tree import iter_nodes

SUFFIXES = {"image/jpeg": ".jpg", "image/png": ".png"}


@dataclass(frozen=True)
class Resource:
    """A file to put in the EPUB: its path inside the book, media type and bytes."""

    name: str
    media_type: str
    data: bytes


# What the XHTML writer needs per document: the image of each URL, or why there is none.
ImageMap = dict[str, Resource | str]


def _embed(result: ImageResult, folder: str) -> Resource | str:
    """The store's file as a book resource, named by content so a shared screenshot is stored once."""
    if not result.ok or result.path is None or result.media_type not in SUFFIXES:
        return result.error or "not available"
    try:
        data = result.path.read_bytes()
    except OSError as exc:
        return f"cannot read the cached image ({exc.strerror or exc})"
    name = f"{folder}/{hashlib.sha256(data).hexdigest()[:20]}{SUFFIXES[result.media_type]}"
    return Resource(name, result.media_type, data)


def embed_images(
    documents: Sequence[Document], *, offline: bool, cache_dir: Path | None, folder: str = "images"
) -> tuple[list[ImageMap], list[list[Diagnostic]]]:
    """Fetch every image of every document at once; per document, what each URL became and the warnings."""
    wanted = [
        [node for node in iter_nodes(doc) if isinstance(node, ImageNode) and node.url.strip()] for doc in documents
    ]
    requests = [(doc.path.parent, [node.url for node in nodes]) for doc, nodes in zip(documents, wanted, strict=True)]
    maps = embed_urls(requests, offline=offline, cache_dir=cache_dir, folder=folder)
    warnings = [
        [
            doc.diagnostic(n.line, f"image {n.url} not embedded ({why}): a placeholder keeps its link")
            for n in nodes
            if isinstance(why := embedded[n.url], str)
        ]
        for doc, nodes, embedded in zip(documents, wanted, maps, strict=True)
    ]
    return maps, warnings


def embed_urls(
    requests: Sequence[tuple[Path, Sequence[str]]], *, offline: bool, cache_dir: Path | None, folder: str
) -> list[ImageMap]:
    """Per (document folder, image URLs): what each URL became.

    One ``fetch_all`` for the whole pack lets a dead host cost one timeout,
    not one per screenshot.
    """
    store = ImageStore(cache_dir=cache_dir, offline=offline)
    results = store.fetch_all((url, base) for base, urls in requests for url in urls)
    return [{url: _embed(results[(url, base)], folder) for url in urls} for base, urls in requests]


def outcome(images: ImageMap) -> dict[str, str]:
    """What each URL became, as a page shows it: the embedded file's name, or why there is none."""
    return {url: found.name if isinstance(found, Resource) else found for url, found in images.items()}


# --------------------------------------------------------------------------
# The cover
# --------------------------------------------------------------------------

COVER_SIZE = (1600, 2560)  # the 1:1.6 portrait most stores and readers expect
BACKGROUND = (24, 39, 58)
ACCENT = (214, 160, 72)
INK = (245, 242, 235)
MUTED = (176, 187, 201)
MAX_LISTED = 6  # document titles listed on the cover
# A line may not start with closing punctuation (CJK line-breaking rules, kinsoku).
NO_LINE_START = set("，。、：；！？）》」』】〕,.:;!?)]}”’")
_TOKEN = re.compile(r"[A-Za-z0-9][\w\-.:/+]*|\s+|.")


def find_cjk_font(weight: str) -> tuple[str, int]:
    """A font file and face index that covers Simplified Chinese, from fontconfig.

    ``fc-match`` always answers with some font; only one whose languages
    include ``zh-cn`` can draw the title without tofu.
    """
    fc_match = shutil.which("fc-match")
    if fc_match is not None:
        answer = subprocess.run(
            [fc_match, "-f", "%{file}\n%{index}\n%{lang}", f"serif:lang=zh-cn:weight={weight}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout.split("\n")
        if len(answer) == 3 and "zh-cn" in answer[2].split("|"):
            return answer[0], int(answer[1] or 0)
    raise PublishError(
        "no font with Chinese characters was found for the EPUB cover: "
        "run `apt-get install fonts-noto-cjk fontconfig` (or `make setup`)"
    )


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break between CJK characters or Latin words, never before closing punctuation."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        candidate = line + token
        if line.strip() and draw.textlength(candidate, font=font) > width and token[0] not in NO_LINE_START:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _balanced(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """The narrowest wrap with as few lines as the full width needs: no two-character last line."""
    lines = _wrap(draw, text, font, width)
    while width > 200:
        narrower = _wrap(draw, text, font, width - 40)
        if len(narrower) > len(lines):
            break
        lines, width = narrower, width - 40
    return lines


def _fitted_title(
    draw: ImageDraw.ImageDraw, title: str, font_file: tuple[str, int], width: int
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest title size that fits in four lines."""
    size = 150
    while True:
        font = ImageFont.truetype(font_file[0], size, index=font_file[1])
        lines = _balanced(draw, title, font, width)
        if len(lines) <= 4 or size <= 60:
            return font, lines
        size -= 10


def _text_block(
    draw: ImageDraw.ImageDraw,
    lines: list[tuple[str, tuple[int, int, int]]],
    font: ImageFont.FreeTypeFont,
    y: int,
    gap: int,
) -> int:
    """Draw wrapped paragraphs from ``y`` down; return where the next block may start."""
    margin = COVER_SIZE[0] // 10
    for text, colour in lines:
        for line in _wrap(draw, text, font, COVER_SIZE[0] - 2 * margin):
            draw.text((margin, y), line, font=font, fill=colour)
            y += int(font.size * 1.4)
        y += gap
    return y


def cover_fonts() -> tuple[tuple[str, int], tuple[str, int]]:
    """The bold and regular faces the cover is drawn in."""
    return find_cjk_font("bold"), find_cjk_font("regular")


def cover_image(
    title: str, subtitle: str, facts: str, contents: list[str], fonts: tuple[tuple[str, int], tuple[str, int]]
) -> Resource:
    """A typographic cover: the pack title, its dates, what is inside, in the CJK serif ``fonts``.

    ``contents`` (the document titles) fill the lower third, so a shelf of
    reading packs with similar titles can still be told apart.
    """
    image = Image.new("RGB", COVER_SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    margin = COVER_SIZE[0] // 10
    bold, regular = fonts
    draw.rectangle((margin, 620, margin + 240, 640), fill=ACCENT)
    title_font, lines = _fitted_title(draw, title or " ", bold, COVER_SIZE[0] - 2 * margin)
    y = _text_block(draw, [(line, INK) for line in lines], title_font, 720, 0)
    small = ImageFont.truetype(regular[0], 72, index=regular[1])
    _text_block(draw, [(subtitle, INK), (facts, MUTED)], small, y + 60, 30)
    listing = ImageFont.truetype(regular[0], 52, index=regular[1])
    shown = contents[:MAX_LISTED] + ([f"…… 共 {len(contents)} 篇"] if len(contents) > MAX_LISTED else [])
    draw.rectangle((margin, 1780, COVER_SIZE[0] - margin, 1783), fill=MUTED)
    _text_block(draw, [(f"· {name}", MUTED) for name in shown], listing, 1830, 6)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, optimize=True)
    return Resource("images/cover.jpg", "image/jpeg", out.getvalue())
