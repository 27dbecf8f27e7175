"""Statements: the sources of each fact that rests on other sources than its node as a whole.

A node cites the sources of every row that describes it. A triple that only some of those rows
stated, or that a row stated about another node, gets an `rdf:Statement` naming the triple and
citing the rows that stated it (decision 0010). Every other fact rests on its node's sources.
"""

from __future__ import annotations

from collections.abc import Iterable
from hashlib import sha256

from pyoxigraph import NamedNode, RdfFormat, Triple

from ..model.formats import rdf_bytes
from ..model.paths import EXTERN, document_of
from ..model.terms import DEFAULT_BASE, RDF, A
from ..read.sources import Cite, Record
from .core import Mapped, cite, location_iri

OURS = (DEFAULT_BASE + "id/", DEFAULT_BASE + "def/")


def statement_iri(t: Triple, subject: NamedNode) -> NamedNode:
    """`{home}#bewering-{the first 12 hex digits of the sha256 of the triple's N-Triples line}`.

    The home is the subject's IRI without its fragment where we mint it, else the IRI of our
    document about the subject (`…/doc/gemeente/gm0153` for a TOOI gemeente)."""
    line = rdf_bytes([t], RdfFormat.N_TRIPLES)
    home = subject.value.split("#", 1)[0]
    if not home.startswith(OURS):
        home = DEFAULT_BASE + (document_of(home, DEFAULT_BASE) or EXTERN)
    return NamedNode(f"{home}#bewering-{sha256(line).hexdigest()[:12]}")


def places(cites: Iterable[Cite]) -> set[NamedNode]:
    return {location_iri(c) for c in cites}


def narrower(g: Mapped) -> list[tuple[Triple, NamedNode, set[Cite], Record]]:
    """Each recorded triple whose rows cite other places than its subject does, with its
    subject, the citations of those rows and the first of them. (A row states triples about
    IRIs only: Mapped.add takes no other subject.)"""
    out = []
    for t, rows in g.stated.items():
        if not isinstance(t.subject, NamedNode):
            continue
        cites = {c for r in rows for c in r["cites"] or ()}
        node = g.sources.get(t.subject, set())
        if cites and cites != node and places(cites) != places(node):
            out.append((t, t.subject, cites, rows[0]))
    return out


def add_statements(g: Mapped) -> None:
    """An rdf:Statement for each such triple: the triple, its sources, and as its origin the
    file:line of the first row that stated it."""
    for t, subject, cites, first in narrower(g):
        s = statement_iri(t, subject)
        g.origin(s, first.loc)
        g.triples.update(
            (
                Triple(s, A, RDF.Statement),
                Triple(s, RDF.subject, t.subject),
                Triple(s, RDF.predicate, t.predicate),
                Triple(s, RDF.object, t.object),
            )
        )
        cite(g, s, list(cites))
