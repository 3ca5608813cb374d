"""Progress of the long stages of a build, on stderr, in the form that suits where it goes.

A large pack takes tens of seconds.  On a terminal a live ``rich`` display shows each stage and
the document it is at; in a log (a pipe, CI) one line per finished stage gives the timings without
flooding it; a library caller, a test or a worker process sees nothing unless it asked, so the
mode is "quiet" until ``configure`` is called (the CLI calls it).

    with progress.task("PDF layout", total=len(docs)) as task:
        for doc in docs:
            ...
            task.advance(doc.path.name)
"""

from __future__ import annotations

import os
import sys
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

Mode = Literal["auto", "rich", "plain", "quiet"]
MODES: tuple[Mode, ...] = ("auto", "rich", "plain", "quiet")

_mode: Mode = "quiet"


def configure(mode: Mode) -> None:
    """Choose the display for the tasks started from now on; "auto" picks rich on a terminal, else plain."""
    global _mode
    if mode not in MODES:
        raise ValueError(f"progress mode must be one of {', '.join(MODES)}, not {mode!r}")
    _mode = mode


def task(label: str, total: int) -> Task:
    """A stage of ``total`` steps, to use as a context manager and ``advance`` once per step."""
    return Task(label, total)


def _resolved_mode() -> Mode:
    if _mode != "auto":
        return _mode
    stderr = sys.stderr
    on_terminal = stderr is not None and hasattr(stderr, "isatty") and stderr.isatty()
    return "rich" if on_terminal and not os.environ.get("CI") else "plain"


class Task:
    """One stage; safe to advance from several threads."""

    def __init__(self, label: str, total: int) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self._mode = _resolved_mode()
        self._lock = threading.Lock()
        self._started = 0.0
        self._row: TaskID | None = None

    def __enter__(self) -> Task:
        self._started = time.perf_counter()
        if self._mode == "rich":
            self._row = _display.add(self.label, self.total)
        return self

    def advance(self, item: str = "") -> None:
        """One step done; ``item`` (a document's name) is shown on a terminal."""
        with self._lock:
            self.done += 1
        if self._row is not None:
            _display.advance(self._row, item)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._row is not None:
            _display.finish(self._row)
        elif self._mode == "plain" and exc_type is None:  # a failed stage is explained by its error, not timed
            elapsed = time.perf_counter() - self._started
            print(f"publish: {self.label}: {self.done}/{self.total} in {elapsed:.1f} s", file=sys.stderr, flush=True)


class _Display:
    """The one live display that every task open at the same time shares, one row each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._progress: Progress | None = None
        self._open = 0

    def add(self, label: str, total: int) -> TaskID:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with self._lock:
            if self._progress is None:
                self._progress = Progress(
                    TextColumn("{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    TextColumn("{task.fields[item]}", style="dim"),
                    console=Console(stderr=True),
                )
                self._progress.start()
            self._open += 1
            return self._progress.add_task(label, total=total, item="")

    def advance(self, row: TaskID, item: str) -> None:
        if self._progress is not None:
            self._progress.update(row, advance=1, item=item)

    def finish(self, row: TaskID) -> None:
        with self._lock:
            if self._progress is None:
                return
            self._progress.update(row, item="")
            self._progress.stop_task(row)  # freezes its time
            self._open -= 1
            if self._open == 0:
                self._progress.stop()  # the finished rows stay on screen with their times
                self._progress = None


_display = _Display()
