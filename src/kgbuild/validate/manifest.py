"""URI stability: every URI the register has published stays published, or is retired.

`data/published-uris.txt` lists every URI a build has published (sorted, one per line, written
with the default base). A build fails when a listed URI is neither in the data nor retired by a
row of a `tombstones.csv`; before a build's output is swapped in, new URIs are added to the
list, which is committed with the data. A URI never leaves the list.

The file is replaced whole (a temporary file beside it, synced, renamed over it) and carries the
SHA-256 of its URI lines: a file cut short, emptied or lost is an error, never "nothing was
published" (see docs/decisions/0016-manifest-and-swap.md).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import NamedNode, Triple

from ..model.errors import EnvironmentProblem, InputError, Loc, Problem
from ..model.terms import DEFAULT_BASE, RDF
from ..read.sources import Data

MANIFEST = "data/published-uris.txt"
HEADER = (
    "# Every URI the register has published: one per line, sorted, with the default base.\n"
    "# `kgbuild build` adds new ones; commit this file with the data. A URI never leaves this\n"
    "# list: a build that no longer has one fails unless a tombstones.csv row retires it.\n"
)
CHECKSUM = "# sha256: "  # then the hex SHA-256 of the URI lines, each with its newline
RESTORE = f"restore it from version control (git checkout {MANIFEST})"


def published(triples: list[Triple]) -> tuple[set[str], set[str]]:
    """Our URIs in the graph (which is under the default base, whatever base the build publishes
    under): things (id/, no fragment) and terms (def/); and every subject of ours with a type
    (hash IRIs too), in one pass."""
    live, typed = set(), set()
    n = len(DEFAULT_BASE)
    for t in triples:
        subject = t.subject
        if not isinstance(subject, NamedNode):
            continue
        iri = subject.value
        if not iri.startswith(DEFAULT_BASE):
            continue
        rest = iri[n:]
        if rest.startswith("def/") or (rest.startswith("id/") and "#" not in rest):
            live.add(iri)
        if t.predicate == RDF.type:
            typed.add(iri)
    return live, typed


def checksum(uris: Iterable[str]) -> str:
    return hashlib.sha256("".join(u + "\n" for u in uris).encode()).hexdigest()


def manifest_text(uris: Iterable[str]) -> str:
    uris = sorted(set(uris))
    return HEADER + CHECKSUM + checksum(uris) + "\n" + "".join(u + "\n" for u in uris)


def read_manifest(root: Path, published_before: bool = False) -> dict[str, int]:
    """{URI: line} of the manifest; empty when there is none and nothing was published before.
    An empty file, one whose checksum does not match its URI lines, or a missing one where a
    site was published before, is an InputError. A file without a checksum line (written by an
    earlier kgbuild, or one whose line was deleted after an edit by hand) is read as it is."""
    path = root / MANIFEST
    if not path.is_file():
        if published_before:
            raise InputError(
                [
                    Problem(
                        Loc(MANIFEST),
                        f"missing, but a site was built before: "
                        f"{RESTORE}; without it, URIs would be dropped unnoticed",
                    )
                ]
            )
        return {}
    entries: dict[str, int] = {}
    problems: list[Problem] = []
    uris: list[str] = []
    sums: list[tuple[int, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if line.startswith(CHECKSUM):
            sums.append((number, line[len(CHECKSUM) :]))
        if not line or line.startswith("#"):
            continue
        if not line.startswith(DEFAULT_BASE):
            problems.append(Problem(Loc(MANIFEST, number), f"not a URI of ours: {line[:80]!r}"))
        uris.append(line)
        entries.setdefault(line, number)
    if not entries and not problems:
        problems.append(Problem(Loc(MANIFEST, 1), f"holds no URI: the file was emptied; {RESTORE}"))
    for number, _ in sums[1:]:
        problems.append(Problem(Loc(MANIFEST, number), "a second checksum line"))
    if sums and entries and sums[0][1] != checksum(uris):
        problems.append(
            Problem(
                Loc(MANIFEST, sums[0][0]),
                (
                    f"checksum does not match the {len(uris)} URI line(s): the file was cut short or "
                    f"changed; {RESTORE}, or delete this line if the change was meant"
                ),
            )
        )
    if problems:
        raise InputError(problems)
    return entries


def tombstone_problems(data: Data, live: set[str], typed: set[str]) -> list[Problem]:
    """A tombstone retires a URI of ours that the data no longer has; its successor lives."""
    problems = []
    for r in data.rows("tombstones"):
        if not r["iri"].startswith(DEFAULT_BASE):
            problems.append(Problem(r.loc, f"iri: not a URI of ours: {r['iri']!r}"))
        elif r["iri"] in typed:
            problems.append(Problem(r.loc, f"iri: {r['iri']} is retired but still in the data"))
        successor = r["successor"]
        if successor and successor.startswith(DEFAULT_BASE) and successor not in live:
            problems.append(Problem(r.loc, f"successor: {successor} is not in the data"))
    return problems


def check_manifest(
    data: Data, triples: list[Triple], root: Path, published_before: bool = False
) -> list[str]:
    """Raise InputError for every published URI that is gone; return the URIs the manifest is
    to list after this build (those it lists and the new ones), sorted."""
    live, typed = published(triples)
    problems = tombstone_problems(data, live, typed)
    manifest = read_manifest(root, published_before)
    retired = {r["iri"] for r in data.rows("tombstones")}
    for iri, line in manifest.items():
        if iri not in live and iri not in retired:
            problems.append(
                Problem(
                    Loc(MANIFEST, line),
                    f"{iri} was published but is no longer "
                    "in the data: put it back, or retire it with a row in a "
                    "tombstones.csv (iri, reason_nl, reason_en, date, successor, "
                    "cites)",
                )
            )
    if problems:
        raise InputError(problems)
    return sorted(live | set(manifest))


def record(root: Path, uris: list[str]) -> bool:
    """Write the manifest listing uris, with its checksum, unless it holds exactly that text
    already (a project that publishes nothing gets none); True when it was written."""
    path = root / MANIFEST
    text = manifest_text(uris)
    if not uris or (path.is_file() and path.read_text(encoding="utf-8") == text):
        return False
    try:
        replace_file(path, text.encode())
    except OSError as e:
        raise EnvironmentProblem(f"{MANIFEST}: cannot write: {e.strerror or e}") from None
    return True


def temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def remove_temporaries(root: Path) -> None:
    """The temporary files of builds killed while writing the manifest."""
    path = root / MANIFEST
    for leftover in path.parent.glob(f".{path.name}.tmp-*"):
        leftover.unlink(missing_ok=True)


def replace_file(path: Path, data: bytes) -> None:
    """Replace path by a file holding data, whole or not at all, even across a crash: the bytes
    go to a temporary file beside it, synced, renamed over path, and the folder synced."""
    tmp = temporary(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
