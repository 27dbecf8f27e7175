"""Work spread over forked workers gives what the same work gives in one process, in order."""

from __future__ import annotations

import os

import pytest

from kgbuild.model.errors import InputError, Loc, Problem
from kgbuild.runtime.parallel import MIN_ITEMS, available_cores, in_background, started


def ordered_map(task, items, jobs):
    with started(task, items, jobs) as results:
        return list(results)


def test_workers_give_the_serial_results_in_item_order():
    items = list(range(MIN_ITEMS * 2 + 7))
    parent = os.getpid()
    pids = ordered_map(lambda i: os.getpid(), items, jobs=2)
    squares = ordered_map(lambda i: i * i, items, jobs=2)
    assert squares == [i * i for i in items]
    assert parent not in set(pids)  # the work really ran in other processes


def test_small_inputs_stay_in_this_process():
    assert set(ordered_map(lambda i: os.getpid(), list(range(10)), jobs=2)) == {os.getpid()}


def test_an_error_in_a_worker_reaches_the_caller():
    def task(i):
        if i == MIN_ITEMS + 1:
            raise ValueError(f"item {i}")
        return i
    with pytest.raises(ValueError, match=f"item {MIN_ITEMS + 1}"):
        ordered_map(task, list(range(MIN_ITEMS * 2)), jobs=2)


def test_started_work_runs_before_its_results_are_read():
    """The caller does its own work while the workers go on (the pages about the whole site
    are made while the resource pages render)."""
    import time

    items = list(range(MIN_ITEMS))
    with started(lambda i: time.monotonic(), items, jobs=2) as results:
        time.sleep(0.5)
        read_from = time.monotonic()
        done = list(results)
    assert len(done) == len(items) and max(done) < read_from
    with started(lambda i: time.monotonic(), items, jobs=1) as results:
        read_from = time.monotonic()
        assert min(results) >= read_from  # no workers: each result is made as it is read


def test_jobs_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("KGBUILD_JOBS", "3")
    assert available_cores() == 3
    monkeypatch.setenv("KGBUILD_JOBS", "none")
    assert available_cores() == len(os.sched_getaffinity(0))


def test_background_work_runs_in_another_process_while_this_one_goes_on():
    import time

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


def test_with_one_core_background_work_runs_when_waited_for():
    ran = []
    wait = in_background(lambda: ran.append(os.getpid()) or len(ran), jobs=1)
    assert ran == []
    assert wait() == 1 and ran == [os.getpid()]


def test_the_heap_is_frozen_only_while_forked_processes_share_it():
    """The collector skips the objects the workers share while they run (so it neither walks
    the graph in every process nor copies its pages), and may free them again afterwards."""
    import gc

    shared = [[i] for i in range(10)]  # lists: objects the collector tracks

    def collectable(_=None) -> bool:
        return any(o is shared[0] for o in gc.get_objects())

    assert collectable()
    assert set(ordered_map(collectable, list(range(MIN_ITEMS)), jobs=2)) == {False}
    assert collectable()
    wait = in_background(collectable, jobs=2)
    assert not collectable()
    assert wait() is False
    assert collectable()


def test_background_work_that_cannot_start_leaves_the_heap_unfrozen(monkeypatch):
    import gc

    from kgbuild.runtime import parallel

    def no_processes(*args, **kwargs):
        raise OSError("cannot fork")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_processes)
    with pytest.raises(OSError, match="cannot fork"):
        in_background(lambda: None, jobs=2)
    assert gc.get_freeze_count() == 0


def test_the_collector_pauses_in_this_process_only():
    """Paused here while the block runs, as it was afterwards; the forked workers collect."""
    import gc

    from kgbuild.runtime.parallel import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        assert set(ordered_map(lambda i: gc.isenabled(), list(range(MIN_ITEMS)), jobs=2)) == {True}
        assert in_background(gc.isenabled, jobs=2)() is True
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
