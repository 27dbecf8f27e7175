"""Work spread over forked workers gives what the same work gives in one process, in order."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

from kgbuild.model.errors import InputError, Loc, Problem
from kgbuild.runtime.parallel import (
    MIN_ITEMS,
    Pool,
    RemoteTraceback,
    WorkerLost,
    in_background,
)


def test_workers_give_the_serial_results_in_item_order():
    items = list(range(MIN_ITEMS * 2 + 7))
    parent = os.getpid()
    pids = Pool(lambda i: os.getpid(), 2).map(items)
    squares = Pool(lambda i: i * i, 2).map(items)
    assert squares == [i * i for i in items]
    assert parent not in set(pids)  # the work really ran in other processes
    assert multiprocessing.active_children() == []  # and they are gone


def test_small_inputs_stay_in_this_process():
    assert set(Pool(lambda i: os.getpid(), 2).map(list(range(10)))) == {os.getpid()}
    assert set(Pool(lambda i: os.getpid(), 1).map(list(range(MIN_ITEMS)))) == {os.getpid()}


def test_two_pools_with_their_own_tasks_run_one_after_another_and_side_by_side():
    items = list(range(MIN_ITEMS * 3))
    double, negate = Pool(lambda i: 2 * i, 2), Pool(lambda i: -i, 2)
    assert double.map(items) == [2 * i for i in items]
    assert negate.map(items) == [-i for i in items]
    with double.started(items) as doubled, negate.started(items) as negated:
        assert list(zip(doubled, negated, strict=True)) == [(2 * i, -i) for i in items]
    assert double.map(items[:MIN_ITEMS]) == [2 * i for i in range(MIN_ITEMS)]  # again


def test_a_pool_inside_another_pools_task_forks_from_the_worker():
    inner = Pool(lambda i: (os.getpid(), os.getppid(), i), 2)

    def task(i: int) -> tuple[int, list[tuple[int, int, int]]]:
        return os.getpid(), inner.map(list(range(MIN_ITEMS))) if i == 0 else []

    outer = Pool(task, 2)
    results = outer.map(list(range(MIN_ITEMS)))
    worker, nested = results[0]
    assert [i for _, _, i in nested] == list(range(MIN_ITEMS))
    assert {parent for _, parent, _ in nested} == {worker} != {os.getpid()}


def test_a_pool_started_again_inside_its_own_round_is_refused():
    items = list(range(MIN_ITEMS))
    for jobs in (1, 2):
        pool = Pool(lambda i: i, jobs)
        with pool.started(items) as results:
            with pytest.raises(RuntimeError, match="already running"):
                pool.map(items)
            assert list(results) == items
        assert pool.map(items) == items  # and runs again once the round is over
        with pytest.raises(RuntimeError, match="already running"):
            recursive(jobs).map(items)


def recursive(jobs: int) -> Pool:
    """A pool whose task uses the pool itself."""
    pool = Pool(lambda i: pool.map([i] * MIN_ITEMS), jobs)
    return pool


def test_an_error_in_a_worker_reaches_the_caller_with_its_traceback():
    def task(i):
        if i == MIN_ITEMS + 1:
            raise ValueError(f"item {i}")
        return i

    with pytest.raises(ValueError, match=f"item {MIN_ITEMS + 1}") as e:
        Pool(task, 2).map(list(range(MIN_ITEMS * 2)))
    assert isinstance(e.value.__cause__, RemoteTraceback)
    assert "in task" in str(e.value.__cause__)
    assert multiprocessing.active_children() == []


def test_an_error_that_cannot_be_pickled_arrives_by_its_name():
    class Local(Exception):  # defined in a function: pickle cannot find it again
        pass

    def task(i):
        if i == 5:
            raise Local("the message")
        return i

    with pytest.raises(RuntimeError, match="Local: the message"):
        Pool(task, 2).map(list(range(MIN_ITEMS)))


def test_a_worker_that_is_killed_fails_the_round_instead_of_hanging_it():
    def task(i):
        if i == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return i

    start = time.monotonic()
    with pytest.raises(WorkerLost, match="killed by signal 9"):
        Pool(task, 2).map(list(range(MIN_ITEMS * 2)))
    assert time.monotonic() - start < 30
    assert multiprocessing.active_children() == []


def test_leaving_the_block_early_stops_the_workers():
    items = list(range(MIN_ITEMS * 4))
    with Pool(lambda i: time.sleep(0.01) or i, 2).started(items) as results:
        assert next(iter(results)) == 0
    assert multiprocessing.active_children() == []


def test_started_work_runs_before_its_results_are_read():
    """The caller does its own work while the workers go on (the pages about the whole site
    are made while the resource pages render)."""
    items = list(range(MIN_ITEMS))
    with Pool(lambda i: time.monotonic(), 2).started(items) as results:
        time.sleep(0.5)
        read_from = time.monotonic()
        done = list(results)
    assert len(done) == len(items) and max(done) < read_from
    with Pool(lambda i: time.monotonic(), 1).started(items) as results:
        read_from = time.monotonic()
        assert min(results) >= read_from  # no workers: each result is made as it is read


def test_workers_sending_more_than_a_pipe_holds_do_not_wait_for_the_caller():
    """The results are read as they come while the caller is busy elsewhere: a worker never
    waits for room in its pipe (64 KiB) until the caller reads."""
    items = list(range(MIN_ITEMS * 4))
    with Pool(lambda i: (time.monotonic(), b"x" * 20_000), 2).started(items) as results:
        time.sleep(1.0)
        read_from = time.monotonic()
        done = [t for t, _ in results]
    assert max(done) < read_from


def test_background_work_runs_in_another_process_while_this_one_goes_on():
    wait = in_background(lambda: (os.getpid(), time.time()), jobs=2)
    here = time.time()
    pid, finished = wait()
    assert pid != os.getpid()
    assert finished - here < 5


def test_an_input_error_in_background_work_reaches_the_caller_whole():
    """The problems travel back with their file:line, not as the text of the message."""

    def task():
        raise InputError([Problem(Loc("shapes/x.rq", 3), "violation query failed: boom")])

    for jobs in (1, 2):
        wait = in_background(task, jobs=jobs)
        with pytest.raises(InputError) as e:
            wait()
        assert e.value.lines() == ["shapes/x.rq:3: violation query failed: boom"]


def test_background_work_that_is_killed_is_an_error_when_waited_for():
    wait = in_background(lambda: os.kill(os.getpid(), signal.SIGKILL), jobs=2)
    with pytest.raises(WorkerLost, match="killed by signal 9"):
        wait()


def test_with_one_core_background_work_runs_when_waited_for():
    ran = []
    wait = in_background(lambda: ran.append(os.getpid()) or len(ran), jobs=1)
    assert ran == []
    assert wait() == 1 and ran == [os.getpid()]


def running(pid: int) -> bool:
    """The process exists and has not ended (a zombie has)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_workers_end_with_their_parent():
    """SIGKILL to the process that forked them: its workers do not outlive it."""
    import subprocess
    import sys

    script = """
import os, sys, time
from kgbuild.runtime.parallel import Pool
def task(i):
    if i == 0:
        print(os.getpid(), os.getppid(), flush=True)
    time.sleep(60)
with Pool(task, 2).started(list(range(100))) as results:
    list(results)
"""
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        worker, parent = map(int, child.stdout.readline().split())
        assert parent == child.pid
        child.kill()
        child.wait(10)
        deadline = time.monotonic() + 10
        while running(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(worker)
    finally:
        child.kill()
        child.communicate()


def test_ctrl_c_is_one_interruption_of_the_caller_not_one_per_worker():
    """SIGINT to the whole process group (a terminal's Ctrl-C): the workers leave it to the
    caller, which ends them as it unwinds; no worker prints a traceback."""
    import subprocess
    import sys

    script = """
import signal, sys, time
from kgbuild.runtime.parallel import Pool
signal.signal(signal.SIGINT, signal.default_int_handler)  # as from a terminal, whatever ran us
def task(i):
    if i == 0:
        print("started", flush=True)
    time.sleep(0.05)
    return i
try:
    Pool(task, 2).map(list(range(400)))
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(130)
"""
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert child.stdout.readline() == "started\n"
        time.sleep(0.3)
        os.killpg(child.pid, signal.SIGINT)
        out, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert (child.returncode, out, err) == (130, "interrupted\n", "")
