"""The language filter: every prose block tagged zh-Hans or en by what its words are."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from conftest import corpus_file
from hypothesis import given
from hypothesis import strategies as st

from publish.filters.language import detect_language, language
from publish.model import (
    Cell,
    Code,
    CodeBlock,
    Document,
    Link,
    ListBlock,
    ListItem,
    Math,
    Meta,
    Node,
    Paragraph,
    Row,
    Section,
    Strong,
    Table,
    Text,
    ThematicBreak,
)
from publish.read import read_document
from publish.tree import iter_nodes, plain_text

ZH, EN = "zh-Hans", "en"


def t(text: str) -> Text:
    return Text(text=text)


def p(*inlines: Node) -> Paragraph:
    return Paragraph(children=list(inlines))


def doc(*children: Node, lang: str = ZH) -> Document:
    return Document(path=Path("test.md"), source="", meta=Meta(language=lang), children=list(children))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("提出EgoAllo系统，从头戴设备中估计人类动作。", ZH),
        ("We present EgoAllo, a system for human motion estimation.", EN),
        ("MNIST, Frey Face 等图像数据集", ZH),  # a Chinese sentence around English terms
        ("Flow Matching 与 Rectified Flow", EN),
        ("Kaiming He 近期工作", ZH),
        ("源代码见 https://github.com/einsteinxia/EDITS/blob/main/README", ZH),  # the URL's words do not vote
        ("\\textbf{我们}的方法", ZH),  # nor do stray LaTeX commands
        ("Lea Müller, João Cardenuto", EN),
        ("2025-09-17", "fallback"),
        ("", "fallback"),
        ("研 study", "fallback"),  # a tie
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text, "fallback") == expected


def test_blocks_get_tags_and_blocks_without_letters_inherit() -> None:
    formula = p(Math(tex=r"\mathcal{L} = \mathbb{E}\left[\log p_\theta(x|z)\right]", display=True))
    code_only = p(Code(text="def train(model): return model"))
    tree = doc(
        Section(level=2, title=[t("Flow Matching for Generative Modeling")], children=[
            p(t("提出 Flow Matching 新范式，通过回归向量场来训练 CNF。")),
            p(Strong(children=[t("Authors")]), t(": Yaron Lipman, Ricky T. Q. Chen")),
            formula,
            code_only,
            ListBlock(items=[ListItem(children=[p(t("生成样本质量较模糊"))])]),
            Table(head=Row(cells=[Cell(children=[t("Metric")])]), rows=[Row(cells=[Cell(children=[t("一致性")])])]),
            CodeBlock(text="print('hello world')"),
            ThematicBreak(),
        ]),
        lang=EN,
    )  # fmt: skip
    result = language(tree)
    section = result.children[0]
    assert isinstance(section, Section)
    chinese, authors, formula_out, code_out, items, table, code_block, rule = section.children
    assert section.lang == EN
    assert (chinese.lang, authors.lang) == (ZH, EN)
    assert (formula_out.lang, code_out.lang) == (EN, EN)  # no words: the document's language
    assert isinstance(items, ListBlock) and items.items[0].lang == ZH and items.items[0].children[0].lang == ZH
    assert isinstance(table, Table) and [table.head.cells[0].lang, table.rows[0].cells[0].lang] == [EN, ZH]
    assert (code_block.lang, rule.lang) == ("", "")  # not prose
    assert tree.children[0].lang == ""  # the input is untouched


def test_link_targets_do_not_vote() -> None:
    paragraph = p(t("论文"), Link(url="https://arxiv.org/abs/2410.03665v1", children=[t("链接")]))
    assert language(doc(paragraph, lang=EN)).children[0].lang == ZH


def test_default_language_when_meta_has_none() -> None:
    assert language(doc(p(t("42")), lang="")).children[0].lang == ZH


@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    assert detect_language(text, "x") in (ZH, EN, "x")
    result = language(doc(Section(level=1, title=[t(text)], children=[p(t(text))])))
    assert all(node.lang in (ZH, EN) for node in iter_nodes(result) if isinstance(node, (Section, Paragraph)))


# --------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def blog(corpus: Path) -> tuple[Document, Document]:
    original = read_document(corpus_file("001"))
    return original, language(original)


def _paragraph(document: Document, start: str) -> Paragraph:
    return next(
        node for node in iter_nodes(document) if isinstance(node, Paragraph) and plain_text(node).startswith(start)
    )


def test_blog_english_abstract_and_chinese_summary(blog: tuple[Document, Document]) -> None:
    _, tagged = blog
    assert _paragraph(tagged, "We present EgoAllo").lang == EN
    assert _paragraph(tagged, "Summary").lang == ZH
    first = next(node for node in iter_nodes(tagged) if isinstance(node, Section) and node.level == 2)
    assert plain_text(first.title).startswith("Estimating Body") and first.lang == EN


def test_blog_every_prose_block_tagged_and_input_untouched(blog: tuple[Document, Document]) -> None:
    original, tagged = blog
    before = copy.deepcopy(original)
    language(original)
    assert original == before
    prose = [node for node in iter_nodes(tagged) if isinstance(node, (Paragraph, Section, ListItem))]
    assert prose and all(node.lang in (ZH, EN) for node in prose)
    english = sum(node.lang == EN for node in prose if isinstance(node, Paragraph))
    assert 12 <= english < len(prose) // 2  # one abstract per paper at least, but mostly Chinese


def test_arxiv_daily_cells(corpus: Path) -> None:
    tagged = language(read_document(corpus_file("003")))
    rows = [row for node in iter_nodes(tagged) if isinstance(node, Table) for row in node.rows]
    assert len(rows) == 70
    for row in rows:
        date, title, _, abstract = row.cells
        assert date.lang == ZH  # digits only: the document's language
        assert title.lang == EN
        assert abstract.lang == ZH
