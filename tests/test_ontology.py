"""The ontology declares every term of ours that the graph uses, each with a kind, labels and a
definition in Dutch and English, and says which version it is."""

from __future__ import annotations

from collections import defaultdict

import pytest
from pyoxigraph import Literal, NamedNode

from kgbuild.terms import CR

OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
KINDS = {OWL + "Class", OWL + "ObjectProperty", OWL + "DatatypeProperty"}
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DEFINITION = "http://www.w3.org/2004/02/skos/core#definition"
ONTOLOGY = CR.Cultuurregio.value.split("#")[0]


@pytest.fixture(scope="module")
def about(graph) -> dict[str, dict[str, list]]:
    """{subject: {predicate: [objects]}} of the whole built graph."""
    out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in graph.triples:
        out[t.subject.value][t.predicate.value].append(t.object)
    return out


def ours(graph) -> set[str]:
    """Every cr: term the graph uses as a predicate or a class."""
    ns = ONTOLOGY + "#"
    used = {t.predicate.value for t in graph.triples}
    used |= {t.object.value for t in graph.triples
             if t.predicate.value == RDF_TYPE and isinstance(t.object, NamedNode)}
    return {u for u in used if u.startswith(ns)}


def languages(values) -> set[str]:
    return {v.language for v in values if isinstance(v, Literal) and v.language}


def test_every_term_we_use_is_declared_with_its_kind(graph, about):
    terms = ours(graph)
    assert len(terms) > 30
    undeclared = sorted(t for t in terms
                        if not {o.value for o in about[t][RDF_TYPE]} & KINDS)
    assert undeclared == []


def test_every_declared_term_has_labels_and_definitions_in_dutch_and_english(about):
    declared = [s for s, props in about.items() if s.startswith(ONTOLOGY + "#")
                and {o.value for o in props[RDF_TYPE]} & KINDS]
    assert len(declared) > 30
    missing = [(s, p) for s in declared for p in (LABEL, DEFINITION)
               if not {"nl", "en"} <= languages(about[s][p])]
    assert missing == []


def test_the_ontology_names_its_version(about):
    ontology = about[ONTOLOGY]
    assert {o.value for o in ontology[RDF_TYPE]} == {OWL + "Ontology"}
    [version] = ontology[OWL + "versionInfo"]
    [version_iri] = ontology[OWL + "versionIRI"]
    assert version_iri.value == f"{ONTOLOGY}/{version.value}"
