"""Spread pure, CPU-bound work over the machine's cores with forked worker processes.

The workers are forked after the caller has built its in-memory state (the graph index, the
templates), so they share it copy-on-write instead of receiving it pickled; only each item's
result travels back. Results come back in the order of the items, so the output does not
depend on the number of workers. Small inputs run in the calling process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

MIN_ITEMS = 100  # below this, forking costs more than it saves
CHUNK = 250  # at most this many items per task: enough to amortise the pipe
CHUNKS_PER_WORKER = 16  # at least this many tasks per worker, so that they end together

_task: Callable[[Any], Any] | None = None


def available_cores() -> int:
    env = os.environ.get("KGBUILD_JOBS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return len(os.sched_getaffinity(0))


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
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
    try:
        size = max(1, min(CHUNK, len(items) // (jobs * CHUNKS_PER_WORKER)))
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        parts = pool.map(_run_chunk, chunks)  # every chunk is handed out here
        yield (result for part in parts for result in part)
    finally:
        pool.shutdown(cancel_futures=True)
        _task = None


def _send_result(task: Callable[[], Any], conn) -> None:
    try:
        result = (True, task())
    except BaseException as e:  # noqa: BLE001 - every failure travels back to the caller
        result = (False, e)
    try:
        conn.send(result)
    except Exception as e:  # noqa: BLE001 - a result or an error that does not pickle
        conn.send((False, RuntimeError(f"background task: {result[1]!r} ({e})")))
    conn.close()


@contextmanager
def in_background(task: Callable[[], T], jobs: int | None = None,
                  ) -> Iterator[Callable[[], T]]:
    """Start task() in a forked process now; the function yielded waits for its result (or
    raises its exception). Leaving the block stops the process if it was not waited for. With
    one core, the function yielded is task itself: it runs when waited for.

    A plain process and a pipe, no pool: a pool keeps a thread, and the page workers may be
    forked while background work still runs."""
    jobs = available_cores() if jobs is None else jobs
    if jobs < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield task
        return
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_send_result, args=(task, writer), daemon=True)
    process.start()
    writer.close()

    def wait() -> T:
        try:
            ok, value = reader.recv()
        except EOFError:
            process.join()
            raise RuntimeError(f"background task ended with exit code {process.exitcode}"
                               ) from None
        process.join()
        if not ok:
            raise value
        return value
    try:
        yield wait
    finally:
        if process.is_alive():
            process.terminate()
        process.join()
        reader.close()
