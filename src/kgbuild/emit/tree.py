"""The end of the emit stage: a new output tree written beside dist/ as the emitters produce it, then
exchanged with dist/ in one step. Until then the old dist/ is untouched, a build that fails on
the way leaves no trace of the new tree, and at every instant dist/ is the old tree or the new
one, whole (see docs/decisions/0016-manifest-and-swap.md)."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from ..model.errors import EnvironmentProblem

LINK_MIN_BYTES = 1 << 20  # hard-link repeated files this large instead of writing them twice
NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
RENAME_EXCHANGE = 2  # linux/fs.h
AT_FDCWD = -100
LOCK_POLL = 0.1  # seconds between two tries for a lock held by another build


def _renameat2() -> Callable[[int, bytes, int, bytes, int], int] | None:
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2  # glibc 2.28 and later
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_RENAMEAT2 = _renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux renameat2 with RENAME_EXCHANGE): no instant
    where either name is missing. False where the system or the file system cannot."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def output_folder(dist: Path) -> Path:
    """Where the output really lives: a dist that is a symlink (the user's own, to a folder the
    web server serves, say) is followed, so that the folder it names is the one replaced."""
    return Path(os.path.realpath(dist))


def _leftover(dist: Path) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(dist.name)}\.(new|old)-\d+")


def recover(dist: Path) -> None:
    """Undo what a build killed on the way left beside dist (call with the lock held): a dist
    moved aside by the two-rename swap and not replaced is moved back, and the trees of killed
    builds (dist.new-PID, dist.old-PID) are removed."""
    leftovers = (
        [p for p in dist.parent.iterdir() if _leftover(dist).fullmatch(p.name)]
        if dist.parent.is_dir()
        else []
    )
    old = sorted((p for p in leftovers if ".old-" in p.name), key=lambda p: p.lstat().st_ctime)
    if not os.path.lexists(dist) and old:
        os.rename(old[-1], dist)
        leftovers.remove(old[-1])
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def locked(
    folders: Iterable[Path],
    wait: float | None = None,
    waiting: Callable[[Path], None] = lambda _: None,
) -> Iterator[None]:
    """Hold an exclusive lock (flock) on each folder while the block runs: one build at a time
    writes a project's data/ and an output folder's siblings. Another build holding one is
    waited for, at most `wait` seconds (None: as long as it takes; waiting(folder) is called
    first); then EnvironmentProblem.
    The kernel releases the locks when the process ends, however it ends."""
    with ExitStack() as stack:
        for folder in sorted({Path(os.path.realpath(f)) for f in folders}):
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            stack.callback(os.close, fd)
            _lock(fd, folder, wait, waiting)
        yield


def _lock(fd: int, folder: Path, wait: float | None, waiting: Callable[[Path], None]) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        waiting(folder)
    if wait is None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise EnvironmentProblem(
                    f"{folder}: another kgbuild build is running here (gave up after {wait:g} s; "
                    "--wait SECONDS waits longer)"
                ) from None
            time.sleep(LOCK_POLL)


def write_new(path: str, data: bytes) -> None:
    """Create a file that does not exist yet (never one written twice, nor one through a link),
    unbuffered: Python's open() adds a buffer, a stat, a seek and a tty check to each of the
    build's many small files."""
    fd = os.open(path, NEW_FILE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def link_unchanged(old: str, path: str, data: bytes) -> bool:
    """An unchanged file keeps its inode (and its mtime, so Last-Modified stays): no new file
    to create and no old one to delete, which is most of a rebuild's disk work."""
    try:
        if os.stat(old).st_size != len(data):
            return False
        with open(old, "rb") as f:
            if f.read() != data:
                return False
        os.link(old, path)
        return True
    except OSError:
        return False


class NewTree:
    """Files written under a folder beside dist/. A large file whose bytes are the very object of
    one already written (download/latest/ and download/{version}/) becomes a hard link to it, and
    so does a file whose bytes equal those of the same file in the old dist/."""

    def __init__(self, dist: Path):
        self.dist = dist = output_folder(dist)
        self.folder = dist.with_name(f"{dist.name}.new-{os.getpid()}")
        self.old = dist.with_name(f"{dist.name}.old-{os.getpid()}")
        self.folders: set[str] = set()
        self.has_old = dist.is_dir()  # only then can a file be linked instead of written
        self.linkable: dict[int, tuple[bytes, Path]] = {}  # keeps the bytes, so ids stay unique
        self.discard()

    def put(self, rel: str, data: bytes) -> None:
        """Write one file, or hard-link the file of the old dist/ if it holds the same bytes;
        safe to call from the forked workers that render the pages."""
        path = f"{self.folder}/{rel}"
        parent = path.rpartition("/")[0]
        if parent not in self.folders:
            os.makedirs(parent, exist_ok=True)
            self.folders.add(parent)
        if self.has_old and link_unchanged(f"{self.dist}/{rel}", path, data):
            return
        write_new(path, data)

    def write(self, files: Iterable[tuple[str, bytes]]) -> None:
        """Write (relative path, bytes) pairs as they come, hard-linking repeated large ones."""
        for rel, data in files:
            seen = self.linkable.get(id(data))
            if seen is not None and seen[0] is data:
                self.link(seen[1], rel)
                continue
            self.put(rel, data)
            if len(data) >= LINK_MIN_BYTES:
                self.linkable[id(data)] = (data, self.folder / rel)

    def put_copies(self, rels: Sequence[str], data: bytes) -> None:
        """The same bytes at each of `rels`: written at the first, and at the others hard links
        to it when large (as write() does for bytes written twice), without keeping the bytes."""
        first, *others = rels
        self.put(first, data)
        for rel in others:
            if len(data) >= LINK_MIN_BYTES:
                self.link(self.folder / first, rel)
            else:
                self.put(rel, data)

    def link(self, written: Path, rel: str) -> None:
        path = self.folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        os.link(written, path)

    def swap_in(self) -> None:
        """Exchange the new tree with dist/ in one step, then remove the old one. Where the file
        system cannot exchange, the old is renamed aside and the new renamed in its place; a
        build killed between the two leaves no dist/, and the next one's recover() puts the old
        back."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.dist.is_dir():
            if exchange(self.folder, self.dist):
                os.rename(self.folder, self.old)
            else:
                os.rename(self.dist, self.old)
                os.rename(self.folder, self.dist)
        elif os.path.lexists(self.dist):
            raise EnvironmentProblem(f"{self.dist}: not a folder; a build replaces only a folder")
        else:
            os.rename(self.folder, self.dist)
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        shutil.rmtree(self.old, ignore_errors=True)


@contextmanager
def new_tree(dist: Path) -> Iterator[NewTree]:
    """A tree to write into; whatever has not been swapped in when the block ends is removed."""
    tree = NewTree(dist)
    try:
        yield tree
    finally:
        tree.discard()
