"""Map tombstones: URIs the register published once and has retired, with the reason why.

A retired URI stays in the dumps as `owl:deprecated true`, with `dct:isReplacedBy` its successor
(if any), the reason as `skos:changeNote` (nl, en) and the date as `schema:expires`. The site
answers it with 410 Gone and a page built from these facts.
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from ..model.terms import DCT, OWL, SCHEMA, SKOS, XSD
from ..read.sources import Data, Record
from .core import Mapped, cite, text, typed

TRUE = Literal("true", datatype=XSD.boolean)


def map_tombstone(g: Mapped, r: Record) -> None:
    s = NamedNode(r["iri"])
    g.origin(s, r.loc)
    g.add(s, OWL.deprecated, TRUE)
    if r["successor"]:
        g.add(s, DCT.isReplacedBy, NamedNode(r["successor"]))
    g.add(s, SKOS.prefLabel, text(r["label_nl"], "nl"))
    g.add(s, SKOS.prefLabel, text(r["label_en"], "en"))
    g.add(s, SKOS.changeNote, text(r["reason_nl"], "nl"))
    g.add(s, SKOS.changeNote, text(r["reason_en"], "en"))
    g.add(s, SCHEMA.expires, typed(r["date"]))
    cite(g, s, r["cites"])


def map_tombstones(g: Mapped, data: Data) -> None:
    for r in data.rows("tombstones"):
        with g.row(r):
            map_tombstone(g, r)
