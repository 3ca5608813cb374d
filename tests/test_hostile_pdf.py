"""The hostile-input battery through the PDF backend: one pack of every case, WeasyPrint without a complaint.

Apart from ``test_hostile.py`` so that the other backends' battery does not
depend on the PDF backend importing; the cases and checks are that module's.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from _helpers import pdf_text
from test_hostile import (  # noqa: F401  (sources, whole_pack, server: the battery's fixtures)
    BY_NAME,
    CASE_NAMES,
    PackBuild,
    assert_no_secrets,
    assert_shows,
    assert_warnings,
    server,
    sources,
    whole_pack,
)
from test_pdf import Built, build

from publish import model as m


@pytest.fixture(scope="module")
def pdf_pack(whole_pack: m.Pack, tmp_path_factory: pytest.TempPathFactory) -> Built:  # noqa: F811
    out = tmp_path_factory.mktemp("pdf")
    return build(whole_pack, out / "pack.pdf", cache_dir=out / "cache")


@pytest.fixture(scope="module")
def shown(pdf_pack: Built) -> str:
    text = pdf_text(pdf_pack.path, top=54, bottom=60)  # inside pdf.css's 20 mm and 22 mm margins
    return re.sub(r"-\n", "", text)  # words hyphenated at the end of a line are whole words


@pytest.mark.parametrize("case", CASE_NAMES)
def test_the_pdf_shows_every_word(case: str, pdf_pack: Built, shown: str) -> None:
    doc = PackBuild(pdf_pack.pack, pdf_pack.path).doc(case)
    about_the_build = str(pdf_pack.path)  # fonts, environment, engine: they go with the first document
    own = [w for w in doc.warnings if w.file != about_the_build]
    assert_warnings(BY_NAME[case], dataclasses.replace(doc, warnings=own))
    assert_shows(BY_NAME[case], shown)


def test_the_pdf_holds_nothing_read_from_outside_the_pack(pdf_pack: Built, shown: str) -> None:
    assert_no_secrets(shown, "pack.pdf text")
    assert_no_secrets(pdf_pack.path.read_bytes(), "pack.pdf")


def test_weasyprint_has_nothing_to_say(pdf_pack: Built) -> None:
    assert [r.getMessage() for r in pdf_pack.engine_records] == []
    general = [w.message for w in pdf_pack.diagnostics if w.file == str(pdf_pack.path)]
    assert [text for text in general if "PDF engine" in text] == []
