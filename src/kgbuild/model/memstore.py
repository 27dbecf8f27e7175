"""Triples in an embedded pyoxigraph store: the one way the build, validation and the query
results load a graph they hold as triples."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pyoxigraph import Quad, QueryBoolean, QuerySolutions, QueryTriples, Store, Triple


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
    store.bulk_extend(quads(triples))
    return store
