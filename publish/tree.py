"""Walking the document model, the way pandoc filters walk its AST.

``walk`` rebuilds a tree bottom-up and leaves the input untouched, so a filter
is a plain function from tree to tree.  ``iter_nodes`` visits without
rebuilding, for filters and backends that only collect.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import TypeVar

from publish.model import Code, Document, Image, LineBreak, Math, Node, SoftBreak, Text

N = TypeVar("N", bound=Node)
D = TypeVar("D", Document, Node)

# What a visit function may return: the node (or a new one) to keep it, a list
# to splice several nodes in its place (empty list deletes), or None to keep
# the node unchanged.
Visit = Callable[[Node], "Node | list[Node] | None"]


def _child_fields(obj: object) -> Iterator[dataclasses.Field]:
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, Node) or (isinstance(value, list) and value and isinstance(value[0], Node)):
            yield f


def _walk_list(nodes: list[Node], visit: Visit) -> list[Node]:
    out: list[Node] = []
    for node in nodes:
        result = walk(node, visit)
        if isinstance(result, list):
            out.extend(result)
        else:
            out.append(result)
    return out


def walk(tree: D, visit: Visit) -> D | list[Node]:
    """Apply ``visit`` to every node, children first, and return the new tree.

    A ``Document`` is never passed to ``visit``; its children are.
    """
    changes: dict[str, object] = {}
    for f in _child_fields(tree):
        value = getattr(tree, f.name)
        if isinstance(value, list):
            new_list = _walk_list(value, visit)
            if len(new_list) != len(value) or any(a is not b for a, b in zip(new_list, value, strict=True)):
                changes[f.name] = new_list
        else:
            new = walk(value, visit)
            if new is not value and not isinstance(new, list):
                changes[f.name] = new
    node = dataclasses.replace(tree, **changes) if changes else tree
    if isinstance(node, Document):
        return node
    result = visit(node)
    return node if result is None else result


def walk_document(doc: Document, visit: Visit) -> Document:
    """``walk`` over a document's body and footnotes, keeping the ``Document`` type."""
    result = walk(doc, visit)
    assert isinstance(result, Document)
    return result


def iter_nodes(tree: Document | Node | list[Node]) -> Iterator[Node]:
    """Every node below ``tree`` in document order (parents before children)."""
    stack: list[object] = [tree] if not isinstance(tree, list) else list(reversed(tree))
    while stack:
        obj = stack.pop()
        if isinstance(obj, Node):
            yield obj
        kids: list[Node] = []
        for f in _child_fields(obj):
            value = getattr(obj, f.name)
            kids.extend(value if isinstance(value, list) else [value])
        stack.extend(reversed(kids))


def plain_text(nodes: Node | list[Node]) -> str:
    """The visible text of inline nodes: what a reader would read aloud.

    Formulas count as their TeX; images as their alt text.
    """
    parts: list[str] = []
    for node in iter_nodes(nodes if isinstance(nodes, list) else [nodes]):
        if isinstance(node, (Text, Code)):
            parts.append(node.text)
        elif isinstance(node, Math):
            parts.append(node.tex)
        elif isinstance(node, Image):
            parts.append(node.alt)
        elif isinstance(node, (SoftBreak, LineBreak)):
            parts.append(" ")
    return "".join(parts)
