"""The read-only SPARQL 1.1 Protocol endpoint: formats, negotiation, refusals and limits."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph
import pytest
import rdflib
from rdflib.compare import isomorphic
from servers import in_thread

from kgbuild.model.terms import DEFAULT_BASE, PREFIXES
from kgbuild.serve.endpoint import (
    DEFAULT_GRAPH,
    DEFAULT_RESULT,
    GRAPH_TYPES,
    RESULT_TYPES,
    Endpoint,
    Request,
    choose,
)

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def dump(tmp_path_factory):
    from conftest import ROOT

    from kgbuild.build import Config, load_graph
    from kgbuild.emit.dumps import serialize
    from kgbuild.model.formats import BY_NAME

    graph = load_graph(Config(root=ROOT))
    path = tmp_path_factory.mktemp("sparql") / "cultuurregios.nt"
    path.write_bytes(serialize(graph.triples, BY_NAME["nt"], graph.release.base))
    return path


@pytest.fixture(scope="module")
def endpoint(dump):
    return Endpoint(dump)


def get(endpoint, query, accept="", method="GET"):
    qs = urllib.parse.urlencode({"query": query})
    return endpoint.handle(Request(method, qs, {"accept": accept} if accept else {}))


def post(endpoint, body: bytes, ctype: str, accept=""):
    headers = {"content-type": ctype, **({"accept": accept} if accept else {})}
    return endpoint.handle(Request("POST", "", headers, body))


def header(resp, name):
    return dict(resp.headers)[name]


def test_select_defaults_to_json(endpoint, dump):
    resp = get(endpoint, COUNT)
    assert resp.status == 200
    assert header(resp, "Content-Type").startswith("application/sparql-results+json")
    n = json.loads(resp.body)["results"]["bindings"][0]["n"]["value"]
    assert int(n) == len(dump.read_bytes().splitlines())
    assert header(resp, "Vary") == "Accept"


@pytest.mark.parametrize(
    "accept, ctype, start",
    [
        ("text/csv", "text/csv", b"n\r\n"),
        ("text/tab-separated-values", "text/tab-separated-values", b"?n\n"),
        ("application/sparql-results+xml", "application/sparql-results+xml", b"<?xml"),
        (
            "text/csv;q=0.5, application/sparql-results+xml",
            "application/sparql-results+xml",
            b"<?xml",
        ),
        ("text/html, */*;q=0.1", "application/sparql-results+json", b"{"),
    ],
)
def test_select_formats_by_accept(endpoint, accept, ctype, start):
    resp = get(endpoint, COUNT, accept)
    assert resp.status == 200 and header(resp, "Content-Type").startswith(ctype)
    assert resp.body.startswith(start)


@pytest.mark.parametrize(
    "accept, graph, expected",
    [
        ("", False, "application/sparql-results+json"),
        ("text/*", False, "text/csv"),  # a wildcard range matches the types under it
        ("application/sparql-results+json;q=0, */*", False, "application/sparql-results+xml"),
        ("text/csv, text/tab-separated-values", False, "text/csv"),
        ("text/tab-separated-values, text/csv", False, "text/csv"),  # a tie: the table's order
        ("application/*", True, "application/n-triples"),
        ("text/*;q=0.5", True, "text/turtle"),
        ("image/png", False, None),
        ("text/turtle;q=0", True, None),
    ],
)
def test_result_format_by_the_one_accept_rule(accept, graph, expected):
    """The site's rule (negotiate.preferred): the most specific range's q, ties in order."""
    table, default = (GRAPH_TYPES, DEFAULT_GRAPH) if graph else (RESULT_TYPES, DEFAULT_RESULT)
    assert choose(accept, table, default) == expected


def test_post_form_and_sparql_query_give_the_same(endpoint):
    a = post(
        endpoint,
        urllib.parse.urlencode({"query": COUNT}).encode(),
        "application/x-www-form-urlencoded",
        "text/csv",
    )
    b = post(endpoint, COUNT.encode(), "application/sparql-query", "text/csv")
    assert a.status == b.status == 200 and a.body == b.body == get(endpoint, COUNT, "text/csv").body


def test_construct_as_turtle_or_ntriples(endpoint):
    q = (
        "CONSTRUCT { ?r a <https://w3id.org/cultuurregio/def/cultuurregio#Cultuurregio> } "
        "WHERE { ?r a <https://w3id.org/cultuurregio/def/cultuurregio#Cultuurregio> }"
    )
    ttl = get(endpoint, q)
    assert header(ttl, "Content-Type").startswith("text/turtle")
    assert b"\nregio:twente a cr:Cultuurregio .\n" in ttl.body
    nt = get(endpoint, q, "application/n-triples")
    assert len(nt.body.splitlines()) == 19
    assert get(endpoint, q, "text/csv").status == 406


OTHER_BASE = "https://example.org/cr/"


@pytest.fixture(scope="module")
def moved_dump(dump, tmp_path_factory):
    """The dump as a build with --base https://example.org/cr/ writes it."""
    from kgbuild.emit.dumps import serialize
    from kgbuild.model.base import Base
    from kgbuild.model.formats import BY_NAME

    triples = [
        q.triple for q in pyoxigraph.parse(dump.read_bytes(), format=pyoxigraph.RdfFormat.N_TRIPLES)
    ]
    path = tmp_path_factory.mktemp("moved") / "cultuurregios.nt"
    path.write_bytes(serialize(triples, BY_NAME["nt"], Base(OTHER_BASE)))
    return path


RDFLIB = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
}


def declared(body: bytes, mtype: str) -> dict[str, str]:
    """{prefix: namespace} as the answer declares them, read from its text."""
    if mtype == "text/turtle":
        return dict(re.findall(rb"^@prefix ([\w-]*): <([^>]*)> \.$", body, re.MULTILINE))
    if mtype == "application/rdf+xml":
        return dict(re.findall(rb'xmlns:([\w-]+)="([^"]*)"', body))
    if mtype == "application/ld+json":
        return {k.encode(): v.encode() for k, v in json.loads(body)["@context"].items()}
    return {}


@pytest.mark.parametrize("base", [DEFAULT_BASE, OTHER_BASE])
@pytest.mark.parametrize("mtype", list(RDFLIB))
def test_graph_results_carry_the_registers_prefixes_under_the_dumps_base(
    dump, moved_dump, base, mtype
):
    """CONSTRUCT and DESCRIBE answers use the prefixes of terms.PREFIXES under the base the
    dump was built with, where the format has prefixes, and hold exactly the graph asked for."""
    endpoint = Endpoint(dump if base == DEFAULT_BASE else moved_dump)
    twente = f"<{base}id/regio/twente>"
    expected = rdflib.Graph().parse(
        data=b"\n".join(
            line
            for line in (dump if base == DEFAULT_BASE else moved_dump).read_bytes().splitlines()
            if line.startswith(twente.encode() + b" ")
        ),
        format="nt",
    )
    assert len(expected) > 20
    for query in (
        f"CONSTRUCT {{ {twente} ?p ?o }} WHERE {{ {twente} ?p ?o }}",
        f"DESCRIBE {twente}",
    ):
        resp = get(endpoint, query, mtype)
        assert resp.status == 200 and header(resp, "Content-Type").startswith(mtype), query
        got = rdflib.Graph().parse(data=resp.body, format=RDFLIB[mtype])
        assert isomorphic(got, expected), (query, mtype)
        spaces = declared(resp.body, mtype)
        if mtype == "application/n-triples":
            assert spaces == {} and b"@prefix" not in resp.body
            continue
        assert spaces[b"cr"] == (base + "def/cultuurregio#").encode(), (query, mtype)
        assert spaces[b"skos"] == PREFIXES["skos"].encode(), (query, mtype)
        assert b"cr:" in resp.body and b"skos:prefLabel" in resp.body, (query, mtype)
        if base != DEFAULT_BASE:
            assert DEFAULT_BASE.encode() not in resp.body, (query, mtype)


def test_a_dump_without_the_ontology_is_taken_to_be_under_the_default_base(tmp_path):
    dump = tmp_path / "d.nt"
    dump.write_text(f'<{OTHER_BASE}id/regio/x> <{PREFIXES["skos"]}prefLabel> "x" .\n')
    resp = get(Endpoint(dump), "CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle")
    assert resp.status == 200
    assert declared(resp.body, "text/turtle")[b"cr"] == PREFIXES["cr"].encode()
    assert f"<{OTHER_BASE}id/regio/x> skos:prefLabel".encode() in resp.body


def test_a_graph_result_past_the_size_cap_is_refused(dump):
    resp = get(Endpoint(dump, max_bytes=2000), "CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle")
    assert resp.status == 413 and b"LIMIT" in resp.body


@pytest.mark.parametrize(
    "request_",
    [
        Request(
            "POST", "", {"content-type": "application/x-www-form-urlencoded"}, b"update=DROP+ALL"
        ),
        Request("POST", "", {"content-type": "application/sparql-update"}, b"DROP ALL"),
        Request("GET", urllib.parse.urlencode({"query": "DROP ALL"})),
        Request(
            "GET",
            urllib.parse.urlencode(
                {"query": "# c\nPREFIX x: <http://x/>\nINSERT DATA { x:a x:b x:c }"}
            ),
        ),
    ],
)
def test_updates_are_refused(endpoint, dump, request_):
    resp = endpoint.handle(request_)
    assert resp.status == 403 and b"read-only" in resp.body
    n = json.loads(get(endpoint, COUNT).body)["results"]["bindings"][0]["n"]["value"]
    assert int(n) == len(dump.read_bytes().splitlines())


@pytest.mark.parametrize(
    "request_, status",
    [
        (Request("GET", urllib.parse.urlencode({"query": "SELECT * WHERE { ?s"})), 400),
        (Request("GET", ""), 400),
        (
            Request(
                "GET",
                urllib.parse.urlencode(
                    {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}
                ),
            ),
            400,
        ),
        (Request("GET", urllib.parse.urlencode({"query": COUNT, "default-graph-uri": "x"})), 400),
        (Request("PUT", "", {}, b"<a> <b> <c> ."), 405),
        (Request("POST", "", {"content-type": "text/plain"}, b"SELECT"), 415),
    ],
)
def test_bad_requests(endpoint, request_, status):
    assert endpoint.handle(request_).status == status


def test_time_limit_stops_a_runaway_query(dump):
    resp = get(Endpoint(dump, time_limit=0.5), HEAVY)
    assert resp.status == 503 and b"time limit" in resp.body


def test_result_size_cap_refuses_rather_than_cuts(dump):
    resp = get(Endpoint(dump, max_bytes=2000), "SELECT * WHERE { ?s ?p ?o }")
    assert resp.status == 413 and b"LIMIT" in resp.body


@pytest.mark.servers
def test_mounted_in_kgbuild_serve(dump, tmp_path):
    import argparse

    from kgbuild.cli import _app_with_sparql
    from kgbuild.serve.site import make_server

    site = tmp_path / "dist"
    (site / "download" / "latest").mkdir(parents=True)
    (site / "download" / "latest" / "cultuurregios.nt").write_bytes(dump.read_bytes())
    (site / "index.html").write_text("<!doctype html><title>x</title>")
    args = argparse.Namespace(time_limit=10.0, max_bytes=50_000_000, max_memory=2**30)
    server = make_server(site, 0, app=_app_with_sparql(site, args))
    with in_thread(server) as base:
        url = base + "/sparql?" + urllib.parse.urlencode({"query": COUNT})
        req = urllib.request.Request(url, headers={"Accept": "text/csv"})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 200 and r.read().startswith(b"n\r\n")
        body = urllib.parse.urlencode({"update": "DROP ALL"}).encode()
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(urllib.request.Request(base + "/sparql", data=body), timeout=30)
        e.value.close()  # its connection, else left to the garbage collector
        assert e.value.code == 403
