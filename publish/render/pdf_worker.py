"""What the worker server imports for PDF layout: WeasyPrint, already run once.

Every part is laid out in a new process forked from the server, so that its
memory comes back when it ends.  What WeasyPrint builds lazily on its first
run (C type declarations parsed by cffi, the hyphenation dictionary,
HarfBuzz's subsetter, fontconfig's font list) would be built again in each of
them; importing this module builds it once, in the server, and every worker
starts with it (4.4 s less CPU over the 30 documents of a month, about 6 %).
Frozen, those objects stay shared with the workers: the corpus pack's peak
went from about 400 MB to 380 MB.
"""

import contextlib
import gc

from publish.render.pdf_engine import warm_up

with contextlib.suppress(Exception):  # only a head start: a real layout reports what is wrong, with its part
    warm_up()
gc.collect()
gc.freeze()  # the collector then leaves what workers inherit alone: its pages stay shared, not copied into each
