"""Stage 3, derive: facts computed from the mapped graph, never typed in.

derive(mapped, store) asks the mapped graph (by SPARQL, of its pyoxigraph store) for memberships,
regions, gemeenten and their date bounds and returns new triples:

- territory facts (`cr:TerritoryFact`): a gemeente lies in a region's werkgebied during a
  period, by a named rule, stated or inferred as its ground is;
- outside facts (`cr:OutsideFact`): a gemeente lay outside every region, where a source says
  so of an area;
- the provincies a region's werkgebied spans;
- party counts per region on 1 January 2018-2025 (stated and inferred apart);
- a snapshot per date that answers, for every gemeente known to exist then, one of: in a region
  (stated or inferred), outside every region (a source says so), or not known.

The world is open: a gemeente without a fact on a date is "not known", never "in no region".
One rule decides whether a fact held on a day (`Period.on`), and the canned queries apply the
same comparisons to the same bounds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from pyoxigraph import Literal, NamedNode, Store

from .mapping.core import Mapped
from .mapping.dates import xsd_date
from .model.memstore import solutions
from .model.terms import CR, DCT, PREFIXES, PROV, RDFS, SKOS, STATUS, XSD, A, minted

REFERENCE_DATES = tuple(f"{year}-01-01" for year in range(2018, 2026))
STATUS_SLUGS = {STATUS.vermeld.value: "vermeld", STATUS.afgeleid.value: "afgeleid"}
SURELY, POSSIBLY = "zeker", "mogelijk"

RULES = {
    "beslaat": (
        "Provincies die een regio beslaat",
        "Provinces a region spans",
        (
            "cr:spans geeft de provincies van de gemeenten in het werkgebied met een vermelde "
            "grond, cr:possiblySpans die welke alleen via afgeleide gronden worden bereikt."
        ),
        (
            "cr:spans gives the provinces of the gemeenten in the werkgebied on a stated "
            "ground, cr:possiblySpans those reached only on inferred grounds."
        ),
    ),
    "ledental": (
        "Aantal partijen per peildatum",
        "Number of parties per reference date",
        (
            "Telt per cultuurregio en peildatum de verschillende partijen die zeker deelnamen, "
            "apart voor partijen met een vermeld lidmaatschap en partijen met alleen afgeleide."
        ),
        (
            "Counts per culture region and reference date the distinct parties that surely "
            "took part, apart for parties with a stated membership and those with only "
            "inferred ones."
        ),
    ),
    "werkgebied-partij": (
        "Een gemeente die partij is, valt in het werkgebied",
        "A gemeente that is a party lies in the werkgebied",
        (
            "Een gemeente die aan een cultuurregio deelneemt (in welke rol ook), valt "
            "zolang zij deelneemt in het werkgebied van die regio; de grond is vermeld "
            "of afgeleid zoals het lidmaatschap."
        ),
        (
            "A gemeente that takes part in a culture region (in any role) lies in its "
            "werkgebied while it takes part; the ground is stated or inferred as the "
            "membership is."
        ),
    ),
    "werkgebied-provincie": (
        "Een regio die een provincie omvat, omvat haar gemeenten",
        "A region that covers a province covers its gemeenten",
        (
            "Zegt een bron dat een regio samenvalt met een provincie of die omvat, "
            "dan valt elke gemeente van die provincie (indeling 2025) vanaf de "
            "start van de regio in het werkgebied; afgeleid."
        ),
        (
            "Where a source says a region coincides with or covers a province, "
            "every gemeente of that province (2025 division) lies in its werkgebied "
            "from the region's start; inferred."
        ),
    ),
    "begin-bij-regio": (
        "Zonder begindatum telt een lidmaatschap vanaf de start van de regio",
        "Without a begin date a membership counts from the region's start",
        (
            "Noemt de bron geen begindatum, dan wordt aangenomen dat de partij vanaf de "
            "start van de regio (oprichting, anders erkenning) deelnam."
        ),
        (
            "Where the source gives no begin date, the party is taken to have taken "
            "part from the region's start (its founding, else its recognition)."
        ),
    ),
    "buiten-voor-erkenning": (
        "Gebied buiten de cultuurregio's vóór de erkenning",
        "Area outside the culture regions before the recognition",
        (
            "Zegt een bron dat het gebied van een later erkende regio buiten de "
            "cultuurregio's viel, dan lag elke gemeente van het latere werkgebied "
            "van 2018 tot de erkenning buiten elke regio; afgeleid."
        ),
        (
            "Where a source says the area of a region recognised later lay "
            "outside the culture regions, every gemeente of its later werkgebied "
            "lay outside every region from 2018 until the recognition; inferred."
        ),
    ),
    "peildatum": (
        "Werkgebied per peildatum",
        "Werkgebied per reference date",
        (
            "Geeft per peildatum voor elke bekende gemeente: in een regio (vermeld of "
            "afgeleid), buiten elke regio (een bron zegt het), of niet bekend."
        ),
        (
            "Gives per reference date for every known gemeente: in a region (stated or "
            "inferred), outside every region (a source says so), or not known."
        ),
    ),
}

# Properties that derive() sets on nodes of the mapped graph, and the rule behind each: a page
# cites the rule for them, not the sources of the node's other facts.
DERIVED_PROPERTIES = {
    CR.spans.value: "beslaat",
    CR.possiblySpans.value: "beslaat",
    **{
        p.value: "begin-bij-regio"
        for p in (
            CR.partyStartEarliest,
            CR.partyStartLatest,
            CR.partyEndEarliest,
            CR.partyEndLatest,
        )
    },
}


@dataclass(frozen=True)
class Period:
    """When a fact held, as bounds: it began between start[0] and start[1] and its last day lies
    between end[0] and end[1] (end None: it has not ended). All days inclusive, ISO strings."""

    start: tuple[str, str]
    end: tuple[str, str] | None = None

    def on(self, day: str) -> str | None:
        """SURELY if the fact held on `day` whatever the exact dates, POSSIBLY if it may have,
        else None."""
        if self.start[1] <= day and (self.end is None or day <= self.end[0]):
            return SURELY
        if self.start[0] <= day and (self.end is None or day <= self.end[1]):
            return POSSIBLY
        return None

    def within(self, *others: Period) -> Period | None:
        """The part of this period inside all others; None if there is none."""
        starts = [self.start, *(o.start for o in others)]
        ends = [e for e in (self.end, *(o.end for o in others)) if e]
        start = (max(s[0] for s in starts), max(s[1] for s in starts))
        end = (min(e[0] for e in ends), min(e[1] for e in ends)) if ends else None
        return None if end and end[1] < start[0] else Period(start, end)


ALWAYS = Period(("0001-01-01", "0001-01-01"))


def day_before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def ended_before(first: str | None, last: str | None) -> tuple[str, str] | None:
    """The end bounds of something that no longer existed from a day between first and last."""
    return (day_before(first), day_before(last)) if first and last else None


def bounds(row: dict[str, str], prefix: str) -> tuple[str, str] | None:
    return (row[prefix + "e"], row[prefix + "l"]) if prefix + "e" in row else None


def query(store: Store, text: str) -> list[dict[str, str]]:
    prefixes = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())
    results = solutions(store.query(prefixes + text))
    names = [v.value for v in results.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in results]


SELECT_MEMBERSHIPS = """
SELECT ?m ?region ?member ?status ?se ?sl ?ee ?el WHERE {
  ?m a org:Membership ; org:organization ?region ; org:member ?member ;
     cr:evidenceStatus ?status .
  ?region a cr:Cultuurregio .
  OPTIONAL { ?m cr:startEarliest ?se ; cr:startLatest ?sl }
  OPTIONAL { ?m cr:endEarliest ?ee ; cr:endLatest ?el }
}"""
SELECT_REGIONS = """
SELECT ?region ?fe ?fl ?de ?dl ?ov ?oe ?ol WHERE {
  ?region a cr:Cultuurregio .
  OPTIONAL { ?region cr:foundingEarliest ?fe ; cr:foundingLatest ?fl }
  OPTIONAL { ?region cr:dissolutionEarliest ?de ; cr:dissolutionLatest ?dl }
  OPTIONAL { ?region cr:areaOutsideBefore ?ov ; cr:areaOutsideBeforeEarliest ?oe ;
                     cr:areaOutsideBeforeLatest ?ol }
}"""
SELECT_RECOGNITIONS = """
SELECT ?region ?e ?l WHERE {
  ?r a cr:Recognition ; cr:region ?region ; cr:dateEarliest ?e ; cr:dateLatest ?l }"""
SELECT_GEMEENTEN = """
SELECT ?g ?province ?fe ?fl ?de ?dl WHERE {
  ?g a cr:Gemeente .
  OPTIONAL { ?g cr:province ?province }
  OPTIONAL { ?g cr:foundingEarliest ?fe ; cr:foundingLatest ?fl }
  OPTIONAL { ?g cr:dissolutionEarliest ?de ; cr:dissolutionLatest ?dl }
}"""
SELECT_COVERS = """
SELECT ?region ?province WHERE {
  VALUES ?p { cr:covers cr:coincidesWith } ?region ?p ?province ; a cr:Cultuurregio }"""
# The places a fact of a region rests on: its own statement's, else the region's.
SELECT_PLACES = """
SELECT ?region ?p ?o ?where WHERE {
  VALUES ?p { cr:covers cr:coincidesWith cr:areaOutsideBefore }
  ?st rdf:subject ?region ; rdf:predicate ?p ; rdf:object ?o ; prov:wasDerivedFrom ?where }"""
SELECT_REGION_PLACES = """
SELECT ?region ?where WHERE { ?region a cr:Cultuurregio ; prov:wasDerivedFrom ?where }"""


@dataclass(frozen=True)
class Held:
    """A membership: a party of a region during a period (start by rule where none is given)."""

    iri: str
    region: str
    member: str
    stated: bool
    period: Period
    start_by_rule: bool


@dataclass(frozen=True)
class Territory:
    """A gemeente in a region's werkgebied during a period, on one ground (a membership or a
    province the region covers)."""

    iri: str
    region: str
    gemeente: str
    stated: bool
    period: Period
    rule: str
    grounds: tuple[str, ...]  # memberships, or the places that say the region covers a province
    start_by_rule: bool = False


@dataclass(frozen=True)
class Outside:
    iri: str
    gemeente: str
    period: Period
    region: str  # the region whose later werkgebied is the area the source names
    places: tuple[str, ...]  # where the source says the area lay outside


@dataclass(frozen=True)
class Facts:
    """What derive() reads of the mapped graph."""

    regions: dict[str, Period]
    lives: dict[str, Period]
    provinces: dict[str, str]
    held: list[Held]
    covers: dict[tuple[str, str], list[str]]
    outside_before: dict[str, tuple[str, str, str]]  # earliest, latest, as given
    places: Callable[[str, str], list[str]]  # region_places()


def region_periods(store: Store) -> tuple[dict[str, Period], dict[str, tuple[str, str, str]]]:
    """Each culture region's period (founded, else first recognised; a region with neither is
    left out), and the date before which its area lay outside every region, where given."""
    recognised: dict[str, tuple[str, str]] = {}
    for row in query(store, SELECT_RECOGNITIONS):
        b = (row["e"], row["l"])
        recognised[row["region"]] = min(b, recognised.get(row["region"], b))
    periods, outside = {}, {}
    for row in query(store, SELECT_REGIONS):
        start = bounds(row, "f") or recognised.get(row["region"])
        if start:
            end = bounds(row, "d")
            periods[row["region"]] = Period(start, ended_before(*end) if end else None)
        if "oe" in row:
            outside[row["region"]] = (row["oe"], row["ol"], row["ov"])
    return periods, outside


def read_facts(store: Store) -> Facts:
    regions, outside_before = region_periods(store)
    lives, provinces = {}, {}
    for row in query(store, SELECT_GEMEENTEN):
        end = bounds(row, "d")
        lives[row["g"]] = Period(
            bounds(row, "f") or ALWAYS.start, ended_before(*end) if end else None
        )
        if "province" in row:
            provinces[row["g"]] = row["province"]
    held = []
    for row in query(store, SELECT_MEMBERSHIPS):
        region = regions.get(row["region"])
        if region is None:
            continue
        own = bounds(row, "s")
        period = Period(own or region.start, bounds(row, "e"))
        life = lives.get(row["member"], ALWAYS)
        within = period.within(region, life)
        if within:
            held.append(
                Held(
                    row["m"],
                    row["region"],
                    row["member"],
                    row["status"] == STATUS.vermeld.value,
                    within,
                    own is None,
                )
            )
    places = region_places(store)
    covers = {
        (row["region"], row["province"]): places(row["region"], row["province"])
        for row in query(store, SELECT_COVERS)
    }
    return Facts(
        regions, lives, provinces, sorted(held, key=lambda h: h.iri), covers, outside_before, places
    )


def region_places(store: Store) -> Callable[[str, str], list[str]]:
    """Where a source says a fact of a region (covers, coincides with, area outside before):
    the places the fact's own statement cites, else the region's (it rests on all of them)."""
    own: dict[tuple[str, str], set[str]] = {}
    for r in query(store, SELECT_PLACES):
        own.setdefault((r["region"], r["o"]), set()).add(r["where"])
    whole: dict[str, set[str]] = {}
    for r in query(store, SELECT_REGION_PLACES):
        whole.setdefault(r["region"], set()).add(r["where"])
    return lambda region, obj: sorted(own.get((region, obj)) or whole.get(region, set()))


def last(iri: str) -> str:
    """The last segment of an IRI: …/regio/twente -> twente."""
    return iri.rsplit("/", 1)[1]


def territories(facts: Facts) -> list[Territory]:
    """Every ground on which a gemeente lies in a region's werkgebied, with its period."""
    out = []
    for h in facts.held:
        if h.member in facts.lives:
            slug = h.iri.split("/id/lidmaatschap/", 1)[1]
            out.append(
                Territory(
                    minted("werkgebied/" + slug).value,
                    h.region,
                    h.member,
                    h.stated,
                    h.period,
                    "werkgebied-partij",
                    (h.iri,),
                    h.start_by_rule,
                )
            )
    in_province: dict[str, list[str]] = {}
    for g, province in sorted(facts.provinces.items()):
        in_province.setdefault(province, []).append(g)
    for (region, province), places in sorted(facts.covers.items()):
        for g in in_province.get(province, []):
            within = facts.regions[region].within(facts.lives[g])
            if within:
                slug = f"{last(region)}/{last(g)}/provincie-{last(province)}"
                out.append(
                    Territory(
                        minted("werkgebied/" + slug).value,
                        region,
                        g,
                        False,
                        within,
                        "werkgebied-provincie",
                        tuple(places),
                    )
                )
    return sorted(out, key=lambda t: t.iri)


def outside_facts(facts: Facts, found: list[Territory]) -> list[Outside]:
    """The gemeenten of a region's werkgebied before the day a source says its area was still
    outside every region: from the start of the first regions until the day before."""
    if not facts.regions:
        return []
    first = min(p.start for p in facts.regions.values())
    werkgebied: dict[str, set[str]] = {}
    for t in found:
        werkgebied.setdefault(t.region, set()).add(t.gemeente)
    out = []
    for region, before in sorted(facts.outside_before.items()):
        for g in sorted(werkgebied.get(region, ())):
            period = Period(first, (day_before(before[0]), day_before(before[1])))
            within = period.within(facts.lives[g])
            if within:
                slug = f"{last(g)}/voor-{last(region)}"
                out.append(
                    Outside(
                        minted("buiten/" + slug).value,
                        g,
                        within,
                        region,
                        tuple(facts.places(region, before[2])),
                    )
                )
    return out


@dataclass(frozen=True)
class Answer:
    """Where a gemeente was on a day: in regions (each with standing and certainty), outside
    every region (with certainty), or neither (not known)."""

    regions: tuple[tuple[str, bool, str], ...]  # (region, stated, SURELY|POSSIBLY)
    outside: str | None = None

    @property
    def known(self) -> bool:
        return bool(self.regions or self.outside)


def answer(territory: list[Territory], outside: list[Outside], day: str) -> Answer:
    """The one rule for "where was this gemeente on `day`", over its own facts: per region the
    best ground (surely before possibly, then stated before inferred)."""
    best: dict[str, tuple[bool, str]] = {}
    for t in territory:
        certainty = t.period.on(day)
        if certainty:
            cand = (t.stated, certainty)
            old = best.get(t.region)
            if old is None or rank(cand) < rank(old):
                best[t.region] = cand
    regions = tuple((r, s, c) for r, (s, c) in sorted(best.items()))
    outs = [o.period.on(day) for o in outside if o.period.on(day)]
    return Answer(regions, min(outs, key=lambda c: c != SURELY) if outs else None)


def rank(cand: tuple[bool, str]) -> tuple[bool, bool]:
    stated, certainty = cand
    return (certainty != SURELY, not stated)


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


PERIOD = (CR.startEarliest, CR.startLatest, CR.endEarliest, CR.endLatest)
# On a membership: the period it counts in, its own dates bounded by its region's and member's
# lives, with the region's start where it gives none.
PARTY_PERIOD = (CR.partyStartEarliest, CR.partyStartLatest, CR.partyEndEarliest, CR.partyEndLatest)


def add_period(
    out: Mapped,
    s: NamedNode,
    period: Period,
    props: tuple[NamedNode, NamedNode, NamedNode, NamedNode] = PERIOD,
) -> None:
    out.add(s, props[0], xsd_date(period.start[0]))
    out.add(s, props[1], xsd_date(period.start[1]))
    if period.end:
        out.add(s, props[2], xsd_date(period.end[0]))
        out.add(s, props[3], xsd_date(period.end[1]))


REASONS = {
    "werkgebied-partij": (
        "Het lidmaatschap waarop dit feit rust, is afgeleid.",
        "The membership this fact rests on is inferred.",
    ),
    "werkgebied-provincie": (
        (
            "Afgeleid uit een bron die zegt dat de regio samenvalt met de provincie of haar omvat; "
            "de gemeenten komen uit de indeling van 2025."
        ),
        (
            "Inferred from a source saying the region coincides with or covers the province; the "
            "gemeenten come from the 2025 division."
        ),
    ),
    "buiten-voor-erkenning": (
        (
            "Afgeleid: de bron noemt het gebied, niet de gemeenten; die komen uit het latere "
            "werkgebied van de regio."
        ),
        (
            "Inferred: the source names the area, not the gemeenten; those come from the region's "
            "later werkgebied."
        ),
    ),
}


def add_reason(out: Mapped, s: NamedNode, rule: str) -> None:
    nl, en = REASONS[rule]
    out.add(s, CR.statusReason, Literal(nl, language="nl"))
    out.add(s, CR.statusReason, Literal(en, language="en"))


def add_territory(out: Mapped, t: Territory, names: dict[str, str]) -> None:
    s = NamedNode(t.iri)
    region, gemeente = names.get(t.region, last(t.region)), names.get(t.gemeente, "")
    out.add(s, A, CR.TerritoryFact)
    out.add(s, CR.region, NamedNode(t.region))
    out.add(s, CR.gemeente, NamedNode(t.gemeente))
    out.add(s, CR.evidenceStatus, STATUS.vermeld if t.stated else STATUS.afgeleid)
    if not t.stated:
        add_reason(out, s, t.rule)
    out.add(s, SKOS.prefLabel, Literal(f"{gemeente} in het werkgebied van {region}", language="nl"))
    out.add(s, SKOS.prefLabel, Literal(f"{gemeente} in the werkgebied of {region}", language="en"))
    out.add(s, PROV.wasGeneratedBy, rule_iri(t.rule))
    out.add_all(s, PROV.wasDerivedFrom, [NamedNode(g) for g in t.grounds])
    if t.start_by_rule:
        out.add(s, CR.startRule, rule_iri("begin-bij-regio"))
    add_period(out, s, t.period)


def add_outside(out: Mapped, o: Outside, names: dict[str, str]) -> None:
    s = NamedNode(o.iri)
    gemeente = names.get(o.gemeente, "")
    out.add(s, A, CR.OutsideFact)
    out.add(s, CR.gemeente, NamedNode(o.gemeente))
    out.add(s, CR.areaOf, NamedNode(o.region))
    out.add(s, CR.evidenceStatus, STATUS.afgeleid)
    add_reason(out, s, "buiten-voor-erkenning")
    out.add(s, SKOS.prefLabel, Literal(f"{gemeente} buiten elke cultuurregio", language="nl"))
    out.add(s, SKOS.prefLabel, Literal(f"{gemeente} outside every culture region", language="en"))
    out.add(s, PROV.wasGeneratedBy, rule_iri("buiten-voor-erkenning"))
    out.add_all(s, PROV.wasDerivedFrom, [NamedNode(p) for p in o.places])
    add_period(out, s, o.period)


def add_spans(out: Mapped, found: list[Territory], provinces: dict[str, str]) -> None:
    stated: set[tuple[str, str]] = set()
    inferred: set[tuple[str, str]] = set()
    for t in found:
        if t.gemeente in provinces:
            (stated if t.stated else inferred).add((t.region, provinces[t.gemeente]))
    for region, province in sorted(stated):
        out.add(NamedNode(region), CR.spans, NamedNode(province))
    for region, province in sorted(inferred - stated):
        out.add(NamedNode(region), CR.possiblySpans, NamedNode(province))


def parties_on(held: list[Held], day: str) -> tuple[dict[str, list[str]], set[str]]:
    """The distinct parties surely taking part on `day` by these memberships of one region (each
    with the memberships that show it), and which of them have a stated membership."""
    found: dict[str, list[str]] = {}
    stated = set()
    for h in held:
        if h.period.on(day) == SURELY:
            found.setdefault(h.member, []).append(h.iri)
            if h.stated:
                stated.add(h.member)
    return found, stated


def add_count(
    out: Mapped, region: str, day: str, status: NamedNode, members: dict[str, list[str]]
) -> None:
    slug = last(region)
    word = STATUS_SLUGS[status.value]
    s = minted(f"telling/{slug}/{day}/{word}")
    out.add(s, A, CR.MemberCount)
    out.add(s, CR.region, NamedNode(region))
    out.add(s, CR.referenceDate, Literal(day, datatype=XSD.date))
    out.add(s, CR.countedStatus, status)
    out.add(s, CR.count, Literal(str(len(members)), datatype=XSD.integer))
    out.add(s, SKOS.prefLabel, Literal(f"Partijen van {slug} op {day} ({word})", language="nl"))
    out.add(s, SKOS.prefLabel, Literal(f"Parties of {slug} on {day} ({word})", language="en"))
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
            found, stated = parties_on(by_region.get(region, []), day)
            add_count(
                out, region, day, STATUS.vermeld, {m: ms for m, ms in found.items() if m in stated}
            )
            add_count(
                out,
                region,
                day,
                STATUS.afgeleid,
                {m: ms for m, ms in found.items() if m not in stated},
            )


def snapshot(
    facts: Facts, found: list[Territory], outside: list[Outside], day: str
) -> dict[str, Answer]:
    """The answer for every gemeente surely existing on `day`."""
    by_g: dict[str, list[Territory]] = {}
    for t in found:
        by_g.setdefault(t.gemeente, []).append(t)
    out_g: dict[str, list[Outside]] = {}
    for o in outside:
        out_g.setdefault(o.gemeente, []).append(o)
    return {
        g: answer(by_g.get(g, []), out_g.get(g, []), day)
        for g, life in sorted(facts.lives.items())
        if life.on(day) == SURELY
    }


def add_snapshot(out: Mapped, answers: dict[str, Answer], day: str) -> None:
    s = minted(f"peildatum/{day}")
    in_region = [g for g, a in answers.items() if a.regions]
    outside = [g for g, a in answers.items() if not a.regions and a.outside]
    unknown = [g for g, a in answers.items() if not a.known]
    out.add(s, A, CR.Snapshot)
    out.add(s, CR.referenceDate, Literal(day, datatype=XSD.date))
    out.add(s, SKOS.prefLabel, Literal(f"Peildatum {day}", language="nl"))
    out.add(s, SKOS.prefLabel, Literal(f"Reference date {day}", language="en"))
    out.add(s, PROV.wasGeneratedBy, rule_iri("peildatum"))
    for prop, count_prop, members in (
        (CR.gemeenteInRegion, CR.inRegionCount, in_region),
        (CR.outsideEveryRegion, CR.outsideEveryRegionCount, outside),
        (CR.regionNotKnown, CR.regionNotKnownCount, unknown),
    ):
        out.add_all(s, prop, [NamedNode(g) for g in members])
        out.add(s, count_prop, Literal(str(len(members)), datatype=XSD.integer))
    out.add(s, CR.knownGemeenteCount, Literal(str(len(answers)), datatype=XSD.integer))


SELECT_NAMES = """
SELECT ?x ?name WHERE { ?x skos:prefLabel ?name FILTER(lang(?name) = "nl") }"""


def derive(mapped: Mapped, store: Store) -> Mapped:
    """The derived facts of a mapped graph, asked of `store`, which holds the mapped triples and
    nothing else (a new Mapped; neither input is changed)."""
    facts = read_facts(store)
    found = territories(facts)
    outside = outside_facts(facts, found)
    names = {row["x"]: row["name"] for row in query(store, SELECT_NAMES)}
    out = Mapped()
    add_rules(out)
    for t in found:
        add_territory(out, t, names)
        loc = mapped.origins.get(t.grounds[0]) or mapped.origins.get(t.region)
        if loc:
            out.origin(NamedNode(t.iri), loc)
    for o in outside:
        add_outside(out, o, names)
        if o.region in mapped.origins:
            out.origin(NamedNode(o.iri), mapped.origins[o.region])
    for h in facts.held:
        add_period(out, NamedNode(h.iri), h.period, PARTY_PERIOD)
    add_spans(out, found, facts.provinces)
    add_counts(out, facts.held, sorted(facts.regions))
    for day in REFERENCE_DATES:
        add_snapshot(out, snapshot(facts, found, outside, day), day)
    return out


__all__ = ["REFERENCE_DATES", "Answer", "Period", "answer", "derive", "read_facts"]
