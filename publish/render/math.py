"""Formulas to SVG with MathJax, in one long-lived Node process, cached on disk.

API (what backends and the pipeline call)::

    with MathRenderer() as m:                       # cache_dir=..., node_modules=... optional
        out = m.render_many([(tex, display), ...])
    # out: dict[tuple[str, bool], str | FormulaError], one entry per distinct item:
    #   str           a standalone ``<svg …>…</svg>`` element (no XML declaration), with
    #                 role="img", aria-label="<the TeX, XML-escaped>", style="vertical-align: …ex"
    #                 (keep it: it sets the baseline inline), width/height in ex, every id
    #                 prefixed uniquely per formula;
    #   FormulaError  MathJax refused the TeX; ``str(err)`` is its message
    #                 (e.g. "Undefined control sequence \\our").
    m.render(tex, display) -> str                   # one formula; raises FormulaError

    doc, svgs = render_formulas(doc, renderer)      # pipeline step
    # svgs: dict[(tex, display), svg]; formulas that failed are absent from it and
    # have ``Math.error`` set plus a warning in ``doc.warnings``.

Why a Node process: MathJax is the only renderer that typesets every corpus
formula correctly in WeasyPrint (docs/math.md).  Start-up costs a few hundred
ms, a formula a few ms, so the process lives as long as the ``with`` block and is only
started when some formula is not in the cache: a warm build never starts Node.
Errors from MathJax (not the process) are cached too, for the same reason.

Missing Node or mathjax-full raises ``PublishError`` saying how to install it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, NoReturn

from publish.cache import cache_folder
from publish.errors import PublishError
from publish.model import Diagnostic, Document, Math, Node
from publish.tree import iter_nodes, walk_document

Item = tuple[str, bool]

# Bump when the SVG post-processing here or in mathjax_server.js changes what a
# cached SVG looks like; the server's own bytes and MathJax's version are part
# of the cache key already.
RENDERER_VERSION = "1"

SERVER_JS = Path(__file__).with_name("mathjax_server.js")
REPO_ROOT = Path(__file__).resolve().parent.parent.parent

_ID = re.compile(r'\bid="([^"]+)"')


class FormulaError(Exception):
    """MathJax could not typeset one formula; the message is MathJax's."""


# --------------------------------------------------------------------------
# Locating Node and MathJax
# --------------------------------------------------------------------------


def node_modules_candidates() -> list[Path]:
    """Where mathjax-full may be installed, in the order they are tried.

    The repository's own ``node_modules`` covers ``make setup`` in a checkout
    (editable install); the user cache covers a wheel install, where the
    package directory is not writable.
    """
    env = os.environ.get("PUBLISH_NODE_MODULES")
    if env:
        return [Path(env)]
    return [REPO_ROOT / "node_modules", Path.home() / ".cache" / "publish" / "node" / "node_modules"]


def find_node_modules() -> Path:
    """The first ``node_modules`` holding mathjax-full, or a PublishError saying how to get one."""
    candidates = node_modules_candidates()
    for candidate in candidates:
        if (candidate / "mathjax-full" / "package.json").is_file():
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    user_prefix = Path.home() / ".cache" / "publish" / "node"
    raise PublishError(
        f"MathJax (npm package mathjax-full) is needed to typeset formulas and was not found in {searched}. "
        f"In a checkout run `make setup`; otherwise run `npm install --prefix {user_prefix} mathjax-full@3` "
        "(or point PUBLISH_NODE_MODULES at a node_modules folder that has it)."
    )


def find_node() -> str:
    """The ``node`` executable, or a PublishError saying how to install it."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise PublishError(
            "Node.js is needed to typeset formulas and `node` is not on PATH: "
            "run `apt-get install nodejs npm` (or install Node 18+ from nodejs.org), then `make setup`."
        )
    return node


def renderer_fingerprint(node_modules: Path | None) -> str:
    """What, besides the TeX, decides an SVG: our version, the server script, MathJax's version."""
    try:
        manifest = json.loads(((node_modules or Path()) / "mathjax-full" / "package.json").read_text("utf-8"))
        mathjax_version = str(manifest.get("version", "?"))
    except (OSError, ValueError):
        mathjax_version = "absent"
    server = hashlib.sha256(SERVER_JS.read_bytes()).hexdigest()[:16]
    return f"{RENDERER_VERSION}/{server}/mathjax-full {mathjax_version}"


# --------------------------------------------------------------------------
# SVG post-processing
# --------------------------------------------------------------------------


def unique_ids(svg: str, prefix: str) -> str:
    """Prefix every id (and references to it) so formulas sharing a page never clash.

    With ``fontCache: 'none'`` only ``\\tag`` (with or without ``\\label``)
    writes an id, but two formulas tagged alike would clash: WeasyPrint warns
    "Anchor defined twice" and EPUBCheck rejects duplicate ids.
    """
    ids = set(_ID.findall(svg))
    if not ids:
        return svg
    for old in sorted(ids, key=len, reverse=True):
        new = f"{prefix}-{old}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"')
        svg = svg.replace(f'href="#{old}"', f'href="#{new}"')
        svg = svg.replace(f"url(#{old})", f"url(#{new})")
    return svg


# --------------------------------------------------------------------------
# The renderer
# --------------------------------------------------------------------------


class MathRenderer:
    """TeX → SVG through one MathJax process, started on the first cache miss."""

    def __init__(
        self,
        cache_dir: Path | str | None = None,
        node_modules: Path | str | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir is not None else cache_folder("math")
        self._node_modules = Path(node_modules) if node_modules is not None else None
        self.timeout = timeout
        self._fingerprint: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._next_id = 0
        self.processes_started = 0  # how often Node was started: 0 on a warm build

    def __enter__(self) -> MathRenderer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- public -------------------------------------------------------------

    def render(self, tex: str, display: bool = False) -> str:
        """One formula's SVG; raises FormulaError when MathJax rejects it."""
        result = self.render_many([(tex, display)])[(tex, display)]
        if isinstance(result, FormulaError):
            raise result
        return result

    def render_many(self, items: Iterable[Item]) -> dict[Item, str | FormulaError]:
        """Every distinct item's SVG or error: cached ones from disk, the rest in one batch."""
        results: dict[Item, str | FormulaError] = {}
        missing: list[Item] = []
        for item in dict.fromkeys(items):
            cached = self._cache_get(item)
            if cached is None:
                missing.append(item)
            else:
                results[item] = cached
        if missing:
            for item, result in zip(missing, self._typeset(missing), strict=True):
                self._cache_put(item, result)
                results[item] = result
        return results

    def close(self) -> None:
        """Stop the Node process, if one was started."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.stdin:
                with contextlib.suppress(OSError):  # the pipe of a process that already died
                    proc.stdin.close()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    # -- cache --------------------------------------------------------------

    def fingerprint(self) -> str:
        """What decides an SVG besides its TeX; caches of rendered pages key on it too."""
        if self._fingerprint is None:
            modules = self._node_modules
            if modules is None:
                modules = next((c for c in node_modules_candidates() if (c / "mathjax-full").is_dir()), None)
            self._fingerprint = renderer_fingerprint(modules)
        return self._fingerprint

    def _key(self, item: Item) -> str:
        tex, display = item
        payload = json.dumps([self.fingerprint(), tex, display], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def _cache_path(self, item: Item) -> Path:
        key = self._key(item)
        return self.cache_dir / key[:2] / key

    def _cache_get(self, item: Item) -> str | FormulaError | None:
        base = self._cache_path(item)
        try:
            return base.with_suffix(".svg").read_text("utf-8")
        except OSError:
            pass
        try:
            return FormulaError(base.with_suffix(".err").read_text("utf-8"))
        except OSError:
            return None

    def _cache_put(self, item: Item, result: str | FormulaError) -> None:
        """Write atomically: two builds may share the cache."""
        base = self._cache_path(item)
        target = base.with_suffix(".err" if isinstance(result, FormulaError) else ".svg")
        try:
            base.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=base.parent, prefix=".tmp-")
        except OSError:
            return  # an unwritable cache only costs speed
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(str(result))
            os.replace(tmp, target)
        except OSError:
            Path(tmp).unlink(missing_ok=True)

    # -- the Node process ---------------------------------------------------

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        self.close()  # a process that died: release its pipes and log before starting anew
        node = find_node()
        modules = self._node_modules if self._node_modules is not None else find_node_modules()
        if not (modules / "mathjax-full").is_dir():
            raise PublishError(
                f"mathjax-full is not installed in {modules}: "
                f"run `npm install --prefix {modules.parent} mathjax-full@3`."
            )
        env = {**os.environ, "NODE_PATH": str(modules)}
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [node, str(SERVER_JS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env
        )
        self.processes_started += 1
        return self._proc

    def _typeset(self, items: list[Item]) -> list[str | FormulaError]:
        """Send the whole batch from a thread while reading answers, so neither pipe can fill up and block."""
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        first = self._next_id
        self._next_id += len(items)
        lines = b"".join(
            json.dumps({"id": first + i, "tex": tex, "display": display}).encode("utf-8") + b"\n"
            for i, (tex, display) in enumerate(items)
        )
        writer = threading.Thread(target=_write_all, args=(proc.stdin, lines), daemon=True)
        watchdog = threading.Timer(self.timeout + 0.1 * len(items), proc.kill)
        writer.start()
        watchdog.start()
        try:
            return [self._read_answer(proc.stdout, first + i, tex, display) for i, (tex, display) in enumerate(items)]
        finally:
            watchdog.cancel()
            writer.join(timeout=1)

    def _read_answer(self, stdout: IO[bytes], expected_id: int, tex: str, display: bool) -> str | FormulaError:
        line = stdout.readline()
        if not line:
            self._died()
        try:
            answer = json.loads(line)
        except ValueError:
            self._died(f"wrote {line[:200]!r} instead of a JSON answer")
        if answer.get("id") != expected_id:
            self._died(f"answered request {answer.get('id')!r} when {expected_id} was expected")
        if "error" in answer:
            return FormulaError(str(answer["error"]))
        prefix = "mj" + hashlib.sha256(f"{display}:{tex}".encode()).hexdigest()[:10]
        return unique_ids(str(answer["svg"]), prefix)

    def _died(self, why: str = "") -> NoReturn:
        """The process ended, hung or lost sync: report what it said and forget it."""
        stderr = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            stderr = self._stderr.read().decode("utf-8", "replace").strip()[-2000:]
        self.close()
        detail = why or "stopped or timed out"
        raise PublishError(f"the MathJax process ({SERVER_JS}) {detail}: {stderr or 'no message'}")


def _write_all(stream: IO[bytes], data: bytes) -> None:
    try:
        stream.write(data)
        stream.flush()
    except (BrokenPipeError, ValueError):
        pass  # the reader reports the dead process


# --------------------------------------------------------------------------
# Pipeline step
# --------------------------------------------------------------------------


def render_formulas(doc: Document, renderer: MathRenderer) -> tuple[Document, dict[Item, str]]:
    """Typeset every formula of ``doc``; the ones MathJax rejects become TeX shown as code.

    Formulas a filter already marked (``Math.error``) are not sent to MathJax.
    Returns the document with ``error`` set on failed formulas and one warning
    per failed occurrence, and the SVG of every formula that rendered.
    """
    wanted = [(n.tex, n.display) for n in iter_nodes(doc) if isinstance(n, Math) and not n.error]
    results = renderer.render_many(wanted)
    svgs = {item: r for item, r in results.items() if isinstance(r, str)}
    failures = {item: str(r) for item, r in results.items() if isinstance(r, FormulaError)}
    if not failures:
        return doc, svgs
    warnings: list[Diagnostic] = []

    def mark(node: Node) -> Node | None:
        if isinstance(node, Math) and not node.error and (node.tex, node.display) in failures:
            message = failures[(node.tex, node.display)]
            warnings.append(
                doc.diagnostic(node.line, f"formula cannot be rendered ({message}): shown as TeX source; fix the TeX")
            )
            return dataclasses.replace(node, error=message)
        return None

    new = walk_document(doc, mark)
    return dataclasses.replace(new, warnings=[*new.warnings, *warnings]), svgs
