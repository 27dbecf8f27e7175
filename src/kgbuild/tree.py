"""The last stage: a new output tree written beside dist/ as the emitters produce it, then
renamed into place in one step. Until that rename the old dist/ is untouched, and a build that
fails on the way leaves no trace of the new tree."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

LINK_MIN_BYTES = 1 << 20  # hard-link repeated files this large instead of writing them twice
NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def write_new(path: str, data: bytes) -> None:
    """Create a file that does not exist yet (never one written twice, nor one through a link),
    unbuffered: Python's open() adds a buffer, a stat, a seek and a tty check to each of the
    build's many small files."""
    fd = os.open(path, NEW_FILE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
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
        self.dist = dist
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
                path = self.folder / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                os.link(seen[1], path)
                continue
            self.put(rel, data)
            if len(data) >= LINK_MIN_BYTES:
                self.linkable[id(data)] = (data, self.folder / rel)

    def swap_in(self) -> None:
        """Rename the new tree to dist/ (the old one moved aside first), then remove the old."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.dist.exists():
            self.dist.rename(self.old)
        self.folder.rename(self.dist)
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
