"""Process pools for the work that parallelises: reading documents, laying out PDF parts.

Not ``fork``: the parent may hold threads (image downloads, the MathJax reader), and
a forked copy of a lock held by another thread deadlocks.  A forkserver imports the
heavy modules once and forks workers from that clean process, so a worker starts in
milliseconds instead of importing WeasyPrint again.  Because a forkserver started
earlier keeps the environment it had, the cache root is handed to each worker.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext

from publish.cache import CACHE_ENV, cache_root


def cores() -> int:
    """The cores this process may run on (a container or ``taskset`` may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _forkserver(preload: Sequence[str]) -> BaseContext | None:
    """The forkserver context, told to import ``preload`` (it applies when this process starts the
    server: the first pool or ``start_server`` does); None where there is no forkserver."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return context


def start_server(preload: Sequence[str]) -> None:
    """Start the worker server now: it imports ``preload`` while this process goes on, instead of
    when the first pool asks it for a worker.  Nothing happens where there is no forkserver, or
    when it already runs."""
    if _forkserver(preload) is not None:
        from multiprocessing import forkserver  # Unix only

        forkserver.ensure_running()


def process_pool(workers: int, preload: Sequence[str], *, fresh: bool = False) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes that have imported ``preload`` and use this build's cache root.

    ``fresh``: a new process for every task, for work whose memory does not all come back
    (WeasyPrint keeps font and layout state per process); from a forkserver that costs little.
    """
    context = _forkserver(preload) or multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_use_root,
        initargs=(str(cache_root()),),
        max_tasks_per_child=1 if fresh else None,
    )


def _use_root(root: str) -> None:
    os.environ[CACHE_ENV] = root
