"""Text blocks, their stable ids, and translations kept beside the source.

A bilingual page needs to know, for every block, which language it is in and
whether a reader of the other language has something to read instead: the
paper's own counterpart (English abstract ↔ Chinese summary) or a translation
someone supplied.  Translations travel as XLIFF 2 (what translators' tools
read) and come back into a sidecar ``<name>.translations.yaml`` beside each
document, so the author's Markdown is never rewritten.

Block ids are hashes of the block's language and text, numbered in document
order when the same text repeats: the same content gets the same id on every
build, so a translation stays attached to its block until the block changes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from lxml import etree

from publish import model as m
from publish.errors import PublishError
from publish.output import write_text_atomic
from publish.pack import MARKDOWN_SUFFIXES
from publish.tree import iter_nodes, plain_text

CHINESE = "zh-Hans"
ENGLISH = "en"
LANGUAGES = (CHINESE, ENGLISH)
XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
SIDECAR_SUFFIX = ".translations.yaml"
# A block is worth translating only when it has words: not a date, a number or a bare URL.
_WORDS = re.compile(r"[A-Za-z\u00c0-\u024f]{2,}|[\u3400-\u9fff]")
_URL = re.compile(r"https?://\S+")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def other(lang: str) -> str:
    return ENGLISH if lang == CHINESE else CHINESE


# --------------------------------------------------------------------------
# Blocks
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One block with a stable id; text blocks (not formulas or code) can be translated."""

    id: str
    lang: str
    text: str
    node: m.Node
    translatable: bool


def _block_text(node: m.Node) -> str | None:
    """The text of a node that is a block of its own, or None.

    List items count only when they hold inline text directly; a loose item's
    paragraphs are blocks themselves.  Formulas count as their TeX.
    """
    if isinstance(node, m.Paragraph):
        return plain_text(node.children)
    if isinstance(node, m.CodeBlock):
        return node.text
    if isinstance(node, m.Section):
        return plain_text(node.title)
    if isinstance(node, m.Cell):
        return plain_text(node.children)
    if isinstance(node, m.ListItem) and not any(_is_block(k) for k in node.children):
        return plain_text(node.children)
    return None


def _is_block(node: m.Node) -> bool:
    return isinstance(node, (m.Paragraph, m.ListBlock, m.CodeBlock, m.BlockQuote, m.Table, m.Gallery, m.Details))


def _digest(lang: str, text: str) -> str:
    return hashlib.sha256(f"{lang}\n{' '.join(text.split())}".encode()).hexdigest()[:10]


def _translatable(node: m.Node) -> bool:
    if isinstance(node, m.CodeBlock) or (isinstance(node, m.Paragraph) and node.display_math()):
        return False
    return node.lang in LANGUAGES


def blocks(doc: m.Document) -> list[Block]:
    """Every block of ``doc`` in document order, with its stable id."""
    seen: dict[str, int] = {}
    found: list[Block] = []
    for node in iter_nodes(doc):
        text = _block_text(node)
        if text is None:
            continue
        base = f"t-{_digest(node.lang, text)}"
        seen[base] = seen.get(base, 0) + 1
        block_id = base if seen[base] == 1 else f"{base}-{seen[base]}"
        found.append(Block(block_id, node.lang, " ".join(text.split()), node, _translatable(node)))
    return found


def has_words(text: str) -> bool:
    return bool(_WORDS.search(_URL.sub(" ", text)))


def _starts(text: str, start: str) -> bool:
    head = " ".join(start.split())[:40]
    return bool(head) and head in " ".join(text.split())


def paper_pairs(doc: m.Document) -> dict[int, str]:
    """Blocks that already have a counterpart in the other language: ``id(node)`` → the block's language.

    A paper that gives both an English abstract and a Chinese summary pairs
    the two paragraphs presenting them; a reader of either language has one.
    """
    pairs: dict[int, str] = {}
    for section in iter_nodes(doc):
        if not isinstance(section, m.Section) or not section.paper:
            continue
        paper = section.paper
        if not (paper.abstract and paper.summary):
            continue
        paragraphs = [k for k in section.children if isinstance(k, m.Paragraph)]
        abstract = next((p for p in paragraphs if p.lang == ENGLISH and _starts(plain_text(p), paper.abstract)), None)
        summary = next((p for p in paragraphs if p.lang == CHINESE and _starts(plain_text(p), paper.summary)), None)
        if abstract is not None and summary is not None:
            pairs[id(abstract)] = ENGLISH
            pairs[id(summary)] = CHINESE
    return pairs


# --------------------------------------------------------------------------
# Sidecars
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Translation:
    lang: str
    text: str


Translations = dict[str, Translation]


def sidecar_path(source: Path) -> Path:
    return source.with_name(source.name + SIDECAR_SUFFIX)


def load_translations(source: Path) -> Translations:
    """The translations stored beside ``source``; none when there is no sidecar."""
    path = sidecar_path(source)
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        raise PublishError(f"{path} is not valid YAML ({exc}): fix it or delete it") from exc
    if not isinstance(data, dict):
        raise PublishError(f"{path} should map block ids to translations")
    return {
        str(key): Translation(str(value["lang"]), str(value["text"]))
        for key, value in data.items()
        if isinstance(value, dict) and value.get("lang") in LANGUAGES and str(value.get("text", "")).strip()
    }


def save_translations(source: Path, translations: Translations, sources: dict[str, str]) -> Path:
    """Write the sidecar; the source text is kept beside each translation for the human reading it."""
    data = {
        key: {"lang": t.lang, "text": t.text, **({"source": sources[key]} if key in sources else {})}
        for key, t in sorted(translations.items())
    }
    path = sidecar_path(source)
    header = f"# Translations of {source.name}, written by `publish translate import`; keys are block ids.\n"
    write_text_atomic(path, header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100))
    return path


# --------------------------------------------------------------------------
# XLIFF 2
# --------------------------------------------------------------------------


def untranslated(doc: m.Document, translations: Translations, target: str) -> Iterator[Block]:
    """Blocks in the other language than ``target`` that a ``target`` reader has no counterpart for."""
    paired = paper_pairs(doc)
    for block in blocks(doc):
        if not block.translatable or block.lang == target or id(block.node) in paired or block.id in translations:
            continue
        if has_words(block.text):
            yield block


def _q(name: str) -> str:
    return f"{{{XLIFF_NS}}}{name}"


def export_xliff(documents: Sequence[m.Document], target: str) -> bytes:
    """One XLIFF 2 file with a ``<file>`` per document, holding the blocks to translate into ``target``.

    XLIFF 2 has one language pair per file, so the target language is a
    choice; run the export once per direction.
    """
    root = etree.Element(_q("xliff"), nsmap={None: XLIFF_NS}, version="2.0", srcLang=other(target), trgLang=target)
    for index, doc in enumerate(documents, start=1):
        units = list(untranslated(doc, load_translations(doc.path), target))
        if not units:
            continue
        file = etree.SubElement(root, _q("file"), id=f"f{index}", original=str(doc.path.resolve()))
        for block in units:
            unit = etree.SubElement(file, _q("unit"), id=block.id)
            segment = etree.SubElement(unit, _q("segment"))
            etree.SubElement(segment, _q("source")).text = block.text
            etree.SubElement(segment, _q("target"))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def import_xliff(data: bytes) -> list[Path]:
    """Store every filled-in target beside its document; returns the sidecars written."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise PublishError(f"not an XLIFF file: {exc}") from exc
    if root.tag != _q("xliff"):
        raise PublishError("not an XLIFF 2 file: the root element is not <xliff> in the XLIFF 2.0 namespace")
    lang = root.get("trgLang", "")
    if lang not in LANGUAGES:
        raise PublishError(f"trgLang {lang!r} is not one publish shows: use {' or '.join(LANGUAGES)}")
    written = []
    for file in root.iter(_q("file")):
        source = Path(file.get("original", ""))
        if source.suffix.lower() not in MARKDOWN_SUFFIXES or not source.is_file():
            # Only a Markdown document that exists gets a sidecar: a crafted file cannot write elsewhere.
            raise PublishError(
                f"the XLIFF names {source}, which is not an existing Markdown file: import it where it was exported"
            )
        found = _targets(file)
        if not found:
            continue
        translations = load_translations(source)
        translations.update({key: Translation(lang, text) for key, (_, text) in found.items()})
        written.append(save_translations(source, translations, {key: src for key, (src, _) in found.items()}))
    return written


def _targets(file: etree._Element) -> dict[str, tuple[str, str]]:
    """unit id → (source, target) for the units whose target is filled in."""
    found = {}
    for unit in file.iter(_q("unit")):
        source = unit.findtext(f".//{_q('source')}") or ""
        target = " ".join((unit.findtext(f".//{_q('target')}") or "").split())
        if target:
            found[unit.get("id", "")] = (source, target)
    return found
