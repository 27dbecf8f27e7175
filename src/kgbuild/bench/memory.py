"""The memory of a process with all its descendants: the sum of their PSS (proportional set
size: a page that n processes share counts 1/n in each, so shared pages count once in the sum),
sampled while the process runs; and a child's own peak, ru_maxrss, which the other tables give:
one process's peak, counting the pages it shares with its forked workers in full."""

from __future__ import annotations

import os
import subprocess
import threading
from types import TracebackType
from typing import Self


def waited(proc: subprocess.Popen[bytes]) -> tuple[int, float]:
    """Wait for a child; its exit code and peak memory in MB (its own ru_maxrss)."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024


def descendants(root: int) -> list[int]:
    """The process and every process below it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    ppid = int(f.read().rpartition(b")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # ended meanwhile
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def pss_kb(pid: int) -> int:
    """A process's PSS in kB; 0 for one that has ended."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pss_mb(root: int) -> float:
    return sum(pss_kb(pid) for pid in descendants(root)) / 1024


class PeakPss:
    """While the block runs, tree_pss_mb(pid) is sampled every `every` seconds on a thread;
    `peak` is the highest sum seen."""

    def __init__(self, pid: int, every: float = 0.25):
        self.pid, self.every, self.peak = pid, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, tree_pss_mb(self.pid))
            if self._stop.wait(self.every):
                return

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
