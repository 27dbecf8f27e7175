"""The conneg rules as functions: Accept with q-values, overrides, 303/406/404/410."""

from __future__ import annotations

import pytest

from kgbuild.model.negotiate import choose, parse_accept, qvalue, resolve

CASES = [
    (None, "html"),
    ("", "html"),
    ("*/*", "html"),
    ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
    ("text/turtle;q=0.5, application/ld+json", "jsonld"),
    ("text/turtle;q=0.9, application/ld+json;q=0.8, */*;q=0.1", "ttl"),
    ("text/html;q=0, */*", "ttl"),
    ("application/json", "jsonld"),
    ("text/plain", "nt"),
    ("text/*", "html"),
    ("text/*;q=0.5, application/*", "jsonld"),
    ("TEXT/Turtle ; Q=0.7 , text/html;q=0.699", "ttl"),
    ("text/turtle;level=1;q=0.3, application/n-triples;q=0.31", "nt"),
    ("text/html;q=1.5, text/turtle;q=0.2", "ttl"),  # a malformed q counts as 0
    ("text/turtle;q=0.123, application/ld+json;q=0.1229", "ttl"),
    ("image/png", None),
    ("text/turtle;q=0", None),
    ("application/rdf+xml", "rdf"),
    ("application/rdf+xml;q=0.9, text/turtle", "ttl"),
    ("application/xml", None),
    ("application/n-triples;q=0.5, application/rdf+xml;q=0.5", "nt"),  # a tie: the table's order
]


@pytest.mark.parametrize(("accept", "expected"), CASES)
def test_choose(accept, expected):
    fmt = choose(accept)
    assert (fmt.name if fmt else None) == expected


def test_qvalue_in_thousandths():
    assert [qvalue(q) for q in ("1", "1.000", "0.5", "0.05", "0.005", "0", "2", "x", "0.1234")] == [
        1000,
        1000,
        500,
        50,
        5,
        0,
        0,
        0,
        0,
    ]


def test_first_mention_of_a_range_counts():
    assert parse_accept("text/turtle;q=0.2, text/turtle") == {"text/turtle": 200}


FILES = {
    "doc/regio/twente.html",
    "doc/regio/twente.ttl",
    "doc/regio/twente.jsonld",
    "doc/regio/twente.nt",
    "doc/regio/twente.rdf",
    "doc/regio/oud.html",
    "index.html",
    "def/rol.ttl",
    "def/rol.html",
}


def answer(path, fmt=None, accept=None):
    return resolve(path, fmt, accept, FILES.__contains__, frozenset({"regio/oud"}))


def test_id_redirects_by_accept_and_override():
    assert answer("/id/regio/twente", accept="text/turtle").location == "/doc/regio/twente.ttl"
    assert answer("/id/regio/twente").location == "/doc/regio/twente.html"
    o = answer("/id/regio/twente", fmt="nt", accept="text/turtle")
    assert (o.status, o.location, o.vary) == (303, "/doc/regio/twente.nt", True)
    assert answer("/id/regio/twente.jsonld").location == "/doc/regio/twente.jsonld"


def test_errors():
    assert answer("/id/regio/twente", accept="image/png").status == 406
    assert answer("/id/regio/twente", fmt="xml").status == 406
    assert answer("/id/regio/nergens").status == 404
    assert answer("/id/regio/nergens.ttl").status == 404
    assert answer("/id/regio/oud").status == 410
    assert answer("/nergens.html").status == 404


def test_a_406_names_the_documents_that_exist_as_links():
    link = (
        '</doc/regio/twente.html>; rel="alternate"; type="text/html", '
        '</doc/regio/twente.ttl>; rel="alternate"; type="text/turtle", '
        '</doc/regio/twente.jsonld>; rel="alternate"; type="application/ld+json", '
        '</doc/regio/twente.nt>; rel="alternate"; type="application/n-triples", '
        '</doc/regio/twente.rdf>; rel="alternate"; type="application/rdf+xml"'
    )
    assert answer("/id/regio/twente", accept="image/png").link == link
    assert answer("/doc/regio/twente", fmt="xml").link == link
    assert answer("/def/rol", accept="image/png").link == (
        '</def/rol.html>; rel="alternate"; type="text/html", '
        '</def/rol.ttl>; rel="alternate"; type="text/turtle"'
    )
    assert answer("/doc/regio/nergens", accept="image/png").link is None


def test_documents_without_extension_are_negotiated():
    o = answer("/doc/regio/twente", accept="application/ld+json")
    assert (o.status, o.file, o.vary, o.content_location) == (
        200,
        "doc/regio/twente.jsonld",
        True,
        "/doc/regio/twente.jsonld",
    )
    assert answer("/def/rol", accept="text/turtle").file == "def/rol.ttl"
    assert answer("/doc/regio/twente.ttl", accept="text/html").file == "doc/regio/twente.ttl"
    assert answer("/").file == "index.html"
