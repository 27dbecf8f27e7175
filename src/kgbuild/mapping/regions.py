"""Map regions, memberships and recognitions."""

from __future__ import annotations

from itertools import groupby

from pyoxigraph import Literal, NamedNode

from ..model.terms import CR, DCT, ORG, ROL, SCHEMA, SKOS, STATUS, A, minted
from ..read.sources import Data, Record, When
from .core import Agents, Mapped, cite, text, typed

ROLES = {"member": ROL.lid, "representative": ROL.vertegenwoordiger, "lead": ROL.trekker}
ROLE_SLUGS = {"member": "lid", "representative": "vertegenwoordiger", "lead": "trekker"}
STATUSES = {"stated": STATUS.vermeld, "inferred": STATUS.afgeleid}
REGION_TYPES = {"cultuurregio": CR.Cultuurregio, "landsdeel": CR.Landsdeel}


def english_fallbacks(rows: list[Record]) -> dict[str, str]:
    """The English label of each region that no row names in English: its Dutch name.

    A row without name_en adds no fallback label next to another row's English name."""
    named = {r["id"] for r in rows if r["name_en"]}
    return {r["id"]: r["name"] for r in rows if r["id"] not in named}


def map_region(g: Mapped, r: Record, agents: Agents, fallback_en: str | None) -> None:
    s = agents.iri(r["id"])
    g.origin(s, r.loc)
    g.add(s, A, REGION_TYPES[r["kind"]])
    g.add(s, SKOS.prefLabel, Literal(r["name"], language="nl"))
    g.add(s, SKOS.prefLabel, text(r["name_en"] or fallback_en, "en"))
    g.add_all(s, SKOS.altLabel, [Literal(n, language="nl") for n in r["alt_names"] or []])
    for parent in agents.all(r["part_of"]):
        g.add(s, ORG.subOrganizationOf, parent)
        g.add(parent, ORG.hasSubOrganization, s)
    g.add(s, SCHEMA.foundingDate, typed(r["founded"]))
    g.add(s, SCHEMA.dissolutionDate, typed(r["ended"]))
    g.add_all(s, CR.grewOutOf, agents.all(r["grew_out_of"]))
    g.add(s, CR.coincidesWith, agents(r["coincides_with"]))
    g.add_all(s, CR.covers, agents.all(r["covers"]))
    g.add(s, CR.areaOutsideBefore, typed(r["outside_before"]))
    g.add_all(s, CR.statedToSpan, agents.all(r["stated_span"]))
    g.add(s, CR.statedMemberCount, typed(r["stated_member_count"]))
    if r["website"]:
        g.add(s, SCHEMA.url, NamedNode(r["website"]))
    g.add(s, DCT.description, text(r["description_nl"], "nl"))
    g.add(s, DCT.description, text(r["description_en"], "en"))
    g.add(s, CR.completenessNote, text(r["completeness_nl"], "nl"))
    g.add(s, CR.completenessNote, text(r["completeness_en"], "en"))
    cite(g, s, r["cites"])


def membership_iri(r: Record) -> NamedNode:
    parts = [r["region"], r["member"].lower(), ROLE_SLUGS[r["role"]]]
    if r["begin"]:
        parts.append(r["begin"].text)
    return minted("lidmaatschap/" + "/".join(parts))


def map_membership(g: Mapped, rows: list[Record], agents: Agents) -> None:
    """One membership node from every row (one per source) that describes it."""
    first = rows[0]
    s = membership_iri(first)
    g.origin(s, first.loc)
    g.add(s, A, ORG.Membership)
    g.add(s, ORG.member, agents(first["member"]))
    g.add(s, ORG.organization, agents(first["region"]))
    g.add(s, ORG.role, ROLES[first["role"]])
    stated = [r for r in rows if r["status"] == "stated"]
    g.add(s, CR.evidenceStatus, STATUSES["stated" if stated else "inferred"])
    for r in rows:
        with g.row(r):
            map_membership_row(g, s, r, agents, reasons=not stated)
    ends = [r["end"] for r in rows if r["end"]]  # a row that names no end does not deny one
    map_period(g, s, first["begin"], ends[0] if ends else None)
    for end in ends[1:]:  # another end date is a second value, which the shapes refuse
        g.add(s, SCHEMA.endDate, typed(end))


def map_membership_row(g: Mapped, s: NamedNode, r: Record, agents: Agents, reasons: bool) -> None:
    """What one row adds to its membership: the date it was seen, the names it used, its
    reason (when no row states the membership) and its sources."""
    if reasons:
        g.add(s, CR.statusReason, text(r["reason_nl"], "nl"))
        g.add(s, CR.statusReason, text(r["reason_en"], "en"))
    g.add(s, CR.attestedOn, typed(r["attested"]))
    g.add_all(s, CR.namedPredecessor, agents.all(r["named_as"]))
    cite(g, s, r["cites"])


def map_period(g: Mapped, s: NamedNode, begin: When | None, end: When | None) -> None:
    """The period in one place: schema:startDate and schema:endDate as the source gives them
    (their bounds are added for every date of the graph at the end of the map stage)."""
    g.add(s, SCHEMA.startDate, typed(begin))
    g.add(s, SCHEMA.endDate, typed(end))


def map_recognition(g: Mapped, r: Record, agents: Agents, names: dict[str, str]) -> None:
    """One row (one source) of a recognition: each row states the date as its source gives it,
    so a year from one source and a day from another are two values of one date."""
    s = minted(f"erkenning/{r['id']}")
    g.origin(s, r.loc)
    g.add(s, A, CR.Recognition)
    g.add(s, CR.region, agents(r["region"]))
    g.add(s, DCT.date, typed(r["date"]))
    name, year = names[r["region"]], r["date"].text[:4]
    g.add(s, SKOS.prefLabel, Literal(f"Erkenning van {name} ({year})", language="nl"))
    g.add(s, SKOS.prefLabel, Literal(f"Recognition of {name} ({year})", language="en"))
    g.add(s, CR.recognisedBy, agents(r["by"]))
    g.add(s, CR.onBehalfOf, agents(r["on_behalf_of"]))
    if r["document"]:
        g.add(s, CR.document, minted(f"bron/{r['document']}"))
    cite(g, s, r["cites"])


def map_regions(g: Mapped, data: Data, agents: Agents) -> None:
    fallbacks = english_fallbacks(data.rows("regions"))
    for r in data.rows("regions"):
        with g.row(r):
            map_region(g, r, agents, fallbacks.get(r["id"]))
    rows = sorted(data.rows("memberships"), key=lambda r: membership_iri(r).value)
    for _, group in groupby(rows, key=lambda r: membership_iri(r).value):
        map_membership(g, list(group), agents)
    names = {r["id"]: r["name"] for r in data.rows("regions")}
    for r in data.rows("recognitions"):
        with g.row(r):
            map_recognition(g, r, agents, names)


__all__ = ["map_regions", "membership_iri"]
