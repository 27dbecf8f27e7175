"""The PSS sum of a process tree: private memory of every process counts, memory that forked
processes share counts once."""

from __future__ import annotations

import os

from kgbuild.bench.harness import timed_child

MB = 1 << 20


def tree(parent_mb: int, child_mb: int) -> str:
    """A script of three processes: the parent writes `parent_mb`, then two forked children
    read all of it (shared with the parent) and each write `child_mb` of their own."""
    return f"""
import os, time
def written(mb):
    data = bytearray(mb * {MB})
    for i in range(0, len(data), 4096): data[i] = 1
    return data
mine = written({parent_mb})
kids = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        assert sum(mine[i] for i in range(0, len(mine), {MB})) == {parent_mb}
        own = written({child_mb})
        time.sleep(2)
        os._exit(0)
    kids.append(pid)
for pid in kids: os.waitpid(pid, 0)
"""


PRIVATE = tree(60, 150)  # 60 + 150 + 150 MB, each process's own
SHARED = tree(200, 0)  # 200 MB written once, read by three processes


def test_the_pss_sum_counts_every_process_of_the_tree():
    env = dict(os.environ)
    alone = timed_child(["-c", PRIVATE], env)["peak_mb"]
    summed = timed_child(["-c", PRIVATE], env, pss=True)["peak_mb"]
    assert alone < 250  # one process's own peak: the parent's, or one child's
    assert 340 < summed < 500  # 60 + 150 + 150 and the interpreters


def test_the_pss_sum_counts_shared_pages_once():
    summed = timed_child(["-c", SHARED], dict(os.environ), pss=True)["peak_mb"]
    assert 190 < summed < 320  # 200 MB in three processes, not 600
