"""Validation of one dump by other SHACL engines, each as a whole process, beside ours.

The same N-Triples dump and the same shapes (shapes/*.ttl as one N-Triples file) go to each
engine that is installed: Apache Jena's `shacl validate` (the Debian package
libapache-jena-java), pyshacl's command line, and ours (`kgbuild.bench.probe validate`: the dump
loaded into an embedded store, then the shapes, then, in a second row, the *-violation.rq
queries too, which the peers cannot run: they are not SHACL). Each row is wall time and the
process's peak resident memory (ru_maxrss from wait4), parsing included.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from .memory import waited

JARS = Path("/usr/share/java")
# jars of other packages that bind or bridge slf4j a second time; Jena then stops at start
CONFLICTING = re.compile(
    r"log4j-over-slf4j|slf4j-log4j12|slf4j-jdk|slf4j-simple|jcl-over|slf4j-nop|maven3-slf4j"
)
SHAPES_ONLY = "parse + SHACL Core shapes"
WITH_QUERIES = "parse + shapes + *-violation.rq"


@dataclass(frozen=True)
class Peer:
    name: str
    covers: str
    version: str
    argv: list[str]
    conforms: re.Pattern[str]  # what its output says when the graph conforms


def jena(work: Path, shapes: Path, dump: Path, jars: Path = JARS) -> Peer | None:
    """Jena's `shacl validate`, when the Debian package and java are installed.

    As packaged (4.5.0) it stops at start: the XML Schema datatypes it bundles look up their
    messages under xerces/..., and the jar holds them under org/apache/jena/ext/xerces/...;
    copied to where they are looked up, on the class path, it runs."""
    java = shutil.which("java")
    core = jars / "jena-core.jar"
    if java is None or not core.is_file() or not (jars / "jena-cmds.jar").is_file():
        return None
    resources = work / "jena-resources"
    prefix = "org/apache/jena/ext/xerces/"
    with zipfile.ZipFile(core) as jar:
        for name in jar.namelist():
            if name.startswith(prefix) and name.endswith(".properties"):
                target = resources / "xerces" / name[len(prefix) :]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    classpath = [str(resources)] + [
        str(j) for j in sorted(jars.glob("*.jar")) if not CONFLICTING.search(j.name)
    ]
    found = sorted(jars.glob("jena-core-*.jar"))
    version = found[-1].stem.removeprefix("jena-core-") if found else "?"
    argv = [java, "-cp", os.pathsep.join(classpath), "shacl.shacl", "validate"]
    return Peer(
        "Apache Jena shacl validate",
        SHAPES_ONLY,
        f"Jena {version}",
        [*argv, "--shapes", str(shapes), "--data", str(dump)],
        re.compile(r"sh:conforms\s+true"),
    )


def pyshacl(python: str, shapes: Path, dump: Path) -> Peer | None:
    try:
        version = metadata.version("pyshacl")
    except metadata.PackageNotFoundError:
        return None
    argv = [python, "-m", "pyshacl", "-s", str(shapes), "-sf", "nt", "-df", "nt", "-i", "none"]
    return Peer(
        "pyshacl (whole graph)",
        SHAPES_ONLY,
        f"pyshacl {version}",
        [*argv, str(dump)],
        re.compile(r"Conforms: True"),
    )


def ours(python: str, root: Path, dump: Path, result: Path, what: str) -> Peer:
    argv = [python, "-m", "kgbuild.bench.probe", "validate", what, str(root), str(dump)]
    return Peer(
        "kgbuild (store + compiled shapes)" if what == "shapes" else "kgbuild, all checks",
        SHAPES_ONLY if what == "shapes" else WITH_QUERIES,
        f"pyoxigraph {metadata.version('pyoxigraph')}",
        [*argv, str(result)],
        re.compile(r"^$"),
    )


def timed(argv: list[str], env: dict[str, str], budget: float, out: Path) -> dict[str, Any]:
    """Run a command; its wall time, peak memory and exit status, or that it was stopped."""
    start = time.perf_counter()
    with out.open("wb") as sink:
        proc = subprocess.Popen(argv, env=env, stdout=sink, stderr=subprocess.STDOUT)
        timer = threading.Timer(budget, proc.kill)
        timer.start()
        try:
            code, peak = waited(proc)
        finally:
            timer.cancel()
    measured: dict[str, Any] = {
        "seconds": time.perf_counter() - start,
        "peak_mb": peak,
        "exit": code,
    }
    if code < 0:
        measured["stopped"] = budget
    return measured


def compare(
    root: Path,
    dump: Path,
    work: Path,
    env: dict[str, str],
    python: str,
    budget: float,
    skip: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """One row per engine installed: name, what it covers, version, seconds, peak MB, and
    whether it found the graph conforms."""
    import json

    from pyoxigraph import RdfFormat

    from ..model.formats import rdf_bytes
    from ..read.sources import read_rdf_dir

    work.mkdir(parents=True, exist_ok=True)
    shapes = work / "shapes.nt"
    shapes.write_bytes(rdf_bytes(read_rdf_dir(root / "shapes", root), RdfFormat.N_TRIPLES))
    peers = [
        ours(python, root, dump, work / "ours-shapes.json", "shapes"),
        ours(python, root, dump, work / "ours-all.json", "all"),
        jena(work, shapes, dump),
        pyshacl(python, shapes, dump),
    ]
    rows = []
    for i, peer in enumerate(p for p in peers if p is not None):
        row: dict[str, Any] = {"name": peer.name, "covers": peer.covers, "version": peer.version}
        if any(s in peer.name for s in skip):
            rows.append({**row, "skipped": True})
            continue
        log = work / f"peer-{i}.out"
        row.update(timed(peer.argv, env, budget, log))
        if peer.name.startswith("kgbuild"):
            found = json.loads(Path(peer.argv[-1]).read_text(encoding="utf-8"))
            row["conforms"] = found["findings"] == 0
            row["stages"] = found["stages"]
        else:
            row["conforms"] = bool(peer.conforms.search(log.read_text(errors="replace")))
        rows.append(row)
    return rows
