"""Tag every text block with the language it is written in.

The digests mix Chinese summaries with English abstracts, titles and author
lists.  Backends need to know which is which: CJK and Latin text take
different fonts, line breaking and hyphenation, and EPUB/HTML readers choose
voices and dictionaries from ``lang``.  Deciding once here keeps every
backend's choice the same.
"""

from __future__ import annotations

import dataclasses
import re

from publish.model import (
    BlockQuote,
    Cell,
    Details,
    Document,
    FootnoteDef,
    Gallery,
    ListItem,
    Node,
    Paragraph,
    Section,
    Text,
)
from publish.tree import iter_nodes, walk_document

CHINESE = "zh-Hans"
ENGLISH = "en"

# A URL in running text: ASCII only, so one glued to Chinese ("见https://x.y。下文")
# ends where the Chinese starts; case-insensitive in the scheme only, since folding
# case would let the excluded ``ı`` and ``K`` (Kelvin sign) exclude i and k too.
# Shared with the filters that look for links.
URL = re.compile(r"(?i:https?://|www\.)[^\s<>\"'{}|\\^`\x80-\U0010ffff]+")
# Stray LaTeX commands (``\textbf``, ``\url``) are markup, not English words.
_TEX_COMMAND = re.compile(r"\\[A-Za-z]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
# Latin words, accented letters included (``Müller``); digits are not words.
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]+")


def detect_language(text: str, default: str) -> str:
    """``zh-Hans`` or ``en`` for ``text`` by majority, ``default`` when it has neither or a tie.

    One Han character weighs as much as one Latin word: Chinese prose embeds English
    terms (MNIST, Flow Matching) far more often than the reverse, and counting
    characters (about 1.5 per Chinese word) deliberately tips mixed text to Chinese.
    """
    prose = _TEX_COMMAND.sub(" ", URL.sub(" ", text))
    han = len(_CJK.findall(prose))
    words = len(_LATIN_WORD.findall(prose))
    if han > words:
        return CHINESE
    if words > han:
        return ENGLISH
    return default


def _language_source(node: Node) -> list[Node] | None:
    """The nodes whose words decide a block's language, or None for blocks that carry no prose.

    A section is tagged by its heading, not by its body, because that is the
    text a backend sets with the section's ``lang`` (headings, contents, bookmarks).
    Code blocks and rules are not prose and stay untagged.
    """
    if isinstance(node, Section):
        return node.title
    if isinstance(node, Details):
        return node.summary
    if isinstance(node, Gallery):
        return node.caption
    if isinstance(node, (Paragraph, Cell, ListItem, BlockQuote, FootnoteDef)):
        return node.children
    return None


def _prose(nodes: list[Node]) -> str:
    """The words of ``nodes``: only ``Text``, so formulas (``Math``) and ``Code`` never vote."""
    return " ".join(node.text for node in iter_nodes(nodes) if isinstance(node, Text))


def language(doc: Document) -> Document:
    """Set ``lang`` on every prose block; blocks without letters inherit the document's language."""
    default = doc.meta.language or CHINESE

    def visit(node: Node) -> Node | None:
        source = _language_source(node)
        if source is None:
            return None
        return dataclasses.replace(node, lang=detect_language(_prose(source), default))

    return walk_document(doc, visit)
