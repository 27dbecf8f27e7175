"""Dates as their sources give them, and the earliest and latest day each can mean.

A date keeps its precision (`"2024"^^edtf:EDTF` is a year) and gets two `xsd:date` bounds, so one
comparison works on every value: `cr:dateLatest >= "2024-01-01"^^xsd:date` finds a recognition
dated 2024 and one dated 2024-03-01 alike. A node with two values of one date property (two
sources, two precisions) gets the bounds both allow; bounds that cross are refused by the shapes.
Attestations are the exception: each is a day of its own, and their bounds span them all.
"""

from __future__ import annotations

import calendar

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from ..model.terms import CR, DCT, EDTF, SCHEMA, XSD
from .core import Mapped

# Each date property and its two bounds: the earliest and the latest day the value can mean.
BOUNDS: dict[NamedNode, tuple[NamedNode, NamedNode]] = {
    SCHEMA.startDate: (CR.startEarliest, CR.startLatest),
    SCHEMA.endDate: (CR.endEarliest, CR.endLatest),
    SCHEMA.foundingDate: (CR.foundingEarliest, CR.foundingLatest),
    SCHEMA.dissolutionDate: (CR.dissolutionEarliest, CR.dissolutionLatest),
    SCHEMA.expires: (CR.expiresEarliest, CR.expiresLatest),
    DCT.date: (CR.dateEarliest, CR.dateLatest),
    DCT.issued: (CR.issuedEarliest, CR.issuedLatest),
    CR.attestedOn: (CR.attestedEarliest, CR.attestedLatest),
    CR.areaOutsideBefore: (CR.areaOutsideBeforeEarliest, CR.areaOutsideBeforeLatest),
}


def earliest_day(when: str) -> str:
    """The first day a year, month or day can mean: "2024" -> "2024-01-01"."""
    return {4: when + "-01-01", 7: when + "-01"}.get(len(when), when)


def latest_day(when: str) -> str:
    """The last day a year, month or day can mean: "2024-02" -> "2024-02-29"."""
    if len(when) == 4:
        return when + "-12-31"
    if len(when) == 7:
        year, month = int(when[:4]), int(when[5:])
        return f"{when}-{calendar.monthrange(year, month)[1]:02d}"
    return when


# A property whose values are separate dates (a fact seen by several sources on several days), not
# one date given by several sources: its bounds span all values instead of what they share.
SEPARATE = {CR.attestedOn}


def xsd_date(day: str) -> Literal:
    return Literal(day, datatype=XSD.date)


def add_bounds(g: Mapped) -> None:
    """For every date in the graph, its bounds: each rests on the rows that gave the dates."""
    dates: dict[tuple[NamedNode | BlankNode, NamedNode], list[tuple[Triple, Literal]]] = {}
    for t in g.triples:
        node, o = t.subject, t.object
        if isinstance(o, Literal) and o.datatype == EDTF and not isinstance(node, Triple):
            dates.setdefault((node, t.predicate), []).append((t, o))
    for (s, p), found in sorted(dates.items(), key=lambda kv: (kv[0][0].value, kv[0][1].value)):
        first, last = BOUNDS[p]
        values = [o.value for _, o in found]
        rows = tuple(r for t, _ in found for r in g.stated.get(t, ()))
        pick_first, pick_last = (min, max) if p in SEPARATE else (max, min)
        for bound in (
            Triple(s, first, xsd_date(pick_first(map(earliest_day, values)))),
            Triple(s, last, xsd_date(pick_last(map(latest_day, values)))),
        ):
            g.triples.add(bound)
            if rows:
                g.stated[bound] = rows
