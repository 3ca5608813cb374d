"""The row-wise mask choice must make the very codes segno makes itself."""

from __future__ import annotations

import random

import pytest
import segno
from segno import encoder

from publish import qr_masks


@pytest.fixture
def segno_functions() -> object:
    """segno's own functions for the test's reference codes, whatever ``install`` did before."""
    saved = encoder.apply_mask, encoder.evaluate_mask
    encoder.apply_mask = qr_masks._SEGNO_APPLY_MASK
    encoder.evaluate_mask = segno_evaluate_mask
    yield
    encoder.apply_mask, encoder.evaluate_mask = saved


def segno_evaluate_mask(matrix: object, width: int, height: int) -> int:
    return sum(encoder.mask_scores(matrix, width, height))


def texts() -> list[str]:
    rng = random.Random(7)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789/.:-_?=&%"
    out = [f"https://arxiv.org/abs/{2400 + n % 12:04d}.{rng.randrange(100000):05d}" for n in range(60)]
    out += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 300))) for _ in range(60)]
    out += ["论文 " * rng.randint(1, 40) for _ in range(10)]
    return out


def codes(text: str) -> list[tuple[int, tuple[bytes, ...]]]:
    made = [segno.make(text, error=level, micro=False, boost_error=False) for level in "lmqh"]
    made.append(segno.make(text[:5]))  # small enough for a Micro QR code, which has its own evaluation
    return [(code.mask, tuple(bytes(row) for row in code.matrix)) for code in made]


def test_codes_are_the_codes_segno_makes(segno_functions: object) -> None:
    expected = {text: codes(text) for text in texts()}
    assert qr_masks.install(), "the segno version in use was not checked: update CHECKED_VERSIONS"
    assert encoder.apply_mask is qr_masks.apply_mask
    masks = set()
    for text, made in expected.items():
        assert codes(text) == made, text
        masks.update(mask for mask, _ in made)
    assert len(masks) == 8, "the texts should exercise every mask"


def test_scores_are_segno_scores() -> None:
    code = segno.make("https://arxiv.org/abs/2411.12345", error="m", micro=False)
    rows = [bytearray(row) for row in code.matrix]
    assert qr_masks.evaluate_mask(rows, len(rows), len(rows)) == segno_evaluate_mask(rows, len(rows), len(rows))


@pytest.mark.parametrize("values", [(0, 1), (0, 1, 2)])
def test_scores_of_random_matrices_are_segno_scores(values: tuple[int, ...]) -> None:
    rng = random.Random(len(values))
    for size in (11, 21, 25, 57):
        for _ in range(20):
            rows = [bytearray(rng.choice(values) for _ in range(size)) for _ in range(size)]
            assert qr_masks.evaluate_mask(rows, size, size) == segno_evaluate_mask(rows, size, size)


def test_install_is_idempotent() -> None:
    assert qr_masks.install()
    assert qr_masks.install()
    assert encoder.apply_mask is qr_masks.apply_mask
