"""publish: Chinese-language paper digests to PDF, EPUB, LaTeX and an HTML bundle."""

__version__ = "0.1.0"
