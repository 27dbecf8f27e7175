"""Triples in an embedded pyoxigraph store: the one way the build, validation and the query
results load a graph they hold as triples."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from pyoxigraph import (
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    serialize,
)

# Triples loaded at a time: their N-Triples text is held until they are in the store.
CHUNK = 200_000


def quads(triples: Iterable[Triple]) -> Iterator[Quad]:
    """The triples as quads of the default graph."""
    return (Quad(t.subject, t.predicate, t.object) for t in triples)


def solutions(result: QuerySolutions | QueryBoolean | QueryTriples) -> QuerySolutions:
    """The rows of a SELECT query's result; ValueError for an ASK, CONSTRUCT or DESCRIBE."""
    if not isinstance(result, QuerySolutions):  # the query's form is wrong, not a Python type
        raise ValueError("not a SELECT query")  # noqa: TRY004
    return result


def store_of(triples: Iterable[Triple]) -> Store:
    store = Store()
    add(store, triples)
    return store


def add(store: Store, triples: Iterable[Triple]) -> None:
    """Add the triples to the store's default graph, by way of their N-Triples text: pyoxigraph
    writes it straight from the triples and parses it back without making a Python term or
    quad per triple (making the quads costs about as much as the inserts). Its own writing of
    valid terms needs no checking on the way back (`lenient`). Parsing gives blank nodes new
    labels, so a batch whose text may hold one (`_:`, in a literal too) goes in as quads."""
    rest = iter(triples)
    while batch := list(islice(rest, CHUNK)):
        text = serialize(batch, format=RdfFormat.N_TRIPLES)
        if text is not None and b"_:" not in text:
            store.bulk_load(text, format=RdfFormat.N_TRIPLES, lenient=True)
        else:
            store.bulk_extend(quads(batch))
