"""Stage 2b: facts computed from the mapped graph, never typed in.

derive(mapped, store) asks the mapped graph (by SPARQL, of its pyoxigraph store) for
memberships, gemeenten and region dates and returns new triples: the provincies a region
spans, member counts per region on each reference date (stated and inferred apart), and the
gemeenten in no region on those dates. Every derived node says which rule made it
(prov:wasGeneratedBy …/id/afleiding/{rule}).

A fact holds on a day D when it surely held then: it began on or before D (a date known only to
the year or month counts from the last day of that year or month) and had not ended (a year-only
end counts from its first day). A membership also needs its region to have begun (founded, or
else recognised) and its member to exist (formed before, not yet ended by a merger).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Store

from .mapping.core import Mapped
from .terms import CR, DCT, PREFIXES, PROV, RDFS, SKOS, STATUS, XSD, A, minted

REFERENCE_DATES = tuple(f"{year}-01-01" for year in range(2018, 2026))
STATUS_SLUGS = {STATUS.vermeld.value: "vermeld", STATUS.afgeleid.value: "afgeleid"}
RULES = {
    "beslaat": ("Provincies die een regio beslaat",
                "Provinces a region spans",
                ("cr:spans geeft de provincies van de gemeentelijke leden met een vermeld "
                "lidmaatschap, cr:possiblySpans die welke alleen via afgeleide leden worden bereikt."),
                ("cr:spans gives the provinces of the municipal members with a stated membership, "
                "cr:possiblySpans those reached only through inferred members.")),
    "ledental": ("Ledental per peildatum", "Member count per reference date",
                 ("Telt per cultuurregio en peildatum de leden die zeker lid waren, apart voor "
                 "leden met een vermeld lidmaatschap en leden met alleen afgeleide."),
                 ("Counts per culture region and reference date the members that surely "
                 "belonged, apart for members with a stated membership and those with only "
                 "inferred ones.")),
    "zonder-regio": ("Gemeenten zonder regio per peildatum",
                     "Municipalities without a region per reference date",
                     ("Geeft per peildatum de bestaande gemeenten die van geen cultuurregio lid "
                     "waren, en die zonder vermeld lidmaatschap."),
                     ("Gives per reference date the existing municipalities that belonged to no "
                     "culture region, and those without a stated membership.")),
}

# Properties that derive() sets on nodes of the mapped graph, and the rule behind each: a page
# cites the rule for them, not the sources of the node's other facts.
DERIVED_PROPERTIES = {CR.spans.value: "beslaat", CR.possiblySpans.value: "beslaat"}

SELECT_MEMBERSHIPS = """
SELECT ?m ?region ?member ?status ?begin ?end WHERE {
  ?m a org:Membership ; org:organization ?region ; org:member ?member ;
     cr:evidenceStatus ?status .
  ?region a cr:Cultuurregio .
  OPTIONAL { ?m schema:startDate ?begin }
  OPTIONAL { ?m schema:endDate ?end }
}"""
SELECT_REGIONS = """
SELECT ?region ?start ?end WHERE {
  ?region a cr:Cultuurregio .
  OPTIONAL { ?region schema:foundingDate ?start }
  OPTIONAL { ?region schema:dissolutionDate ?end }
}"""
SELECT_RECOGNITIONS = """
SELECT ?region ?date WHERE { ?r a cr:Recognition ; cr:region ?region ; dct:date ?date }"""
SELECT_GEMEENTEN = """
SELECT ?g ?province ?start ?end WHERE {
  ?g a cr:Gemeente .
  OPTIONAL { ?g cr:province ?province }
  OPTIONAL { ?g schema:foundingDate ?start }
  OPTIONAL { ?g schema:dissolutionDate ?end }
}"""


def latest_day(when: str) -> str:
    """The last day a year or month can mean ("2024" -> "2024-12-31"); months end on the 31st,
    which compares right against every real date."""
    return {4: when + "-12-31", 7: when + "-31"}.get(len(when), when)


def earliest_day(when: str) -> str:
    return {4: when + "-01-01", 7: when + "-01"}.get(len(when), when)


@dataclass(frozen=True)
class Span:
    """The days a fact surely held: from `start` (inclusive) to `end` (exclusive)."""

    start: str | None  # None: no known start, so it never surely held
    end: str | None = None  # None: open-ended

    def holds_on(self, day: str) -> bool:
        return self.start is not None and self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Held:
    iri: str
    region: str
    member: str
    stated: bool
    span: Span


def query(store: Store, text: str) -> list[dict[str, str]]:
    prefixes = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())
    results = store.query(prefixes + text)
    names = [v.value for v in results.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in results]


def combine(starts: list[str | None], ends: list[str | None]) -> Span:
    if any(s is None for s in starts):
        return Span(None)
    known_ends = [e for e in ends if e]
    return Span(max(starts), min(known_ends) if known_ends else None)


def region_spans(store: Store) -> dict[str, Span]:
    recognised: dict[str, str] = {}
    for row in query(store, SELECT_RECOGNITIONS):
        day = latest_day(row["date"])
        recognised[row["region"]] = min(day, recognised.get(row["region"], day))
    spans = {}
    for row in query(store, SELECT_REGIONS):
        start = latest_day(row["start"]) if "start" in row else recognised.get(row["region"])
        end = earliest_day(row["end"]) if "end" in row else None
        spans[row["region"]] = Span(start, end)
    return spans


def gemeente_facts(store: Store) -> tuple[dict[str, Span], dict[str, str]]:
    """Each gemeente's life (from its formation to its end in a merger) and its province."""
    lives, provinces = {}, {}
    for row in query(store, SELECT_GEMEENTEN):
        lives[row["g"]] = Span(row.get("start", "0000-01-01"), row.get("end"))
        if "province" in row:
            provinces[row["g"]] = row["province"]
    return lives, provinces


def held_memberships(store: Store, lives: dict[str, Span]) -> list[Held]:
    regions = region_spans(store)
    held = []
    for row in query(store, SELECT_MEMBERSHIPS):
        region, life = regions[row["region"]], lives.get(row["member"], Span("0000-01-01"))
        starts = [region.start, life.start] + ([latest_day(row["begin"])] if "begin" in row else [])
        ends = [region.end, life.end] + ([earliest_day(row["end"])] if "end" in row else [])
        held.append(Held(row["m"], row["region"], row["member"],
                         row["status"] == STATUS.vermeld.value, combine(starts, ends)))
    return sorted(held, key=lambda h: h.iri)


def rule_iri(rule: str) -> NamedNode:
    return minted(f"afleiding/{rule}")


def add_rules(out: Mapped) -> None:
    for rule, (nl, en, desc_nl, desc_en) in RULES.items():
        s = rule_iri(rule)
        out.add(s, A, PROV.Activity)
        out.add(s, SKOS.prefLabel, Literal(nl, language="nl"))
        out.add(s, SKOS.prefLabel, Literal(en, language="en"))
        out.add(s, DCT.description, Literal(desc_nl, language="nl"))
        out.add(s, DCT.description, Literal(desc_en, language="en"))
        out.add(s, RDFS.seeAlso, NamedNode(PREFIXES["cr"].rstrip("#")))


def add_spans(out: Mapped, held: list[Held], provinces: dict[str, str]) -> None:
    stated, inferred = set(), set()
    for h in held:
        if h.member in provinces:
            (stated if h.stated else inferred).add((h.region, provinces[h.member]))
    for region, province in sorted(stated):
        out.add(NamedNode(region), CR.spans, NamedNode(province))
    for region, province in sorted(inferred - stated):
        out.add(NamedNode(region), CR.possiblySpans, NamedNode(province))


def members_on(held: list[Held], day: str) -> tuple[dict[str, list[str]], set[str]]:
    """The members surely held on `day` by these memberships of one region (each with the
    memberships that show it), and which of them have a stated membership."""
    found: dict[str, list[str]] = {}
    stated = set()
    for h in held:
        if h.span.holds_on(day):
            found.setdefault(h.member, []).append(h.iri)
            if h.stated:
                stated.add(h.member)
    return found, stated


def add_count(out: Mapped, region: str, day: str, status: NamedNode,
              members: dict[str, list[str]]) -> None:
    slug = region.rsplit("/", 1)[1]
    word = STATUS_SLUGS[status.value]
    s = minted(f"telling/{slug}/{day}/{word}")
    out.add(s, A, CR.MemberCount)
    out.add(s, CR.region, NamedNode(region))
    out.add(s, CR.referenceDate, Literal(day, datatype=XSD.date))
    out.add(s, CR.countedStatus, status)
    out.add(s, CR.count, Literal(str(len(members)), datatype=XSD.integer))
    out.add(s, SKOS.prefLabel, Literal(f"Leden van {slug} op {day} ({word})", language="nl"))
    out.add(s, SKOS.prefLabel, Literal(f"Members of {slug} on {day} ({word})", language="en"))
    out.add(s, PROV.wasGeneratedBy, rule_iri("ledental"))
    for member, memberships in sorted(members.items()):
        out.add(s, CR.countedMember, NamedNode(member))
        out.add_all(s, PROV.wasDerivedFrom, [NamedNode(m) for m in memberships])


def add_counts(out: Mapped, held: list[Held], regions: list[str]) -> None:
    by_region: dict[str, list[Held]] = {}
    for h in held:
        by_region.setdefault(h.region, []).append(h)
    for region in regions:
        for day in REFERENCE_DATES:
            found, stated = members_on(by_region.get(region, []), day)
            add_count(out, region, day, STATUS.vermeld,
                      {m: ms for m, ms in found.items() if m in stated})
            add_count(out, region, day, STATUS.afgeleid,
                      {m: ms for m, ms in found.items() if m not in stated})


def add_snapshot(out: Mapped, held: list[Held], lives: dict[str, Span], day: str) -> None:
    existing = {g for g, life in lives.items() if life.holds_on(day)}
    anywhere = {h.member for h in held if h.span.holds_on(day)}
    confirmed = {h.member for h in held if h.stated and h.span.holds_on(day)}
    s = minted(f"peildatum/{day}")
    out.add(s, A, CR.Snapshot)
    out.add(s, CR.referenceDate, Literal(day, datatype=XSD.date))
    out.add(s, SKOS.prefLabel, Literal(f"Peildatum {day}", language="nl"))
    out.add(s, SKOS.prefLabel, Literal(f"Reference date {day}", language="en"))
    out.add(s, PROV.wasGeneratedBy, rule_iri("zonder-regio"))
    out.add(s, CR.knownGemeenteCount, Literal(str(len(existing)), datatype=XSD.integer))
    for prop, count_prop, outside in ((CR.withoutRegion, CR.withoutRegionCount, existing - anywhere),
                                      (CR.withoutConfirmedRegion, CR.withoutConfirmedRegionCount,
                                       existing - confirmed)):
        out.add_all(s, prop, [NamedNode(g) for g in sorted(outside)])
        out.add(s, count_prop, Literal(str(len(outside)), datatype=XSD.integer))


def derive(mapped: Mapped, store: Store) -> Mapped:
    """The derived facts of a mapped graph, asked of `store`, which holds the mapped triples and
    nothing else (a new Mapped; neither input is changed)."""
    lives, provinces = gemeente_facts(store)
    held = held_memberships(store, lives)
    regions = sorted(r for r, span in region_spans(store).items() if span.start)
    out = Mapped()
    add_rules(out)
    add_spans(out, held, provinces)
    add_counts(out, held, regions)
    for day in REFERENCE_DATES:
        add_snapshot(out, held, lives, day)
    return out
