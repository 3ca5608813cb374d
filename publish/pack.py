"""Which files make a pack, in what order, under what title.

INPUT on the command line is a Markdown file, a folder, or a ``publish.yaml``
manifest; with none, the ``content/`` folder of the current directory.  A
manifest names the title, the order of the documents and build options, so
a pack builds the same way every time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from publish.errors import PublishError

MARKDOWN_SUFFIXES = (".md", ".markdown", ".txt")
MANIFEST_NAME = "publish.yaml"
DEFAULT_TITLE = "论文阅读包"


@dataclass(kw_only=True)
class PackSpec:
    """The resolved input: files in reading order, before anything is read."""

    title: str = DEFAULT_TITLE
    files: list[Path] = field(default_factory=list)
    options: dict[str, object] = field(default_factory=dict)


def _markdown_files(folder: Path) -> list[Path]:
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in MARKDOWN_SUFFIXES]
    # README.md of a corpus folder describes the folder; it is not a digest.
    return sorted(p for p in files if p.name.lower() != "readme.md")


def read_manifest(path: Path) -> PackSpec:
    """A ``publish.yaml``: ``title``, ``documents`` (paths relative to it) and ``options``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as exc:
        raise PublishError(f"{path}: the manifest is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PublishError(f"{path}: the manifest must be a mapping with 'title' and 'documents'")
    base = path.parent
    documents = data.get("documents")
    if documents is None:
        files = _markdown_files(base)
    elif isinstance(documents, list) and all(isinstance(d, str) for d in documents):
        files = [base / d for d in documents]
    else:
        raise PublishError(f"{path}: 'documents' must be a list of file names relative to the manifest")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise PublishError(f"{path}: documents listed in the manifest do not exist: {', '.join(missing)}")
    options = data.get("options") or {}
    if not isinstance(options, dict):
        raise PublishError(f"{path}: 'options' must be a mapping")
    return PackSpec(title=str(data.get("title") or DEFAULT_TITLE), files=files, options=options)


def resolve_inputs(inputs: list[Path], default: Path = Path("content")) -> PackSpec:
    """Turn command-line inputs into a ``PackSpec``; errors say what was expected."""
    if not inputs:
        if not default.exists():
            raise PublishError(
                f"no input given and no {default}/ folder here: name a Markdown file, a folder or a {MANIFEST_NAME}"
            )
        inputs = [default]
    if len(inputs) == 1:
        only = inputs[0]
        if only.is_dir() and (only / MANIFEST_NAME).is_file():
            return read_manifest(only / MANIFEST_NAME)
        if only.is_file() and only.name.endswith((".yaml", ".yml")):
            return read_manifest(only)
    spec = PackSpec()
    for item in inputs:
        if item.is_dir():
            found = _markdown_files(item)
            if not found:
                raise PublishError(f"{item}: no Markdown files ({', '.join(MARKDOWN_SUFFIXES)}) in this folder")
            spec.files.extend(found)
        elif item.is_file():
            if item.suffix.lower() not in MARKDOWN_SUFFIXES:
                raise PublishError(
                    f"{item}: not a Markdown file; give a {', '.join(MARKDOWN_SUFFIXES)} file, a folder or a manifest"
                )
            spec.files.append(item)
        else:
            raise PublishError(f"{item}: no such file or folder")
    return spec
