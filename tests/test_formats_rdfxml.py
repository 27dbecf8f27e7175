"""RDF/XML as a fourth format (documents, dumps, conneg, the endpoint), JSON-LD with a @context
a person can read, and 406 answers that list the formats."""

from __future__ import annotations

import gzip
import hashlib
import json
import urllib.parse

import pyoxigraph
import pytest
import rdflib
from httpservers import fetch, kgbuild_process
from pyoxigraph import Literal, NamedNode, Triple
from rdflib.compare import isomorphic
from SPARQLWrapper import JSONLD, SPARQLWrapper

from kgbuild.emit.dumps import NotExpressible, serialize
from kgbuild.model.base import DEFAULT
from kgbuild.model.formats import BY_NAME, FORMATS, RDF_FORMATS
from kgbuild.model.terms import DEFAULT_BASE, PREFIXES
from kgbuild.serve.endpoint import Endpoint, Request

RDFLIB = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}
TWENTE = DEFAULT_BASE + "id/regio/twente"
CR = PREFIXES["cr"]


def documents(site):
    return sorted([*site.glob("doc/**/*.ttl"), *site.glob("def/**/*.ttl")])


def test_every_document_parses_as_rdfxml_and_jsonld_to_the_graph_of_its_turtle(site):
    docs = documents(site)
    assert len(docs) > 300
    for ttl in docs:
        expected = rdflib.Graph().parse(ttl, format="turtle")
        for ext in ("rdf", "jsonld"):
            got = rdflib.Graph().parse(ttl.with_suffix("." + ext), format=RDFLIB[ext])
            assert isomorphic(got, expected), f"{ttl.with_suffix('.' + ext)}"


def test_jsonld_documents_read_with_prefixes(site):
    doc = json.loads((site / "doc/regio/twente.jsonld").read_text())
    assert doc["@context"]["cr"] == CR and doc["@context"]["skos"] == PREFIXES["skos"]
    node = next(n for n in doc["@graph"] if n["@id"] == "regio:twente")
    assert node["@type"] == "cr:Cultuurregio"
    assert "skos:prefLabel" in node and "org:subOrganizationOf" in node
    # a namespace without a prefix (vann, in the ontology) stays in full
    for path in documents(site):
        for n in json.loads(path.with_suffix(".jsonld").read_text())["@graph"]:
            assert not [k for k in n if k.startswith(tuple(PREFIXES.values()))], path


def test_dumps_include_rdfxml_with_gzip_and_checksums(site):
    folder = site / "download/latest"
    data = (folder / "cultuurregios.rdf").read_bytes()
    assert gzip.decompress((folder / "cultuurregios.rdf.gz").read_bytes()) == data
    dump = rdflib.Graph().parse(data=data, format="xml")
    assert isomorphic(dump, rdflib.Graph().parse(folder / "cultuurregios.ttl", format="turtle"))
    sums = dict(
        reversed(line.split("  ")) for line in (folder / "SHA256SUMS").read_text().splitlines()
    )
    for name in ("cultuurregios.rdf", "cultuurregios.rdf.gz"):
        assert sums[name] == hashlib.sha256((folder / name).read_bytes()).hexdigest()
    meta = rdflib.Graph().parse(folder / "dataset.ttl", format="turtle")
    digest = rdflib.Literal(sums["cultuurregios.rdf"], datatype=rdflib.XSD.hexBinary)
    assert (None, rdflib.URIRef("http://spdx.org/rdf/terms#checksumValue"), digest) in meta
    assert (
        None,
        rdflib.URIRef("http://www.w3.org/ns/dcat#mediaType"),
        rdflib.URIRef("https://www.iana.org/assignments/media-types/application/rdf+xml"),
    ) in meta
    page = (site / "doc/dataset/cultuurregios.html").read_text()
    assert "cultuurregios.rdf.gz" in page


@pytest.mark.parametrize(
    "iri", ["http://example.org/123", "http://example.org/a:1", "http://example.org/", "urn:x:1·"]
)
def test_an_iri_without_an_xml_name_is_refused_not_written_broken(iri):
    """pyoxigraph 0.5 writes such a predicate or class as `<oxprefix:>`, which no XML parser
    reads; the serialisation refuses it instead."""
    s = NamedNode("http://example.org/s")
    with pytest.raises(NotExpressible, match="cannot be written as RDF/XML"):
        serialize([Triple(s, NamedNode(iri), Literal("x"))], BY_NAME["rdf"], DEFAULT)
    rdf_type = NamedNode(PREFIXES["rdf"] + "type")
    with pytest.raises(NotExpressible):
        serialize([Triple(s, rdf_type, NamedNode(iri))], BY_NAME["rdf"], DEFAULT)


def test_iris_that_end_in_an_xml_name_are_written(tmp_path):
    s = NamedNode("http://example.org/s")
    triples = [
        Triple(s, NamedNode(p), Literal("x"))
        for p in (
            "http://example.org/a%20b",
            "http://example.org/1a",
            "http://example.org/x/é",
            "http://example.org/a-1",
            CR + "memberOf",
        )
    ]
    data = serialize(triples, BY_NAME["rdf"], DEFAULT)
    assert b"<cr:memberOf>" in data
    assert set(rdflib.Graph().parse(data=data, format="xml")) == {
        (rdflib.URIRef(s.value), rdflib.URIRef(t.predicate.value), rdflib.Literal("x"))
        for t in triples
    }


def test_the_endpoint_refuses_rdfxml_for_a_result_it_cannot_write(tmp_path):
    dump = tmp_path / "d.nt"
    dump.write_text(f'<{TWENTE}> <http://example.org/123> "x" .\n')
    endpoint = Endpoint(dump)
    q = urllib.parse.urlencode({"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    r = endpoint.handle(Request("GET", q, {"accept": "application/rdf+xml"}))
    assert r.status == 406 and b"cannot be written as RDF/XML" in r.body
    assert b"text/turtle" in r.body
    assert endpoint.handle(Request("GET", q, {"accept": "text/turtle"})).status == 200


def test_the_endpoint_refuses_jsonld_for_a_result_with_a_triple_term(tmp_path):
    """JSON-LD has no triples as terms (RDF 1.2): a CONSTRUCT that makes one is answered 406
    with the formats that can write it, as for RDF/XML."""
    dump = tmp_path / "d.nt"
    dump.write_text(f'<{TWENTE}> <http://example.org/p> "x" .\n')
    endpoint = Endpoint(dump)
    query = "CONSTRUCT { ?s ?p <<( ?s ?p ?o )>> } WHERE { ?s ?p ?o }"
    q = urllib.parse.urlencode({"query": query})
    r = endpoint.handle(Request("GET", q, {"accept": "application/ld+json"}))
    assert r.status == 406 and b"cannot be written as JSON-LD" in r.body
    assert endpoint.handle(Request("GET", q, {"accept": "application/n-triples"})).status == 200


# -- over HTTP, against a real `kgbuild serve` --------------------------------------------------


@pytest.fixture(scope="module")
def served(site):
    with kgbuild_process("serve", "--root", str(site)) as server:
        yield server.port


@pytest.mark.servers
def test_rdflib_reads_a_resource_as_rdfxml_from_serve(served, site):
    got = rdflib.Graph().parse(f"http://127.0.0.1:{served}/id/regio/twente", format="xml")
    expected = rdflib.Graph().parse(site / "doc/regio/twente.ttl", format="turtle")
    assert len(got) > 20 and isomorphic(got, expected)


CONSTRUCT = f"CONSTRUCT {{ ?r a <{CR}Cultuurregio> }} WHERE {{ ?r a <{CR}Cultuurregio> }}"


@pytest.mark.servers
def test_sparqlwrapper_defaults_construct_and_describe(served):
    client = SPARQLWrapper(f"http://127.0.0.1:{served}/sparql")
    client.setQuery(CONSTRUCT)
    result = client.query()
    assert result.response.headers["Content-Type"].startswith("application/rdf+xml")
    graph = result.convert()
    assert (rdflib.URIRef(TWENTE), rdflib.RDF.type, rdflib.URIRef(CR + "Cultuurregio")) in graph
    assert len(graph) == 19
    client.setQuery(f"DESCRIBE <{TWENTE}>")
    graph = client.queryAndConvert()
    assert (
        rdflib.URIRef(TWENTE),
        rdflib.SKOS.prefLabel,
        rdflib.Literal("Twente", lang="nl"),
    ) in graph


@pytest.mark.servers
def test_sparqlwrapper_asks_for_jsonld(served):
    client = SPARQLWrapper(f"http://127.0.0.1:{served}/sparql")
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(JSONLD)
    result = client.query()
    assert result.response.headers["Content-Type"].startswith("application/ld+json")
    assert len(result.convert()) == 19


@pytest.mark.servers
def test_endpoint_406_lists_the_media_types(served):
    q = urllib.parse.urlencode({"query": CONSTRUCT})
    r = fetch(served, f"/sparql?{q}", "image/png")
    assert r.status == 406
    for media in (
        "text/turtle",
        "application/n-triples",
        "application/rdf+xml",
        "application/ld+json",
    ):
        assert media.encode() in r.body


@pytest.mark.servers
@pytest.mark.parametrize("path", ["/id/regio/twente", "/doc/regio/twente"])
def test_serve_406_links_the_documents_of_the_resource(served, path):
    r = fetch(served, path, "image/png")
    assert r.status == 406 and r.headers["content-type"].startswith("text/html")
    links = [part.strip() for part in r.headers["link"].split(",")]
    assert links == [
        f'</doc/regio/twente.{f.extension}>; rel="alternate"; type="{f.media_type}"'
        for f in FORMATS
    ]
    for link in links:
        target = link[1 : link.index(">")]
        assert fetch(served, target).status == 200


def test_406_page_lists_every_format_with_links(site):
    page = (site / "406.html").read_text()
    for f in FORMATS:
        assert f"<code>{f.media_type}</code>" in page
        assert f"<code>/doc/dataset/cultuurregios?format={f.name}</code>" in page
        assert f'href="/doc/dataset/cultuurregios.{f.extension}"' in page
    for f in RDF_FORMATS:
        assert (site / f"doc/dataset/cultuurregios.{f.extension}").is_file()


@pytest.mark.servers
def test_rdfxml_negotiated_for_documents_in_serve(served):
    r = fetch(served, "/doc/regio/twente", "application/rdf+xml")
    assert r.status == 200 and r.headers["content-location"] == "/doc/regio/twente.rdf"
    assert r.headers["content-type"] == "application/rdf+xml; charset=utf-8"
    assert len(list(pyoxigraph.parse(r.body, format=pyoxigraph.RdfFormat.RDF_XML))) > 20
