"""LaTeX left in prose: arXiv abstracts pasted with their markup.

Abstracts carry ``\\textbf{…}``, ``\\emph{…}``, ``\\url{…}``, ``\\href{…}{…}``,
accents (``na\\"ive``), TeX quotes (````…''``) and macros from the paper's own
preamble (``\\our``, ``\\dataset``).  Formatting becomes the matching node
(Strong, Emph, Code, Link); what pylatexenc can spell as text (accents,
``\\ldots``, ``\\,``, ``\\textsc{…}``) becomes that text.  A macro nobody here
can expand is shown as written, as code, with a warning asking the author for
the words it stands for: guessing ("our"?) would put words in their mouth.

Only real LaTeX is touched.  Windows paths (``C:\\Users\\me``), ``\\n`` and other
one-letter escapes, and a ``~`` in Chinese prose ("喵~") stay as they are; a
``~`` becomes a no-break space only between Latin words of a string that holds
other LaTeX (``Fig.~3``).  Math and Code nodes hold no Text, so they are never
seen here.
"""

from __future__ import annotations

import dataclasses
import re

from pylatexenc import latex2text, latexwalker, macrospec

from publish.model import Code, Diagnostic, Document, Emph, Link, Node, Strong, Text
from publish.tree import iter_nodes, plain_text, walk, walk_document

from ._text import is_accented_letter, located, rewrite_runs, with_warnings


def _text_macros() -> macrospec.LatexContextDb:
    """pylatexenc's text rendering of macros, plus the TeX logos it lacks (abstracts do say ``\\LaTeX``)."""
    db = latex2text.get_default_latex_context_db()  # a fresh copy: extending it touches no one else
    db.add_context_category("logos", macros=[latex2text.MacroTextSpec(n, n) for n in ("TeX", "LaTeX", "BibTeX")])
    return db


_TEXT_MACROS = _text_macros()
_TO_TEXT = latex2text.LatexNodes2Text(latex_context=_TEXT_MACROS)
_ARG_SPECS = latexwalker.get_default_latex_context_db()

_TOKEN = re.compile(
    r"""
      (?P<path>[A-Za-z]:(?:\\[\w.$()-]*)+ | %\w+%(?:\\[\w.$()-]*)+ | (?:\\[\w.$-]+){2,} | \\\\[\w.$-]*(?:\\[\w.$-]+)*)
    | \\(?P<macro>[A-Za-z]+)
    | (?P<accent>\\['"`^~=.](?:\{\\?[A-Za-z]\}|\\i(?![A-Za-z])|[A-Za-z]))
    | (?P<escape>\\[%&\#_$,;:!{}\ ])
    | ``(?P<dquote>[^`]+?)''
    | (?<!`)`(?P<squote>[^`'\s][^`']*)'(?!\w)
    | (?P<tie>(?<=[A-Za-z.])~(?=[A-Za-z0-9\\]))
    """,
    re.VERBOSE,
)
_NBSP = "\u00a0"
_MAX_DEPTH = 16  # nested groups deeper than this are left as written (no paper nests so; recursion stays bounded)
_OPENS_URL = re.compile(r"\\(?:url|href)\{$")
_STYLES: dict[str, type[Strong] | type[Emph]] = {"textbf": Strong, "emph": Emph, "textit": Emph, "textsl": Emph}


def _brace_pairs(text: str) -> dict[int, int]:
    """Where each ``{`` of ``text`` closes (unclosed ones are absent), found in one pass."""
    pairs: dict[int, int] = {}
    opened: list[int] = []
    escaped = False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "{":
            opened.append(i)
        elif char == "}" and opened:
            pairs[opened.pop()] = i
    return pairs


def _brace_groups(text: str, pos: int, pairs: dict[int, int]) -> list[tuple[str, int]]:
    """The ``{…}`` groups that follow ``pos`` directly: each one's content and the index just past it."""
    groups: list[tuple[str, int]] = []
    while pos in pairs and text.startswith("{", pos):
        groups.append((text[pos + 1 : pairs[pos]], pairs[pos] + 1))
        pos = pairs[pos] + 1
    return groups


def _as_text(construct: str) -> str | None:
    """pylatexenc's plain-text reading of one construct, or None if it has none worth showing.

    Its spec functions can fail on odd input, and references come out as
    ``<cit.>``: both mean "not text", so the construct is flagged instead.
    """
    try:
        text = _TO_TEXT.latex_to_text(re.sub(r"(?<!\\)%", r"\\%", construct))
    except Exception:  # any failure inside pylatexenc means "cannot render"
        return None
    return None if "\n" in text or "<" in text else text


def _arg_count(name: str) -> int:
    spec = _ARG_SPECS.get_macro_spec(name)
    return spec.args_parser.argspec.count("{") if spec else 0


class _Converter:
    """Turns one string into inline nodes, collecting warnings for macros it cannot expand."""

    def __init__(self, doc: Document, node: Text, warnings: list[Diagnostic]) -> None:
        self.doc = doc
        self.node = node
        self.warnings = warnings

    def nodes(self, text: str, depth: int = 0) -> list[Node]:
        """``text`` as nodes; ``depth`` counts the LaTeX groups it sits in (0: the author's plain text)."""
        if depth > _MAX_DEPTH:
            return [self._new(Text, text=text)]
        in_latex = depth > 0
        pairs = _brace_pairs(text)
        pieces: list[str | Node] = []
        ties: list[int] = []
        pos = 0
        for m in _TOKEN.finditer(text):
            if m.start() < pos:
                continue
            pieces.append(text[pos : m.start()])
            if m.lastgroup == "tie":
                ties.append(len(pieces))
            new, pos = self._token(text, m, pairs, depth + 1)
            in_latex = in_latex or (m.lastgroup not in ("tie", "path") and new != m[0])
            pieces.extend(new if isinstance(new, list) else [new])
        pieces.append(text[pos:])
        if in_latex:
            for i in ties:
                pieces[i] = _NBSP
        return self._assemble(pieces)

    def _token(self, text: str, m: re.Match[str], pairs: dict[int, int], depth: int) -> tuple[str | list[Node], int]:
        """What one ``_TOKEN`` match becomes, and where the text after it resumes."""
        kind = m.lastgroup
        if kind == "macro":
            return self._macro(text, m, pairs, depth)
        if kind in ("dquote", "squote"):
            marks = "“”" if kind == "dquote" else "‘’"
            return [marks[0], *self.nodes(m[kind], depth), marks[1]], m.end()
        if kind in ("accent", "escape"):
            rendered = _as_text(m[0])
            keep = rendered is None or (kind == "accent" and not is_accented_letter(rendered))
            return (m[0] if keep else rendered or ""), m.end()
        return m[0], m.end()  # a path, or a tie whose fate depends on the rest of the text

    def _assemble(self, pieces: list[str | Node]) -> list[Node]:
        out: list[Node] = []
        for piece in pieces:
            if isinstance(piece, Text):  # from a quoted span: same line and language as ours
                piece = piece.text
            if not isinstance(piece, str):
                out.append(piece)
            elif not piece:
                continue
            elif out and isinstance(out[-1], Text):
                out[-1] = dataclasses.replace(out[-1], text=out[-1].text + piece)
            else:
                out.append(self._new(Text, text=piece))
        return out

    def _new(self, cls: type[Node], **fields: object) -> Node:
        return cls(line=self.node.line, lang=self.node.lang, **fields)

    def _macro(self, text: str, m: re.Match[str], pairs: dict[int, int], depth: int) -> tuple[str | list[Node], int]:
        """Nodes or text for the macro at ``m`` and where it ends; ``m[0]`` itself when it is not LaTeX."""
        name = m["macro"]
        groups = _brace_groups(text, m.end(), pairs)
        after = groups[-1][1] if groups else m.end()
        if groups and name in _STYLES:
            return [self._new(_STYLES[name], children=self.nodes(groups[0][0], depth))], groups[0][1]
        if groups and name == "texttt":
            return [self._new(Code, text=plain_text(self.nodes(groups[0][0], depth)))], groups[0][1]
        if groups and name in ("url", "href"):
            return self._link(name, groups, depth)
        if len(name) == 1:  # \c{c}, \v{s}: an accent, or not LaTeX at all (\n, \d{3})
            rendered = _as_text(text[m.start() : groups[0][1]]) if groups else None
            return (rendered, groups[0][1]) if rendered and is_accented_letter(rendered) else (m[0], m.end())
        known = _TEXT_MACROS.get_macro_spec(name) is not None
        count = _arg_count(name)
        if known and len(groups) >= count:
            if count == 0:  # `\ldots{}`: empty braces only end the macro name
                end = groups[0][1] if groups and not groups[0][0] else m.end()
            else:
                end = groups[count - 1][1]
            rendered = _as_text(text[m.start() : end])
            if rendered is not None and (rendered or count == 0):
                return rendered, end
        return self._as_written(text[m.start() : after], name, known), after

    def _link(self, name: str, groups: list[tuple[str, int]], depth: int) -> tuple[list[Node], int]:
        """``\\url{u}``, ``\\href{u}{text}``, and ``\\href{u}`` with its text forgotten (003 has one)."""
        url = re.sub(r"\\([#%_&~$])", r"\1", groups[0][0])
        if name == "href" and len(groups) > 1:
            return [self._new(Link, url=url, children=self.nodes(groups[1][0], depth))], groups[1][1]
        return [self._new(Link, url=url, children=[self._new(Text, text=url)])], groups[0][1]

    def _as_written(self, literal: str, name: str, known: bool) -> list[Node]:
        """The macro as code, so a reader sees markup rather than a word, and a warning saying what to do."""
        shown = literal.removesuffix("{}")
        if known:
            message = f"LaTeX `{shown}` has no plain-text form: shown as written; rewrite it as text or Markdown"
        else:
            message = (
                f"unknown LaTeX macro \\{name} (papers define their own in their preamble): shown as written, "
                f"`{shown}`; replace it with the words it stands for"
            )
        self.warnings.append(located(self.doc, self.node.line, literal, message))
        return [self._new(Code, text=shown)]


def _unlink(node: Node) -> list[Node] | None:
    return node.children if isinstance(node, Link) else None


def _flatten_nested_links(node: Node) -> Node:
    """A ``\\url`` inside link text would nest links, which no output format allows: keep the outer one."""
    if not isinstance(node, Link) or not any(isinstance(n, Link) for n in iter_nodes(node.children)):
        return node
    children: list[Node] = []
    for child in node.children:
        new = walk(child, _unlink)
        children.extend(new if isinstance(new, list) else [new])
    return dataclasses.replace(node, children=children)


def _is_url_argument(before: Node, link: Node, after: Node) -> bool:
    return (
        isinstance(link, Link)
        and isinstance(before, Text)
        and isinstance(after, Text)
        and bool(_OPENS_URL.search(before.text))
        and after.text.startswith("}")
    )


def _release_autolinks(node: Node) -> Node:
    """The Markdown parser links bare URLs even inside ``\\url{…}``: give such a link back to its text."""
    children = getattr(node, "children", None)
    if not isinstance(children, list):
        return node
    wrapped = [i for i in range(1, len(children) - 1) if _is_url_argument(*children[i - 1 : i + 2])]
    if not wrapped:
        return node
    out = list(children)
    for i in wrapped:
        out[i] = Text(text=plain_text(children[i]), line=children[i].line, lang=children[i - 1].lang)
    return dataclasses.replace(node, children=out)


def prose_latex(doc: Document) -> Document:
    """Render LaTeX markup found in prose; warn about macros that cannot be expanded."""
    warnings: list[Diagnostic] = []

    def rewrite(node: Text) -> list[Node] | None:
        if "\\" not in node.text and "`" not in node.text:
            return None  # no LaTeX without a backslash or a TeX quote; a lone `~` is left alone
        new = _Converter(doc, node, warnings).nodes(node.text)
        unchanged = all(isinstance(n, Text) for n in new) and plain_text(new) == node.text
        return None if unchanged else new

    def visit(node: Node) -> Node:
        return _flatten_nested_links(rewrite_runs(_release_autolinks(node), rewrite))

    result = walk_document(doc, visit)
    return with_warnings(result, _unique(warnings))


def _unique(warnings: list[Diagnostic]) -> list[Diagnostic]:
    """One warning per line and message: a macro used twice in a cell is one thing to fix."""
    return list({(w.line, w.message): w for w in warnings}.values())
