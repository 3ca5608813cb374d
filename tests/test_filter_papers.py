"""The papers filter: every paper of every layout, found by structure, with its details."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from conftest import corpus_file
from hypothesis import given
from hypothesis import strategies as st

from publish.filters.papers import papers
from publish.model import (
    Cell,
    Document,
    LineBreak,
    Link,
    ListBlock,
    ListItem,
    Meta,
    Node,
    Paper,
    Paragraph,
    Row,
    Section,
    SoftBreak,
    Strong,
    Table,
    Text,
)
from publish.read import read_document
from publish.read.document import read_text
from publish.tree import iter_nodes, plain_text

NEW_ID = re.compile(r"\d{4}\.\d{4,5}")
COUNTS = {"000": 22, "001": 12, "003": 70, "004": 18}


# --------------------------------------------------------------------------
# Hand-built trees
# --------------------------------------------------------------------------


def t(text: str) -> Text:
    return Text(text=text)


def a(url: str, text: str) -> Link:
    return Link(url=url, children=[t(text)])


def b(text: str) -> Strong:
    return Strong(children=[t(text)])


def p(*inlines: Node, line: int = 0) -> Paragraph:
    return Paragraph(children=list(inlines), line=line)


def items(*paragraphs: Paragraph) -> ListBlock:
    return ListBlock(items=[ListItem(children=[paragraph]) for paragraph in paragraphs])


def sec(level: int, title: str, *children: Node, line: int = 0) -> Section:
    return Section(level=level, title=[t(title)], children=list(children), line=line)


def doc(*children: Node, date: str = "") -> Document:
    return Document(path=Path("test.md"), source="", meta=Meta(date=date), children=list(children))


def table(header: list[str], rows: list[list[list[Node]]]) -> Table:
    def row(cells: list[list[Node]]) -> Row:
        return Row(cells=[Cell(children=cell) for cell in cells])

    return Table(head=row([[t(text)] for text in header]), rows=[row(cells) for cells in rows])


def only(result: Document) -> Paper:
    assert len(result.papers) == 1, result.papers
    return result.papers[0]


def presenting(result: Document) -> list[Section | Row]:
    return [node for node in iter_nodes(result) if isinstance(node, (Section, Row)) and node.paper is not None]


# --------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------


def _read(prefix: str) -> Document:
    return read_document(corpus_file(prefix))


@pytest.fixture(scope="module")
def found(corpus: Path) -> dict[str, Document]:
    return {prefix: papers(_read(prefix)) for prefix in COUNTS}


@pytest.mark.parametrize(("prefix", "count"), COUNTS.items())
def test_corpus_counts_each_with_an_arxiv_id(found: dict[str, Document], prefix: str, count: int) -> None:
    result = found[prefix]
    assert len(result.papers) == count
    ids = [paper.arxiv for paper in result.papers]
    assert all(NEW_ID.fullmatch(arxiv) for arxiv in ids), ids
    assert len(set(ids)) == count
    assert all(paper.title and paper.links["abs"] for paper in result.papers)
    assert not [w for w in result.warnings if "arXiv id" in w.message]


@pytest.mark.parametrize("prefix", COUNTS)
def test_corpus_nodes_point_at_the_same_paper_objects(found: dict[str, Document], prefix: str) -> None:
    result = found[prefix]
    nodes = presenting(result)
    assert len(nodes) == COUNTS[prefix]
    listed = {id(paper) for paper in result.papers}
    assert all(id(node.paper) in listed for node in nodes)


def test_corpus_input_is_not_mutated(corpus: Path) -> None:
    original = _read("004")
    before = copy.deepcopy(original)
    papers(original)
    assert original == before


def test_daily_digest_download_link_and_ai_summary(found: dict[str, Document]) -> None:
    first, second = found["000"].papers[:2]
    assert first.title == "Theoretical Benefit and Limitation of Diffusion Language Model"
    assert first.arxiv == "2502.09622"
    assert first.links["pdf"] == "http://arxiv.org/pdf/2502.09622v1"
    assert first.links["abs"] == "https://arxiv.org/abs/2502.09622v1"
    assert first.summary.startswith("这篇论文的核心贡献是对扩散语言模型")
    assert first.date == "2025-02-14"
    assert first.line == 4
    # The AI summary runs on over the paragraphs after its label.
    assert "技术方法上，VRFM结合了修正流匹配" in second.summary


def test_daily_digest_presenting_a_paper_twice_keeps_every_presentation(corpus: Path) -> None:
    """Both sections keep the paper, whether the day holds other papers or only those two.

    Two sections about one paper and nothing else made the day look like a
    paper entry with two facets, and with no title of its own it yielded none.
    """
    source = corpus_file("000").read_text(encoding="utf-8")
    start = source.index("## Theoretical Benefit")
    entry = source[start : source.index("## ", start + 3)]
    for text, count in ((source[:start] + entry + entry, 1), (f"{source.rstrip()}\n\n{entry}", COUNTS["000"])):
        result = papers(read_text(text, Path("000.md")))
        assert len(result.papers) == count
        assert len([node for node in presenting(result) if node.paper is result.papers[0]]) == 2


def test_blog_digest_authors_abstract_summary(found: dict[str, Document]) -> None:
    result = found["001"].papers
    first = result[0]
    assert first.title == "Estimating Body and Hand Motion in an Ego-sensed World"
    assert first.arxiv == "2410.03665"
    assert first.authors[0] == "Brent Yi"
    assert len(first.authors) == 8
    assert first.authors[-1] == "Angjoo Kanazawa"
    assert first.abstract.startswith("We present EgoAllo")
    assert first.summary.startswith("提出EgoAllo系统")
    assert first.links["project"] == "https://egoallo.github.io/"
    # Runs of spaces inside a heading collapse.
    assert result[1].title == "Real-World Benchmarks Make Membership Inference Attacks Fail on Diffusion Models"
    assert result[1].links["code"] == "https://github.com/caradryanl/CopyMark"
    # A translated title in the reading notes after the summary does not replace the heading.
    assert result[4].title == "Dynamic Diffusion Transformer"


def test_arxiv_daily_rows(found: dict[str, Document]) -> None:
    result = found["003"]
    first = result.papers[0]
    assert first.title.startswith("VSE-MOT: Multi-Object Tracking in Low-Quality Video Scenes")
    assert first.arxiv == "2509.14060"
    assert first.topic == "多模态"
    assert first.date == "2025-09-17"
    assert first.summary.startswith("目前的多目标跟踪（MOT）算法")
    assert "code" not in first.links  # the Code cell says null
    frit = next(paper for paper in result.papers if paper.title.startswith("FRIT"))
    assert frit.links["code"] == "https://github.com/Anut-py/frit"
    topics = [paper.topic for paper in result.papers]
    assert {topic: topics.count(topic) for topic in topics} == dict.fromkeys(
        ["多模态", "生成模型", "大语言模型", "Transformer", "多模态大模型", "大模型PEFT", "大模型强化学习"], 10
    )
    assert all(isinstance(node, Row) for node in presenting(result))


def test_survey_meta_fields(found: dict[str, Document]) -> None:
    result = found["004"]
    vae = result.papers[0]
    assert vae.title == "Auto-Encoding Variational Bayes"
    assert vae.arxiv == "1312.6114"
    assert vae.authors == ["Diederik P. Kingma", "Max Welling"]
    assert vae.topic == "奠基性工作"
    assert vae.date == "2013-12"
    assert vae.summary.startswith("提出变分自编码器框架")
    by_id = {paper.arxiv: paper for paper in result.papers}
    # A topic holding one paper stays a topic; the paper is the section inside it.
    assert by_id["2410.10733"].topic == "效率优化与压缩"
    assert by_id["2410.10733"].title == "Deep Compression Autoencoder for Efficient High-Resolution Diffusion Models"
    # The closing link list adds MAR's code link to the entry, not a paper of its own.
    assert by_id["2406.11838"].links["code"] == "https://github.com/LTH14/mar"
    titles = {plain_text(node.title) for node in presenting(result) if isinstance(node, Section)}
    assert "论文链接汇总" not in titles
    assert all(node.level == 3 for node in presenting(result) if isinstance(node, Section))


# --------------------------------------------------------------------------
# Hand-built edge cases
# --------------------------------------------------------------------------


def test_old_style_ids_from_urls_and_text() -> None:
    result = papers(
        doc(
            items(
                p(a("https://arxiv.org/abs/hep-th/9901001v2", "Old String Paper")),
                p(t("Algebraic Geometry Notes, arXiv:math.AG/0601001")),
            )
        )
    )
    old, math = result.papers
    assert (old.arxiv, old.title) == ("hep-th/9901001", "Old String Paper")
    assert old.links["abs"] == "https://arxiv.org/abs/hep-th/9901001v2"
    assert (math.arxiv, math.title) == ("math.AG/0601001", "Algebraic Geometry Notes")
    assert math.links["abs"] == "https://arxiv.org/abs/math.AG/0601001"


@pytest.mark.parametrize(
    ("inline", "arxiv", "links"),
    [
        (t("arXiv:2502.09622v3"), "2502.09622", {"abs": "https://arxiv.org/abs/2502.09622v3"}),
        (
            a("https://arxiv.org/pdf/2502.09622v2.pdf", "PDF"),
            "2502.09622",
            {"pdf": "https://arxiv.org/pdf/2502.09622v2.pdf", "abs": "https://arxiv.org/abs/2502.09622v2"},
        ),
        (a("https://arxiv.org/html/2401.00001", "HTML"), "2401.00001", {"html": "https://arxiv.org/html/2401.00001"}),
        (t("see arxiv.org/abs/1706.03762"), "1706.03762", {"abs": "https://arxiv.org/abs/1706.03762"}),
        (t("论文 arXiv：2502.09622"), "2502.09622", {"abs": "https://arxiv.org/abs/2502.09622"}),
    ],
)
def test_reference_forms(inline: Node, arxiv: str, links: dict[str, str]) -> None:
    paper = only(papers(doc(sec(2, "A Paper", p(inline)))))
    assert paper.arxiv == arxiv
    assert links.items() <= paper.links.items()
    assert paper.title == "A Paper"


@pytest.mark.parametrize(
    "text", ["published 2509.14060", "arXiv:2502.096221", "https://example.org/abs/2502.09622", "arxiv 2020"]
)
def test_not_references(text: str) -> None:
    assert papers(doc(sec(2, "Not A Paper", p(t(text))))).papers == []


def test_section_that_looks_like_a_paper_without_id_warns() -> None:
    entry = sec(2, "Lost Paper", p(b("Summary"), SoftBreak(), t("这是一篇论文的总结。"), line=5), line=4)
    result = papers(doc(entry))
    assert result.papers == []
    (warning,) = result.warnings
    assert warning.line == 4
    assert "Lost Paper" in warning.message and "arXiv" in warning.message


def test_plain_sections_do_not_warn() -> None:
    result = papers(
        doc(sec(2, "引言", p(t("生成模型是深度学习的核心领域之一。"))), sec(2, "总结", p(b("要点"), t("：无"))))
    )
    assert result.warnings == []


def test_duplicate_ids_make_one_paper_completed_by_later_mentions() -> None:
    url = "http://arxiv.org/abs/2410.03640v1"
    result = papers(
        doc(
            sec(2, "First Mention", p(a(url, "PDF"))),
            sec(2, "Second Mention", p(a(url, "PDF"), t(" code: "), a("https://github.com/x/y", "repo"))),
        )
    )
    paper = only(result)
    assert paper.title == "First Mention"
    assert paper.links["code"] == "https://github.com/x/y"
    first, second = presenting(result)
    assert first.paper is paper and second.paper is paper


def test_fields_in_one_paragraph_and_title_field_wins() -> None:
    entry = sec(
        3,
        "1. VAE (2013)",
        p(
            b("Title"), t(": Auto-Encoding Variational Bayes"), SoftBreak(),
            b("Authors:"), t(" Diederik P. Kingma and Max Welling"), SoftBreak(),
            b("Link"), t(": "), a("https://arxiv.org/abs/1312.6114", "arXiv:1312.6114"), SoftBreak(),
            b("TL;DR"), t("：提出变分自编码器。"),
        ),
    )  # fmt: skip
    paper = only(papers(doc(entry, date="2026-02-17")))
    assert paper.title == "Auto-Encoding Variational Bayes"
    assert paper.authors == ["Diederik P. Kingma", "Max Welling"]
    assert paper.summary == "提出变分自编码器。"
    assert paper.date == "2026-02-17"  # no Date field: the document's date


def test_facet_subsections_and_single_paper_topic() -> None:
    meta = items(
        p(b("Title"), t(": Autoregressive Image Generation")),
        p(b("Link"), t(": "), a("https://arxiv.org/abs/2406.11838", "arXiv:2406.11838")),
    )
    entry = sec(3, "7. MAR (2024)", sec(4, "Meta", meta), sec(4, "Method", p(t("方法说明。"))))
    result = papers(doc(sec(2, "Topic With One Paper", p(t("导言。")), entry)))
    paper = only(result)
    assert (paper.title, paper.topic) == ("Autoregressive Image Generation", "Topic With One Paper")
    assert [node.level for node in presenting(result)] == [3]


def test_day_with_one_paper_and_a_sibling_without_id() -> None:
    entry = sec(2, "Only Paper", p(b("下载地址"), t("：http://arxiv.org/pdf/2502.09622v1")), line=3)
    lost = sec(2, "Lost Paper", p(b("TL;DR"), t(": 没有链接。")), line=7)
    result = papers(doc(sec(1, "2025-02-14", p(t("今天有 1 篇。")), entry, lost)))
    paper = only(result)
    assert (paper.title, paper.topic, paper.line) == ("Only Paper", "2025-02-14", 3)
    assert [warning.line for warning in result.warnings] == [7]


def _daily_entry(title: str, line: int) -> Section:
    fields = p(b("下载地址"), t("：http://arxiv.org/pdf/2502.09622v1"), SoftBreak(), b("AI总结"), t("：一篇论文。"))
    return sec(2, title, fields, line=line)


def test_day_presenting_one_paper_twice_gives_it_to_both_sections() -> None:
    """Each section summarises the paper: two presentations, not two facets of the day."""
    result = papers(doc(sec(1, "2025-02-14", _daily_entry("Paper A", 3), _daily_entry("Paper A again", 9))))
    paper = only(result)
    assert (paper.title, paper.topic, paper.line) == ("Paper A", "2025-02-14", 3)
    assert [(node.line, node.paper is paper) for node in presenting(result)] == [(3, True), (9, True)]


def test_facets_that_each_cite_the_paper_make_one_entry() -> None:
    ref = a("https://arxiv.org/abs/1312.6114", "arXiv:1312.6114")
    facets = sec(4, "Method", p(t("重参数化，见 "), ref)), sec(4, "Evidence", p(t("实验见 "), ref))
    result = papers(doc(sec(2, "奠基性工作", sec(3, "VAE (2013)", *facets, line=5))))
    assert only(result).title == "VAE (2013)"
    assert [node.line for node in presenting(result)] == [5]


def test_english_abstract_without_label_and_chinese_summary() -> None:
    entry = sec(
        2,
        "Some Title",
        p(b("Authors:A. One, B. Two")),
        p(t("We propose a method that works. It is evaluated on many benchmarks.")),
        p(a("http://arxiv.org/abs/2410.00001v1", "PDF")),
        p(b("Summary"), LineBreak(), t("提出一种方法。")),
    )
    paper = only(papers(doc(entry)))
    assert paper.authors == ["A. One", "B. Two"]
    assert paper.abstract == "We propose a method that works. It is evaluated on many benchmarks."
    assert paper.summary == "提出一种方法。"


def test_list_of_papers_becomes_papers_but_field_items_do_not() -> None:
    links = items(
        p(a("https://arxiv.org/abs/1706.03762", "Attention Is All You Need"), t(" (2017)")),
        p(t("BERT: "), a("https://arxiv.org/abs/1810.04805", "arXiv:1810.04805")),
    )
    fields = items(p(b("Link"), t(": "), a("https://arxiv.org/abs/2001.00002", "arXiv:2001.00002")))
    result = papers(doc(sec(2, "References", links), sec(2, "Loose Ends", p(t("text")), fields)))
    assert [(paper.title, paper.arxiv) for paper in result.papers] == [
        ("Attention Is All You Need", "1706.03762"),
        ("BERT", "1810.04805"),
        ("Loose Ends", "2001.00002"),
    ]
    assert [plain_text(node.title) for node in presenting(result)] == ["Loose Ends"]


def test_list_item_naming_nothing_is_a_detail_of_its_section() -> None:
    entry = sec(2, "Bare PDF Item", items(p(a("https://arxiv.org/abs/2000.00001", "PDF"))))
    assert only(papers(doc(entry))).title == "Bare PDF Item"


def test_thousand_row_table_with_other_labels() -> None:
    rows = [
        [[t(f"2024-01-{n % 28 + 1:02d}")], [a(f"https://arxiv.org/abs/2401.{n:05d}", f"Paper {n}")], [t("摘要。")]]
        for n in range(1, 1001)
    ]
    result = papers(doc(sec(2, "Vision", table(["日期", "论文", "简介"], rows))))
    assert len(result.papers) == 1000
    last = result.papers[-1]
    assert (last.title, last.arxiv, last.topic, last.summary) == ("Paper 1000", "2401.01000", "Vision", "摘要。")
    assert last.date == "2024-01-21"
    assert len(presenting(result)) == 1000


# Text that is often almost a reference or a field, so the parsing paths are exercised.
FRAGMENTS = st.sampled_from(
    ["arXiv:", "arxiv.org/abs/", "https://", "2502.09622", "v2", ".pdf", "hep-th/9901001", "**", ":", "：",
     "Summary", "Authors", "PDF", "中文摘要", " ", "\n", "|", "-"]
)  # fmt: skip


@given(st.one_of(st.text(), st.lists(st.one_of(FRAGMENTS, st.text(max_size=3))).map("".join)))
def test_arbitrary_text_never_raises(text: str) -> None:
    tree = doc(sec(2, text, p(t(text)), items(p(t(text)), p(b(text), t(text))), table([text], [[[t(text)]]])))
    result = papers(tree)
    assert all(paper.arxiv for paper in result.papers)
