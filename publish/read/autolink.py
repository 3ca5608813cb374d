"""Bare URLs as links, stopping where the URL ends in Chinese text.

mistune's ``url`` plugin runs a URL on through ``上发布。`` and ``\\url{…}``'s
closing brace; authors never mean those as part of the address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mistune.plugins.url import parse_url_link

if TYPE_CHECKING:
    from mistune import Markdown

_CJK = "\u2e80-\u2fff\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
URL_LINK_PATTERN = rf"""https?://[^\s<{_CJK}]+[^\s<.,:;"')\]}}{_CJK}]"""


def url(md: Markdown) -> None:
    """mistune plugin: the ``url`` plugin with a URL pattern that respects CJK text."""
    md.inline.register("url_link", URL_LINK_PATTERN, parse_url_link, start_chars="h")
