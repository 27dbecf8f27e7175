"""Take the network away from the current process, for good: the processes that run SPARQL
written by others (the endpoint's per-query children, the build's validation) call
`no_network()` first.

The query engines can reach the network: pyoxigraph and rdflib both execute SERVICE (federated
query) with an HTTP client of their own, and neither has an option to turn that off. So the
kernel refuses instead: a seccomp filter (built with libseccomp through pyseccomp) lets
`socket()` make AF_UNIX sockets only, and refuses io_uring (which can open sockets without
`socket()`). The filter holds for every thread of the process and for every process it
starts, and cannot be lifted. Pipes, files and AF_UNIX sockets work as before.

`memory_limit()` caps the address space the process may still add, so that one query cannot
take the machine's memory.
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
import socket
from typing import TYPE_CHECKING

from ..model.errors import EnvironmentProblem

if TYPE_CHECKING:  # imported where it is used: a missing libseccomp is a SandboxUnavailable
    from pyseccomp import SyscallFilter

PR_SET_NO_NEW_PRIVS = 38
REFUSED = errno.EACCES  # what socket() answers: Python raises PermissionError


class SandboxUnavailable(EnvironmentProblem):
    """The kernel (or the system) does not let this process give up its network."""


def _set_no_new_privs() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise SandboxUnavailable(f"cannot set no_new_privs: {os.strerror(err)}")


def _filter() -> SyscallFilter:
    try:
        import pyseccomp as seccomp
    except (ImportError, RuntimeError, OSError) as e:  # RuntimeError: no libseccomp.so.2
        raise SandboxUnavailable(
            f"cannot take the network away from queries: libseccomp is not usable here ({e})"
        ) from None
    f = seccomp.SyscallFilter(seccomp.ALLOW)
    f.set_attr(seccomp.Attr.CTL_TSYNC, 1)  # every thread of the process, or fail
    f.add_rule(seccomp.ERRNO(REFUSED), "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    f.add_rule(seccomp.ERRNO(REFUSED), "socketpair", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    for name in ("io_uring_setup", "io_uring_enter", "io_uring_register"):
        f.add_rule(seccomp.ERRNO(errno.ENOSYS), name)
    return f


def no_network() -> None:
    """From now on this process (and what it starts) can open no network socket; irreversible.

    Raises SandboxUnavailable if the kernel refuses: the caller never runs unsandboxed."""
    _set_no_new_privs()
    f = _filter()
    try:
        f.load()
    except OSError as e:
        raise SandboxUnavailable(
            f"the kernel refuses the seccomp filter that takes the network away from queries: {e}"
        ) from None


def vm_size() -> int:
    """Bytes of address space this process maps now."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def memory_limit(nbytes: int) -> None:
    """Let this process map at most nbytes more than it maps now (RLIMIT_AS): past that an
    allocation fails (MemoryError in Python; the engine's allocator aborts the process).

    Counted on top of what is mapped already because a forked child starts with all of its
    parent's mappings (the store, the interpreter), which it shares and does not add to."""
    limit = vm_size() + nbytes
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
