"""HarfBuzz's font subsetter, called as WeasyPrint calls it, from a process that has not imported WeasyPrint.

The parts of the PDF leave their fonts to the join, which embeds one subset of
each for all of them (``pdf_shared_fonts``).  It must be made exactly as
WeasyPrint would have made each part's own: the glyphs at
their ids in the whole font (``RETAIN_GIDS``, so every part's text draws the same
glyphs from the shared one), layout tables dropped, charstrings desubroutinized,
hinting dropped, and the empty ids after the last glyph cut off by a second pass.
``tests/test_pdf_shared_fonts.py`` checks that this gives WeasyPrint's bytes.

The binding is a few declarations of our own (cffi, ABI mode), so the joining
process need not import WeasyPrint (0.35 s) for it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

_DECLARATIONS = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
typedef uint32_t hb_codepoint_t;
typedef uint32_t hb_tag_t;
hb_blob_t *hb_blob_create_from_file_or_fail (const char *file_name);
void hb_blob_destroy (hb_blob_t *blob);
const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
void hb_face_destroy (hb_face_t *face);
unsigned int hb_face_get_glyph_count (const hb_face_t *face);
hb_blob_t *hb_face_reference_blob (hb_face_t *face);
hb_tag_t hb_tag_from_string (const char *str, int len);
void hb_set_add_sorted_array (hb_set_t *set, const hb_codepoint_t *sorted_codepoints, unsigned int num_codepoints);
void hb_set_add_range (hb_set_t *set, hb_codepoint_t first, hb_codepoint_t last);
hb_subset_input_t *hb_subset_input_create_or_fail (void);
void hb_subset_input_destroy (hb_subset_input_t *input);
hb_set_t *hb_subset_input_glyph_set (hb_subset_input_t *input);
hb_set_t *hb_subset_input_set (hb_subset_input_t *input, int set_type);
void hb_subset_input_set_flags (hb_subset_input_t *input, unsigned int value);
hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
"""

# hb_subset_flags_t and hb_subset_sets_t (hb-subset.h), the values WeasyPrint uses.
NO_HINTING, RETAIN_GIDS, DESUBROUTINIZE, PASSTHROUGH_UNRECOGNIZED = 0x1, 0x2, 0x4, 0x200
DROP_TABLE_TAG = 3
DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")


class _HarfBuzz:
    def __init__(self) -> None:
        import cffi

        self.ffi = cffi.FFI()
        self.ffi.cdef(_DECLARATIONS)
        self.hb = self.ffi.dlopen("libharfbuzz.so.0")
        self.subset = self.ffi.dlopen("libharfbuzz-subset.so.0")
        tags = sorted(self.hb.hb_tag_from_string(name, -1) for name in DROPPED_TABLES)
        self.dropped = self.ffi.new("hb_codepoint_t[]", tags)


_LOADING = threading.Lock()  # the join subsets on two threads: each must get the one binding and face


def _harfbuzz() -> _HarfBuzz | None:
    with _LOADING:
        return _loaded()


@cache
def _loaded() -> _HarfBuzz | None:
    try:
        return _HarfBuzz()
    except (ImportError, OSError, AttributeError):
        return None  # no HarfBuzz subsetter here


def available() -> bool:
    return _harfbuzz() is not None


def _face(path: Path, index: int) -> Any:
    with _LOADING:
        return _opened(path, index)


@cache
def _opened(path: Path, index: int) -> Any:
    lib = _loaded()
    assert lib is not None
    blob = lib.hb.hb_blob_create_from_file_or_fail(str(path).encode())
    if blob == lib.ffi.NULL:
        raise OSError(f"cannot read the font file {path}")
    face = lib.ffi.gc(lib.hb.hb_face_create(blob, index), lib.hb.hb_face_destroy)
    lib.hb.hb_blob_destroy(blob)  # the face holds its own reference
    return face


def subset(path: Path, index: int, glyphs: Iterable[int]) -> bytes | None:
    """The face ``index`` of the font file ``path`` cut down to ``glyphs`` (ids kept), as WeasyPrint
    embeds a font that has every glyph it needs; None where HarfBuzz's subsetter is missing or fails."""
    lib = _harfbuzz()
    wanted = sorted(set(glyphs))
    if lib is None or not wanted:
        return None
    ffi, hb = lib.ffi, lib.hb
    face = _face(path, index)
    if max(wanted) >= hb.hb_face_get_glyph_count(face):
        return None  # not the face the glyph ids were taken from
    request = ffi.gc(lib.subset.hb_subset_input_create_or_fail(), lib.subset.hb_subset_input_destroy)
    glyph_set = lib.subset.hb_subset_input_glyph_set(request)
    hb.hb_set_add_sorted_array(glyph_set, ffi.new("hb_codepoint_t[]", wanted), len(wanted))
    lib.subset.hb_subset_input_set_flags(request, RETAIN_GIDS | PASSTHROUGH_UNRECOGNIZED | DESUBROUTINIZE)
    dropped = lib.subset.hb_subset_input_set(request, DROP_TABLE_TAG)
    hb.hb_set_add_sorted_array(dropped, lib.dropped, len(lib.dropped))
    first = lib.subset.hb_subset_or_fail(face, request)
    if first == ffi.NULL:
        return None
    first = ffi.gc(first, hb.hb_face_destroy)
    # The second pass keeps every id up to the last glyph: the empty ones after it go.
    hb.hb_set_add_range(glyph_set, 0, wanted[-1])
    lib.subset.hb_subset_input_set_flags(request, PASSTHROUGH_UNRECOGNIZED | DESUBROUTINIZE | NO_HINTING)
    second = lib.subset.hb_subset_or_fail(first, request)
    if second == ffi.NULL:
        return None
    second = ffi.gc(second, hb.hb_face_destroy)
    blob = hb.hb_face_reference_blob(second)
    try:
        length = ffi.new("unsigned int *")
        data = hb.hb_blob_get_data(blob, length)
        return bytes(ffi.buffer(data, length[0])) if length[0] else None
    finally:
        hb.hb_blob_destroy(blob)
