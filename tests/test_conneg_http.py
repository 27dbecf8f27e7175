"""Content negotiation over HTTP, the same cases against nginx and Apache (generated configs)
and `kgbuild serve`; both must also agree with negotiate.choose() on random Accept headers."""

from __future__ import annotations

import random
import shutil

import pytest
from httpservers import apache_server, fetch, kgbuild_server, nginx_server

from kgbuild.build import Config, build
from kgbuild.model.formats import FORMATS
from kgbuild.model.negotiate import choose

pytestmark = pytest.mark.servers  # every test asks nginx, Apache and `kgbuild serve`

WITHDRAWN = """@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/cultuurregio/id/regio/oud-voorbeeld> owl:deprecated true ;
    skos:prefLabel "Oude regio (voorbeeld)"@nl ;
    dct:isReplacedBy <https://w3id.org/cultuurregio/id/regio/twente> .
"""


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The bundled data plus one withdrawn URI, built into a dist/."""
    from conftest import PROJECT_DIRS, ROOT

    project = tmp_path_factory.mktemp("conneg")
    for name in PROJECT_DIRS:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, project / name)
    (project / "ontology/zz-withdrawn-example.ttl").write_text(WITHDRAWN)
    build(Config(root=project))
    return project / "dist"


@pytest.fixture(scope="module", params=["nginx", "apache", "kgbuild"])
def port(request, published, tmp_path_factory):
    if request.param == "nginx":
        with nginx_server(published, tmp_path_factory.mktemp("nginx")) as p:
            yield p
    elif request.param == "apache":
        with apache_server(published, tmp_path_factory.mktemp("apache")) as p:
            yield p
    else:
        with kgbuild_server(published) as p:
            yield p


TWENTE = "/id/regio/twente"


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_each_accept_type_303s_to_its_document(port, fmt):
    r = fetch(port, TWENTE, fmt.media_type)
    assert r.status == 303
    assert r.headers["location"] == f"/doc/regio/twente.{fmt.extension}"
    assert "accept" in r.headers["vary"].lower()
    doc = fetch(port, r.headers["location"])
    assert doc.status == 200
    assert doc.headers["content-type"] == f"{fmt.media_type}; charset=utf-8"


@pytest.mark.parametrize(
    ("accept", "ext"),
    [
        (None, "html"),
        ("*/*", "html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
        ("text/turtle;q=0.5, application/ld+json", "jsonld"),
        ("text/turtle;q=0.9, application/ld+json;q=0.8", "ttl"),
        ("text/html;q=0, */*;q=0.5", "ttl"),
        ("application/json", "jsonld"),
        ("TEXT/TURTLE;Q=0.7, text/html;q=0.699", "ttl"),
        ("application/rdf+xml", "rdf"),
        ("application/rdf+xml, text/turtle;q=0.9", "rdf"),
        ("application/rdf+xml;q=0.5, text/turtle", "ttl"),
        ("application/xml, application/rdf+xml;q=0.1", "rdf"),
    ],
)
def test_q_values(port, accept, ext):
    r = fetch(port, TWENTE, accept)
    assert (r.status, r.headers.get("location")) == (303, f"/doc/regio/twente.{ext}")


def test_format_parameter_and_extension_override_accept(port):
    r = fetch(port, TWENTE + "?format=nt", "text/html")
    assert (r.status, r.headers["location"]) == (303, "/doc/regio/twente.nt")
    r = fetch(port, TWENTE + ".jsonld", "text/html")
    assert (r.status, r.headers["location"]) == (303, "/doc/regio/twente.jsonld")
    r = fetch(port, TWENTE + "?format=rdf", "text/html")
    assert (r.status, r.headers["location"]) == (303, "/doc/regio/twente.rdf")
    r = fetch(port, TWENTE + ".rdf", "text/html")
    assert (r.status, r.headers["location"]) == (303, "/doc/regio/twente.rdf")


def test_406_for_what_we_cannot_serve(port):
    for path, accept in (
        (TWENTE, "image/png"),
        (TWENTE + "?format=xml", None),
        ("/doc/regio/twente", "application/xml"),
    ):
        r = fetch(port, path, accept)
        assert r.status == 406, path
        assert "accept" in r.headers.get("vary", "").lower(), path
        assert b"406" in r.body
        for f in FORMATS:  # the page names every format, with links to the documents
            assert f"<code>{f.media_type}</code>".encode() in r.body, (path, f.name)
            assert f"?format={f.name}".encode() in r.body


def test_404_and_410_pages(port):
    for path in (
        "/id/regio/nergens",
        "/id/regio/nergens.ttl",
        "/doc/regio/nergens.html",
        "/nergens",
    ):
        r = fetch(port, path)
        assert r.status == 404, path
        assert b"404" in r.body and r.headers["content-type"].startswith("text/html")
    r = fetch(port, "/id/regio/oud-voorbeeld", "text/turtle")
    assert r.status == 410
    assert "Oude regio (voorbeeld)" in r.body.decode()
    assert "twente" in r.body.decode()


def test_documents_without_extension_are_negotiated(port):
    r = fetch(port, "/doc/regio/twente", "application/n-triples")
    assert r.status == 200
    assert r.headers["content-type"] == "application/n-triples; charset=utf-8"
    assert r.headers["content-location"] == "/doc/regio/twente.nt"
    assert "accept" in r.headers["vary"].lower()
    r = fetch(port, "/def/cultuurregio", "text/turtle")
    assert r.status == 200 and b"owl:Ontology" in r.body


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f.rdf is not None], ids=lambda f: f.name)
def test_a_vocabulary_in_one_language_is_served_as_its_file(port, fmt):
    """def/cultuurregio.en.ttl (decision 0026) is a file under /def/, answered as it is."""
    for lang, other in (("nl", b'"@en'), ("en", b'"@nl')):
        r = fetch(port, f"/def/cultuurregio.{lang}.{fmt.extension}")
        assert r.status == 200, (lang, r.status)
        assert r.headers["content-type"] == f"{fmt.media_type}; charset=utf-8"
        if fmt.name == "ttl":
            assert f'"@{lang}'.encode() in r.body and other not in r.body


def test_head_answers_headers_only(port):
    get = fetch(port, "/doc/regio/twente.html")
    head = fetch(port, "/doc/regio/twente.html", method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["content-length"] == str(len(get.body))
    assert head.headers["content-type"] == "text/html; charset=utf-8"
    r = fetch(port, TWENTE, "text/turtle", method="HEAD")
    assert (r.status, r.headers["location"]) == (303, "/doc/regio/twente.ttl")


def random_accept(rng: random.Random) -> str:
    types = [
        "text/html",
        "application/xhtml+xml",
        "text/turtle",
        "application/ld+json",
        "application/json",
        "application/n-triples",
        "text/plain",
        "text/*",
        "application/*",
        "*/*",
        "image/png",
        "application/rdf+xml",
    ]
    parts = []
    for media in rng.sample(types, rng.randint(1, 5)):
        q = rng.choice(
            [
                "",
                ";q=1",
                ";q=0",
                ";q=0.5",
                ";q=0.25",
                ";q=0.125",
                ";q=0.9",
                ";q=0.05",
                ";q=1.0",
                ";q=0.",
                ";level=1;q=0.3",
                ";q=2",
                ";q=0.5001",
            ]
        )
        parts.append(media + q)
    return rng.choice([",", ", ", " ,"]).join(parts)


def test_servers_agree_with_the_rules_on_random_accept_headers(port):
    rng = random.Random(4)
    for _ in range(150):
        accept = random_accept(rng)
        fmt = choose(accept)
        r = fetch(port, TWENTE, accept)
        if fmt is None:
            assert r.status == 406, accept
        else:
            assert r.headers.get("location") == f"/doc/regio/twente.{fmt.extension}", accept
