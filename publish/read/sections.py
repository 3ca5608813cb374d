"""Flat headings → nested ``Section`` nodes.

The model has no heading node: a heading owns everything up to the next
heading of the same or higher level.  ``Heading`` exists only inside the
reader, between conversion and nesting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from publish.model import Node, Paragraph, Section, Strong


@dataclass(kw_only=True)
class Heading(Node):
    """Reader-internal: a heading before it becomes a ``Section``."""

    level: int
    title: list[Node] = field(default_factory=list)


def as_paragraph(heading: Heading) -> Paragraph:
    """A heading where no section can start (in a list, quote or ``<details>``) reads as a bold line."""
    return Paragraph(line=heading.line, children=[Strong(line=heading.line, children=heading.title)])


def nest_sections(blocks: list[Node]) -> list[Node]:
    """Nest blocks under their headings; content before the first heading stays at the top."""
    top: list[Node] = []
    stack: list[Section] = []
    for node in blocks:
        if not isinstance(node, Heading):
            (stack[-1].children if stack else top).append(node)
            continue
        while stack and stack[-1].level >= node.level:
            stack.pop()
        section = Section(line=node.line, level=node.level, title=node.title)
        (stack[-1].children if stack else top).append(section)
        stack.append(section)
    return top
