"""Work spread over forked workers gives what the same work gives in one process, in order."""

from __future__ import annotations

import os

import pytest

from kgbuild.parallel import MIN_ITEMS, available_cores, ordered_iter


def ordered_map(task, items, jobs):
    return list(ordered_iter(task, items, jobs))


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


def test_jobs_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("KGBUILD_JOBS", "3")
    assert available_cores() == 3
    monkeypatch.setenv("KGBUILD_JOBS", "none")
    assert available_cores() == len(os.sched_getaffinity(0))
