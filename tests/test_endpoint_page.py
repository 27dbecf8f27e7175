"""The SPARQL endpoint can be found and deployed: the dataset description and the sitemap name it,
/sparql without a query describes itself (SPARQL 1.1 Service Description, or a page with a query
form for a browser), and nginx with the generated configuration hands /sparql to a real
`kgbuild sparql`."""

from __future__ import annotations

import json
import re
import urllib.parse
from html.parser import HTMLParser

import pyoxigraph
import pytest
from httpservers import fetch, kgbuild_process, nginx_server
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
    args = ("sparql", "--dist", str(site)) if request.param == "sparql" else \
        ("serve", "--root", str(site))
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


@pytest.mark.servers
def test_a_browser_gets_the_form_and_the_form_runs(endpoint, site):
    r = fetch(endpoint, "/sparql", BROWSER)
    assert r.status == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.body == (site / "sparql.html").read_bytes()
    page = parsed(r.body.decode())
    submitted = "/" + page.forms[0]["action"] + "?" + urllib.parse.urlencode(
        {page.fields[0]: page.fields[1]})
    answer = fetch(endpoint, submitted, BROWSER)
    assert answer.status == 200 and b"Twente" in answer.body


@pytest.mark.servers
def test_nginx_hands_sparql_to_the_endpoint_service(site, tmp_path):
    with kgbuild_process("sparql", "--dist", str(site)) as backend, \
            nginx_server(site, tmp_path, sparql_port=backend.port) as port:
        r = fetch(port, "/sparql?" + urllib.parse.urlencode({"query": COUNT}),
                  "application/sparql-results+json")
        assert r.status == 200, r.body[:500]
        n = int(json.loads(r.body)["results"]["bindings"][0]["n"]["value"])
        assert n > 20_000
        assert r.headers["access-control-allow-origin"] == "*"  # once, not twice
        described = fetch(port, "/sparql", "text/turtle")
        assert described.status == 200 and has(graph(described.body), ENDPOINT, A, SD.Service)
        assert fetch(port, "/sparql", BROWSER).body == (site / "sparql.html").read_bytes()
        posted = fetch(port, "/sparql", "text/csv", method="POST", body=COUNT.encode(),
                       headers={"Content-Type": "application/sparql-query"})
        assert posted.status == 200 and posted.body.startswith(b"n\r\n")
        assert fetch(port, "/doc/regio/twente.ttl").status == 200  # the site beside it
