"""Shared fixtures: the reference corpus lives beside the repository, not in it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("long", max_examples=2000, deadline=None)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")
settings.load_profile(PROFILE)

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"reference corpus not found at {CORPUS}")
    return CORPUS


def corpus_file(prefix: str) -> Path:
    """The corpus file whose name starts with ``prefix`` (e.g. '003'); skips when absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"reference corpus not found at {CORPUS}")
    matches = sorted(CORPUS.glob(f"{prefix}_*.md"))
    if not matches:
        pytest.skip(f"no corpus file {prefix}_*.md in {CORPUS}")
    return matches[0]


def fuzz_examples(ci: int, long: int | None = None) -> int:
    """Examples for a test marked ``fuzz``: ``ci`` in ``make test``; under ``make fuzz`` (HYPOTHESIS_PROFILE=long)
    ``long`` if given (for tests that build whole outputs), else the profile's count."""
    if PROFILE == "default":
        return ci
    return long or settings.get_profile(PROFILE).max_examples
