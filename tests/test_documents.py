"""Per-resource documents: every subject has one document, and their union is the dump."""

from __future__ import annotations

import pyoxigraph
import rdflib
from rdflib.compare import graph_diff, isomorphic

from kgbuild.emit.documents import document_of, iri_of, partition
from kgbuild.model.formats import RDF_FORMATS
from kgbuild.model.terms import DEFAULT_BASE as B
from kgbuild.model.terms import RDF


def test_document_of_follows_the_uri_scheme():
    assert document_of(B + "id/regio/twente", B) == "doc/regio/twente"
    assert document_of(B + "id/bron/x#noot-5", B) == "doc/bron/x"
    assert (
        document_of(B + "id/lidmaatschap/twente/gm0153/lid#periode", B)
        == "doc/lidmaatschap/twente/gm0153/lid"
    )
    assert document_of(B + "def/cultuurregio#Cultuurregio", B) == "def/cultuurregio"
    assert document_of(B + "def/rol#lid", B) == "def/rol"
    assert (
        document_of("https://identifier.overheid.nl/tooi/id/gemeente/gm0153", B)
        == "doc/gemeente/gm0153"
    )
    # a statement about a TOOI gemeente lives in our document about it
    assert document_of(B + "doc/gemeente/gm0153#bewering-0123456789ab", B) == "doc/gemeente/gm0153"
    assert (
        document_of(
            "https://example.org/cr/doc/gemeente/gm0153#bewering-0123456789ab",
            "https://example.org/cr/",
        )
        == "doc/gemeente/gm0153"
    )
    assert document_of("http://www.w3.org/ns/org#Membership", B) is None


def test_iri_of_inverts_document_of():
    for iri in (
        B + "id/regio/twente",
        B + "def/rol",
        "https://identifier.overheid.nl/tooi/id/provincie/pv23",
    ):
        assert iri_of(document_of(iri, B)) == iri


def test_every_subject_lands_in_exactly_one_document(graph):
    docs = partition(graph.triples)
    assert sum(len(ts) for ts in docs.values()) == len(graph.triples)
    owners = {}
    for path, triples in docs.items():
        for t in triples:
            assert owners.setdefault(t.subject.value, path) == path


def _parse_rdflib(data: bytes, ext: str) -> rdflib.Graph:
    fmt = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}[ext]
    return rdflib.Graph().parse(data=data, format=fmt)


def test_union_of_the_documents_is_the_dump(site):
    dump = _parse_rdflib((site / "download/latest/cultuurregios.ttl").read_bytes(), "ttl")
    for fmt in RDF_FORMATS:
        union = rdflib.Graph()
        files = sorted(
            p
            for folder in ("doc", "def")
            for p in (site / folder).rglob(f"*.{fmt.extension}")
            if "doc/dataset/" not in p.as_posix()
        )
        assert len(files) > 300
        for path in files:
            union += _parse_rdflib(path.read_bytes(), fmt.extension)
        if not isomorphic(union, dump):
            _, only_docs, only_dump = graph_diff(union, dump)
            raise AssertionError(
                f"{fmt.name}: only in documents {len(only_docs)}: "
                f"{sorted(only_docs)[:3]}; only in dump {len(only_dump)}: "
                f"{sorted(only_dump)[:3]}"
            )


def _parse(path) -> list[pyoxigraph.Triple]:
    return [
        q.triple for q in pyoxigraph.parse(path.read_bytes(), format=pyoxigraph.RdfFormat.TURTLE)
    ]


def test_documents_parse_in_pyoxigraph_and_name_their_subject(site):
    subjects = {t.subject.value for t in _parse(site / "doc/regio/twente.ttl")}
    assert B + "id/regio/twente" in subjects
    # beside it only the statements giving the sources of some of its facts
    assert {s.split("#bewering-")[0] for s in subjects} == {B + "id/regio/twente"}
    assert len(subjects) > 1


def test_statements_about_a_tooi_gemeente_are_in_our_document_about_it(site):
    triples = _parse(site / "doc/gemeente/gm0014.ttl")
    statements = {
        t.subject.value for t in triples if t.predicate == RDF.type and t.object == RDF.Statement
    }
    assert statements
    assert all(s.startswith(B + "doc/gemeente/gm0014#bewering-") for s in statements)
    assert {t.object.value for t in triples if t.predicate == RDF.subject} == {
        "https://identifier.overheid.nl/tooi/id/gemeente/gm0014"
    }


def test_dataset_description_has_its_own_document(site):
    data = (site / "doc/dataset/cultuurregios.ttl").read_bytes()
    assert data == (site / "download/latest/dataset.ttl").read_bytes() or isomorphic(
        _parse_rdflib(data, "ttl"),
        _parse_rdflib((site / "download/latest/dataset.ttl").read_bytes(), "ttl"),
    )
