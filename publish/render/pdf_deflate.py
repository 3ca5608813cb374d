"""PDF streams compressed at zlib's default level 6 instead of pydyf's level 9.

pydyf, which writes WeasyPrint's PDF, deflates every stream at level 9.  On the
streams of four month digests (13 MB: pages, subset fonts, formulas) level 9
took 0.34 s and made 2,851 KB; level 6 took 0.15 s and made 2,863 KB.  A month
has thirty such parts: over a second of layout for 0.4 % of the file.

pydyf reaches zlib through its module's ``zlib`` name, so that name is given a
zlib whose ``compressobj`` uses level 6.  Applied only to the pydyf versions it
was checked against (``tests/test_pdf_deflate.py``).
"""

from __future__ import annotations

import types
import zlib

CHECKED_VERSIONS = ("0.13.",)
LEVEL = 6


def install() -> bool:
    """Give pydyf the level-6 zlib; ``False`` where its version was not checked."""
    import pydyf

    if getattr(pydyf.zlib, "level", None) == LEVEL:
        return True
    if not pydyf.__version__.startswith(CHECKED_VERSIONS):
        return False
    pydyf.zlib = deflating(LEVEL)
    return True


def deflating(level: int) -> types.SimpleNamespace:
    """What pydyf uses of zlib, with ``compressobj`` at ``level`` whatever level it asks for."""

    def compressobj(*_args: object, **_kwargs: object) -> zlib._Compress:
        return zlib.compressobj(level)

    return types.SimpleNamespace(compress=zlib.compress, compressobj=compressobj, level=level)
