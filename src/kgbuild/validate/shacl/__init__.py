"""Validation that scales: queries on the store pick the focus nodes pyshacl must look at.

pyshacl on the whole graph costs about a minute per million triples, most of it spent on nodes
that conform. `narrow()` runs the shapes' core constraints as SPARQL queries on the embedded
store (compile.py) and returns only the focus nodes that may violate a shape, with the triples
pyshacl needs to judge them: their own, those of the nodes they point to (as deep as the shapes
look), and the class hierarchy. pyshacl then validates just those nodes, so its findings,
messages included, are the ones it would give on the whole graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Store, Triple

from ...model.terms import Term
from .compile import SUBCLASS, flagged
from .model import Shape, ShapesGraph


@dataclass(frozen=True)
class Narrowed:
    """What pyshacl must see: no focus nodes means nothing can violate; None means all
    (triples is then empty: the whole graph)."""

    focus: list[NamedNode] | None
    triples: list[Triple]


def hops(shape: Shape, seen: frozenset[Term | None] = frozenset()) -> int:
    """How many steps of outgoing triples from a focus node the shape's constraints read."""
    if shape.node in seen:
        return 0
    seen = seen | {shape.node}
    step = 1 if shape.path is not None else 0
    deepest = 1 + step if "class" in shape.params else 1
    inner = [s for group in shape.nested.values() for s in group] + shape.properties
    for s in inner:
        deepest = max(deepest, step + hops(s, seen))
    return deepest


def triples_of(store: Store, s: Term | None, p: Term | None, o: Term | None) -> list[Triple]:
    return [
        Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(s, p, o, DefaultGraph())  # type: ignore[arg-type]
    ]


def pointing_at(store: Store, focus: set[Term], shapes: list[Shape]) -> list[Triple]:
    """The triples that make a node a focus node of a shape with sh:targetObjectsOf."""
    props = {p for s in shapes for p in s.targets.get("targetObjectsOf", [])}
    return [t for p in props for f in focus for t in triples_of(store, None, p, f)]


def neighbourhood(store: Store, focus: set[Term], depth: int) -> list[Triple]:
    """Every triple within depth steps from the focus nodes, and the class hierarchy."""
    out: list[Triple] = []
    frontier = set(focus)
    seen: set[Term] = set()
    for _ in range(depth):
        nxt: set[Term] = set()
        for node in frontier - seen:
            seen.add(node)
            if isinstance(node, Literal):  # a literal is the subject of no triple
                continue
            found = triples_of(store, node, None, None)
            out += found
            nxt.update(t.object for t in found if isinstance(t.object, (NamedNode, BlankNode)))
        frontier = nxt
    return out + triples_of(store, None, NamedNode(SUBCLASS), None)


def narrow(store: Store, shape_triples: Iterable[Triple]) -> Narrowed:
    shapes = ShapesGraph(shape_triples).targeted()
    focus = flagged(store, shapes)
    if not focus:
        return Narrowed([], [])
    named = [f for f in focus if isinstance(f, NamedNode)]
    if len(named) != len(focus):
        return Narrowed(None, [])
    depth = max(hops(s) for s in shapes)
    near = neighbourhood(store, focus, depth) + pointing_at(store, focus, shapes)
    return Narrowed(sorted(named, key=lambda n: n.value), sorted(set(near), key=str))


__all__ = ["Narrowed", "narrow"]
