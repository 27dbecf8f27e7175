"""URI stability: every URI the register has published stays published, or is retired.

`data/published-uris.txt` lists every URI a build has published (sorted, one per line, written
with the default base). A build fails when a listed URI is neither in the data nor retired by a
row of a `tombstones.csv`; after a successful build, new URIs are added to the list, which is
committed with the data. A URI never leaves the list.
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import NamedNode, Triple

from .errors import InputError, Loc, Problem
from .read import Data
from .terms import DEFAULT_BASE, RDF

MANIFEST = "data/published-uris.txt"
HEADER = (
    "# Every URI the register has published: one per line, sorted, with the default base.\n"
    "# `kgbuild build` adds new ones; commit this file with the data. A URI never leaves this\n"
    "# list: a build that no longer has one fails unless a tombstones.csv row retires it.\n"
)


def published(triples: list[Triple], base: str) -> tuple[set[str], set[str]]:
    """Our URIs in the graph, under the default base: things (id/, no fragment) and terms
    (def/); and every subject of ours with a type (hash IRIs too), in one pass."""
    live, typed = set(), set()
    n = len(base)
    for t in triples:
        subject = t.subject
        if not isinstance(subject, NamedNode):
            continue
        iri = subject.value
        if not iri.startswith(base):
            continue
        rest = iri[n:]
        if rest.startswith("def/") or (rest.startswith("id/") and "#" not in rest):
            live.add(DEFAULT_BASE + rest)
        if t.predicate == RDF.type:
            typed.add(DEFAULT_BASE + rest)
    return live, typed


def read_manifest(root: Path) -> dict[str, int]:
    """{URI: line} of the manifest; empty when there is none yet."""
    path = root / MANIFEST
    if not path.is_file():
        return {}
    entries, problems = {}, []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not line.startswith(DEFAULT_BASE):
            problems.append(Problem(Loc(MANIFEST, number), f"not a URI of ours: {line[:80]!r}"))
        entries.setdefault(line, number)
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


def check_manifest(data: Data, triples: list[Triple], base: str, root: Path) -> list[str]:
    """Raise InputError for every published URI that is gone; return the new URIs, sorted."""
    live, typed = published(triples, base)
    problems = tombstone_problems(data, live, typed)
    manifest = read_manifest(root)
    retired = {r["iri"] for r in data.rows("tombstones")}
    for iri, line in manifest.items():
        if iri not in live and iri not in retired:
            problems.append(Problem(Loc(MANIFEST, line), f"{iri} was published but is no longer "
                                    "in the data: put it back, or retire it with a row in a "
                                    "tombstones.csv (iri, reason_nl, reason_en, date, successor, "
                                    "cites)"))
    if problems:
        raise InputError(problems)
    return sorted(live - set(manifest))


def record(root: Path, new: list[str]) -> None:
    """Add new URIs to the manifest (sorted, one per line); nothing happens without new ones."""
    if not new:
        return
    path = root / MANIFEST
    uris = sorted(set(read_manifest(root)) | set(new))
    path.write_text(HEADER + "".join(u + "\n" for u in uris), encoding="utf-8")
