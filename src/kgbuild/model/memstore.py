"""Triples in an embedded pyoxigraph store: the one way the build, validation and the query
results load a graph they hold as triples."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pyoxigraph import Quad, Store, Triple


def quads(triples: Iterable[Triple]) -> Iterator[Quad]:
    """The triples as quads of the default graph."""
    return (Quad(t.subject, t.predicate, t.object) for t in triples)


def store_of(triples: Iterable[Triple]) -> Store:
    store = Store()
    store.bulk_extend(quads(triples))
    return store
