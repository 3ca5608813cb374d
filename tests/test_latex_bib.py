"""references.bib: one readable, escaped entry per arXiv paper, built from the documents alone."""

from __future__ import annotations

from publish.model import Paper
from publish.render.latex_bib import arxiv_year, entries, format_bibtex, format_entry


def test_keys_read_like_google_scholar_ones() -> None:
    bib = entries(
        [
            Paper(title="Auto-Encoding Variational Bayes", authors=["Diederik P. Kingma"], arxiv="1312.6114"),
            Paper(title="The Müller Paper", authors=["Lea Müller"], arxiv="2410.03665v1"),
            Paper(title="Theoretical Benefit of Diffusion", arxiv="2502.09622v1"),
        ]
    )
    assert [entry.key for entry in bib.values()] == [
        "kingma2013autoencoding",
        "muller2024muller",
        "arxiv2502.09622",
    ]


def test_one_entry_per_paper_whatever_the_version_or_document() -> None:
    bib = entries(
        [
            Paper(title="A Survey", arxiv="2502.09622v1"),
            Paper(title="A Survey", authors=["Ada Lovelace"], arxiv="2502.09622v2"),
            Paper(title="No arXiv id"),
        ]
    )
    assert list(bib) == ["2502.09622"]
    assert bib["2502.09622"].authors == ("Ada Lovelace",)  # the mention with authors wins


def test_clashing_keys_get_a_letter() -> None:
    papers = [Paper(title="Adam", authors=["Diederik Kingma"], arxiv=f"1412.698{i}") for i in range(3)]
    assert [entry.key for entry in entries(papers).values()] == ["kingma2014adam", "kingma2014adamb", "kingma2014adamc"]


def test_years_come_from_the_arxiv_id() -> None:
    assert arxiv_year("1312.6114") == "2013"
    assert arxiv_year("2509.14060") == "2025"
    assert arxiv_year("hep-th/9901001") == "1999"
    assert arxiv_year("math.CO/0301001") == "2003"


def test_fields_are_bibtex_escaped_and_complete() -> None:
    bib = entries([Paper(title="50% of {all} A&B #1 x_i ~ \\our $5 ^_^", authors=["Ann O'Neil"], arxiv="2401.00001")])
    text = format_entry(next(iter(bib.values())))
    title = (
        r"50\% of \{all\} A\&B \#1 x\_i \textasciitilde{} \textbackslash{}our "
        r"\$5 \textasciicircum{}\_\textasciicircum{}"
    )
    assert f"title = {{{{{title}}}}}" in text
    assert "author = {Ann O'Neil}" in text
    assert "eprint = {2401.00001}" in text
    assert "archivePrefix = {arXiv}" in text
    assert "url = {https://arxiv.org/abs/2401.00001}" in text
    assert "year = {2024}" in text
    assert text.count("{") == text.count("}")


def test_entries_without_authors_carry_a_label_key() -> None:
    # natbib would label them all "arx" and BibTeX would fail numbering the clashes.
    text = format_bibtex(entries([Paper(title="T", arxiv="2509.14060")]))
    assert "key = {arXiv:2509.14060}" in text
    assert "author" not in text
