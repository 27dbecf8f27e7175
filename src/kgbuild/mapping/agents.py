"""Map sources, gemeenten, provincies, organisations and people."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from ..model.terms import CR, DCT, ORG, PROV, SCHEMA, SKOS, A
from ..read.sources import Data, Record
from .core import Agents, Mapped, cite, source_iri, text, typed

SOURCE_TYPES = {
    "article": SCHEMA.Article,
    "report": SCHEMA.Report,
    "advice": SCHEMA.Report,
    "letter": SCHEMA.DigitalDocument,
    "webpage": SCHEMA.WebPage,
    "publication": SCHEMA.Legislation,
    "dataset": SCHEMA.Dataset,
    "news": SCHEMA.NewsArticle,
}
ORG_TYPES = {
    "ministry": CR.Ministerie,
    "network": CR.AdministrativeNetwork,
    "public-body": CR.OpenbaarLichaam,
}


def citation_text(r: Record) -> str:
    """A bibliographic line built from the fields: authors (year) title. place: publisher."""
    parts = []
    if r["authors"]:
        parts.append("; ".join(r["authors"]))
    when = r["date"] or r["year"]
    if when:
        parts.append(f"({when.text})")
    parts.append(r["title"] + ".")
    if r["identifier"]:
        parts.append(r["identifier"] + ".")
    if r["publisher"]:
        parts.append(f"{r['place']}: {r['publisher']}." if r["place"] else r["publisher"] + ".")
    return " ".join(parts)


def map_source(g: Mapped, r: Record) -> None:
    s = source_iri(r["id"])
    g.origin(s, r.loc)
    g.add(s, A, DCT.BibliographicResource)
    g.add(s, A, PROV.Entity)
    g.add(s, A, SOURCE_TYPES[r["kind"]])
    g.add(s, DCT.title, Literal(r["title"]))
    g.add_all(s, DCT.creator, [Literal(a) for a in r["authors"] or []])
    g.add(s, DCT.issued, typed(r["date"] or r["year"]))
    g.add(s, DCT.publisher, text(r["publisher"]))
    g.add(s, DCT.identifier, text(r["identifier"]))
    g.add(s, DCT.bibliographicCitation, Literal(citation_text(r)))
    if r["url"]:
        g.add(s, SCHEMA.url, NamedNode(r["url"]))
    cite(g, s, r["cites"])


def map_provincie(g: Mapped, r: Record, agents: Agents) -> None:
    s = agents.iri(r["provinciecode"])
    g.origin(s, r.loc)
    g.add(s, A, CR.Provincie)
    # Named as TOOI names it, so a province never shares a label with its capital gemeente.
    g.add(s, SKOS.prefLabel, Literal("provincie " + r["provincienaam"], language="nl"))
    g.add(s, SKOS.prefLabel, Literal("province of " + r["provincienaam"], language="en"))
    g.add(s, SKOS.altLabel, Literal(r["provincienaam"], language="nl"))
    g.add(s, CR.cbsCode, Literal(r["provinciecode"]))
    cite(g, s, r["cites"])


def map_gemeente(g: Mapped, r: Record, agents: Agents) -> None:
    s = agents.iri(r["gemeentecode"])
    g.origin(s, r.loc)
    g.add(s, A, CR.Gemeente)
    g.add(s, SKOS.prefLabel, Literal(r["gemeentenaam"], language="nl"))
    g.add(s, CR.cbsCode, Literal(r["gemeentecode"]))
    g.add(s, CR.province, agents(r["provinciecode"]))
    cite(g, s, r["cites"])


def map_organisation(g: Mapped, r: Record, agents: Agents) -> None:
    s = agents.iri(r["id"])
    g.origin(s, r.loc)
    g.add(s, A, ORG.Organization)
    g.add(s, A, ORG_TYPES.get(r["kind"]))
    g.add(s, SKOS.prefLabel, Literal(r["name"], language="nl"))
    g.add(s, DCT.description, text(r["description_nl"], "nl"))
    g.add(s, DCT.description, text(r["description_en"], "en"))
    g.add(s, SCHEMA.location, agents(r["based_in"]))
    g.add_all(s, ORG.hasMember, agents.all(r["members"]))
    if r["website"]:
        g.add(s, SCHEMA.url, NamedNode(r["website"]))
    cite(g, s, r["cites"])


def map_person(g: Mapped, r: Record, agents: Agents) -> None:
    s = agents.iri(r["id"])
    g.origin(s, r.loc)
    g.add(s, A, SCHEMA.Person)
    g.add(s, A, PROV.Agent)
    g.add(s, SCHEMA.name, Literal(r["name"]))
    g.add(s, SKOS.prefLabel, Literal(r["name"], language="nl"))
    g.add(s, SCHEMA.jobTitle, Literal(r["role_nl"], language="nl"))
    g.add(s, SCHEMA.jobTitle, Literal(r["role_en"], language="en"))
    g.add(s, CR.affiliation, agents(r["affiliation"]))
    cite(g, s, r["cites"])


def map_agents(g: Mapped, data: Data, agents: Agents) -> None:
    for r in data.rows("sources"):
        with g.row(r):
            map_source(g, r)
    for table, fn in (
        ("provincies", map_provincie),
        ("gemeenten", map_gemeente),
        ("organisations", map_organisation),
        ("people", map_person),
    ):
        for r in data.rows(table):
            with g.row(r):
                fn(g, r, agents)
