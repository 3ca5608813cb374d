"""segno's choice of QR mask, computed on whole rows instead of module by module.

The standard has the encoder try all eight masks and keep the one with the lowest
penalty (ISO/IEC 18004:2015 §7.8.3).  segno does that one module at a time in
Python: a code took it 3.1–3.6 ms, 0.6 ms of which with one fixed mask.  Here the
same masks are applied as one integer XOR per row, and the same penalties are
counted with regular expressions and byte operations: the scores, the chosen mask
and the code are segno's own, which ``tests/test_qr_masks.py`` checks code by code
(1.8–2.3 ms a code; arXiv URLs, process time).

This replaces two functions of segno's encoder, so it is applied only to the
segno versions it was checked against; elsewhere codes are just slower to make.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import pairwise

import segno
from segno import encoder

CHECKED_VERSIONS = ("1.6.",)
_BIT_RUN = re.compile(rb"\x00{5,}|\x01{5,}")  # five or more equal modules in a line
_ANY_RUN = re.compile(rb"(.)\1{4,}", re.S)  # the same where a module is neither 0 nor 1
_FINDER_LIKE = bytes((1, 0, 1, 1, 1, 0, 1))

Matrix = Sequence[bytearray]
MaskPattern = Callable[[int, int], object]
_SEGNO_APPLY_MASK = encoder.apply_mask  # module by module: makes each row mask once


def install() -> bool:
    """Put the row-wise functions in segno's encoder; ``False`` where its version was not checked."""
    if encoder.apply_mask is apply_mask:
        return True
    if not segno.__version__.startswith(CHECKED_VERSIONS):
        return False
    encoder.apply_mask = apply_mask
    encoder.evaluate_mask = evaluate_mask
    return True


def apply_mask(
    matrix: Matrix, mask_pattern: MaskPattern, width: int, height: int, is_encoding_region: Callable[[int, int], bool]
) -> None:
    """segno's ``apply_mask``: ``mask_pattern`` XORed onto the encoding region of ``matrix``, in place."""
    masks = _row_masks(mask_pattern, width, height, is_encoding_region)
    for row, mask in zip(matrix, masks, strict=True):
        row[:] = (int.from_bytes(row, "big") ^ mask).to_bytes(width, "big")


def _row_masks(
    pattern: MaskPattern, width: int, height: int, is_encoding_region: Callable[[int, int], bool]
) -> tuple[int, ...]:
    """Each row's mask as one integer of ``width`` bytes, 0 or 1, zero outside the encoding region.

    segno makes new mask functions for every code, from the same code objects; and the
    encoding region depends on the size only: so the code object and the size are the key.
    """
    key = (pattern.__code__, width, height)  # type: ignore[attr-defined]
    masks = _ROW_MASKS.get(key)
    if masks is None:
        rows = [bytearray(width) for _ in range(height)]
        _SEGNO_APPLY_MASK(rows, pattern, width, height, is_encoding_region)
        masks = _ROW_MASKS[key] = tuple(int.from_bytes(row, "big") for row in rows)
    return masks


_ROW_MASKS: dict[tuple[object, int, int], tuple[int, ...]] = {}


def evaluate_mask(matrix: Matrix, width: int, height: int) -> int:
    """segno's ``evaluate_mask``: the sum of the penalties N1 to N4 of ``matrix``."""
    size = width
    rows = [bytes(row) for row in matrix]
    columns = [bytes(column) for column in zip(*rows, strict=True)]
    lines = (*rows, *columns)
    n1 = _runs(b"\xff".join(lines))
    n2 = 3 * sum(_equal_squares(above, below, size) for above, below in pairwise(rows))
    n3 = sum(_finder_like(line, size) for line in lines)
    dark = sum(map(sum, rows))
    n4 = 10 * int(abs(dark / size**2 * 100 - 50) / 5)
    return n1 + n2 + n3 + n4


def _runs(lines: bytes) -> int:
    """N1 of all ``lines`` (joined by a byte no module has): 3 for five equal modules, one more for each more."""
    if lines.translate(None, b"\x00\x01\xff"):
        runs = [run.group() for run in _ANY_RUN.finditer(lines)]
    else:
        runs = _BIT_RUN.findall(lines)
    return sum(map(len, runs)) - 2 * len(runs)


def _equal_squares(above: bytes, below: bytes, size: int) -> int:
    """How many 2 × 2 squares of equal modules two rows make: XOR is zero where modules are equal."""
    left_above, right_above = int.from_bytes(above[:-1], "big"), int.from_bytes(above[1:], "big")
    left_below, right_below = int.from_bytes(below[:-1], "big"), int.from_bytes(below[1:], "big")
    unequal = (left_above ^ right_above) | (left_below ^ right_below) | (right_above ^ right_below)
    return unequal.to_bytes(size - 1, "big").count(0)


def _finder_like(line: bytes, size: int) -> int:
    """segno's N3 for one row or column: 40 for each 1:1:3:1:1 run with four light modules on a side."""
    count = 0
    index = line.find(_FINDER_LIKE)
    while index != -1:
        offset = index + 7
        if (
            index in (0, size - 7)
            or not any(line[max(index - 4, 0) : min(index, size)])
            or not any(line[max(offset, 0) : min(offset + 4, size)])
        ):
            count += 40
        else:
            offset = index + 4
        index = line.find(_FINDER_LIKE, offset)
    return count
