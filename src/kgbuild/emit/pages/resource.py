"""The context of a resource page: its nodes with facts and sources, and what points at it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyoxigraph import NamedNode, Triple

from ...derive import (
    DERIVED_PROPERTIES,
    REFERENCE_DATES,
    SURELY,
    Outside,
    Period,
    Territory,
    answer,
    rule_iri,
)
from ...model.terms import CR, DCT, ORG, PROV, RDF, SCHEMA, STATUS, A
from .context import Chrome, Fact, Link, Properties, Shown, Site, Value, as_iri, one, shown, text
from .index import GraphIndex, value_of
from .jsonld import schema_jsonld

if TYPE_CHECKING:
    from .maps import Drawing

SOURCE, DERIVED_FROM = DCT.source.value, PROV.wasDerivedFrom.value
SOURCE_PROPS = {SOURCE, DERIVED_FROM}
STATEMENT_PROPS = {RDF.subject.value, RDF.predicate.value, RDF.object.value}
HIDDEN_INVERSE = SOURCE_PROPS | STATEMENT_PROPS | {A.value}
REGION_TYPES = {CR.Cultuurregio.value, CR.Landsdeel.value}
AGENT_TYPES = {CR.Gemeente.value, CR.Provincie.value, CR.Ministerie.value}
SOURCE_TYPES = {DCT.BibliographicResource.value}
STATED = STATUS.vermeld.value
TYPE = A.value


@dataclass(frozen=True)
class Node:
    """One subject shown on the page: the resource itself or one of its hash IRIs."""

    anchor: str
    iri: str
    label: str
    facts: tuple[Fact, ...]
    sources: tuple[Link, ...]


@dataclass(frozen=True)
class Inverse:
    prop: Link
    subjects: tuple[Link, ...]


@dataclass(frozen=True)
class MembershipRow:
    membership: Link
    region: Link
    member: Link
    role: str
    stated: bool
    status: str
    begin: str
    end: str
    reason: str
    sources: tuple[Link, ...]


@dataclass(frozen=True)
class PartyRow:
    """One party of a region with all its memberships (one per role and period): confirmed
    when a source states any of them."""

    member: Link
    memberships: tuple[MembershipRow, ...]

    @property
    def stated(self) -> bool:
        return any(m.stated for m in self.memberships)


def parties(rows: tuple[MembershipRow, ...]) -> tuple[PartyRow, ...]:
    by_member: dict[str, list[MembershipRow]] = {}
    for r in rows:
        by_member.setdefault(r.member.iri, []).append(r)
    return tuple(PartyRow(ms[0].member, tuple(ms)) for ms in by_member.values())


@dataclass(frozen=True)
class PlaceOnDate:
    """Where a gemeente was on a reference date, by the snapshot's rule (derive.answer): the
    regions (each with its standing and whether surely), outside every region, or not known."""

    day: str
    regions: tuple[tuple[Link, bool, bool], ...]  # (region, stated, surely)
    outside: bool
    outside_surely: bool


def period_of(index: GraphIndex, fact: str) -> Period:
    """The bounds of a territory or outside fact, as derive wrote them."""

    def day(prop: NamedNode) -> str | None:
        return index.first_value(fact, prop)

    end_earliest, end_latest = day(CR.endEarliest), day(CR.endLatest)
    return Period(
        (day(CR.startEarliest) or "9999-12-31", day(CR.startLatest) or "9999-12-31"),
        (end_earliest, end_latest) if end_earliest and end_latest else None,
    )


def placed_facts(site: Site, gemeente: str) -> tuple[list[Territory], list[Outside]]:
    territory: list[Territory] = []
    outside: list[Outside] = []
    for f in site.index.subjects(CR.gemeente, gemeente):
        types, period = site.index.types.get(f, ()), period_of(site.index, f)
        stated = site.index.first_value(f, CR.evidenceStatus) == STATED
        if CR.TerritoryFact.value in types:
            region = site.index.required_value(f, CR.region)
            territory.append(Territory(f, region, gemeente, stated, period, "", ()))
        elif CR.OutsideFact.value in types:
            outside.append(Outside(f, gemeente, period, "", ()))
    return territory, outside


def places_over_time(site: Site, iri: str) -> tuple[PlaceOnDate, ...]:
    if CR.Gemeente.value not in site.index.types.get(iri, ()):
        return ()
    territory, outside = placed_facts(site, iri)
    out = []
    for day in REFERENCE_DATES:
        a = answer(territory, outside, day)
        out.append(
            PlaceOnDate(
                day,
                tuple((site.link(r), stated, c == SURELY) for r, stated, c in a.regions),
                bool(a.outside and not a.regions),
                a.outside == SURELY,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Claim:
    """A place in a source (anchor: its fragment, '' for the whole document) and what rests on it."""

    anchor: str
    location: Link
    claims: tuple[Link, ...]


@dataclass(frozen=True)
class ResourcePage:
    chrome: Chrome
    kind: str  # the template: region, agent, source or resource
    main: Node
    parts: tuple[Node, ...]
    inverse: tuple[Inverse, ...]
    memberships: tuple[MembershipRow, ...]
    claims: tuple[Claim, ...]
    map: Drawing | None = None  # a region's map
    places: tuple[PlaceOnDate, ...] = ()

    @property
    def parties(self) -> tuple[PartyRow, ...]:
        return parties(self.memberships)


def kind_of(types: set[str]) -> str:
    for kind, classes in (
        ("region", REGION_TYPES),
        ("agent", AGENT_TYPES),
        ("source", SOURCE_TYPES),
    ):
        if types & classes:
            return kind
    return "resource"


def properties_of(index: GraphIndex, iri: str) -> Properties:
    """A node's values by property, as the pages show them."""
    props: Properties = defaultdict(list)
    for t in index.by_subject.get(iri, ()):
        props[t.predicate.value].append(shown(t.object))
    return props


def sources_of(site: Site, props: Properties) -> tuple[Link, ...]:
    """The places a node's facts rest on (prov:wasDerivedFrom), else its documents."""
    return tuple(site.link(as_iri(p)) for p in props.get(DERIVED_FROM) or props.get(SOURCE, []))


Stated = dict[tuple[Shown | None, Shown | None], tuple[Link, ...]]  # see stated_sources


def stated_sources(site: Site, iri: str) -> Stated:
    """{(property, value): places} of the facts of a node that a statement gives sources of."""
    out: Stated = {}
    for st in site.index.subjects(RDF.subject, iri):
        props = properties_of(site.index, st)
        out[(one(props, RDF.predicate), one(props, RDF.object))] = sources_of(site, props)
    return out


def fact_sources(site: Site, prop: str, sources: tuple[Link, ...]) -> tuple[Link, ...]:
    """A computed fact cites the rule that computed it; any other the sources it rests on."""
    rule = DERIVED_PROPERTIES.get(prop)
    return (site.link(rule_iri(rule).value),) if rule else sources


def facts_of(
    site: Site, prop: str, objects: list[Shown], stated: Stated, sources: tuple[Link, ...]
) -> list[Fact]:
    """The rows of one property: its values grouped by the sources they rest on (a value with
    a statement cites its places, any other the node's sources)."""
    groups: dict[tuple[Link, ...], list[Shown]] = {}
    for o in site.in_language(objects):
        groups.setdefault(fact_sources(site, prop, stated.get((prop, o), sources)), []).append(o)
    return [Fact(site.prop(prop), site.values(values), cited) for cited, values in groups.items()]


def grouped(index: GraphIndex, triples: list[Triple]) -> dict[str, Properties]:
    """A document's nodes and their values, the same for both languages, so made once per
    document; the statements left out (each shows as the sources of the fact it names, not as
    a part). A subject's triples are all in its document, so the index has the same ones."""
    subjects = dict.fromkeys(t.subject.value for t in triples)  # type: ignore[union-attr]  # pyoxigraph 0.5 refuses triple subjects; its stubs allow them
    return {
        s: properties_of(index, s)
        for s in subjects
        if RDF.Statement.value not in index.types.get(s, ())
    }


def node(site: Site, iri: str, props: Properties) -> Node:
    sources = sources_of(site, props)
    stated = stated_sources(site, iri)
    order = sorted(
        (p for p in props if p not in SOURCE_PROPS), key=lambda p: (p != TYPE, site.prop(p).label)
    )
    facts = tuple(f for p in order for f in facts_of(site, p, props[p], stated, sources))
    anchor = iri.split("#", 1)[1] if "#" in iri else ""
    return Node(anchor, iri, site.index.label(iri, site.lang), facts, sources)


def inverse(site: Site, iri: str, skip: set[str]) -> tuple[Inverse, ...]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for t in site.index.by_object.get(iri, ()):
        s = value_of(t.subject)
        if t.predicate.value not in HIDDEN_INVERSE and s.split("#")[0] != iri and s not in skip:
            grouped[t.predicate.value].append(s)
    return tuple(
        Inverse(site.prop(p), tuple(site.link(s) for s in sorted(set(grouped[p]))))
        for p in sorted(grouped, key=lambda p: site.prop(p).label)
    )


def membership_row(site: Site, m: str) -> MembershipRow:
    ix, lang, props = site.index, site.lang, properties_of(site.index, m)
    status, role = one(props, CR.evidenceStatus), one(props, ORG.role)
    return MembershipRow(
        site.link(m),
        site.link(as_iri(one(props, ORG.organization))),
        site.link(as_iri(one(props, ORG.member))),
        ix.label(as_iri(role), lang) if role else "",
        status == STATED,
        ix.label(as_iri(status), lang) if status else "",
        text(one(props, SCHEMA.startDate, lang)),
        text(one(props, SCHEMA.endDate, lang)),
        text(one(props, CR.statusReason, lang)),
        sources_of(site, props),
    )


def memberships(site: Site, iri: str, kind: str) -> tuple[MembershipRow, ...]:
    prop = {"region": ORG.organization, "agent": ORG.member}.get(kind)
    if prop is None:
        return ()
    rows = [
        membership_row(site, m)
        for m in site.index.subjects(prop, iri)
        if ORG.Membership.value in site.index.types.get(m, ())
    ]
    key = (
        (lambda r: (not r.stated, r.member.label, r.begin))
        if kind == "region"
        else (lambda r: (r.begin, r.region.label, r.role))
    )
    return tuple(sorted(rows, key=key))


def resting_on(site: Site, prop: NamedNode, place: str) -> set[str]:
    """The nodes with facts resting on a place; a statement stands for the node it is about."""
    out = set()
    for s in site.index.subjects(prop, place):
        about = site.index.first_value(s, RDF.subject)
        out.add(about if about is not None else s)
    return out


def claims(site: Site, iri: str, parts: list[str]) -> tuple[Claim, ...]:
    """For a source: which nodes rest on it, per place in it."""
    out = []
    for place in [iri, *parts]:
        prop = DCT.source if place == iri else PROV.wasDerivedFrom
        nodes = sorted(resting_on(site, prop, place))
        if place == iri:
            cited_at_place = {s for p in parts for s in resting_on(site, PROV.wasDerivedFrom, p)}
            nodes = [n for n in nodes if n not in cited_at_place]
        if nodes or place != iri:
            anchor = place.split("#", 1)[1] if "#" in place else ""
            out.append(Claim(anchor, site.link(place), tuple(site.link(n) for n in nodes)))
    return tuple(out)


def resource_page(
    site: Site, path: str, iri: str, nodes: dict[str, Properties], drawing: Drawing | None = None
) -> ResourcePage:
    """The page of a document; `nodes` is what grouped() made of its triples."""
    kind = kind_of(site.index.types.get(iri, set()))
    props = nodes.get(iri, {})
    main = node(site, iri, props)
    part_iris = sorted(s for s in nodes if s != iri)
    locations = set(part_iris) if kind == "source" else set()  # shown as claims instead
    parts = tuple(node(site, s, nodes[s]) for s in part_iris if s not in locations)
    rows = memberships(site, iri, kind)
    skip = {r.membership.iri for r in rows}
    title = main.label
    chrome = site.chrome(title, iri, path, schema_jsonld(site, iri, kind, title, props))
    return ResourcePage(
        chrome,
        kind,
        main,
        parts,
        inverse(site, iri, skip),
        rows,
        claims(site, iri, part_iris) if kind == "source" else (),
        drawing,
        places_over_time(site, iri),
    )


__all__ = ["Node", "ResourcePage", "Value", "resource_page"]
