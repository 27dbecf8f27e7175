"""The growing graph of the map stage: triples, the source location of each node, and which
rows stated each triple."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Triple

from ..model.errors import Loc
from ..model.terms import (
    CR,
    DCT,
    EDTF,
    PROV,
    RDFS,
    XSD,
    A,
    Term,
    minted,
    tooi_gemeente,
    tooi_provincie,
)
from ..read.sources import Cite, Data, Record, When


@dataclass
class Mapped:
    """The output of the map stage.

    sources: every citation cite() gave each node. stated: the rows that stated each triple
    added inside row(); a triple added outside any row is a fact of its node as a whole."""

    triples: set[Triple] = field(default_factory=set)
    origins: dict[str, Loc] = field(default_factory=dict)
    sources: dict[NamedNode, set[Cite]] = field(default_factory=dict)
    stated: dict[Triple, tuple[Record, ...]] = field(default_factory=dict)
    _row: Record | None = field(default=None, init=False, repr=False)

    @contextmanager
    def row(self, r: Record) -> Iterator[None]:
        """Record every triple added inside as stated by this row."""
        outer, self._row = self._row, r
        try:
            yield
        finally:
            self._row = outer

    def add(self, s: NamedNode, p: NamedNode, o: Term | None) -> None:
        if o is None:
            return
        t = Triple(s, p, o)
        self.triples.add(t)
        if self._row is not None:
            rows = self.stated.get(t, ())
            if not rows or rows[-1] is not self._row:
                self.stated[t] = (*rows, self._row)

    def add_all(self, s: NamedNode, p: NamedNode, objects: Iterable[Term]) -> None:
        for o in objects:
            self.add(s, p, o)

    def origin(self, node: NamedNode, loc: Loc) -> None:
        self.origins.setdefault(node.value, loc)


def text(value: str | None, lang: str | None = None) -> Literal | None:
    if not value:
        return None
    return Literal(value, language=lang) if lang else Literal(value)


def typed(value: object) -> Literal | None:
    """A typed literal from a parsed cell value (When, int, Decimal, bool)."""
    if value is None:
        return None
    if isinstance(value, When):
        return Literal(value.text, datatype=EDTF)
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=XSD.boolean)
    if isinstance(value, int):
        return Literal(str(value), datatype=XSD.integer)
    if isinstance(value, Decimal):
        return Literal(format(value, "f"), datatype=XSD.decimal)
    raise TypeError(f"no literal for {value!r}")


def as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def source_iri(source_id: str) -> NamedNode:
    return minted(f"bron/{source_id}")


def location_iri(cite: Cite) -> NamedNode:
    doc = source_iri(cite.source)
    return NamedNode(f"{doc.value}#{cite.anchor}") if cite.locator else doc


def source_triples(node: NamedNode, c: Cite) -> list[Triple]:
    """dct:source the document, prov:wasDerivedFrom the place in it, and that place."""
    doc, where = source_iri(c.source), location_iri(c)
    out = [Triple(node, DCT.source, doc), Triple(node, PROV.wasDerivedFrom, where)]
    if where != doc:
        out += [
            Triple(where, A, CR.SourceLocation),
            Triple(where, DCT.isPartOf, doc),
            Triple(where, CR.locator, Literal(c.locator)),
            Triple(where, RDFS.label, Literal(c.locator)),
        ]
    return out


def cite(g: Mapped, node: NamedNode, cites: list[Cite] | None) -> None:
    """Attach sources to a node. These triples say where facts come from, so no row records
    them as facts it stated."""
    for c in cites or []:
        g.sources.setdefault(node, set()).add(c)
        g.triples.update(source_triples(node, c))


class Agents:
    """Resolves an identifier in data/ (GM code, PV code, slug) to the IRI of that agent."""

    def __init__(self, data: Data):
        self.iris: dict[str, NamedNode] = {}
        for table in ("gemeenten", "former_gemeenten"):
            for r in data.rows(table):
                self.iris[r["gemeentecode"]] = tooi_gemeente(r["gemeentecode"])
        for r in data.rows("provincies"):
            self.iris[r["provinciecode"]] = tooi_provincie(r["provinciecode"])
        for r in data.rows("organisations"):
            self.iris[r["id"]] = (
                NamedNode(r["tooi_uri"]) if r["tooi_uri"] else minted(f"organisatie/{r['id']}")
            )
        for r in data.rows("people"):
            self.iris[r["id"]] = minted(f"persoon/{r['id']}")
        for r in data.rows("regions"):
            self.iris[r["id"]] = minted(f"regio/{r['id']}")

    def iri(self, ident: str) -> NamedNode:
        """The IRI of an agent that must be there (the node a row describes)."""
        return self.iris[ident]

    def __call__(self, ident: str | None) -> NamedNode | None:
        """The IRI of an agent a cell may name, None for an empty cell."""
        return self.iris[ident] if ident else None

    def all(self, idents: str | list[str] | None) -> list[NamedNode]:
        return [self.iris[i] for i in as_list(idents)]
