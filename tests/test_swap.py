"""Builds killed at every step, two at once, stopped by SIGTERM: dist/ is always one whole tree,
the URI manifest always whole, and the next build cleans up and succeeds."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kgbuild.validate.manifest import CHECKSUM, MANIFEST, read_manifest

TITLE = 'title_nl = "Register van de cultuurregio\'s"'

# Run in a child process: `kgbuild build` that SIGKILLs itself at its Nth step once the URI
# manifest is about to be recorded: step 1 is that moment, each later one the moment after one
# call of a function that writes the manifest or swaps the tree in (no time passes between one
# call's end and the next one's start). With "fallback", the file system is taken to have no
# RENAME_EXCHANGE, so the tree is swapped in by two renames, and only these count as steps.
KILLER = """
import os, shutil, signal, sys
import kgbuild.build as build, kgbuild.emit.tree as tree
from kgbuild.cli import main

root, target, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
me, steps = os.getpid(), [None]

def step():
    if steps[0] is not None and os.getpid() == me:
        steps[0] += 1
        if steps[0] == target:
            os.kill(me, signal.SIGKILL)

def hooked(module, name):
    real = getattr(module, name)
    def call(*args, **kwargs):
        result = real(*args, **kwargs)
        step()
        return result
    setattr(module, name, call)

real_record = build.record
def record(*args):
    steps[0] = 0
    step()
    return real_record(*args)
build.record = record
if mode == "fallback":
    tree.exchange = lambda a, b: False
    hooked(os, "rename")
else:
    for module, name in ((os, "replace"), (os, "rename"), (os, "fsync"), (tree, "exchange"),
                         (shutil, "rmtree")):
        hooked(module, name)
sys.exit(main(["build", "--root", root, "-q"]))
"""


def digest(folder: Path) -> dict[str, str]:
    """Every file of a tree and the SHA-256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def kgbuild(project: Path, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "kgbuild.cli", "build", "--root", str(project), "-q", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def build_ok(project: Path) -> None:
    child = kgbuild(project)
    _, err = child.communicate(timeout=300)
    assert (child.returncode, err) == (0, ""), err


def set_title(project: Path, title: str) -> None:
    toml = project / "data/dataset.toml"
    text = toml.read_text(encoding="utf-8")
    current = next(line for line in text.splitlines() if line.startswith("title_nl = "))
    toml.write_text(text.replace(current, title), encoding="utf-8")


def leftovers(project: Path) -> list[str]:
    return sorted(p.name for p in project.iterdir() if p.name.startswith("dist.")) + sorted(
        p.name for p in (project / "data").iterdir() if ".tmp-" in p.name
    )


def children(pid: int) -> set[int]:
    """The live processes whose parent is pid (a /proc scan; zombies are not alive)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == str(pid) and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def alive(pids: set[int]) -> set[int]:
    live = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            live.add(pid)
    return live


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout} s: {what}")


def publishing(project: Path, child: subprocess.Popen, files: int = 300) -> Path:
    """The new tree once the workers have written that many files into it."""
    new = project / f"dist.new-{child.pid}"

    def far_enough():
        assert child.poll() is None, child.communicate()
        return new.is_dir() and sum(1 for _ in new.rglob("*")) >= files

    wait_until(far_enough, 120, "the build publishing")
    return new


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    """A project with its manifest as an earlier kgbuild wrote it (no checksum line), and the
    digests of its two sites: A (the bundled title) and B (another title)."""
    import shutil

    from conftest import PROJECT_DIRS, ROOT

    project = tmp_path_factory.mktemp("swap")
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, project / name)
    text = (project / MANIFEST).read_text(encoding="utf-8")
    legacy = "".join(line for line in text.splitlines(True) if not line.startswith(CHECKSUM))
    set_title(project, 'title_nl = "Cultuurregioregister B"')
    build_ok(project)
    site_b = digest(project / "dist")
    set_title(project, TITLE)
    build_ok(project)
    site_a = digest(project / "dist")
    assert site_a != site_b
    written = (project / MANIFEST).read_bytes()
    assert written != legacy.encode()
    return project, {"A": site_a, "B": site_b}, legacy, written


def whole(project: Path, sites: dict[str, dict[str, str]]) -> str:
    """The name of the site dist/ holds, byte for byte; fails for anything else."""
    dist = digest(project / "dist")
    name = next((n for n, site in sites.items() if site == dist), None)
    assert name, f"dist/ is neither site: {len(dist)} files"
    return name


@pytest.mark.parametrize("mode", ["exchange", "fallback"])
def test_a_build_killed_at_every_step_leaves_one_whole_site_and_manifest(trees, mode):
    project, sites, legacy, written = trees
    uris = set(read_manifest(project))
    current, kills, gaps = whole(project, sites), 0, 0
    for target in range(1, 40):
        other = "B" if current == "A" else "A"
        set_title(project, 'title_nl = "Cultuurregioregister B"' if other == "B" else TITLE)
        (project / MANIFEST).write_text(legacy, encoding="utf-8")
        child = subprocess.run(
            [sys.executable, "-c", KILLER, str(project), str(target), mode],
            check=False,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert (project / MANIFEST).read_bytes() in (legacy.encode(), written)
        assert set(read_manifest(project)) == uris  # its checksum, when it has one, holds
        if mode == "fallback" and not (project / "dist").exists():
            # killed between the two renames: the old site is whole beside, for the next build
            aside = [p for p in project.iterdir() if p.name.startswith("dist.old-")]
            assert len(aside) == 1
            assert digest(aside[0]) == sites[current]
            assert child.returncode == -signal.SIGKILL, child.stderr
            gaps += 1
            continue
        before, current = current, whole(project, sites)
        if child.returncode == 0:
            break
        assert child.returncode == -signal.SIGKILL, child.stderr
        kills += 1
    else:
        raise AssertionError("the build never ended")
    assert (before, current) == ("A" if other == "B" else "B", other)
    # every step was tried: arming; fsync, rename, fsync of the manifest; exchange, rename, removal
    # of the old tree; or arming and the two renames
    assert kills >= (7 if mode == "exchange" else 2)
    assert gaps == (mode == "fallback")
    assert leftovers(project) == []  # those of the killed builds, removed by the last one
    assert (project / MANIFEST).read_bytes() == written


def test_a_build_killed_while_publishing_takes_its_workers_along(trees):
    """SIGKILL to the build's own process only: its workers end by themselves (they would block
    for ever on the pipe to the gone parent), dist/ is as it was, the next build cleans up."""
    project, sites, _, written = trees
    before = whole(project, sites)
    set_title(project, TITLE if before == "B" else 'title_nl = "Cultuurregioregister B"')
    child = kgbuild(project)
    try:
        publishing(project, child)
        workers = children(child.pid)
        assert workers
        child.kill()
        child.wait(10)
        wait_until(lambda: not alive(workers), 5, f"workers {alive(workers)} ended")
    finally:
        child.kill()
        child.communicate()
    assert whole(project, sites) == before
    assert (project / MANIFEST).read_bytes() == written
    assert leftovers(project) == [f"dist.new-{child.pid}"]
    build_ok(project)
    assert whole(project, sites) != before
    assert leftovers(project) == []


def test_sigterm_stops_the_build_and_its_workers_and_keeps_dist(trees):
    project, sites, _, written = trees
    before = whole(project, sites)
    set_title(project, TITLE if before == "B" else 'title_nl = "Cultuurregioregister B"')
    child = kgbuild(project)
    try:
        publishing(project, child)
        workers = children(child.pid)
        assert workers
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=5)
        wait_until(lambda: not alive(workers), 5, f"workers {alive(workers)} ended")
    finally:
        child.kill()
    assert child.returncode == 128 + signal.SIGTERM
    assert err.splitlines() == [
        "error: stopped by SIGTERM: the new tree was removed, the output is as it was"
    ]
    assert whole(project, sites) == before
    assert leftovers(project) == []
    assert (project / MANIFEST).read_bytes() == written


def test_two_builds_at_once_one_after_the_other_or_the_second_gives_up(trees):
    project, sites, _, _ = trees
    first, second = kgbuild(project), kgbuild(project)
    results = [(c.wait(300), c.communicate()[1]) for c in (first, second)]
    assert results == [(0, ""), (0, "")]
    assert whole(project, sites)
    assert leftovers(project) == []

    first = kgbuild(project)
    try:
        publishing(project, first, files=10)
        second = kgbuild(project, "--wait", "0.5")
        _, err = second.communicate(timeout=60)
        assert second.returncode == 4
        assert err.splitlines() == [
            (
                f"error: {project}: another kgbuild build is running "
                "here (gave up after 0.5 s; --wait SECONDS waits longer)"
            )
        ]
        assert first.wait(300) == 0
    finally:
        first.kill()
        first.communicate()
    whole(project, sites)
    assert leftovers(project) == []
