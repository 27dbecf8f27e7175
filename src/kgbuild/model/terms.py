"""Namespaces and IRI minting, under the default base (w3id); the base a build publishes under
is applied where bytes leave (model/base.py)."""

from __future__ import annotations

import re
import unicodedata
from typing import TypeAlias

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

# What pyoxigraph takes as the subject and as the object of a triple.
Subject: TypeAlias = NamedNode | BlankNode | Triple
Term: TypeAlias = NamedNode | BlankNode | Literal | Triple

DEFAULT_BASE = "https://w3id.org/cultuurregio/"
TOOI = "https://identifier.overheid.nl/tooi/id/"

PREFIXES = {
    "cr": DEFAULT_BASE + "def/cultuurregio#",
    "rol": DEFAULT_BASE + "def/rol#",
    "status": DEFAULT_BASE + "def/status#",
    "bevinding": DEFAULT_BASE + "def/bevinding#",
    "thema": DEFAULT_BASE + "def/thema#",
    "wijziging": DEFAULT_BASE + "def/wijziging#",
    "regio": DEFAULT_BASE + "id/regio/",
    "bron": DEFAULT_BASE + "id/bron/",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "time": "http://www.w3.org/2006/time#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "tooi-gm": TOOI + "gemeente/",
    "tooi-pv": TOOI + "provincie/",
    "sh": "http://www.w3.org/ns/shacl#",
    "edtf": "http://id.loc.gov/datatypes/edtf/",
}


class NS:
    """A namespace: NS('http://x#').term -> NamedNode('http://x#term')."""

    def __init__(self, iri: str):
        self.iri = iri
        self._terms: dict[str, NamedNode] = {}

    def __getattr__(self, name: str) -> NamedNode:
        """Called for a term's first use only: the term then becomes a plain attribute."""
        if name.startswith("_"):
            raise AttributeError(name)
        term = self.__dict__[name] = self[name]
        return term

    def __getitem__(self, name: str) -> NamedNode:
        """Each term is made once (the map stage asks for them about a million times)."""
        term = self._terms.get(name)
        if term is None:
            term = self._terms[name] = NamedNode(self.iri + name)
        return term


CR = NS(PREFIXES["cr"])
ROL = NS(PREFIXES["rol"])
STATUS = NS(PREFIXES["status"])
BEVINDING = NS(PREFIXES["bevinding"])
THEMA = NS(PREFIXES["thema"])
WIJZIGING = NS(PREFIXES["wijziging"])
ORG = NS(PREFIXES["org"])
SKOS = NS(PREFIXES["skos"])
DCT = NS(PREFIXES["dct"])
PROV = NS(PREFIXES["prov"])
SCHEMA = NS(PREFIXES["schema"])
TIME = NS(PREFIXES["time"])
OWL = NS(PREFIXES["owl"])
RDFS = NS(PREFIXES["rdfs"])
RDF = NS(PREFIXES["rdf"])
XSD = NS(PREFIXES["xsd"])
DCAT = NS(PREFIXES["dcat"])
VOID = NS(PREFIXES["void"])
A = RDF.type
# The Library of Congress datatype for Extended Date/Time Format (ISO 8601-2): one datatype for a
# year, a month or a day, so a date keeps the precision its source gives.
EDTF = NamedNode(PREFIXES["edtf"] + "EDTF")


def slugify(text: str) -> str:
    """Lower-case ASCII slug: 'Noot 5' -> 'noot-5', 'Fryslân' -> 'fryslan'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def minted(path: str) -> NamedNode:
    """An IRI we mint, under the default base: minted('regio/twente') -> …/id/regio/twente."""
    return NamedNode(DEFAULT_BASE + "id/" + path)


def tooi_gemeente(code: str) -> NamedNode:
    return NamedNode(TOOI + "gemeente/" + code.lower())


def tooi_provincie(code: str) -> NamedNode:
    return NamedNode(TOOI + "provincie/" + code.lower())
