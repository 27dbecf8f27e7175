"""Spread pure, CPU-bound work over the machine's cores with forked worker processes.

The workers are forked after the caller has built its in-memory state (the graph index, the
templates), so they share it copy-on-write instead of receiving it pickled; only each item's
result travels back. Results come back in the order of the items, so the output does not
depend on the number of workers. Small inputs run in the calling process.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

MIN_ITEMS = 100  # below this, forking costs more than it saves
CHUNK = 250  # at most this many items per task: enough to amortise the pipe
CHUNKS_PER_WORKER = 16  # at least this many tasks per worker, so that they end together

_task: Callable[[Any], Any] | None = None
_background: Callable[[], Any] | None = None


def available_cores() -> int:
    env = os.environ.get("KGBUILD_JOBS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return len(os.sched_getaffinity(0))


@contextmanager
def frozen_heap() -> Iterator[None]:
    """While forked processes share this one's objects: the collector leaves the objects that
    exist now alone, in this process and in the forked ones. Each of its full collections
    would otherwise walk the whole graph (millions of objects at 1000x) and, by writing to
    their headers, copy the pages the forks share. Afterwards they are collectable again."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No collections in this process while the block runs; the workers that started() and
    in_background() fork turn the collector on again. What the build's process makes (the data,
    the triples, the store, the page index) lives until the build ends and holds no cycles, so
    the collector's full passes over it, more of them the larger it grows, free nothing: at
    1000x they cost seconds on one core. The workers make short-lived pages, whose cycles are
    collected."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _worker_init(parent: int) -> None:
    """In each forked worker: collections on again; SIGTERM ends it (the parent's handler is
    not inherited), and so does the end of its parent, however that ends, SIGKILL included
    (Linux PR_SET_PDEATHSIG): a worker never waits for ever on a parent that is gone."""
    gc.enable()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux
        pass
    if os.getppid() != parent:  # the parent ended before the line above took effect
        os._exit(1)


def _run_chunk(chunk: Sequence[Any]) -> list[Any]:
    assert _task is not None
    return [_task(item) for item in chunk]


@contextmanager
def started(task: Callable[[Any], Any], items: Sequence[Any], jobs: int | None = None,
            ) -> Iterator[Iterator[Any]]:
    """Start task(item) for each item on the workers now, so that this process can do other
    work before it reads the results: in item order, each as soon as the workers return it, so
    the caller can write it away while they go on. Leaving the block stops the workers.
    Where there are no workers, each result is computed as it is read."""
    jobs = available_cores() if jobs is None else jobs
    if jobs < 2 or len(items) < MIN_ITEMS or "fork" not in multiprocessing.get_all_start_methods():
        yield (task(item) for item in items)
        return
    global _task
    _task = task
    with frozen_heap():
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_worker_init, initargs=(os.getpid(),))
        try:
            size = max(1, min(CHUNK, len(items) // (jobs * CHUNKS_PER_WORKER)))
            chunks = [items[i:i + size] for i in range(0, len(items), size)]
            parts = pool.map(_run_chunk, chunks)  # every chunk is handed out here
            yield (result for part in parts for result in part)
        finally:
            pool.shutdown(cancel_futures=True)
            _task = None


def _run_background(sandboxed: bool = False) -> Any:
    assert _background is not None
    if sandboxed:
        from .sandbox import no_network

        no_network()
    return _background()


def in_background(task: Callable[[], T], jobs: int | None = None,
                  sandboxed: bool = False) -> Callable[[], T]:
    """Start task() in a forked process now; the function returned waits for its result (or
    raises its exception). With one core, task itself is returned: it runs when waited for.
    Until then the heap is frozen (see frozen_heap).

    sandboxed: always fork, whatever the cores, and take the network away from the forked
    process before task runs (sandbox.no_network), for work that runs queries written by
    others; if the kernel refuses, waiting raises sandbox.SandboxUnavailable."""
    jobs = available_cores() if jobs is None else jobs
    if not sandboxed and (jobs < 2 or "fork" not in multiprocessing.get_all_start_methods()):
        return task
    global _background
    _background = task
    with ExitStack() as started_ok:
        started_ok.enter_context(frozen_heap())
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_worker_init, initargs=(os.getpid(),))
        future = pool.submit(_run_background, sandboxed)
        heap = started_ok.pop_all()  # frozen until waited for; unfrozen here if starting fails

    def wait() -> T:
        global _background
        try:
            return future.result()
        finally:
            pool.shutdown()
            heap.close()
            _background = None
    return wait
