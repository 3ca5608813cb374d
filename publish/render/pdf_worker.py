"""What the worker server imports for PDF layout: WeasyPrint, already run once.

Every part is laid out in a new process forked from the server, so that its
memory comes back when it ends.  What WeasyPrint builds on its first run (C
type declarations parsed by cffi, the hyphenation dictionary, HarfBuzz's
subsetter, fontconfig's font list, the parsed stylesheets and the fonts they
declare) would be built again in each of them; importing this module builds
it once, in the server, with the stylesheets of an A4 build, and every worker
starts with it.  Frozen, those objects stay shared with the workers instead
of being copied into each.
"""

import contextlib
import gc

from publish.render.pdf import NO_FOLIO, layout_engine
from publish.render.pdf_engine import warm_up
from publish.render.pdf_fonts import find_fonts

with contextlib.suppress(Exception):  # only a head start: a real layout reports what is wrong, with its part
    warm_up(layout_engine(find_fonts(), "a4", roots=()), NO_FOLIO)
gc.collect()
gc.freeze()  # the collector then leaves what workers inherit alone: its pages stay shared, not copied into each
