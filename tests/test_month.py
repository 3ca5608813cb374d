"""The benchmark's synthetic month: reproducible, of the four kinds, with arXiv ids of its own.

The bench's figures are only comparable from run to run if the month is the same bytes every
time, and the parallel and cached builds are only exercised if the reader sees the kinds the
month claims to hold.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from publish.model import Document
from publish.pipeline import load_document

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


month = _load("month")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return month.generate(tmp_path_factory.mktemp("month"))


@pytest.fixture(scope="module")
def documents(files: list[Path]) -> list[Document]:
    return [load_document(path) for path in files]


def test_same_seed_same_bytes_and_one_more_day_only_adds(files: list[Path], tmp_path: Path) -> None:
    again = month.generate(tmp_path / "again", days=31)
    assert [p.name for p in again[:30]] == [p.name for p in files]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(again, files, strict=False))
    other = month.generate(tmp_path / "other", seed=1)
    assert any(a.read_bytes() != b.read_bytes() for a, b in zip(other, files, strict=True))


def test_thirty_digests_that_the_reader_sees_as_their_kinds(files: list[Path], documents: list[Document]) -> None:
    assert len(files) == 30
    kinds: Counter[str] = Counter()
    for path, doc in zip(files, documents, strict=True):
        assert path.stem.endswith(doc.kind), f"{path.name} reads as {doc.kind}"
        kinds[doc.kind] += 1
    assert set(kinds) == set(month.KINDS)
    assert min(kinds.values()) >= 7


def test_fresh_arxiv_ids_unique_across_the_month(files: list[Path], documents: list[Document]) -> None:
    per_file = [month.arxiv_ids(p.read_text(encoding="utf-8")) for p in files]
    everything = set().union(*per_file)
    assert sum(map(len, per_file)) == len(everything), "an arXiv id recurs in two digests"
    samples = set().union(*(month.arxiv_ids(p.read_text(encoding="utf-8")) for p in month.default_sources()))
    assert samples, "the samples should hold arXiv ids to replace"
    assert not everything & samples
    papers = [p.arxiv for doc in documents for p in doc.papers if p.arxiv]
    assert len(papers) == len(set(papers)) > 300
