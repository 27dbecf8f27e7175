"""The shapes give the same verdict in pyshacl and in shacl-engine, the SHACL engine of the RDF/JS
tools (and of the Dutch heritage network's dataset register), without inference.

shacl-engine is installed from the npm registry by the test itself (tests/shapes/shacl-engine/:
package.json with its lock file and a small validating script), once, into build/cache/. Node
and npm are part of the machine. Compared: the published N-Triples dump, the conforming example
of tests/shapes/ and every violating case of its manifest; for a case, both engines must name
exactly the case's focus node, path and constraint components (test_shapes.py holds pyshacl to
the same).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from pyoxigraph import RdfFormat
from test_shapes import CASES, HERE, case_id, change, iri

from kgbuild.model.memstore import store_of
from kgbuild.read.sources import read_rdf, read_rdf_dir
from kgbuild.validate.graph import run_pyshacl

ROOT = Path(__file__).resolve().parent.parent
ENGINE = HERE / "shacl-engine"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


def install_engine() -> Path:
    """shacl-engine at the versions of the lock file, in build/cache/ (installed once)."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.fail("node and npm are needed to run shacl-engine (see scripts/system-deps.sh)")
    files = ("package.json", "package-lock.json", "validate.mjs")
    digest = hashlib.sha256(b"".join((ENGINE / f).read_bytes() for f in files)).hexdigest()[:12]
    home = ROOT / "build" / "cache" / f"shacl-engine-{digest}"
    if (home / "node_modules" / "shacl-engine").is_dir():
        return home
    work = home.with_name(f"{home.name}.{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for f in files:
        shutil.copy(ENGINE / f, work / f)
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        check=False,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode:
        pytest.fail(f"npm ci of shacl-engine failed: {done.stderr[-2000:]}")
    try:
        work.rename(home)
    except OSError:  # another test run installed it meanwhile
        shutil.rmtree(work, ignore_errors=True)
    return home


def nt(triples) -> bytes:
    return pyoxigraph.serialize(triples, format=RdfFormat.N_TRIPLES)


@pytest.fixture(scope="module")
def shapes_nt(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("shapes") / "shapes.nt"
    path.write_bytes(nt(read_rdf_dir(ROOT / "shapes", ROOT)))
    return path


@pytest.fixture(scope="module")
def shacl_engine(shapes_nt):
    """run(data files) -> [(conforms, report graph)] from shacl-engine, in one node process."""
    home = install_engine()

    def run(data: list[Path]) -> list[tuple[bool, rdflib.Graph]]:
        done = subprocess.run(
            ["node", str(home / "validate.mjs"), str(shapes_nt), *map(str, data)],
            check=False,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        out = [json.loads(line) for line in done.stdout.splitlines()]
        assert [o["data"] for o in out] == list(map(str, data))
        return [(o["conforms"], rdflib.Graph().parse(data=o["report"], format="nt")) for o in out]

    return run


def engine_results(report: rdflib.Graph) -> set[tuple[str, str, str]]:
    """(focus node, path, constraint component) of every violation; a blank focus as "_:"."""
    found = set()
    for r in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        if report.value(r, SH.resultSeverity) != SH.Violation:
            continue
        focus = report.value(r, SH.focusNode)
        component = str(report.value(r, SH.sourceConstraintComponent))
        found.add(
            (
                "_:" if isinstance(focus, rdflib.BNode) else str(focus),
                str(report.value(r, SH.resultPath) or ""),
                component.removeprefix(str(SH)).removesuffix("ConstraintComponent"),
            )
        )
    return found


def pyshacl_results(data: bytes, shapes: Path) -> set[tuple[str, str, str]]:
    found = set()
    for f in run_pyshacl(data, shapes.read_bytes(), {}):
        if f.severity == "Violation":
            m = re.search(r"(\w+)ConstraintComponent", f.shape)
            found.add(
                (
                    "_:" if not f.focus.startswith("http") else f.focus,
                    f.path,
                    m.group(1) if m else f.shape,
                )
            )
    return found


def subclass_axioms(triples) -> set[tuple[str, str]]:
    return {(t.subject.value, t.object.value) for t in triples if t.predicate.value == SUBCLASS}


def test_the_shapes_carry_the_ontologys_subclass_axioms():
    """shacl-engine finds rdfs:subClassOf in the shapes graph, SHACL in the data graph: the
    shapes (shapes/class-hierarchy.ttl) repeat the ontology's axioms, no more and no fewer."""
    ontology = subclass_axioms(read_rdf_dir(ROOT / "ontology", ROOT))
    assert len(ontology) > 20
    assert subclass_axioms(read_rdf_dir(ROOT / "shapes", ROOT)) == ontology


@pytest.mark.servers
def test_both_engines_find_the_dump_conforms(site, shapes_nt, shacl_engine):
    dump = site / "download" / "latest" / "cultuurregios.nt"
    [(conforms, report)] = shacl_engine([dump])
    engine = engine_results(report)
    assert pyshacl_results(dump.read_bytes(), shapes_nt) == engine
    assert (conforms, sorted(engine)[:5]) == (True, [])


@pytest.fixture(scope="module")
def case_reports(shacl_engine, tmp_path_factory):
    """shacl-engine's report on the conforming example (key None) and on each case."""
    folder = tmp_path_factory.mktemp("cases")
    conforming = read_rdf(HERE / "conforming.ttl", HERE)
    ontology = read_rdf_dir(ROOT / "ontology", ROOT)
    files, focus = {None: folder / "conforming.nt"}, {}
    files[None].write_bytes(nt(conforming + ontology))
    for i, case in enumerate(CASES):
        store = store_of(conforming)
        focus[case_id(case), i] = change(store, case)
        files[case_id(case), i] = folder / f"case-{i}.nt"
        files[case_id(case), i].write_bytes(
            nt([pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in store] + ontology)
        )
    reports = dict(zip(files, shacl_engine(list(files.values())), strict=True))
    return reports, focus


@pytest.mark.servers
def test_shacl_engine_finds_the_conforming_example_conforms(case_reports):
    reports, _ = case_reports
    conforms, report = reports[None]
    assert (conforms, engine_results(report)) == (True, set())


@pytest.mark.servers
@pytest.mark.parametrize("i", range(len(CASES)), ids=[case_id(c) for c in CASES])
def test_shacl_engine_reports_exactly_each_cases_rule(i, case_reports):
    reports, focus = case_reports
    case = CASES[i]
    _, report = reports[case_id(case), i]
    node = focus[case_id(case), i]
    node = "_:" if node.startswith("_:") else node
    if case["rule"].endswith(".rq"):  # a SPARQL violation query: no shape is violated
        assert engine_results(report) == set()
    else:
        assert engine_results(report) == {(node, iri(case["path"]), c) for c in case["components"]}
