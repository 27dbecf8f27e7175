"""The PSS sum of a process tree: private memory of every process counts, memory that forked
processes share counts once."""

from __future__ import annotations

import os

from kgbuild.bench.harness import timed_child

MB = 1 << 20
# Three processes: the parent with 60 MB, then two children that each write 150 MB of their own.
PRIVATE = f"""
import os, time
mine = bytearray({60 * MB})
for i in range(0, len(mine), 4096): mine[i] = 1
kids = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        own = bytearray({150 * MB})
        for i in range(0, len(own), 4096): own[i] = 1
        time.sleep(2)
        os._exit(0)
    kids.append(pid)
for pid in kids: os.waitpid(pid, 0)
"""
# The parent writes 200 MB, then two children only read it: shared, it counts once.
SHARED = f"""
import os, time
mine = bytearray({200 * MB})
for i in range(0, len(mine), 4096): mine[i] = 1
kids = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        assert sum(mine[i] for i in range(0, len(mine), 1 << 20)) == 200
        time.sleep(2)
        os._exit(0)
    kids.append(pid)
for pid in kids: os.waitpid(pid, 0)
"""


def test_the_pss_sum_counts_every_process_of_the_tree():
    env = dict(os.environ)
    alone = timed_child(["-c", PRIVATE], env)["peak_mb"]
    summed = timed_child(["-c", PRIVATE], env, pss=True)["peak_mb"]
    assert alone < 250  # one process's own peak: the parent's, or one child's
    assert 340 < summed < 500  # 60 + 150 + 150 and the interpreters


def test_the_pss_sum_counts_shared_pages_once():
    summed = timed_child(["-c", SHARED], dict(os.environ), pss=True)["peak_mb"]
    assert 190 < summed < 320  # 200 MB in three processes, not 600
