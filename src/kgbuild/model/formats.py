"""The one table of formats: it drives dumps, per-resource documents, content negotiation and
what the SPARQL endpoint answers in (and says it answers in)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph
from pyoxigraph import QueryResultsFormat, RdfFormat, Triple


@dataclass(frozen=True)
class Format:
    name: str  # the ?format= value
    extension: str
    media_type: str
    rdf: RdfFormat | None  # None: not an RDF serialisation (HTML)
    aliases: tuple[str, ...] = ()  # other media types that ask for the same thing
    label: str = ""  # its name for people


FORMATS: tuple[Format, ...] = (
    Format("html", "html", "text/html", None, ("application/xhtml+xml",), "HTML"),
    Format("ttl", "ttl", "text/turtle", RdfFormat.TURTLE, ("application/x-turtle",), "Turtle"),
    Format(
        "jsonld",
        "jsonld",
        "application/ld+json",
        RdfFormat.JSON_LD,
        ("application/json",),
        "JSON-LD",
    ),
    Format("nt", "nt", "application/n-triples", RdfFormat.N_TRIPLES, ("text/plain",), "N-Triples"),
    Format("rdf", "rdf", "application/rdf+xml", RdfFormat.RDF_XML, (), "RDF/XML"),
)
LANGUAGES = ("nl", "en")  # of the pages: Dutch at {path}.html, English at {path}.en.html
RDF_FORMATS = tuple(f for f in FORMATS if f.rdf is not None)
BY_NAME = {f.name: f for f in FORMATS}
BY_EXTENSION = {f.extension: f for f in FORMATS}


def rdf_bytes(
    triples: Iterable[Triple], rdf: RdfFormat, prefixes: dict[str, str] | None = None
) -> bytes:
    """The triples written in an RDF format, as pyoxigraph writes them."""
    data = pyoxigraph.serialize(triples, format=rdf, prefixes=prefixes)
    if data is None:  # pyoxigraph returns None only when it writes to an output it is given
        raise RuntimeError("pyoxigraph.serialize wrote to no output")
    return data


def by_media_type(media_type: str) -> Format | None:
    for f in FORMATS:
        if media_type == f.media_type or media_type in f.aliases:
            return f
    return None


# What the SPARQL endpoint answers in, by media type: tables (SELECT, ASK) and graphs
# (CONSTRUCT, DESCRIBE); its service description lists the same formats.
RESULT_TYPES = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "application/xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
GRAPH_TYPES = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "text/plain": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
}
DEFAULT_RESULT, DEFAULT_GRAPH = "application/sparql-results+json", "text/turtle"
W3C_FORMATS = "http://www.w3.org/ns/formats/"
W3C_NAMES = {  # each endpoint format's name in the W3C formats namespace
    QueryResultsFormat.JSON: "SPARQL_Results_JSON",
    QueryResultsFormat.XML: "SPARQL_Results_XML",
    QueryResultsFormat.CSV: "SPARQL_Results_CSV",
    QueryResultsFormat.TSV: "SPARQL_Results_TSV",
    RdfFormat.TURTLE: "Turtle",
    RdfFormat.N_TRIPLES: "N-Triples",
    RdfFormat.RDF_XML: "RDF_XML",
    RdfFormat.JSON_LD: "JSON-LD",
}
# The endpoint's description for a query-less GET, by media type: files the build writes in dist/
ENDPOINT_DESCRIPTIONS = {"text/turtle": "sparql.ttl", "text/html": "sparql.html"}
