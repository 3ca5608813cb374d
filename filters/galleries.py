"""Screenshots folded into ``<details>`` become galleries.

Blog digests fold each paper's figures into ``<details><summary>点此查看论文截图</summary>``
followed by nothing but ``<img>`` tags.  Folding means nothing on paper, so the
backends lay such a block out as a captioned gallery instead.  A ``<details>``
that holds anything else (a contents list, prose) stays a ``Details``.
"""

from __future__ import annotations

from publish.model import Details, Document, Gallery, Image, LineBreak, Node, Paragraph, SoftBreak, Text
from publish.tree import walk_document


def _images_only(nodes: list[Node]) -> list[Image] | None:
    """The images in ``nodes`` if there is nothing else but breaks and whitespace, else None."""
    images: list[Image] = []
    for node in nodes:
        if isinstance(node, Image):
            images.append(node)
        elif isinstance(node, Paragraph):
            inner = _images_only(node.children)
            if inner is None:
                return None
            images.extend(inner)
        elif not (isinstance(node, (LineBreak, SoftBreak)) or (isinstance(node, Text) and not node.text.strip())):
            return None
    return images


def _to_gallery(node: Node) -> Node | None:
    if not isinstance(node, Details):
        return None
    images = _images_only(node.children)
    if not images:
        return None
    return Gallery(caption=node.summary, images=images, line=node.line, lang=node.lang)


def galleries(doc: Document) -> Document:
    """Turn every image-only ``Details`` into a ``Gallery`` captioned by its summary."""
    return walk_document(doc, _to_gallery)
