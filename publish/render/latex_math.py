"""Vetting a formula for the LaTeX draft: the author's TeX goes in as written, or not at all.

The draft must compile at once, with ``-no-shell-escape``, whatever the
authors typed between dollars.  MathJax (which the other backends use) is far
more forgiving than LaTeX, and the formulas filter only rejects what neither
can typeset, so a formula is looked at once more here, token by token, for
what only LaTeX minds:

- commands that touch files, the shell or TeX's input (the filter's
  ``DANGEROUS`` list and more): the formula is *refused*;
- commands LaTeX rejects in math (``\\item``, ``\\hline`` outside an array,
  text accents, ``\\tag`` inline…), ``&`` outside an alignment, ``#``,
  ``$``, ``^^``, math delimiters, double scripts, missing arguments,
  ``\\left``/``\\right``, braces and environments that do not nest: *refused*;
- a command LaTeX does not know (``\\our``, ``\\dataset``): kept, and the
  preamble defines it with ``\\providecommand`` as a placeholder printing its
  name;
- characters outside ASCII in math mode (``α``, ``中``) would be missing from
  the math fonts: each run is wrapped in ``\\text{…}``.

A refused formula is set as verbatim text with a warning; nothing of the
author's is lost, and nothing of it runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from publish.filters.formulas import DANGEROUS, problem
from publish.render import latex_glyphs

# Read or write files, run programs, or change how TeX reads or expands input;
# beyond the filter's list because they matter only once TeX runs.
_MORE_DANGEROUS = frozenset(
    """
    endinput IfFileExists InputIfFileExists shipout output end dump batchmode nonstopmode scrollmode
    errorstopmode errmessage errhelp message typeout typein wlog show showbox showthe showlists showtokens
    sfcode mathcode delcode newlinechar noexpand unexpanded detokenize aftergroup afterassignment
    long outer global protected NewDocumentCommand RenewDocumentCommand ProvideDocumentCommand
    DeclareDocumentCommand DeclareMathOperator newenvironment renewenvironment chardef mathchardef countdef
    dimendef skipdef toksdef LoadClass makeatletter makeatother font nullfont primitive directlua latelua
    includegraphics includepdf verbatiminput lstinputlisting verb url href hyperref loop lowercase uppercase
    setbox vbox vtop halign valign noalign omit span insert mark vadjust penalty pagegoal pagetotal
    interactionmode pausing errorcontextlines endcsname string meaning fontname
    iffalse iftrue ifx ifnum ifdim ifodd ifcase ifcat ifdefined ifcsname ifvoid ifhbox ifvbox ifeof ifhmode
    ifvmode ifmmode ifinner fi else or unless the begingroup endgroup
    """.split()
)
_DANGEROUS_PREFIXES = (
    "pdf", "XeTeX", "lua", "every", "tracing", "new", "renew", "provide", "Declare", "write", "read",
    "open", "close", "input", "include", "file", "catcode", "def", "let", "setcounter", "setlength", "addto", "show",
)  # fmt: skip

# What LaTeX rejects in math mode or outside the construct it belongs to.
_NOT_IN_MATH = frozenset(
    """
    par item section subsection subsubsection chapter part paragraph subparagraph caption footnote
    newpage clearpage cleardoublepage pagebreak nopagebreak linebreak noindent indent maketitle
    tableofcontents bibliography bibitem cite citep citet nocite centering raggedright raggedleft
    intertext shortintertext cr crcr multicolumn vspace begin
    """.split()
)
# TeX's own ways of naming a glyph by number: a bad number stops TeX.
_PRIMITIVES = frozenset("char mathchar delimiter mathaccent radical fam mathchoice".split())
# Text-mode accents and letters: fine inside \text{…}, missing from the math fonts outside it.
_TEXT_ONLY = frozenset("i j o O ss l L aa AA ae AE oe OE u v H c d b t r".split()) | frozenset("^~'\"=.`")
# Rules of an array: only where a row of an alignment may start.
_RULES = frozenset({"hline", "cline", "hdashline"})

# Macros LaTeX with amsmath, amssymb, mathtools, bm and the template knows in math:
# used only to decide which names need a placeholder (and a warning).
KNOWN = frozenset(
    """
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa varkappa lambda mu nu xi
    omicron pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega digamma
    Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega varGamma varDelta varTheta varLambda varXi
    varPi varSigma varUpsilon varPhi varPsi varOmega
    sum prod coprod int iint iiint iiiint idotsint oint bigcup bigcap bigvee bigwedge bigoplus bigotimes
    bigodot biguplus bigsqcup
    log ln lg exp sin cos tan cot sec csc sinh cosh tanh coth arcsin arccos arctan det dim ker lim liminf
    limsup max min sup inf arg deg gcd hom Pr injlim projlim varliminf varlimsup varinjlim varprojlim
    hat widehat tilde widetilde bar overline underline vec dot ddot dddot ddddot acute grave breve check
    mathring overrightarrow overleftarrow overleftrightarrow underrightarrow underleftarrow
    underleftrightarrow overbrace underbrace overset underset stackrel xrightarrow xleftarrow
    xLeftarrow xRightarrow xleftrightarrow xLeftrightarrow xmapsto
    mathbf mathrm mathit mathsf mathtt mathcal mathbb mathfrak mathscr mathnormal boldsymbol bm pmb
    text textrm textit textbf textsf texttt textnormal textup textmd textsl textsc emph mbox hbox fbox
    operatorname rm bf it sf tt cal mit
    frac dfrac tfrac cfrac binom dbinom tbinom genfrac sqrt root of over atop choose brace brack above
    left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr bigm Bigm biggm Biggm
    langle rangle lceil rceil lfloor rfloor lvert rvert lVert rVert vert Vert backslash lbrace rbrace
    lbrack rbrack ulcorner urcorner llcorner lrcorner lgroup rgroup lmoustache rmoustache arrowvert
    Arrowvert bracevert
    quad qquad enspace thinspace medspace thickspace negthinspace negmedspace negthickspace hspace hskip
    kern mkern mskip mspace space hfill relax nobreak allowbreak
    cdot cdots ldots dots dotsc dotsb dotsm dotsi dotso vdots ddots colon infty partial nabla forall exists
    nexists emptyset varnothing in notin ni owns subset subseteq subsetneq supset supseteq supsetneq
    subseteqq supseteqq subsetneqq supsetneqq varsubsetneq varsupsetneq Subset Supset sqsubset sqsupset
    sqsubseteq sqsupseteq cup cap Cup Cap setminus smallsetminus times div pm mp ast star circ bullet
    oplus otimes odot ominus oslash wedge vee neg lnot land lor top bot perp parallel nparallel mid nmid
    shortmid nshortmid shortparallel nshortparallel le leq ge geq leqq geqq leqslant geqslant ll gg lll
    ggg neq ne approx approxeq sim simeq cong equiv propto prec succ preceq succeq precsim succsim doteq
    doteqdot models vdash dashv vDash Vdash Vvdash nvdash nvDash nVdash nVDash to gets mapsto longmapsto
    rightarrow leftarrow Rightarrow Leftarrow leftrightarrow Leftrightarrow iff implies impliedby
    longrightarrow longleftarrow Longrightarrow Longleftarrow longleftrightarrow Longleftrightarrow
    uparrow downarrow Uparrow Downarrow updownarrow Updownarrow hookrightarrow hookleftarrow
    rightharpoonup rightharpoondown leftharpoonup leftharpoondown rightleftharpoons leftrightharpoons
    nearrow searrow swarrow nwarrow leadsto rightsquigarrow leftrightsquigarrow twoheadrightarrow
    twoheadleftarrow rightarrowtail leftarrowtail looparrowright looparrowleft curvearrowright
    curvearrowleft circlearrowright circlearrowleft Rsh Lsh upuparrows downdownarrows upharpoonright
    upharpoonleft downharpoonright downharpoonleft rightrightarrows leftleftarrows rightleftarrows
    leftrightarrows Rrightarrow Lleftarrow multimap nrightarrow nleftarrow nRightarrow nLeftarrow
    nleftrightarrow nLeftrightarrow
    aleph beth gimel daleth hbar hslash ell wp Re Im imath jmath prime backprime angle measuredangle
    sphericalangle triangle triangledown square blacksquare Box diamond Diamond lozenge blacklozenge
    bigstar blacktriangle blacktriangledown blacktriangleleft blacktriangleright checkmark dagger ddagger
    dag ddag S P copyright pounds surd flat natural sharp clubsuit diamondsuit heartsuit spadesuit
    complement mho eth Finv Game circledS maltese yen circledR
    lhd rhd unlhd unrhd lesssim gtrsim lessapprox gtrapprox lessgtr gtrless lesseqgtr gtreqless lessdot
    gtrdot triangleq trianglelefteq trianglerighteq vartriangleleft vartriangleright triangleleft
    triangleright ntriangleleft ntriangleright ntrianglelefteq ntrianglerighteq therefore because
    ltimes rtimes leftthreetimes rightthreetimes bowtie Join boxplus boxminus boxtimes boxdot intercal
    veebar barwedge doublebarwedge divideontimes dotplus centerdot circledast circledcirc circleddash
    backsim backsimeq thicksim thickapprox bumpeq Bumpeq risingdotseq fallingdotseq eqcirc circeq
    pitchfork between smallfrown smallsmile frown smile asymp sqcup sqcap uplus amalg wr bigtriangleup
    bigtriangledown curlyvee curlywedge curlyeqprec curlyeqsucc preccurlyeq succcurlyeq precapprox
    succapprox precnsim succnsim precnapprox succnapprox lneq gneq lneqq gneqq lnsim gnsim lnapprox
    gnapprox nless ngtr nleq ngeq nleqq ngeqq nleqslant ngeqslant nprec nsucc npreceq nsucceq nsim ncong
    nsubseteq nsupseteq nsubseteqq nsupseteqq eqslantless eqslantgtr vartriangle
    bmod pmod mod pod limits nolimits displaylimits displaystyle textstyle scriptstyle scriptscriptstyle
    not phantom hphantom vphantom smash boxed substack subarray tag notag nonumber label ref eqref color
    textcolor cancel bcancel xcancel ensuremath mathop mathrel mathbin mathord mathopen mathclose
    mathpunct mathinner mathstrut strut
    coloneqq eqqcolon coloneq eqcolon Coloneqq dblcolon vcentcolon lt gt argmax argmin
    """.split()
)
# Control symbols LaTeX accepts in math.
_SYMBOLS = frozenset(",;:! {}|\\%#&_$>/-") | {"\n", "\t"}

# Macros whose arguments are set in text mode: characters there need no \text wrapping.
_TEXT_ARGUMENTS = frozenset(
    "text textrm textit textbf textsf texttt textnormal textup textmd textsl textsc emph mbox hbox fbox".split()
)
# Required arguments, for "missing argument" (``\frac{a}``): the common ones are enough.
_ARITY = {
    **dict.fromkeys("frac dfrac tfrac cfrac binom dbinom tbinom overset underset stackrel textcolor".split(), 2),
    **dict.fromkeys(
        """sqrt hat widehat tilde widetilde bar overline underline vec dot ddot dddot acute grave breve check
        mathring overrightarrow overleftarrow overleftrightarrow overbrace underbrace mathbf mathrm mathit mathsf
        mathtt mathcal mathbb mathfrak mathscr mathnormal boldsymbol bm pmb operatorname boxed phantom hphantom
        vphantom smash substack cancel bcancel xcancel pmod pod mathop mathrel mathbin mathord mathopen mathclose
        mathpunct mathinner ensuremath color tag label ref eqref xrightarrow xleftarrow hspace""".split(),
        1,
    ),
    **dict.fromkeys(_TEXT_ARGUMENTS, 1),
}
_OPTIONAL_FIRST = frozenset("sqrt xrightarrow xleftarrow".split())
# Macros TeX cannot take as an argument without braces (``x^\sqrt{2}``, ``\boxed\big(``, ``x_\max``):
# they expand to several tokens and the argument gets only the first.  Measured one by one with XeLaTeX.
_NOT_AN_ARGUMENT = _OPTIONAL_FIRST | frozenset(
    """left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr bigm Bigm biggm Biggm
    operatorname substack limits nolimits displaylimits color sum prod coprod int iint iiint iiiint oint bigcup
    bigcap bigvee bigwedge bigoplus bigotimes bigodot biguplus bigsqcup lim liminf limsup max min sup inf det Pr
    gcd deg dim ker hom arg log ln lg exp sin cos tan cot sec csc sinh cosh tanh coth arcsin arccos arctan
    injlim projlim dots ldots cdots dotsc dotsb dotsm dotsi dotso vdots ddots bmod pmod pod mod over atop choose
    brace brack above quad qquad enspace thinspace medspace thickspace negthinspace negmedspace negthickspace
    hspace hskip kern mkern mskip""".split()
)
# Control symbols that work as an argument; the others are spacing or line breaks.
_SYMBOL_ARGUMENTS = frozenset("|{}#$%&_")
# Operators that take \limits; a group closed after \operatorname* or \mathop does too.
_LIMIT_OPERATORS = frozenset(
    """sum prod coprod int iint iiint iiiint oint bigcup bigcap bigvee bigwedge bigoplus bigotimes bigodot
    biguplus bigsqcup lim liminf limsup max min sup inf det Pr gcd argmax argmin injlim projlim""".split()
)
# Of the macros with arguments, those a script may take unbraced (``x_\text{max}``, ``e^\frac12``);
# as the argument of another macro (``\hat\mathbf{x}``) none works.
_SCRIPT_ARGUMENTS = frozenset(
    """text textrm textit textbf textsf texttt textnormal textup textmd textsl textsc emph mathrm mathbf mathit
    mathsf mathtt mathcal mathbb mathfrak mathscr mathnormal frac dfrac tfrac binom dbinom tbinom""".split()
)
_BRACED_ARGUMENT = frozenset({"substack"})  # its argument is an alignment: braces or nothing
_GENERALIZED_FRACTIONS = frozenset("over atop choose brace brack above".split())
_ALIGNING = frozenset(
    """matrix pmatrix bmatrix Bmatrix vmatrix Vmatrix smallmatrix matrix* pmatrix* bmatrix* Bmatrix* vmatrix*
    Vmatrix* cases cases* dcases dcases* rcases aligned alignedat split array subarray""".split()
)
_INNER_ENVIRONMENTS = _ALIGNING | {"gathered", "multlined"}
# amsmath's own displays: valid only as a whole display formula, never inside \[…\].
DISPLAY_ENVIRONMENTS = frozenset(
    """equation equation* align align* gather gather* multline multline* flalign flalign* alignat alignat*""".split()
)
_DISPLAY_ALIGNING = frozenset("align align* flalign flalign* alignat alignat*".split())
_DISPLAY_ONLY = frozenset({"tag", "notag", "nonumber"})

_TOKEN = re.compile(
    r"(?P<env>\\(?:begin|end)\s*\{[^{}]*\})|(?P<word>\\[A-Za-z]+)|(?P<symbol>\\.)|(?P<hathat>\^\^)"
    r"|(?P<comment>%[^\n]*)|(?P<space>\s+)|(?P<wide>[^\x00-\x7f]+)|(?P<other>.)",
    re.DOTALL,
)
_ENV = re.compile(r"\\(begin|end)\s*\{([^{}]*)\}")
_NO_ARGUMENT = frozenset({"}", "&", "^", "_", "#", "$", "~", "'"})
# Commands that size the delimiter after them, and what may follow them.
_SIZED = frozenset(
    """left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr bigm Bigm biggm Biggm""".split()
)
_DELIMITERS = frozenset(
    """langle rangle lceil rceil lfloor rfloor lvert rvert lVert rVert vert Vert backslash lbrace rbrace lbrack
    rbrack ulcorner urcorner llcorner lrcorner lgroup rgroup lmoustache rmoustache arrowvert Arrowvert bracevert
    uparrow downarrow updownarrow Uparrow Downarrow Updownarrow""".split()
)
_DELIMITER_CHARACTERS = frozenset("()[]|./<>")
_STARRED = frozenset({"operatorname"})  # \operatorname*{…}: the star comes before the argument


@dataclass(frozen=True)
class Formula:
    """A formula as the draft writes it.

    ``refused`` says why it is set as verbatim text (empty when it is set as
    math); ``unknown`` are the macros the preamble must provide as
    placeholders; ``environment`` marks a display that is itself an amsmath
    environment (``\\begin{align}…``), written as it is instead of inside ``\\[…\\]``.
    """

    tex: str
    refused: str = ""
    unknown: tuple[str, ...] = ()
    environment: bool = False


class Refused(Exception):
    """Why the formula cannot go into the draft as TeX."""


@dataclass
class _Group:
    """One brace group: what must balance before it closes, and the scripts of its current atom."""

    text: bool = False  # text mode (the argument of \text…)
    math_in_text: bool = False  # inside $…$ within a text argument
    lefts: int = 0
    environments: int = 0
    fractions: int = 0
    operator: bool = False  # the name of \operatorname or \mathop
    scripts: str = ""  # "^", "_", "'" already attached to the current atom
    awaiting: bool = False  # the next item is a script's argument, not a new atom


@dataclass
class _Scan:
    display: bool
    environment: str  # the amsmath display the whole formula is, or ""
    tokens: list[tuple[str, str]]
    groups: list[_Group] = field(default_factory=lambda: [_Group()])
    environments: list[tuple[str, int]] = field(default_factory=list)  # name, group depth
    unknown: list[str] = field(default_factory=list)
    out: list[str] = field(default_factory=list)
    previous: str = ""  # the last significant token
    closed_operator: bool = False  # that token closed an operator's group
    tags: int = 0

    @property
    def group(self) -> _Group:
        return self.groups[-1]

    @property
    def in_math(self) -> bool:
        return not self.group.text or self.group.math_in_text

    def atom(self) -> None:
        """A new item starts: it is a script's argument, or a new atom without scripts."""
        if self.group.awaiting:
            self.group.awaiting = False
        else:
            self.group.scripts = ""

    def in_alignment(self) -> bool:
        """Directly inside an environment with columns (not inside braces within it)."""
        if not self.environments:
            return False
        name, depth = self.environments[-1]
        aligning = name in _ALIGNING or (name == self.environment and name in _DISPLAY_ALIGNING)
        return aligning and depth == len(self.groups)


def tokens(tex: str) -> list[tuple[str, str]]:
    """(kind, text) pairs: env, word, symbol, hathat, comment, space, wide (non-ASCII), other."""
    return [(match.lastgroup or "other", match.group(0)) for match in _TOKEN.finditer(tex)]


def vet(tex: str, display: bool) -> Formula:
    """The formula as the draft can write it, or why it cannot; see the module docstring."""
    trouble = problem(tex)
    if trouble:
        return Formula(tex=tex, refused=trouble)
    items = tokens(tex)
    scan = _Scan(display=display, environment=_whole_environment(items) if display else "", tokens=items)
    try:
        for index in range(len(items)):
            _step(scan, index)
        _finish(scan)
    except Refused as exc:
        return Formula(tex=tex, refused=str(exc))
    unknown = tuple(dict.fromkeys(scan.unknown))
    return Formula(tex="".join(scan.out), unknown=unknown, environment=bool(scan.environment))


def _whole_environment(items: list[tuple[str, str]]) -> str:
    """The amsmath display environment the formula consists of, or ""."""
    significant = [text for kind, text in items if kind not in ("space", "comment")]
    if not significant:
        return ""
    first, last = _ENV.fullmatch(significant[0]), _ENV.fullmatch(significant[-1])
    if not (first and last and first.group(1) == "begin" and last.group(1) == "end"):
        return ""
    name = first.group(2).strip()
    if name not in DISPLAY_ENVIRONMENTS or last.group(2).strip() != name:
        return ""
    depth = 0
    for number, text in enumerate(significant):
        match = _ENV.fullmatch(text)
        if match and match.group(2).strip() == name:
            depth += 1 if match.group(1) == "begin" else -1
            if depth == 0 and number != len(significant) - 1:
                return ""  # two environments side by side
    return name


def _step(scan: _Scan, index: int) -> None:
    kind, text = scan.tokens[index]
    handler = _open if text == "{" else _close if text == "}" else _HANDLERS.get(kind, _character)
    handler(scan, index)
    if kind not in ("space", "comment"):
        scan.closed_operator = scan.closed_operator and text == "}"
        scan.previous = text


def _keep(scan: _Scan, index: int) -> None:
    """Spaces and comments: TeX ignores them in math, so do we.

    A comment is kept; the writer ends the formula on a new line when its last
    line holds one, so the closing delimiter is not swallowed.
    """
    scan.out.append(scan.tokens[index][1])


def _hathat(scan: _Scan, index: int) -> None:
    raise Refused("uses TeX's `^^` character notation, which can spell any command")


def _symbol(scan: _Scan, index: int) -> None:
    text = scan.tokens[index][1]
    char = text[1]
    if char in "()[]":
        raise Refused(f"contains the math delimiter `{text}`")
    if char in _TEXT_ONLY and scan.in_math:
        raise Refused(f"uses the text accent `{text}` in math; put it inside `\\text{{…}}`")
    if char not in _SYMBOLS and char not in _TEXT_ONLY:
        raise Refused(f"uses `{text}`, which LaTeX does not define in math")
    if text == "\\\\":
        _line_break(scan, index)
    scan.atom()
    scan.out.append(text)


def _line_break(scan: _Scan, index: int) -> None:
    """``\\\\`` only where an alignment's row may end; a ``[`` after it opens a length that must close."""
    if scan.environments and not scan.in_alignment():
        raise Refused("has `\\\\` inside braces within an alignment")
    after = _skip_spaces(scan.tokens, index + 1)
    if after < len(scan.tokens) and scan.tokens[after][1] == "[":
        if not any(value == "]" for _, value in scan.tokens[after:]):
            raise Refused("has `\\\\[` without the `]` that would close its spacing")


def _word(scan: _Scan, index: int) -> None:
    text = scan.tokens[index][1]
    name = text[1:]
    _check_word(scan, name)
    _check_arguments(scan, index, name)
    if name in _GENERALIZED_FRACTIONS:
        scan.group.fractions += 1
        if scan.group.fractions > 1:
            raise Refused("has two of `\\over`, `\\atop`, `\\choose`… in one group; add braces")
    if name == "tag":
        scan.tags += 1
        if scan.tags > 1:
            raise Refused("has two `\\tag`s; LaTeX takes one per formula")
    _delimiter(scan, index, name)
    if name in _TEXT_ARGUMENTS and scan.in_math:
        _mark_next_group(scan, index, "text-open")
    elif name in ("operatorname", "mathop"):
        _mark_next_group(scan, index, "operator-open")
    if name not in KNOWN:
        scan.unknown.append(name)
    if name not in ("limits", "nolimits", "displaylimits"):
        scan.atom()
    scan.out.append(text)


def _check_arguments(scan: _Scan, index: int, name: str) -> None:
    """A command's arguments must be there, and be ones TeX can take (``\\frac{a}``, ``\\hat\\mathbf{x}`` are not)."""
    count = _ARITY.get(name, 0)
    text = name in _TEXT_ARGUMENTS
    start = _skip_spaces(scan.tokens, index + 1)
    if name in _STARRED and start < len(scan.tokens) and scan.tokens[start][1] == "*":
        start += 1
    if count and not _has_arguments(scan.tokens, start, count, name in _OPTIONAL_FIRST, text=text):
        raise Refused(f"`\\{name}` is missing an argument, or one that needs braces")
    if name in _BRACED_ARGUMENT and scan.tokens[_skip_spaces(scan.tokens, index + 1)][1] != "{":
        raise Refused(f"`\\{name}` needs its argument in braces")


def _check_word(scan: _Scan, name: str) -> None:
    if name in DANGEROUS or name in _MORE_DANGEROUS or name.startswith(_DANGEROUS_PREFIXES):
        raise Refused(f"uses `\\{name}`: a formula may not touch files, run programs or redefine LaTeX")
    if name in _NOT_IN_MATH:
        raise Refused(f"uses `\\{name}`, which LaTeX does not allow in a formula")
    if name in _PRIMITIVES:
        raise Refused(f"uses the TeX primitive `\\{name}`; write the symbol's LaTeX name instead")
    if name in _TEXT_ONLY and scan.in_math:
        raise Refused(f"uses the text command `\\{name}` in math; put it inside `\\text{{…}}`")
    if name in _DISPLAY_ONLY and not scan.display:
        raise Refused(f"uses `\\{name}`, which LaTeX allows only in a displayed formula")
    if name in _RULES and not scan.in_alignment():
        raise Refused(f"uses `\\{name}` outside an array")
    if name in ("limits", "nolimits", "displaylimits") and not (
        scan.previous[1:] in _LIMIT_OPERATORS or (scan.previous == "}" and scan.closed_operator)
    ):
        raise Refused(f"has `\\{name}` not after an operator")


def _delimiter(scan: _Scan, index: int, name: str) -> None:
    """``\\left``, ``\\middle`` and ``\\right`` pair up within one group; they and ``\\big``… take a delimiter."""
    if name in _SIZED and not _is_delimiter(scan.tokens, _skip_spaces(scan.tokens, index + 1)):
        raise Refused(f"has `\\{name}` without a delimiter after it")
    if name == "left":
        scan.group.lefts += 1
    elif name == "right":
        if scan.group.lefts == 0:
            raise Refused("has `\\right` without `\\left` in the same group")
        scan.group.lefts -= 1
    elif name == "middle" and scan.group.lefts == 0:
        raise Refused("has `\\middle` outside `\\left…\\right`")


def _is_delimiter(items: list[tuple[str, str]], index: int) -> bool:
    if index >= len(items):
        return False
    kind, value = items[index]
    if kind == "word":
        return value[1:] in _DELIMITERS
    return value in _DELIMITER_CHARACTERS or (kind == "symbol" and value[1] in "{}|")


def _has_arguments(
    items: list[tuple[str, str]], start: int, count: int, optional: bool, script: bool = False, text: bool = False
) -> bool:
    """Whether ``count`` arguments TeX can take follow position ``start`` (after an optional ``[…]``).

    ``script``: they are a super- or subscript's; ``text``: a text command's, which takes no math unbraced.
    """
    index = _skip_spaces(items, start)
    if optional and index < len(items) and items[index][1] == "[":
        while index < len(items) and items[index][1] != "]":
            index += 1
        index = _skip_spaces(items, index + 1)
    for _ in range(count):
        if index >= len(items) or items[index][1] in _NO_ARGUMENT or items[index][0] == "env":
            return False
        kind, value = items[index]
        if kind == "word" and (text or not _takes_unbraced(value[1:], script)):
            return False
        if kind == "symbol" and (text or value[1] not in _SYMBOL_ARGUMENTS):
            return False
        index = _skip_spaces(items, _after_argument(items, index))
    return True


def _takes_unbraced(name: str, script: bool) -> bool:
    """Whether the macro ``name`` works as a whole argument without braces around it."""
    if name in _NOT_AN_ARGUMENT:
        return False
    return name not in _ARITY or (script and name in _SCRIPT_ARGUMENTS)


def _skip_spaces(items: list[tuple[str, str]], index: int) -> int:
    while index < len(items) and items[index][0] in ("space", "comment"):
        index += 1
    return index


def _after_argument(items: list[tuple[str, str]], index: int) -> int:
    """The position after the argument starting at ``index`` (one token or a brace group)."""
    if items[index][1] != "{":
        return index + 1
    depth = 0
    for position in range(index, len(items)):
        text = items[position][1]
        depth += 1 if text == "{" else -1 if text == "}" else 0
        if depth == 0:
            return position + 1
    return len(items)


def _mark_next_group(scan: _Scan, index: int, kind: str) -> None:
    """Mark the group after a command: ``text-open`` (text mode) or ``operator-open`` (an operator's name)."""
    position = _skip_spaces(scan.tokens, index + 1)
    if position < len(scan.tokens) and scan.tokens[position][1] == "{":
        scan.tokens[position] = (kind, "{")


def _env(scan: _Scan, index: int) -> None:
    text = scan.tokens[index][1]
    match = _ENV.fullmatch(text)
    assert match is not None
    name = match.group(2).strip()
    if match.group(1) == "begin":
        whole = name == scan.environment and not scan.environments and len(scan.groups) == 1
        if name not in _INNER_ENVIRONMENTS and not whole:
            where = "only as a whole displayed formula" if name in DISPLAY_ENVIRONMENTS else "in a formula"
            raise Refused(f"uses the environment `{name}`, which LaTeX allows {where}")
        if name == "split" and not scan.display:
            raise Refused("uses `split`, which LaTeX allows only in a displayed formula")
        scan.atom()
        scan.environments.append((name, len(scan.groups)))
        scan.group.environments += 1
    else:
        if not scan.environments or scan.environments[-1] != (name, len(scan.groups)):
            raise Refused(f"closes `{name}` inside a different group than it opened in")
        scan.environments.pop()
        scan.group.environments -= 1
    scan.out.append(text)


def _open(scan: _Scan, index: int) -> None:
    kind = scan.tokens[index][0]
    scan.atom()
    text_mode = kind == "text-open" or (scan.group.text and not scan.group.math_in_text)
    scan.groups.append(_Group(text=text_mode, operator=kind == "operator-open"))
    scan.out.append("{")


def _close(scan: _Scan, index: int) -> None:
    group = scan.groups.pop()
    if group.lefts or group.environments:
        raise Refused("closes a group with a `\\left` or an environment still open in it")
    if group.math_in_text:
        raise Refused("has a `$` that is never closed inside `\\text{…}`")
    if group.awaiting:
        raise Refused("has a `^` or `_` with nothing to attach")
    scan.closed_operator = group.operator
    scan.out.append("}")


def _character(scan: _Scan, index: int) -> None:
    text = scan.tokens[index][1]
    if text == "$":
        if not scan.group.text:
            raise Refused("contains `$`, which would end the formula")
        scan.group.math_in_text = not scan.group.math_in_text
    elif text == "#":
        raise Refused("contains `#`, which LaTeX reserves for macro parameters")
    elif text == "&" and not (scan.in_math and scan.in_alignment()):
        raise Refused("contains `&` outside an alignment (`aligned`, `cases`, a matrix…)")
    elif latex_glyphs.is_dropped(text):
        raise Refused(f"contains the control character U+{ord(text):04X}")
    if text in "^_'" and scan.in_math:
        _script(scan, index, text)
    else:
        scan.atom()
    scan.out.append(text)


def _script(scan: _Scan, index: int, char: str) -> None:
    group = scan.group
    if group.awaiting:
        raise Refused(f"has a `{char}` where a script's argument should be")
    if char == "'":
        if "^" in group.scripts:
            raise Refused("has a prime after a superscript (a double superscript in LaTeX)")
        group.scripts += "'"
        return
    if char in group.scripts:
        raise Refused("has a double superscript or subscript; add braces")
    if not _has_arguments(scan.tokens, index + 1, 1, optional=False, script=True):
        raise Refused(f"has a `{char}` with nothing to attach, or a command after it that needs braces")
    group.scripts += char
    group.awaiting = True


def _wide(scan: _Scan, index: int) -> None:
    """Characters outside ASCII: the math fonts lack them, so they go in ``\\text``, each in a font that has it."""
    text = scan.tokens[index][1]
    body = "".join(latex_glyphs.wrap_run(run, run.text) for run in latex_glyphs.runs(text))
    scan.atom()
    # Braced: the run may be a command's whole argument (``\\hat α``), and ``\\text{…}`` alone could not.
    scan.out.append(f"{{\\text{{{body}}}}}" if scan.in_math and body else body)


def _finish(scan: _Scan) -> None:
    if len(scan.groups) != 1 or scan.group.lefts or scan.environments:
        raise Refused("has a group, `\\left` or environment that is never closed")
    if scan.group.awaiting:
        raise Refused("ends with a `^` or `_` with nothing to attach")


_HANDLERS = {
    "space": _keep,
    "comment": _keep,
    "hathat": _hathat,
    "symbol": _symbol,
    "word": _word,
    "env": _env,
    "wide": _wide,
}
