"""Spread pure, CPU-bound work over the machine's cores with forked worker processes.

The workers are forked after the caller has built its in-memory state (the graph index, the
templates), so they share it copy-on-write instead of receiving it pickled: the task and the
items reach a worker through the fork itself, and only each chunk's results travel back, through
a pipe of its own per worker. Results come back in the order of the items, so the output does
not depend on the number of workers. Small inputs run in the calling process.

Nothing here changes how the process runs as a whole (its garbage collector, its exit): that is
the process owner's (kgbuild.cli).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from multiprocessing.sharedctypes import Synchronized
from typing import Generic, Literal, Never, TypeAlias, TypeVar

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K")

Failure: TypeAlias = tuple[BaseException, str]  # raised in a worker, with its traceback as text
# What a worker sends back for one task, named by `K` (a chunk's number, or None): True and its
# result, or False and its failure.
Outcome: TypeAlias = tuple[K, Literal[True], R] | tuple[K, Literal[False], Failure]

MIN_ITEMS = 100  # below this, forking costs more than it saves
CHUNK = 250  # at most this many items per task: enough to amortise the pipe
CHUNKS_PER_WORKER = 16  # at least this many tasks per worker, so that they end together

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def available_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0))


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class WorkerLost(RuntimeError):
    """A worker process ended before it sent back its work (killed, or out of memory)."""


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker process, as text: the __cause__ of the
    exception raised again here, so that a traceback shows where it happened."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text


def _enter_worker(parent: int) -> None:
    """In each forked process: SIGTERM ends it (the parent's handler is not inherited), and so
    does the end of its parent, however that ends, SIGKILL included (Linux PR_SET_PDEATHSIG):
    a worker never waits for ever on a parent that is gone."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux
        pass
    if os.getppid() != parent:  # the parent ended before the line above took effect
        raise SystemExit(1)


def _send_outcome(pipe: Connection[Outcome[K, R], object], tag: K, call: Callable[[], R]) -> bool:
    """Send (tag, True, call()) or, if it raises, (tag, False, (exception, traceback text));
    an exception that cannot be pickled is sent as a RuntimeError that names it. False if
    call() raised."""
    try:
        result = call()
    except BaseException as e:  # noqa: BLE001 - whatever ends the task travels back
        text = "".join(traceback.format_exception(e))
        try:
            pipe.send((tag, False, (e, text)))
        except Exception:  # noqa: BLE001 - pickling fails before anything is written
            pipe.send((tag, False, (RuntimeError(f"{type(e).__name__}: {e}"), text)))
        return False
    try:
        pipe.send((tag, True, result))
    except Exception as e:  # noqa: BLE001 - as above
        pipe.send((tag, False, (RuntimeError(f"a result could not be sent back: {e!r}"), "")))
        return False
    return True


def _raised(payload: Failure) -> BaseException:
    error, text = payload
    if text:
        error.__cause__ = RemoteTraceback(text)
    return error


def _ended(process: BaseProcess) -> WorkerLost:
    """The error for a process whose pipe closed before it sent its outcome."""
    process.join(5)  # its pipe closes a moment before its exit status can be read
    code = process.exitcode
    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
    return WorkerLost(f"a worker process ended before it sent back its work ({how})")


# A round's pipes: a worker sends the outcome of each chunk it takes, then None.
_Message: TypeAlias = Outcome[int, list[R]] | None
# quoted: Connection is generic in its stubs, not at run time
_Reader: TypeAlias = "Connection[Never, _Message[R]]"
_Writer: TypeAlias = "Connection[_Message[R], Never]"


def _readable(pipes: list[_Reader[R]]) -> list[_Reader[R]]:
    """The pipes that have a message or are closed, in their order: those wait() gives back,
    as the pipes they are (its result is typed as any of the kinds of object it takes)."""
    ready = wait(pipes)
    return [pipe for pipe in pipes if pipe in ready]


def chunked(items: Sequence[T], jobs: int) -> list[Sequence[T]]:
    """The items in consecutive chunks: at most CHUNK each, at least CHUNKS_PER_WORKER a worker."""
    size = max(1, min(CHUNK, len(items) // (jobs * CHUNKS_PER_WORKER)))
    return [items[i : i + size] for i in range(0, len(items), size)]


class Pool(Generic[T, R]):
    """task(item) for every item, on `jobs` worker processes forked from this one.

    `started(items)` forks the workers and lets the caller do other work while they run. One
    pool runs one round at a time: starting it again inside its own round (in its task, or
    before the round ends) is refused; another Pool may be used anywhere, inside a task too,
    where its workers are forked from the worker."""

    def __init__(self, task: Callable[[T], R], jobs: int):
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {jobs}")
        self.task, self.jobs = task, jobs
        self._running = False

    @contextmanager
    def started(self, items: Sequence[T]) -> Iterator[Iterator[R]]:
        """Start task(item) for each item on the workers now, so that this process can do other
        work before it reads the results: in item order, each as soon as the workers return
        it, so the caller can write it away while they go on. Leaving the block stops the
        workers. Where there are no workers, each result is computed as it is read."""
        if self._running:
            raise RuntimeError("this pool is already running a round: use another Pool")
        self._running = True
        try:
            if self.jobs < 2 or len(items) < MIN_ITEMS or not can_fork():
                yield (self.task(item) for item in items)
                return
            run = _Round(self.task, chunked(items, self.jobs), self.jobs)
            try:
                yield run.results()
            finally:
                run.stop()
        finally:
            self._running = False

    def map(self, items: Sequence[T]) -> list[R]:
        with self.started(items) as results:
            return list(results)


class _Round(Generic[T, R]):
    """One round of a pool: the workers take the chunks by number, from a shared counter, and
    send each chunk's results (or its error) and finally None through their pipes; a thread of
    this process reads the pipes as the results arrive, so no worker waits on this process
    while it does other work."""

    def __init__(self, task: Callable[[T], R], chunks: list[Sequence[T]], jobs: int):
        fork = multiprocessing.get_context("fork")
        self.task, self.chunks = task, chunks
        self.next_chunk: Synchronized[int] = fork.Value(ctypes.c_longlong, 0)
        self.parts: dict[int, Outcome[int, list[R]]] = {}
        self.failure: BaseException | None = None
        self.collecting = True
        self.delivered = 0
        self.arrived = threading.Condition()
        self.workers: list[BaseProcess] = []
        pipes: list[_Reader[R]] = []
        try:
            for _ in range(jobs):
                reader, writer = fork.Pipe(duplex=False)
                pipes.append(reader)
                worker = fork.Process(
                    target=self._work, args=(writer, os.getpid()), name="kgbuild-worker"
                )
                try:
                    worker.start()
                finally:
                    writer.close()  # the worker holds the only other copy: its end is the EOF
                self.workers.append(worker)
        except BaseException:
            self._kill()
            for pipe in pipes:
                pipe.close()
            raise
        self.collector = threading.Thread(target=self._collect, args=(pipes,), daemon=True)
        self.collector.start()

    def _work(self, pipe: _Writer[R], parent: int) -> None:
        """In a worker: chunks until none is left, then None; or stop at the first error.
        Ctrl-C is left to the caller, which ends the workers as it unwinds."""
        _enter_worker(parent)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        while True:
            with self.next_chunk.get_lock():
                index = self.next_chunk.value
                self.next_chunk.value += 1
            if index >= len(self.chunks):
                break
            if not _send_outcome(pipe, index, partial(self._chunk, index)):
                return
        pipe.send(None)

    def _chunk(self, index: int) -> list[R]:
        return [self.task(item) for item in self.chunks[index]]

    def _collect(self, pipes: list[_Reader[R]]) -> None:
        """In a thread of this process: each pipe read until its worker closes it."""
        workers = dict(zip(pipes, self.workers, strict=True))
        finished: set[_Reader[R]] = set()
        try:
            while workers:
                for pipe in _readable(list(workers)):
                    try:
                        message = pipe.recv()
                    except EOFError:
                        worker = workers.pop(pipe)
                        pipe.close()
                        if pipe not in finished:
                            self._fail(_ended(worker))
                        continue
                    if message is None:
                        finished.add(pipe)
                        continue
                    if not message[1]:  # the worker stops at its first error
                        finished.add(pipe)
                    with self.arrived:
                        self.parts[message[0]] = message
                        self.arrived.notify_all()
        except BaseException as e:  # noqa: BLE001 - a result that cannot be read back
            self._fail(e)
        finally:
            for pipe in workers:
                pipe.close()
            with self.arrived:
                self.collecting = False
                self.arrived.notify_all()

    def _fail(self, error: BaseException) -> None:
        with self.arrived:
            self.failure = self.failure or error
            self.arrived.notify_all()

    def results(self) -> Iterator[R]:
        for index in range(len(self.chunks)):
            with self.arrived:
                while index not in self.parts and self.failure is None and self.collecting:
                    self.arrived.wait()
                if index not in self.parts:
                    raise self.failure or WorkerLost("the workers ended before all work was done")
                outcome = self.parts.pop(index)
            if not outcome[1]:
                raise _raised(outcome[2])
            self.delivered += 1
            yield from outcome[2]

    def stop(self) -> None:
        """Wait for the workers when all their work was read; else end them first."""
        if self.delivered < len(self.chunks):
            self._kill()
        for worker in self.workers:
            worker.join()
        self.collector.join()

    def _kill(self) -> None:
        for worker in self.workers:
            if worker.is_alive():
                worker.terminate()
        for worker in self.workers:
            worker.join()


def _run_background(
    task: Callable[[], T], pipe: Connection[Outcome[None, T], object], parent: int, sandboxed: bool
) -> None:
    _enter_worker(parent)

    def run() -> T:
        if sandboxed:
            from .sandbox import no_network

            no_network()
        return task()

    _send_outcome(pipe, None, run)


def in_background(task: Callable[[], T], jobs: int, sandboxed: bool = False) -> Callable[[], T]:
    """Start task() in a forked process now; the function returned waits for its result (or
    raises its exception), and must be called. With fewer than two jobs, task itself is
    returned: it runs when waited for. The task may not start processes of its own.

    sandboxed: always fork, whatever the jobs, and take the network away from the forked
    process before task runs (sandbox.no_network), for work that runs queries written by
    others; if the kernel refuses, waiting raises sandbox.SandboxUnavailable."""
    if not sandboxed and (jobs < 2 or not can_fork()):
        return task
    fork = multiprocessing.get_context("fork")
    reader: Connection[Never, Outcome[None, T]]
    reader, writer = fork.Pipe(duplex=False)
    process = fork.Process(
        target=_run_background,
        name="kgbuild-background",
        daemon=True,
        args=(task, writer, os.getpid(), sandboxed),
    )
    try:
        process.start()
    except BaseException:
        reader.close()
        raise
    finally:
        writer.close()

    def result() -> T:
        try:
            try:
                outcome = reader.recv()
            except EOFError:
                raise _ended(process) from None
            if not outcome[1]:
                raise _raised(outcome[2])
            return outcome[2]
        finally:
            reader.close()
            process.join()

    return result
