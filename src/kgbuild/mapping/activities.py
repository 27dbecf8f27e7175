"""Map projects, fundings, findings, policy events and convenants."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from ..model.terms import BEVINDING, CR, DCT, PROV, SCHEMA, SKOS, THEMA, A, minted
from ..read.sources import Data, Record
from .core import Agents, Mapped, as_list, cite, source_iri, text, typed
from .regions import STATUSES

PROJECT_TYPES = {
    "proeftuin": CR.Proeftuin,
    "programme": CR.Programme,
    "subsidy-scheme": CR.SubsidyScheme,
    "project": CR.Project,
}


def themes(codes: list[str] | None) -> list[NamedNode]:
    return [THEMA[c] for c in as_list(codes)]


def labels(g: Mapped, s: NamedNode, nl: str, en: str | None) -> None:
    g.add(s, SKOS.prefLabel, Literal(nl, language="nl"))
    g.add(s, SKOS.prefLabel, Literal(en or nl, language="en"))


def map_project(g: Mapped, r: Record, agents: Agents) -> None:
    s = minted(f"project/{r['id']}")
    g.origin(s, r.loc)
    g.add(s, A, PROJECT_TYPES[r["kind"]])
    labels(g, s, r["name"], r["name_en"])
    g.add_all(s, CR.region, agents.all(r["region"]))
    g.add_all(s, CR.executor, agents.all(r["executor"]))
    g.add_all(s, CR.partner, agents.all(r["partners"]))
    g.add_all(s, CR.participant, agents.all(r["participants"]))
    g.add_all(s, CR.theme, themes(r["themes"]))
    g.add(s, DCT.description, text(r["description_nl"], "nl"))
    g.add(s, DCT.description, text(r["description_en"], "en"))
    g.add(s, SCHEMA.startDate, typed(r["start"]))
    g.add(s, SCHEMA.endDate, typed(r["end"]))
    g.add(s, CR.statedParticipantCount, typed(r["stated_participant_count"]))
    if r["status"]:
        g.add(s, CR.evidenceStatus, STATUSES[r["status"]])
    g.add(s, CR.statusReason, text(r["reason_nl"], "nl"))
    g.add(s, CR.statusReason, text(r["reason_en"], "en"))
    cite(g, s, r["cites"])


def map_funding(g: Mapped, r: Record, agents: Agents) -> None:
    s = minted(f"financiering/{r['id']}")
    g.origin(s, r.loc)
    g.add(s, A, CR.Funding)
    g.add(s, CR.funder, agents(r["funder"]))
    g.add_all(s, CR.recipient, agents.all(r["recipient"]))
    if r["project"]:
        g.add(s, CR.fundedProject, minted(f"project/{r['project']}"))
    g.add(s, CR.amount, typed(r["amount"]))
    g.add(s, DCT.date, typed(r["year"]))
    g.add(s, CR.purpose, Literal(r["purpose_nl"], language="nl"))
    g.add(s, CR.purpose, Literal(r["purpose_en"], language="en"))
    g.add_all(s, CR.matchedBy, agents.all(r["matched_by"]))
    g.add_all(s, CR.theme, themes(r["themes"]))
    cite(g, s, r["cites"])


def map_finding(g: Mapped, r: Record, agents: Agents) -> None:
    s = minted(f"bevinding/{r['id']}")
    g.origin(s, r.loc)
    g.add(s, A, CR.Finding)
    g.add(s, CR.findingKind, BEVINDING[r["kind"]])
    g.add(s, CR.statement, Literal(r["statement_nl"], language="nl"))
    g.add(s, CR.statement, Literal(r["statement_en"], language="en"))
    g.add_all(s, CR.theme, themes(r["themes"]))
    g.add_all(s, CR.concerns, agents.all(r["concerns"]))
    g.add_all(s, PROV.wasAttributedTo, agents.all(r["attributed_to"]))
    cite(g, s, r["cites"])


def map_event(g: Mapped, r: Record, agents: Agents) -> None:
    s = minted(f"gebeurtenis/{r['id']}")
    g.origin(s, r.loc)
    g.add(s, A, CR.PolicyEvent)
    labels(g, s, r["name_nl"], r["name_en"])
    g.add(s, DCT.date, typed(r["date"]))
    g.add(s, PROV.wasAssociatedWith, agents(r["agent"]))
    g.add(s, CR.onBehalfOf, agents(r["on_behalf_of"]))
    if r["document"]:
        g.add(s, CR.document, source_iri(r["document"]))
    g.add_all(s, PROV.used, [source_iri(d) for d in as_list(r["informed_by"])])
    g.add(s, DCT.description, text(r["description_nl"], "nl"))
    g.add(s, DCT.description, text(r["description_en"], "en"))
    cite(g, s, r["cites"])


def convenant_iri(ident: str) -> NamedNode:
    return minted(f"convenant/{ident}")


def map_convenant(g: Mapped, r: Record, agents: Agents) -> None:
    s = convenant_iri(r["id"])
    g.origin(s, r.loc)
    g.add(s, A, CR.ConvenantRound if r["kind"] == "round" else CR.Convenant)
    g.add(s, DCT.title, Literal(r["title"], language="nl"))
    g.add(s, SKOS.prefLabel, Literal(r["title"], language="nl"))
    if r["part_of"]:
        g.add(s, DCT.isPartOf, convenant_iri(r["part_of"]))
        g.add(convenant_iri(r["part_of"]), DCT.hasPart, s)
    g.add(s, SCHEMA.startDate, typed(r["start"]))
    g.add(s, SCHEMA.endDate, typed(r["end"]))
    g.add(s, DCT.date, typed(r["date"]))
    g.add(s, DCT.identifier, text(r["identifier"]))
    if r["url"]:
        g.add(s, SCHEMA.url, NamedNode(r["url"]))
    g.add(s, CR.partyListIncomplete, typed(r["party_list_incomplete"]))
    g.add_all(s, CR.region, agents.all(r["regions"]))
    cite(g, s, r["cites"])


def map_convenant_party(g: Mapped, r: Record, agents: Agents) -> None:
    s = minted(f"convenant/{r['convenant']}/partij/{r['number']}")
    g.origin(s, r.loc)
    g.add(s, A, CR.ConvenantParty)
    g.add(s, CR.convenant, convenant_iri(r["convenant"]))
    g.add(s, CR.partyNumber, typed(r["number"]))
    g.add(s, CR.party, agents(r["party"]))
    g.add_all(s, CR.actsFor, agents.all(r["acts_for"]))
    if r["acts_for_status"]:
        g.add(s, CR.evidenceStatus, STATUSES[r["acts_for_status"]])
    g.add(s, CR.statusReason, text(r["reason_nl"], "nl"))
    g.add(s, CR.statusReason, text(r["reason_en"], "en"))
    cite(g, s, r["cites"])


def map_activities(g: Mapped, data: Data, agents: Agents) -> None:
    for table, fn in (
        ("projects", map_project),
        ("fundings", map_funding),
        ("findings", map_finding),
        ("events", map_event),
        ("convenants", map_convenant),
        ("convenant_parties", map_convenant_party),
    ):
        for r in data.rows(table):
            with g.row(r):
                fn(g, r, agents)
