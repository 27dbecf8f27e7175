"""Map municipal boundary changes (mergers, annexations, splits) and the gemeenten they ended."""

from __future__ import annotations

from itertools import groupby

from pyoxigraph import Literal, NamedNode

from ..model.terms import CR, DCT, ORG, SCHEMA, SKOS, WIJZIGING, A, minted
from ..read.sources import Data, Record
from .core import Agents, Mapped, cite, text, typed
from .regions import STATUSES

KINDS = {
    "merger": WIJZIGING.samenvoeging,
    "annexation": WIJZIGING.toevoeging,
    "split": WIJZIGING.opsplitsing,
    "new-municipality": WIJZIGING["nieuwe-gemeente"],
}
LABELS = {
    "merger": ("Samenvoeging tot {}", "Merger into {}"),
    "annexation": ("Toevoeging aan {}", "Annexation to {}"),
    "split": ("Opsplitsing van {}", "Split of {}"),
    "new-municipality": ("Vorming van {}", "Formation of {}"),
}


def change_iri(event: str) -> NamedNode:
    return minted(f"wijziging/{event}")


def map_former_gemeente(g: Mapped, r: Record, agents: Agents) -> None:
    """A gemeente that no longer exists: its TOOI-pattern IRI, old code, name and end."""
    s = agents.iri(r["gemeentecode"])
    g.origin(s, r.loc)
    g.add(s, A, CR.Gemeente)
    g.add(s, SKOS.prefLabel, Literal(r["gemeentenaam"], language="nl"))
    g.add(s, CR.cbsCode, Literal(r["gemeentecode"]))
    g.add(s, CR.province, agents(r["provinciecode"]))
    g.add(s, SCHEMA.dissolutionDate, typed(r["ended"]))
    g.add(s, CR.evidenceStatus, STATUSES[r["status"]])
    g.add(s, CR.statusReason, text(r["reason_nl"], "nl"))
    g.add(s, CR.statusReason, text(r["reason_en"], "en"))
    cite(g, s, r["cites"])


def change_name(rows: list[Record], names: dict[str, str]) -> str:
    first = rows[0]
    if first["kind"] == "split":
        return names[first["predecessor"]]
    return " en ".join(names[c] for c in first["successor"])


def map_change(g: Mapped, rows: list[Record], agents: Agents, names: dict[str, str]) -> None:
    """One org:ChangeEvent from every row (one per predecessor) that describes it."""
    first = rows[0]
    s = change_iri(first["event"])
    g.origin(s, first.loc)
    g.add(s, A, ORG.ChangeEvent)
    g.add(s, DCT.date, typed(first["date"]))
    g.add(s, CR.changeKind, KINDS[first["kind"]])
    nl, en = LABELS[first["kind"]]
    name, when = change_name(rows, names), first["date"].text
    g.add(s, SKOS.prefLabel, Literal(f"{nl.format(name)} ({when})", language="nl"))
    g.add(s, SKOS.prefLabel, Literal(f"{en.format(name)} ({when})", language="en"))
    inferred = [r for r in rows if r["status"] == "inferred"]
    g.add(s, CR.evidenceStatus, STATUSES["inferred" if inferred else "stated"])
    for r in inferred:
        with g.row(r):
            g.add(s, CR.statusReason, text(r["reason_nl"], "nl"))
            g.add(s, CR.statusReason, text(r["reason_en"], "en"))
    for r in rows:
        with g.row(r):
            map_change_row(g, s, r, agents)


def map_change_row(g: Mapped, s: NamedNode, r: Record, agents: Agents) -> None:
    for successor in agents.all(r["successor"]):
        g.add(s, ORG.resultingOrganization, successor)
        g.add(successor, ORG.resultedFrom, s)
        if r["successor_new"]:
            g.add(successor, SCHEMA.foundingDate, typed(r["date"]))
    if r["predecessor"]:
        predecessor = agents.iri(r["predecessor"])
        g.add(s, ORG.originalOrganization, predecessor)
        g.add(predecessor, ORG.changedBy, s)
    g.add(s, CR.completenessNote, text(r["note_nl"], "nl"))
    g.add(s, CR.completenessNote, text(r["note_en"], "en"))
    cite(g, s, r["cites"])


def map_changes(g: Mapped, data: Data, agents: Agents) -> None:
    for r in data.rows("former_gemeenten"):
        with g.row(r):
            map_former_gemeente(g, r, agents)
    names = {
        r["gemeentecode"]: r["gemeentenaam"]
        for table in ("gemeenten", "former_gemeenten")
        for r in data.rows(table)
    }
    rows = sorted(data.rows("mergers"), key=lambda r: r["event"])
    for _, group in groupby(rows, key=lambda r: r["event"]):
        map_change(g, list(group), agents, names)
