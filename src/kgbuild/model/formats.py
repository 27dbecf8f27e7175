"""The one table of formats: it drives dumps, per-resource documents and content negotiation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph
from pyoxigraph import RdfFormat, Triple


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
    Format("jsonld", "jsonld", "application/ld+json", RdfFormat.JSON_LD, ("application/json",),
           "JSON-LD"),
    Format("nt", "nt", "application/n-triples", RdfFormat.N_TRIPLES, ("text/plain",),
           "N-Triples"),
    Format("rdf", "rdf", "application/rdf+xml", RdfFormat.RDF_XML, (), "RDF/XML"),
)
LANGUAGES = ("nl", "en")  # of the pages: Dutch at {path}.html, English at {path}.en.html
RDF_FORMATS = tuple(f for f in FORMATS if f.rdf is not None)
BY_NAME = {f.name: f for f in FORMATS}
BY_EXTENSION = {f.extension: f for f in FORMATS}


def rdf_bytes(triples: Iterable[Triple], rdf: RdfFormat,
              prefixes: dict[str, str] | None = None) -> bytes:
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
