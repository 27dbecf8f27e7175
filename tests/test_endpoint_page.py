"""The SPARQL endpoint can be found and deployed: the dataset description and the sitemap name it,
/sparql without a query describes itself (SPARQL 1.1 Service Description, or a page with a query
form for a browser), and nginx and Apache with the generated configurations hand /sparql to a
real `kgbuild sparql`."""

from __future__ import annotations

import gzip
import json
import re
import urllib.parse
from html.parser import HTMLParser

import pyoxigraph
import pytest
from httpservers import apache_server, fetch, kgbuild_process, nginx_server
from pyoxigraph import NamedNode, RdfFormat

from kgbuild.model.terms import DCAT, DCT, NS, VOID, A

SD = NS("http://www.w3.org/ns/sparql-service-description#")
BASE = "https://w3id.org/cultuurregio/"
ENDPOINT = NamedNode(BASE + "sparql")
DATASET = NamedNode(BASE + "id/dataset/cultuurregios")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def graph(data: bytes) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(data, format=RdfFormat.TURTLE)
    return store


def has(store, s, p, o=None) -> bool:
    return any(True for _ in store.quads_for_pattern(s, p, o))


def test_the_dataset_description_names_the_endpoint(site):
    g = graph((site / "download/latest/dataset.ttl").read_bytes())
    assert has(g, DATASET, VOID.sparqlEndpoint, ENDPOINT)
    assert has(g, ENDPOINT, A, DCAT.DataService)
    assert has(g, ENDPOINT, DCAT.endpointURL, ENDPOINT)
    assert has(g, ENDPOINT, DCAT.servesDataset, DATASET)
    assert has(g, ENDPOINT, DCAT.endpointDescription)
    assert has(g, ENDPOINT, DCT.title)


def test_the_sitemap_lists_the_endpoint(site):
    assert f"<loc>{BASE}sparql</loc>" in (site / "sitemap.xml").read_text()


class Form(HTMLParser):
    """The forms, fields, scripts and outside references of a page."""

    def __init__(self):
        super().__init__()
        self.forms, self.fields, self.scripts, self.refs, self.links = [], [], 0, [], []
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(a)
        elif tag == "textarea":
            self.fields.append(a["name"])
            self.textarea = ""
        elif tag == "script":
            self.scripts += 1
        self.refs += [a[k] for k in ("src", "href", "action") if k in a]
        if tag == "a":
            self.links.append(a["href"])

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.fields.append(self.textarea)
            self.textarea = None


def parsed(html: str) -> Form:
    f = Form()
    f.feed(html)
    return f


def test_the_page_has_a_plain_form_and_every_canned_query(site):
    from conftest import ROOT

    page = parsed((site / "sparql.html").read_text())
    assert page.forms == [{"method": "get", "action": "sparql"}]
    assert page.fields[0] == "query" and "SELECT" in page.fields[1]
    assert page.scripts == 0
    assert not [r for r in page.refs if re.match(r"(?i)\s*(https?:)?//", r)]
    for rq in sorted((ROOT / "queries").glob("*.rq")):
        assert f"query/{rq.stem}.html" in page.links, rq.name
        assert (site / "query" / f"{rq.stem}.html").is_file()


@pytest.fixture(scope="module", params=["sparql", "serve"])
def endpoint(request, site):
    """`kgbuild sparql` and `kgbuild serve` (which mounts the same endpoint) over the site."""
    args = (
        ("sparql", "--dist", str(site))
        if request.param == "sparql"
        else ("serve", "--root", str(site))
    )
    with kgbuild_process(*args) as server:
        yield server.port


@pytest.mark.servers
def test_a_query_less_get_answers_a_service_description(endpoint):
    r = fetch(endpoint, "/sparql", "text/turtle")
    assert r.status == 200 and r.headers["content-type"].startswith("text/turtle")
    assert r.headers["access-control-allow-origin"] == "*"
    g = graph(r.body)
    assert has(g, ENDPOINT, A, SD.Service)
    assert has(g, ENDPOINT, SD.endpoint, ENDPOINT)
    assert has(g, ENDPOINT, SD.supportedLanguage, SD.SPARQL11Query)
    assert has(g, ENDPOINT, SD.resultFormat)
    assert has(g, ENDPOINT, SD.defaultDataset, DATASET)
    assert fetch(endpoint, "/sparql").headers["content-type"].startswith("text/turtle")


# Each W3C format name with a media type for it and a query whose result it can carry.
W3C_FORMATS = {
    "SPARQL_Results_JSON": ("application/sparql-results+json", COUNT),
    "SPARQL_Results_XML": ("application/sparql-results+xml", COUNT),
    "SPARQL_Results_CSV": ("text/csv", COUNT),
    "SPARQL_Results_TSV": ("text/tab-separated-values", COUNT),
    "Turtle": ("text/turtle", "CONSTRUCT WHERE { ?s a ?o } LIMIT 3"),
    "N-Triples": ("application/n-triples", "CONSTRUCT WHERE { ?s a ?o } LIMIT 3"),
    "RDF_XML": ("application/rdf+xml", "CONSTRUCT WHERE { ?s a ?o } LIMIT 3"),
    "JSON-LD": ("application/ld+json", "CONSTRUCT WHERE { ?s a ?o } LIMIT 3"),
}


@pytest.mark.servers
def test_the_description_lists_exactly_the_formats_the_endpoint_answers_in(endpoint):
    g = graph(fetch(endpoint, "/sparql", "text/turtle").body)
    listed = {
        str(q.object.value).removeprefix("http://www.w3.org/ns/formats/")
        for q in g.quads_for_pattern(ENDPOINT, SD.resultFormat, None)
    }
    answered = set()
    for name, (media_type, query) in W3C_FORMATS.items():
        r = fetch(endpoint, "/sparql?" + urllib.parse.urlencode({"query": query}), media_type)
        if r.status == 200 and r.headers["content-type"].startswith(media_type):
            answered.add(name)
    assert listed == answered and len(answered) == len(W3C_FORMATS)


@pytest.mark.servers
def test_a_browser_gets_the_form_and_the_form_runs(endpoint, site):
    r = fetch(endpoint, "/sparql", BROWSER)
    assert r.status == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.body == (site / "sparql.html").read_bytes()
    page = parsed(r.body.decode())
    submitted = (
        "/"
        + page.forms[0]["action"]
        + "?"
        + urllib.parse.urlencode({page.fields[0]: page.fields[1]})
    )
    answer = fetch(endpoint, submitted, BROWSER)
    assert answer.status == 200 and b"Twente" in answer.body


CONSTRUCT = (
    "CONSTRUCT { ?r a <https://w3id.org/cultuurregio/def/cultuurregio#Cultuurregio> } "
    "WHERE { ?r a <https://w3id.org/cultuurregio/def/cultuurregio#Cultuurregio> }"
)


@pytest.mark.servers
@pytest.mark.parametrize("front", ["nginx", "apache"])
def test_the_web_server_hands_sparql_to_the_endpoint_service(front, site, tmp_path):
    """nginx with conf/nginx-sparql.conf, Apache with conf/apache-sparql.conf, each in front of
    a real `kgbuild sparql` on 127.0.0.1."""
    start = nginx_server if front == "nginx" else apache_server
    with (
        kgbuild_process("sparql", "--dist", str(site)) as backend,
        start(site, tmp_path, sparql_port=backend.port) as port,
    ):
        r = fetch(
            port,
            "/sparql?" + urllib.parse.urlencode({"query": COUNT}),
            "application/sparql-results+json",
        )
        assert r.status == 200, r.body[:500]
        n = int(json.loads(r.body)["results"]["bindings"][0]["n"]["value"])
        assert n > 20_000
        assert r.headers["access-control-allow-origin"] == "*"  # once, not twice
        described = fetch(port, "/sparql", "text/turtle")
        assert described.status == 200 and has(graph(described.body), ENDPOINT, A, SD.Service)
        assert fetch(port, "/sparql", BROWSER).body == (site / "sparql.html").read_bytes()
        posted = fetch(
            port,
            "/sparql",
            "text/csv",
            method="POST",
            body=COUNT.encode(),
            headers={"Content-Type": "application/sparql-query"},
        )
        assert posted.status == 200 and posted.body.startswith(b"n\r\n")
        form = urllib.parse.urlencode({"query": COUNT}).encode()
        posted = fetch(
            port,
            "/sparql",
            "text/csv",
            method="POST",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert posted.status == 200 and posted.body.startswith(b"n\r\n")
        too_big = COUNT.encode() + b" #" + b"x" * 200_000
        assert (
            fetch(
                port,
                "/sparql",
                method="POST",
                body=too_big,
                headers={"Content-Type": "application/sparql-query"},
            ).status
            == 413
        )
        packed = fetch(
            port,
            "/sparql?" + urllib.parse.urlencode({"query": CONSTRUCT}),
            "text/turtle",
            headers={"Accept-Encoding": "gzip"},
        )
        assert packed.status == 200 and packed.headers["content-encoding"] == "gzip"
        assert b"regio:twente a cr:Cultuurregio" in gzip.decompress(packed.body)
        assert (
            fetch(port, "/sparql/x?" + urllib.parse.urlencode({"query": COUNT})).status == 404
        )  # only /sparql itself is handed on
        assert fetch(port, "/doc/regio/twente.ttl").status == 200  # the site beside it
