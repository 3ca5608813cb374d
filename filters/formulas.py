"""Make each formula's TeX what its author meant, before anything typesets it.

Every backend (MathJax SVG, LaTeX) reads ``Math.tex``, so the repairs of
source quirks measured on the corpus (``/work/shared/notes/math.md``, "Source
repairs") happen once, here:

- TeX copied from rendered HTML arrives as ``&lt;`` / ``&amp;``: unescaped;
- thousands separators ``17,529`` print as "17, 529" in math: braced to ``17{,}529``;
- a formula that is only a script, ``(S $^2$ D)``, would float between two
  spaces: the spaces that part it from Latin neighbours go, so it reads "S²D".
  It stays a formula (MathJax and LaTeX both set a script on an empty base),
  so the formulas a reader counts in the source are the ones in every output.

It also rejects, without rendering, TeX that cannot typeset (unbalanced
braces, ``\\left`` without ``\\right``, ``\\begin`` without ``\\end``) and
TeX that could touch files when the LaTeX output is compiled (``\\input``,
``\\write18``, ``\\catcode``…): such a formula gets ``Math.error`` and a
warning, and backends show its TeX as code.  The TeX itself is never lost.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator

from publish.model import Diagnostic, Document, Math, Node, Text
from publish.tree import walk_document

# Primitives and macros that read or write files, run programs, or change how
# TeX reads its input (which can spell any of the others): harmless to MathJax,
# dangerous in the LaTeX backend's output.
DANGEROUS = frozenset(
    {
        "input", "include", "includeonly", "InputIfFileExists", "openin", "openout", "read", "readline",
        "write", "immediate", "closeout", "closein", "newwrite", "newread", "special", "ShellEscape",
        "catcode", "lccode", "uccode", "endlinechar", "escapechar", "scantokens", "csname",
        "def", "edef", "gdef", "xdef", "let", "futurelet", "expandafter",
        "newcommand", "renewcommand", "providecommand", "DeclareRobustCommand",
        "usepackage", "RequirePackage", "documentclass", "jobname",
    }
)  # fmt: skip

_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
# A comma between digit groups: `17,529`, `1,234,567`; not `(0,100)` or `[1,000]`,
# which are more likely pairs than one number.
_THOUSANDS = re.compile(r"(?<![\d.(\[])(\d{1,3})((?:,\d{3})+)(?![\d])")
_LONE_SCRIPT = re.compile(r"\s*([\^_])\s*(?:\{([^{}]*)\}|([^{}\s\\]))\s*")
_ENVIRONMENT = re.compile(r"\\(begin|end)\s*\{([^{}]*)\}")
# ``%`` to the end of the line is a comment (``\%`` is read first, as a control symbol).
_TOKEN = re.compile(r"\\(?:begin|end)\s*\{[^{}]*\}|\\(?:[A-Za-z@]+|.)|\^\^|[{}]|%[^\n]*", re.DOTALL)


# --------------------------------------------------------------------------
# Looking at TeX
# --------------------------------------------------------------------------


def unescape_html(tex: str) -> str:
    """Undo HTML escaping (``&lt;`` → ``<``), twice-escaped text included.

    Only entities: a bare ``&`` is TeX's column separator and stays.
    """
    while _ENTITY.search(tex):
        tex = _ENTITY.sub(lambda m: html.unescape(m.group(0)), tex)
    return tex


def _tokens(tex: str) -> Iterator[str]:
    """Control sequences, ``^^``, braces and comments: all the validation needs to see."""
    return (m.group(0) for m in _TOKEN.finditer(tex))


def _unsafe(token: str) -> str:
    """Why ``token`` must not reach LaTeX, or ""."""
    if token[1:] in DANGEROUS:
        return f"uses `\\{token[1:]}`, which could read or write files when the LaTeX is built"
    if token == "^^":
        return "uses TeX's `^^` character notation"
    return ""


def problem(tex: str) -> str:
    """Why ``tex`` cannot or must not be typeset, or "" when it looks fine.

    A comment's braces do not count, as TeX and MathJax skip it; what it names is still refused."""
    depth = 0
    lefts = 0
    environments: list[str] = []
    for token in _tokens(tex):
        if token.startswith("%"):
            if unsafe := next(filter(None, map(_unsafe, _tokens(token[1:]))), ""):
                return unsafe
            continue
        if unsafe := _unsafe(token):
            return unsafe
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                return "has a `}` without a matching `{`"
        elif token == "\\left":
            lefts += 1
        elif token == "\\right":
            lefts -= 1
            if lefts < 0:
                return "has a `\\right` without a matching `\\left`"
        elif env := _ENVIRONMENT.fullmatch(token):
            name = env.group(2).strip()
            if env.group(1) == "begin":
                environments.append(name)
            elif not environments or environments.pop() != name:
                return f"has `\\end{{{name}}}` without a matching `\\begin{{{name}}}`"
    if depth > 0:
        return "has a `{` that is never closed"
    if lefts > 0:
        return "has a `\\left` without a matching `\\right`"
    if environments:
        return f"has `\\begin{{{environments[-1]}}}` without a matching `\\end{{{environments[-1]}}}`"
    return ""


def brace_thousands(tex: str) -> str:
    """``17,529`` → ``17{,}529``: in math a comma is punctuation and gets a space after it."""
    return _THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(",", "{,}"), tex)


def lone_script(tex: str) -> tuple[str, str] | None:
    """``("^", "2")`` when the formula is nothing but one super- or subscript."""
    match = _LONE_SCRIPT.fullmatch(tex)
    if match is None:
        return None
    return match.group(1), (match.group(2) if match.group(2) is not None else match.group(3)).strip()


# --------------------------------------------------------------------------
# The filter
# --------------------------------------------------------------------------


def _trim(node: Node, side: str) -> Node:
    """Drop the one space between a Latin word and a glued script, on ``side``."""
    if not isinstance(node, Text):
        return node
    if side == "end" and re.search(r"[A-Za-z0-9)] $", node.text):
        return dataclasses.replace(node, text=node.text[:-1])
    if side == "start" and re.match(r" [A-Za-z0-9(]", node.text):
        return dataclasses.replace(node, text=node.text[1:])
    return node


def _is_lone_script(node: Node) -> bool:
    return isinstance(node, Math) and not node.display and lone_script(node.tex) is not None


def glue_scripts(nodes: list[Node]) -> list[Node]:
    """Join lone-script formulas in an inline run to their Latin neighbours."""
    out: list[Node] = []
    glued_last = False
    for node in nodes:
        script = _is_lone_script(node)
        if script and out:
            out[-1] = _trim(out[-1], "end")
        out.append(_trim(node, "start") if glued_last and not script else node)
        glued_last = script
    return out


def _inline_lists(node: Node) -> dict[str, list[Node]]:
    """The node's list fields that may hold formulas (children, title, summary, caption)."""
    return {
        f.name: value
        for f in dataclasses.fields(node)
        if isinstance(value := getattr(node, f.name), list) and any(isinstance(v, Math) for v in value)
    }


def formulas(doc: Document) -> Document:
    """Repair and vet every formula's TeX; see the module docstring for what and why."""
    warnings: list[Diagnostic] = []

    def visit(node: Node) -> Node | None:
        if isinstance(node, Math):
            return _vet(node, doc, warnings)
        changes = {name: glue_scripts(value) for name, value in _inline_lists(node).items()}
        changed = {name: value for name, value in changes.items() if value != getattr(node, name)}
        return dataclasses.replace(node, **changed) if changed else None

    new = walk_document(doc, visit)
    return dataclasses.replace(new, warnings=[*new.warnings, *warnings]) if warnings else new


def _vet(node: Math, doc: Document, warnings: list[Diagnostic]) -> Math:
    """The formula with its TeX repaired, or marked as an error with a warning."""
    if node.error:
        return node
    tex = unescape_html(node.tex)
    trouble = problem(tex)
    if trouble:
        warnings.append(doc.diagnostic(node.line, f"formula {trouble}: shown as TeX source; fix the TeX"))
        return dataclasses.replace(node, tex=tex, error=trouble)
    tex = brace_thousands(tex)
    return node if tex == node.tex else dataclasses.replace(node, tex=tex)
