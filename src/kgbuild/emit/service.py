"""The SPARQL 1.1 Service Description of the register's endpoint (dist/sparql.ttl)."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple

from ..model.formats import GRAPH_TYPES, RESULT_TYPES, W3C_FORMATS, W3C_NAMES, rdf_bytes
from ..model.release import Release
from ..model.terms import DCT, DEFAULT_BASE, NS, VOID, XSD, A
from .dumps import canonical

SD = NS("http://www.w3.org/ns/sparql-service-description#")


def service_description(release: Release, triple_count: int) -> bytes:
    """The description of the endpoint at {base}sparql, in Turtle (under the default base, like
    everything the build makes): what it runs, every format it answers in, and its one default
    graph, the dataset's dump."""
    svc, ds = NamedNode(DEFAULT_BASE + "sparql"), NamedNode(release.dataset_iri)
    graph = NamedNode(DEFAULT_BASE + "sparql#default-graph")
    triples = [
        Triple(svc, A, SD.Service),
        Triple(svc, SD.endpoint, svc),
        Triple(svc, SD.supportedLanguage, SD.SPARQL11Query),
        Triple(svc, DCT.title, Literal(f"SPARQL-endpoint: {release.title_nl}", language="nl")),
        Triple(svc, DCT.title, Literal(f"SPARQL endpoint: {release.title_en}", language="en")),
        Triple(svc, SD.defaultDataset, ds),
        Triple(ds, A, SD.Dataset),
        Triple(ds, SD.defaultGraph, graph),
        Triple(graph, A, SD.Graph),
        Triple(graph, VOID.triples, Literal(str(triple_count), datatype=XSD.integer)),
    ]
    answered = {*RESULT_TYPES.values(), *GRAPH_TYPES.values()}
    triples += [
        Triple(svc, SD.resultFormat, NamedNode(W3C_FORMATS + W3C_NAMES[f])) for f in answered
    ]
    prefixes = {
        "sd": SD.iri,
        "formats": W3C_FORMATS,
        "dct": DCT.iri,
        "void": VOID.iri,
        "xsd": XSD.iri,
    }
    return rdf_bytes(canonical(triples), RdfFormat.TURTLE, prefixes)
