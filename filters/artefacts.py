"""Debris that PDF extraction and chat-model templates leave in digests.

- Accents: text pulled out of a PDF keeps a spacing accent beside its letter
  (``M¨uller``, ``Jo˜ao``, ``Franc¸ois``).  Joined into the precomposed letter;
  a repair changes what the author wrote, so each one is reported.
- Headings: ``Fail on   Diffusion`` (runs of spaces copied from a PDF title)
  collapse to one space.  Anchors are computed before this runs, so the ids
  GitHub would give the original heading still hold.
- Placeholder links: a model asked to fill a template writes
  ``[点击这里](论文链接地址)``.  Such a link goes nowhere, so it becomes plain
  text, with the would-be address kept in brackets (it often says what is
  missing) and a warning.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from urllib.parse import unquote

from publish.model import Diagnostic, Document, Link, Node, Section, Text
from publish.tree import walk_document

from ._text import RunRewrite, is_accented_letter, located, rewrite_runs, with_warnings

# Spacing accents that extraction puts before their letter, as combining marks.
_ABOVE = {
    "¨": "\u0308", "´": "\u0301", "`": "\u0300", "ˆ": "\u0302", "˜": "\u0303", "ˇ": "\u030c",
    "˘": "\u0306", "˚": "\u030a", "˙": "\u0307", "˝": "\u030b", "¯": "\u0304",
}  # fmt: skip
# Marks hanging below the letter, which extraction puts after it.
_BELOW = {"¸": "\u0327", "˛": "\u0328"}
_MARKS = "".join(_ABOVE) + "".join(_BELOW)
_WORD = re.compile(rf"[\w{_MARKS}]+")
_ANY_MARK = re.compile(f"[{_MARKS}]")
_ACCENT = re.compile(
    r"(?P<above>[¨´ˆ˜ˇ˘˚˙˝¯]|(?<=[A-Za-z])`)(?P<letter>[A-Za-zı])"  # a backtick counts only inside a word
    r"|(?P<base>[A-Za-z])(?P<below>[¸˛])"
)
# ``it´s``: an acute used as an apostrophe, not an accent on the s.
_APOSTROPHE_S = re.compile(r"´s(?![A-Za-z])")

_SPACES = re.compile(r"[ \t]{2,}")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_FILE_LIKE = re.compile(r"/|\.\w{1,5}(?:[#?].*)?$")
_WORDY = re.compile(r"[\s\"'“”\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_PLACEHOLDER_WORDS = frozenset({"none", "null", "n/a", "tbd", "todo", "url", "link"})


def _join_accent(m: re.Match[str]) -> str:
    if m["letter"]:
        letter = "i" if m["letter"] == "ı" else m["letter"]  # extraction writes a dotless ı under accents
        joined = unicodedata.normalize("NFC", letter + _ABOVE[m["above"]])
    else:
        joined = unicodedata.normalize("NFC", m["base"] + _BELOW[m["below"]])
    return joined if is_accented_letter(joined) else m[0]


def repair_accents(word: str) -> str:
    """``M¨uller`` → ``Müller``; anything that would not make a Latin letter stays as it is."""
    if _APOSTROPHE_S.search(word):
        return word
    return _ACCENT.sub(_join_accent, word)


def is_placeholder(url: str) -> bool:
    """A link target that is words, not an address: no scheme, not a path or anchor, CJK or spaces in it.

    ``url`` may be percent-encoded (the Markdown parser encodes non-ASCII).
    """
    target = unquote(url).strip()
    if not target:
        return True
    if _SCHEME.match(target) or target.startswith(("#", "?")) or _FILE_LIKE.search(target):
        return False
    return bool(_WORDY.search(target)) or target.lower() in _PLACEHOLDER_WORDS


def _accent_repairs(doc: Document, warnings: list[Diagnostic]) -> RunRewrite:
    def fix(node: Text, word: str) -> str:
        repaired = repair_accents(word)
        if repaired != word:
            message = f"repaired “{word}” to “{repaired}”, an accent split off by PDF text extraction; fix the source"
            warnings.append(located(doc, node.line, word, message))
        return repaired

    def rewrite(node: Text) -> list[Node] | None:
        if not _ANY_MARK.search(node.text):
            return None
        text = _WORD.sub(lambda m: fix(node, m[0]) if _ANY_MARK.search(m[0]) else m[0], node.text)
        return None if text == node.text else [dataclasses.replace(node, text=text)]

    return rewrite


def _collapse_title(node: Node) -> Node:
    if not isinstance(node, Section) or not any(isinstance(t, Text) and _SPACES.search(t.text) for t in node.title):
        return node
    title = [dataclasses.replace(t, text=_SPACES.sub(" ", t.text)) if isinstance(t, Text) else t for t in node.title]
    return dataclasses.replace(node, title=title)


def _as_text(doc: Document, link: Link, warnings: list[Diagnostic]) -> list[Node]:
    """A placeholder link's words, and the would-be address in brackets when it says something."""
    target = unquote(link.url).strip()
    what = f"link target “{target}” is not an address" if target else "link has no target"
    message = f"{what}, so the link is shown as plain text; put the real URL in the parentheses, or unlink it"
    warnings.append(located(doc, link.line, target, message, lead="]("))
    if not target:
        return link.children
    shown = f"（{target}）" if _WORDY.search(target) else f" ({target})"
    return [*link.children, Text(text=shown, line=link.line, lang=link.lang)]


def text_artefacts(doc: Document) -> Document:
    """Repair split accents and heading spacing; turn placeholder links into text, with warnings."""
    warnings: list[Diagnostic] = []
    repair = _accent_repairs(doc, warnings)

    def visit(node: Node) -> Node | list[Node]:
        if isinstance(node, Link) and is_placeholder(node.url):
            return _as_text(doc, node, warnings)  # its words are repaired with the text around them
        return _collapse_title(rewrite_runs(node, repair))

    return with_warnings(walk_document(doc, visit), warnings)
