"""The reader: a Markdown file in, a ``publish.model.Document`` out (see ``document.py``)."""

from publish.read.document import read_document

__all__ = ["read_document"]
