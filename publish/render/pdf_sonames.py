"""Loading WeasyPrint's C libraries by their sonames, without asking ``ctypes.util.find_library``.

WeasyPrint tries several names for each library (Pango, HarfBuzz, fontconfig…),
one set per platform, and cffi hands every name that is not a file name to
``find_library``, which on Linux runs ``ldconfig`` and then ``gcc`` for each:
about 0.2 s of the 0.45 s WeasyPrint takes to import, on the path of every
build (the layout workers' server imports it before the first part starts).
The names include each library's soname, which ``dlopen`` finds by itself
wherever ``find_library`` would.
"""

from __future__ import annotations

import ctypes.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def libraries_by_soname() -> Iterator[None]:
    """While WeasyPrint is imported: on Linux, every name that is not a soname fails at once."""
    if not sys.platform.startswith("linux"):
        yield
        return
    find_library = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = find_library
