"""Every shape rule has a conforming and a violating example (tests/shapes/manifest.toml).

The conforming example is tests/shapes/conforming.ttl: one small graph that gives every rule a
value to check and conforms to all of them. Each violating example is that graph with one
change; validated with the real shapes/ and ontology/, its report must name exactly the rule's
focus node, path and constraint components. A rule added to shapes/ without a case fails here.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pyoxigraph
import pytest
import rdflib

from kgbuild.model.memstore import store_of
from kgbuild.model.terms import PREFIXES
from kgbuild.read.sources import read_rdf, read_rdf_dir
from kgbuild.validate.graph import read_violation_queries, validate

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent / "shapes"
CASES = tomllib.loads((HERE / "manifest.toml").read_text(encoding="utf-8"))["case"]
ID = PREFIXES["cr"].removesuffix("def/cultuurregio#") + "id/"
SHAPES_NS = PREFIXES["cr"].removesuffix("cultuurregio#") + "cultuurregio-shapes#"
NAMES = {
    **PREFIXES,
    "regio": ID + "regio/",
    "lm": ID + "lidmaatschap/voorbeeld/gm0153/lid/",
    "erk": ID + "erkenning/",
    "orgn": ID + "organisatie/",
    "persoon": ID + "persoon/",
    "noot": ID + "bron/voorbeeld#",
    "bewering": ID + "regio/voorbeeld#",
    "project": ID + "project/",
    "financiering": ID + "financiering/",
    "bev": ID + "bevinding/",
    "gebeurtenis": ID + "gebeurtenis/",
    "convenant": ID + "convenant/",
    "partij": ID + "convenant/voorbeeld/partij/",
    "wijziging-id": ID + "wijziging/",
    "cnt": ID + "telling/voorbeeld/2025-01-01/",
    "peil": ID + "peildatum/",
    "lm2": ID + "lidmaatschap/voorbeeld/gm0001/lid/",
    "afl": ID + "afleiding/",
    "lijst": PREFIXES["cr"].removesuffix("cultuurregio#") + "voorbeeld#",
    "def": PREFIXES["cr"].removesuffix("cultuurregio#"),
    "id": ID,
    "gm": "https://identifier.overheid.nl/tooi/id/gemeente/",
    "pv": "https://identifier.overheid.nl/tooi/id/provincie/",
}
SPARQL_PREFIXES = "".join(f"PREFIX {k}: <{v}>\n" for k, v in NAMES.items())
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def iri(curie: str) -> str:
    if not curie or curie.startswith("_:"):
        return curie
    prefix, _, local = curie.partition(":")
    return NAMES[prefix] + local


def case_id(case: dict) -> str:
    return f"{case['rule']}:{case['path'] or 'node'}"


@pytest.fixture(scope="module")
def inputs():
    conforming = read_rdf(HERE / "conforming.ttl", HERE)
    ontology = read_rdf_dir(ROOT / "ontology", ROOT)
    shapes = read_rdf_dir(ROOT / "shapes", ROOT)
    queries = read_violation_queries(ROOT / "shapes", ROOT)
    return conforming, ontology, shapes, queries


COMPONENTS = {  # SHACL parameter -> constraint component it belongs to
    "minCount": "MinCount",
    "maxCount": "MaxCount",
    "datatype": "Datatype",
    "class": "Class",
    "nodeKind": "NodeKind",
    "pattern": "Pattern",
    "languageIn": "LanguageIn",
    "uniqueLang": "UniqueLang",
    "in": "In",
    "hasValue": "HasValue",
    "or": "Or",
    "xone": "Xone",
    "and": "And",
    "not": "Not",
    "node": "Node",
    "minInclusive": "MinInclusive",
    "maxInclusive": "MaxInclusive",
    "minExclusive": "MinExclusive",
    "maxExclusive": "MaxExclusive",
    "minLength": "MinLength",
    "maxLength": "MaxLength",
    "qualifiedMinCount": "QualifiedMinCount",
    "qualifiedMaxCount": "QualifiedMaxCount",
    "lessThan": "LessThan",
    "lessThanOrEquals": "LessThanOrEquals",
    "equals": "Equals",
    "disjoint": "Disjoint",
    "closed": "Closed",
}


def shapes_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def shape_components() -> set[tuple[str, str, str]]:
    """(node shape, path IRI or "" for the node itself, constraint component) for every
    constraint parameter of a node shape and of each of its property shapes."""
    g = shapes_graph()
    found = set()
    for shape in g.subjects(rdflib.RDF.type, SH.NodeShape):
        name = str(shape).rsplit("#", 1)[-1]
        for ps, path in [
            (shape, ""),
            *((p, str(g.value(p, SH.path))) for p in g.objects(shape, SH.property)),
        ]:
            for param in g.predicates(ps, None):
                local = str(param).removeprefix(str(SH))
                if local in COMPONENTS:
                    found.add((name, path, COMPONENTS[local]))
    return found


def shape_rules() -> set[tuple[str, str]]:
    """(node shape, path IRI) for each property shape; (node shape, "") for node constraints."""
    return {(name, path) for name, path, _ in shape_components()}


def query_rules() -> set[str]:
    return {p.name for p in (ROOT / "shapes").glob("*-violation.rq")}


def change(store: pyoxigraph.Store, case: dict) -> str:
    """Apply the case's change to the store; return the focus node the report must name."""
    focus, path = f"<{iri(case['focus'])}>", f"<{iri(case['path'])}>"
    updates = []
    if case.get("drop") or "set" in case:
        updates.append(f"DELETE WHERE {{ {focus} {path} ?o }}")
    if "set" in case or "add" in case:
        updates.append(f"INSERT DATA {{ {focus} {path} {case.get('set', case.get('add'))} }}")
    if "rename" in case:
        new = case["rename"]
        updates.append(
            f"DELETE {{ ?s ?p ?o }} INSERT {{ {new} ?p ?o }} "
            f"WHERE {{ VALUES ?s {{ {focus} }} ?s ?p ?o }}"
        )
        updates.append(
            f"DELETE {{ ?s ?p ?o }} INSERT {{ ?s ?p {new} }} "
            f"WHERE {{ VALUES ?o {{ {focus} }} ?s ?p ?o }}"
        )
        focus = new
    if "update" in case:
        updates.append(case["update"])
    for update in updates:
        store.update(SPARQL_PREFIXES + update)
    return focus.strip("<>")


def report_for(case: dict, inputs):
    conforming, ontology, shapes, queries = inputs
    store = store_of(conforming)
    focus = change(store, case)
    triples = [pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in store]
    report = validate(triples + ontology, shapes, queries if case.get("queries", True) else {}, {})
    return focus, report


def test_the_manifest_covers_every_constraint_component():
    shape_cases = [c for c in CASES if not c["rule"].endswith(".rq")]
    covered = {(c["rule"], iri(c["path"]), comp) for c in shape_cases for comp in c["components"]}
    missing = sorted(shape_components() - covered)
    assert not missing, f"(shape, path, component) without a violating case: {missing}"
    # a case may also name a component that another shape on the same node fires, but it
    # must fire at least one of its own shape's
    stray = [
        case_id(c)
        for c in shape_cases
        if not {(c["rule"], iri(c["path"]), comp) for comp in c["components"]} & shape_components()
    ]
    assert not stray, f"cases that fire none of their shape's components: {stray}"
    keys = [(c["rule"], c["path"], tuple(sorted(c["components"]))) for c in shape_cases]
    assert len(keys) == len(set(keys)), "two cases for the same rule and components"
    assert all(c.get("why") for c in shape_cases if len(c["components"]) > 1), (
        "a case that fires several components must say why they cannot be fired apart"
    )
    assert {c["rule"] for c in CASES if c["rule"].endswith(".rq")} == query_rules()


def test_the_conforming_example_conforms(inputs):
    conforming, ontology, shapes, queries = inputs
    report = validate(conforming + ontology, shapes, queries, {})
    assert [f.line() for f in report.findings] == []


def test_the_conforming_example_gives_every_rule_a_value(inputs):
    conforming, ontology, _, _ = inputs
    g = rdflib.Graph().parse(
        data=pyoxigraph.serialize(conforming + ontology, format=pyoxigraph.RdfFormat.N_TRIPLES),
        format="nt",
    )
    shapes = shapes_graph()
    missing = []
    for name, path in sorted(shape_rules()):
        shape = rdflib.URIRef(SHAPES_NS + name)
        values = " ".join(f"<{t}>" for t in shapes.objects(shape, SH.targetClass))
        focus = (
            [f"{{ VALUES ?c {{ {values} }} ?x rdf:type/rdfs:subClassOf* ?c }}"] if values else []
        )
        focus += [f"{{ ?x <{p}> [] }}" for p in shapes.objects(shape, SH.targetSubjectsOf)]
        focus += [f"{{ [] <{p}> ?x }}" for p in shapes.objects(shape, SH.targetObjectsOf)]
        where = f"?x <{path}> ?y ." if path else ""
        ask = f"ASK {{ {' UNION '.join(focus)} {where} }}"
        if not g.query(ask, initNs={"rdf": rdflib.RDF, "rdfs": rdflib.RDFS}).askAnswer:
            missing.append((name, path))
    assert missing == []


def components(report) -> set[str]:
    found = set()
    for f in report.violations:
        m = re.search(r"(\w+)ConstraintComponent", f.shape)
        found.add(m.group(1) if m else f.shape)
    return found


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_violating_example_reports_exactly_its_rule(case, inputs):
    focus, report = report_for(case, inputs)
    violations = report.violations
    assert violations, f"{case_id(case)}: the change did not violate anything"
    for f in violations:
        if focus.startswith("_:"):
            assert not f.focus.startswith("http"), f.line()
        else:
            assert f.focus == focus, f.line()
        assert f.path == iri(case["path"]), f.line()
    if case["rule"].endswith(".rq"):
        assert {f.shape for f in violations} == {f"shapes/{case['rule']}"}
    else:
        assert components(report) == set(case["components"]), [f.line() for f in violations]
    if case["path"] == "" and not focus.startswith("_:"):
        assert all(f.shape.startswith(SHAPES_NS + case["rule"]) for f in violations)
