"""The dumps are handed to the writer one format at a time; the JSON-LD is written from the
triples straight to compacted text, with the nodes pyoxigraph's expanded JSON-LD has."""

from __future__ import annotations

import gzip
import hashlib
import json

import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kgbuild.emit.dumps import Written, serialize, write_dumps, written
from kgbuild.model.formats import BY_NAME, RDF_FORMATS
from kgbuild.model.terms import XSD, A

JSONLD = BY_NAME["jsonld"]
NT = pyoxigraph.RdfFormat.N_TRIPLES


E = "http://example.org/"
S, P, Q = NamedNode(E + "s"), NamedNode(E + "p"), NamedNode(E + "q")
B = BlankNode("b1")
CR = "https://w3id.org/cultuurregio/def/cultuurregio#"
TRICKY = [  # a subject and a predicate that come back, classes that are not all IRIs
    Triple(S, A, NamedNode(CR + "Cultuurregio")),
    Triple(S, P, Literal("x")),
    Triple(S, P, Literal('é\u2028"', language="nl")),
    Triple(S, Q, Literal("5", datatype=XSD.integer)),
    Triple(S, P, Literal("z")),
    Triple(B, A, NamedNode(CR + "Cultuurregio")),
    Triple(B, A, B),
    Triple(S, Q, B),
]


def test_the_nodes_are_those_of_pyoxigraphs_expanded_jsonld():
    """A node per run of a subject's triples, and a new one where a predicate comes back."""
    ours = json.loads(written(TRICKY, JSONLD))["@graph"]
    theirs = json.loads(pyoxigraph.serialize(TRICKY, format=pyoxigraph.RdfFormat.JSON_LD))
    assert [n["@id"].removeprefix(E) for n in ours] == [n["@id"].removeprefix(E) for n in theirs]
    assert ours[0] == {
        "@id": E + "s",
        "@type": "cr:Cultuurregio",
        E + "p": ["x", {"@language": "nl", "@value": 'é\u2028"'}],
        E + "q": {"@type": "xsd:integer", "@value": "5"},
    }
    assert ours[2] == {
        "@id": "_:b1",
        "rdf:type": [{"@id": "cr:Cultuurregio"}, {"@id": "_:b1"}],  # a blank class: no @type
    }


def test_the_context_has_the_prefixes_used_and_no_other():
    context = json.loads(written(TRICKY, JSONLD))["@context"]
    assert set(context) == {"cr", "xsd", "rdf"}
    assert context["cr"] == CR


def test_a_literal_with_a_direction_keeps_it():
    [read] = pyoxigraph.parse(b'<http://e/s> <http://e/p> "x"@ar--rtl .', format=NT)
    text = written([read.triple], JSONLD)
    assert json.loads(text)["@graph"][0]["http://e/p"] == {
        "@language": "ar",
        "@direction": "rtl",
        "@value": "x",
    }
    assert [q.triple for q in pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.JSON_LD)] == [
        read.triple
    ]


def test_the_document_holds_the_graph(graph):
    """Read back by another parser, it is the graph."""
    text = written(graph.triples, JSONLD)
    assert json.loads(text)["@graph"]
    read = {q.triple for q in pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.JSON_LD)}
    assert read == {getattr(t, "triple", t) for t in graph.triples}  # the ontology's are quads


def test_no_triples_give_an_empty_graph():
    assert json.loads(written([], JSONLD)) == {"@context": {}, "@graph": []}


def test_each_dump_is_handed_over_as_it_is_made_with_its_size_and_checksum(graph):
    """write_dumps gives every format, plain and gzipped, to the writer, and tells of each what
    the dataset description needs; a format is no longer held once it is written."""
    handed: dict[str, bytes] = {}
    written = write_dumps(graph.triples, graph.release.base, handed.__setitem__)
    names = [f"cultuurregios.{f.extension}{gz}" for f in RDF_FORMATS for gz in ("", ".gz")]
    assert list(handed) == names and set(written) == set(names)
    for fmt in RDF_FORMATS:
        name = f"cultuurregios.{fmt.extension}"
        assert handed[name] == serialize(graph.triples, fmt, graph.release.base)
        assert gzip.decompress(handed[name + ".gz"]) == handed[name]
    for name, data in handed.items():
        assert written[name] == Written(len(data), hashlib.sha256(data).hexdigest())
