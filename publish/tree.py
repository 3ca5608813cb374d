"""Walking the document model, the way pandoc filters walk its AST.

``walk`` rebuilds a tree bottom-up and leaves the input untouched, so a filter
is a plain function from tree to tree.  ``iter_nodes`` visits without
rebuilding, for filters and backends that only collect.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Callable, Iterator
from typing import TypeVar

from publish.model import Code, Document, Image, LineBreak, Math, Node, SoftBreak, Text

N = TypeVar("N", bound=Node)
D = TypeVar("D", Document, Node)

# What a visit function may return: the node (or a new one) to keep it, a list
# to splice several nodes in its place (empty list deletes), or None to keep
# the node unchanged.
Visit = Callable[[Node], "Node | list[Node] | None"]


@functools.cache
def _node_field_names(cls: type) -> tuple[str, ...]:
    """Names of the fields of ``cls`` that hold nodes or lists of nodes, from its type hints.

    Worked out once per class: walking the tree asks this for every node.
    """

    def holds_nodes(hint: object) -> bool:
        if isinstance(hint, type):
            return issubclass(hint, Node)
        return any(holds_nodes(arg) for arg in typing.get_args(hint))

    hints = typing.get_type_hints(cls)
    return tuple(f.name for f in dataclasses.fields(cls) if holds_nodes(hints[f.name]))


def _child_fields(obj: object) -> Iterator[str]:
    for name in _node_field_names(type(obj)):
        value = getattr(obj, name)
        if isinstance(value, Node) or (isinstance(value, list) and value):
            yield name


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
    for name in _child_fields(tree):
        value = getattr(tree, name)
        if isinstance(value, list):
            new_list = _walk_list(value, visit)
            if len(new_list) != len(value) or any(a is not b for a, b in zip(new_list, value, strict=True)):
                changes[name] = new_list
        else:
            new = walk(value, visit)
            if new is not value and not isinstance(new, list):
                changes[name] = new
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
        for name in _child_fields(obj):
            value = getattr(obj, name)
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
