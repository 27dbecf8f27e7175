"""The narrowed validation (shacl/) gives exactly pyshacl's findings on the whole graph.

Compared on the real graph, on graphs broken on purpose (one per kind of constraint the shapes
use) and on graphs broken at random; every broken graph must give findings, so the comparison
cannot pass by both sides finding nothing.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph
import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kgbuild.model.memstore import store_of
from kgbuild.model.terms import CR, DCT, ORG, ROL, SCHEMA, SKOS, XSD, A
from kgbuild.read.sources import read_rdf_dir
from kgbuild.validate.graph import graph_findings, kept_by_store, run_pyshacl, shape_findings
from kgbuild.validate.shacl import narrow
from kgbuild.validate.shacl.compile import Runner, flagged
from kgbuild.validate.shacl.model import ShapesGraph

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def shapes():
    return read_rdf_dir(ROOT / "shapes", ROOT)


def nt(triples) -> bytes:
    return pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)


def whole(triples, shapes, origins):
    return sorted(set(run_pyshacl(nt(triples), nt(shapes), origins)), key=lambda f: f.sort_key())


def fast(triples, shapes, origins):
    return sorted(
        set(shape_findings(store_of(triples), shapes, origins)), key=lambda f: f.sort_key()
    )


def of_type(triples, cls) -> list:
    return sorted({t.subject for t in triples if t.predicate == A and t.object == cls}, key=str)


def one(triples, s, p):
    return next(t for t in triples if t.subject == s and t.predicate == p)


def test_real_graph_same_findings(graph, shapes):
    assert fast(graph.triples, shapes, graph.origins) == whole(graph.triples, shapes, graph.origins)


def test_conforming_graph_needs_no_pyshacl(graph, shapes):
    if whole(graph.triples, shapes, graph.origins):
        pytest.skip("the real graph has findings")
    assert narrow(store_of(graph.triples), shapes).focus == []


def breakages(triples):
    """(name, triples to drop, triples to add): one per kind of constraint in shapes/."""
    region = of_type(triples, CR.Cultuurregio)[0]
    gemeente = of_type(triples, CR.Gemeente)[0]
    membership = of_type(triples, ORG.Membership)[0]
    project = of_type(triples, CR.Proeftuin)[0]
    org = of_type(triples, ORG.Organization)[-1]
    en_label = next(
        t
        for t in triples
        if t.subject == region and t.predicate == SKOS.prefLabel and t.object.language == "en"
    )
    nl_org = one(triples, org, SKOS.prefLabel)
    return [
        ("minCount", [en_label], []),
        ("maxCount", [], [Triple(gemeente, CR.cbsCode, Literal("GM9998"))]),
        (
            "pattern",
            [one(triples, gemeente, CR.cbsCode)],
            [Triple(gemeente, CR.cbsCode, Literal("XX12"))],
        ),
        ("in", [one(triples, membership, ORG.role)], [Triple(membership, ORG.role, ROL.onbekend)]),
        (
            "class",
            [one(triples, membership, ORG.member)],
            [Triple(membership, ORG.member, NamedNode("https://example.org/untyped"))],
        ),
        ("languageIn", [], [Triple(region, DCT.description, Literal("Region", language="de"))]),
        ("uniqueLang", [], [Triple(project, SKOS.prefLabel, Literal("Nog een", language="nl"))]),
        ("datatype", [], [Triple(gemeente, SKOS.prefLabel, Literal("x", datatype=XSD.integer))]),
        (
            "ill-typed date",
            [],
            [Triple(project, SCHEMA.startDate, Literal("2024-02-30", datatype=XSD.date))],
        ),
        ("or", [], [Triple(project, SCHEMA.endDate, Literal("later"))]),
        (
            "qualified",
            [nl_org],
            [Triple(org, SKOS.prefLabel, Literal(nl_org.object.value, language="en"))],
        ),
        ("node pattern", [], [Triple(NamedNode(gemeente.value + "x"), A, CR.Gemeente)]),
        (
            "minExclusive",
            [],
            [
                Triple(NamedNode(project.value + "-geld"), A, CR.Funding),
                Triple(
                    NamedNode(project.value + "-geld"),
                    CR.amount,
                    Literal("-5", datatype=XSD.decimal),
                ),
            ],
        ),
    ]


def test_each_breakage_same_findings(graph, shapes):
    for name, drop, add in breakages(graph.triples):
        broken = sorted(set(graph.triples) - set(drop) | set(add), key=str)
        expected = whole(broken, shapes, graph.origins)
        assert expected, f"{name}: the broken graph should not conform"
        assert fast(broken, shapes, graph.origins) == expected, name


def test_the_checks_flag_the_same_nodes_on_one_thread_and_on_many(graph, shapes):
    targeted = ShapesGraph(shapes).targeted()
    for name, drop, add in breakages(graph.triples):
        store = store_of(sorted(set(graph.triples) - set(drop) | set(add), key=str))
        one_thread = flagged(store, targeted, threads=1)
        assert one_thread, name
        assert flagged(store, targeted, threads=8) == one_thread, name


class Counting:
    """A store that counts the queries it is asked, slowly, so that threads overlap."""

    def __init__(self, store):
        self.store, self.asked, self.lock = store, Counter(), threading.Lock()

    def query(self, text):
        with self.lock:
            self.asked[text] += 1
        time.sleep(0.05)
        return self.store.query(text)


def test_a_query_that_checks_share_runs_once_while_threads_ask_for_it(graph):
    runner = Runner(Counting(store_of(graph.triples)))
    wide = "?f <http://www.w3.org/2004/02/skos/core#prefLabel> ?v"
    clear = "SELECT (COUNT(*) AS ?n) (COUNT(*) AS ?m) WHERE { ?f a ?c }"
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda _: runner.candidates(wide), range(8)))
        assert all(pool.map(lambda _: runner.is_clear(clear), range(8)))
    assert found[0] and all(f == found[0] for f in found)
    assert sorted(runner.store.asked.values()) == [1, 1]


def test_blank_node_focus_falls_back_to_whole_graph(graph, shapes):
    blank = BlankNode()
    broken = [*graph.triples, Triple(blank, A, CR.Proeftuin)]
    assert narrow(store_of(broken), shapes).focus is None
    expected = without_blank_ids(whole(broken, shapes, graph.origins))
    assert expected and without_blank_ids(fast(broken, shapes, graph.origins)) == expected


def without_blank_ids(findings) -> list:
    """Each parse names blank nodes anew; compare them as one anonymous node."""
    return sorted(
        (re.sub(r"^N[0-9a-f]{32}$", "_:b", f.focus), f.path, f.shape, f.message) for f in findings
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_breakage_same_findings(graph, shapes, seed):
    rng = random.Random(seed)
    triples = list(graph.triples)
    literals = [t for t in triples if isinstance(t.object, Literal)]
    drop = set(rng.sample(triples, 40))
    add = set()
    for t in rng.sample(literals, 20):
        add.add(Triple(t.subject, t.predicate, Literal(t.object.value + " ", language="nl")))
    for t in rng.sample(triples, 10):
        add.add(Triple(t.subject, t.predicate, t.subject))
    broken = sorted(set(triples) - drop | add, key=str)
    expected = whole(broken, shapes, graph.origins)
    assert expected
    assert fast(broken, shapes, graph.origins) == expected


def test_unknown_parameter_sends_every_focus_node_to_pyshacl(graph, shapes):
    """A shape with a parameter the pre-check does not model flags all its focus nodes."""
    shape = NamedNode("https://example.org/shapes#Closed")
    sh = "http://www.w3.org/ns/shacl#"
    extra = [
        Triple(shape, A, NamedNode(sh + "NodeShape")),
        Triple(shape, NamedNode(sh + "targetClass"), CR.Gemeente),
        Triple(shape, NamedNode(sh + "closed"), Literal("true", datatype=XSD.boolean)),
    ]
    narrowed = narrow(store_of(graph.triples), shapes + extra)
    gemeenten = set(of_type(graph.triples, CR.Gemeente))
    assert gemeenten and gemeenten <= set(narrowed.focus)
    expected = whole(graph.triples, shapes + extra, graph.origins)
    assert expected and fast(graph.triples, shapes + extra, graph.origins) == expected


def test_shape_targeting_objects_of_a_property_reports_like_pyshacl(graph, shapes):
    """Was: nothing, because pyshacl got only the focus node's own triples, not the triple
    pointing at it that makes it a focus node."""
    shape = NamedNode("https://example.org/shapes#Members")
    sh = "http://www.w3.org/ns/shacl#"
    prop = BlankNode("p")
    extra = [
        Triple(shape, A, NamedNode(sh + "NodeShape")),
        Triple(shape, NamedNode(sh + "targetObjectsOf"), ORG.member),
        Triple(shape, NamedNode(sh + "property"), prop),
        Triple(prop, NamedNode(sh + "path"), NamedNode("https://example.org/missing")),
        Triple(prop, NamedNode(sh + "minCount"), Literal("1", datatype=XSD.integer)),
    ]
    expected = whole(graph.triples, shapes + extra, graph.origins)
    assert expected
    assert fast(graph.triples, shapes + extra, graph.origins) == expected


def test_literals_the_store_rewrites_are_validated_as_written(graph, shapes):
    """The store keeps "8"^^xsd:int as "8"^^xsd:integer, which meets sh:datatype xsd:integer;
    such a graph goes to pyshacl whole (was: the queries saw an integer, no finding)."""
    count = next(t for t in graph.triples if t.predicate == CR.statedMemberCount)
    as_int = Triple(count.subject, count.predicate, Literal(count.object.value, datatype=XSD.int))
    broken = sorted(set(graph.triples) - {count} | {as_int}, key=str)
    assert not kept_by_store(broken)
    expected = whole(broken, shapes, graph.origins)
    assert any("Datatype" in f.shape for f in expected)
    assert shape_findings(store_of(broken), shapes, graph.origins) == []  # what the store sees
    found = graph_findings(broken, shapes, graph.origins, store_of(broken))
    assert sorted(set(found), key=lambda f: f.sort_key()) == expected


def extra_property_shape(target, path, constraint) -> list:
    """A node shape for the instances of target, with one property shape on path."""
    sh = "http://www.w3.org/ns/shacl#"
    shape, prop = NamedNode("https://example.org/shapes#Extra"), BlankNode("extra")
    return [
        Triple(shape, A, NamedNode(sh + "NodeShape")),
        Triple(shape, NamedNode(sh + "targetClass"), target),
        Triple(shape, NamedNode(sh + "property"), prop),
        Triple(prop, NamedNode(sh + "path"), path),
        *constraint(prop),
    ]


def test_not_of_a_constraint_the_precheck_does_not_model(graph, shapes):
    """sh:not of a shape the pre-check cannot be sure of (a bound that is an xsd:double): the
    value conforms to it, so it violates the sh:not. (The pre-check on the Python index took
    "not sure" for "does not conform" and let these through.)"""
    sh = "http://www.w3.org/ns/shacl#"
    inner = BlankNode("positive")

    def constraint(prop):
        return [
            Triple(prop, NamedNode(sh + "not"), inner),
            Triple(inner, NamedNode(sh + "minExclusive"), Literal("0", datatype=XSD.double)),
        ]

    extra = extra_property_shape(CR.Funding, CR.amount, constraint)
    expected = whole(graph.triples, shapes + extra, graph.origins)
    assert expected
    assert fast(graph.triples, shapes + extra, graph.origins) == expected


def test_pattern_outside_the_shared_subset_is_left_to_pyshacl(graph, shapes):
    """A lookahead, which the store's regular expressions do not have: no query fails, every
    focus node with a value is flagged, and pyshacl's findings come out."""
    sh = "http://www.w3.org/ns/shacl#"

    def constraint(prop):
        return [Triple(prop, NamedNode(sh + "pattern"), Literal("^(?!GM)"))]

    extra = extra_property_shape(CR.Gemeente, CR.cbsCode, constraint)
    narrowed = narrow(store_of(graph.triples), shapes + extra)
    assert set(of_type(graph.triples, CR.Gemeente)) <= set(narrowed.focus)
    expected = whole(graph.triples, shapes + extra, graph.origins)
    assert expected
    assert fast(graph.triples, shapes + extra, graph.origins) == expected
