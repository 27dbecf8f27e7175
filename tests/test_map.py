"""Stage 2: small inputs map to the expected graphs (compared as graphs, not as text)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import rdflib
from rdflib.compare import graph_diff, to_isomorphic

from kgbuild.mapping import map_data
from kgbuild.read.sources import read_data

PREFIXES = """
@prefix cr: <https://w3id.org/cultuurregio/def/cultuurregio#> .
@prefix rol: <https://w3id.org/cultuurregio/def/rol#> .
@prefix status: <https://w3id.org/cultuurregio/def/status#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix schema: <https://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix bron: <https://w3id.org/cultuurregio/id/bron/> .
@prefix regio: <https://w3id.org/cultuurregio/id/regio/> .
@prefix lm: <https://w3id.org/cultuurregio/id/lidmaatschap/> .
@prefix gm: <https://identifier.overheid.nl/tooi/id/gemeente/> .
@prefix pv: <https://identifier.overheid.nl/tooi/id/provincie/> .
@prefix thema: <https://w3id.org/cultuurregio/def/thema#> .
@prefix bevinding: <https://w3id.org/cultuurregio/def/bevinding#> .
@prefix edtf: <http://id.loc.gov/datatypes/edtf/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix project: <https://w3id.org/cultuurregio/id/project/> .
@prefix financiering: <https://w3id.org/cultuurregio/id/financiering/> .
@prefix bev: <https://w3id.org/cultuurregio/id/bevinding/> .
@prefix gebeurtenis: <https://w3id.org/cultuurregio/id/gebeurtenis/> .
@prefix convenant: <https://w3id.org/cultuurregio/id/convenant/> .
@prefix erkenning: <https://w3id.org/cultuurregio/id/erkenning/> .
@prefix organisatie: <https://w3id.org/cultuurregio/id/organisatie/> .
@prefix persoon: <https://w3id.org/cultuurregio/id/persoon/> .
"""

SOURCES = (
    "id,kind,title,authors,year,date,publisher,place,identifier,url,cites\n"
    'art,article,Een artikel,"A; B",2024,,,,,https://example.org/a,art#kop\n'
)
PROVINCIES = (
    "provinciecode,provinciecode_num,provincienaam,tooi_uri,cites\n"
    "PV23,23,Overijssel,https://identifier.overheid.nl/tooi/id/provincie/pv23,art#\n"
)
GEMEENTEN = (
    "gemeentecode,gemeentecode_num,gemeentenaam,provinciecode,tooi_uri,cites\n"
    "GM0153,0153,Enschede,PV23,https://identifier.overheid.nl/tooi/id/gemeente/gm0153,"
    "art#\n"
)


def mapped_graph(tmp_path: Path, files: dict[str, str]) -> rdflib.Graph:
    for name, text in files.items():
        path = tmp_path / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    g = map_data(read_data(tmp_path / "data", tmp_path))
    nt = pyoxigraph.serialize(sorted(g.triples, key=str), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=nt, format="nt")


CR = "https://w3id.org/cultuurregio/def/cultuurregio#"
EDTF = rdflib.URIRef("http://id.loc.gov/datatypes/edtf/EDTF")
XSD_DATE = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#date")
RDF_PREDICATE = rdflib.RDF.predicate
# date property -> the stem of its bounds (cr:{stem}Earliest, cr:{stem}Latest)
BOUND_STEMS = {
    "https://schema.org/startDate": "start",
    "https://schema.org/endDate": "end",
    "https://schema.org/foundingDate": "founding",
    "https://schema.org/dissolutionDate": "dissolution",
    "https://schema.org/expires": "expires",
    "http://purl.org/dc/terms/date": "date",
    "http://purl.org/dc/terms/issued": "issued",
    CR + "attestedOn": "attested",
    CR + "areaOutsideBefore": "areaOutsideBefore",
}
BOUNDS = {
    rdflib.URIRef(CR + stem + end)
    for stem in BOUND_STEMS.values()
    for end in ("Earliest", "Latest")
}


def days(value: str) -> tuple[str, str]:
    """The first and last day a year, month or day means (written out here, apart from the
    code under test)."""
    if len(value) == 4:
        return value + "-01-01", value + "-12-31"
    if len(value) == 7:
        last = {"02": "28", "04": "30", "06": "30", "09": "30", "11": "30"}.get(value[5:], "31")
        if value[5:] == "02" and int(value[:4]) % 4 == 0:
            last = "29"
        return value + "-01", f"{value}-{last}"
    return value, value


def expected_bounds(g: rdflib.Graph) -> set[tuple]:
    """Every date's bounds: the days all its values allow (attestations: the days they span)."""
    out = set()
    for s, p in {
        (s, p)
        for s, p, o in g
        if isinstance(o, rdflib.Literal) and o.datatype == EDTF and p != rdflib.RDF.object
    }:
        spans = [days(str(o)) for o in g.objects(s, p)]
        attested = str(p) == CR + "attestedOn"
        first = (min if attested else max)(a for a, _ in spans)
        last = (max if attested else min)(b for _, b in spans)
        stem = BOUND_STEMS[str(p)]
        out |= {
            (s, rdflib.URIRef(CR + stem + "Earliest"), rdflib.Literal(first, datatype=XSD_DATE)),
            (s, rdflib.URIRef(CR + stem + "Latest"), rdflib.Literal(last, datatype=XSD_DATE)),
        }
    return out


def without_bounds(g: rdflib.Graph) -> rdflib.Graph:
    """The graph less the date bounds and the statements that cite them; those are checked
    against expected_bounds() instead of being written out in every expected graph."""
    about_bounds = {st for st, _, p in g.triples((None, RDF_PREDICATE, None)) if p in BOUNDS}
    out = rdflib.Graph()
    for t in g:
        if t[1] not in BOUNDS and t[0] not in about_bounds:
            out.add(t)
    return out


def assert_same(actual: rdflib.Graph, expected_ttl: str) -> None:
    found = {t for t in actual if t[1] in BOUNDS}
    assert found == expected_bounds(actual), sorted(found ^ expected_bounds(actual))
    actual = without_bounds(actual)
    expected = rdflib.Graph().parse(data=PREFIXES + expected_ttl, format="turtle")
    a, e = to_isomorphic(actual), to_isomorphic(expected)
    if a != e:
        _, only_actual, only_expected = graph_diff(a, e)
        raise AssertionError(
            "graphs differ\nonly in actual:\n"
            + only_actual.serialize(format="nt")
            + "\nonly in expected:\n"
            + only_expected.serialize(format="nt")
        )


BASE_GRAPH = """
bron:art a dct:BibliographicResource, prov:Entity, schema:Article ;
    dct:title "Een artikel" ; dct:creator "A", "B" ; dct:issued "2024"^^edtf:EDTF ;
    dct:bibliographicCitation "A; B (2024) Een artikel." ;
    schema:url <https://example.org/a> ;
    dct:source bron:art ; prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#kop> .
<https://w3id.org/cultuurregio/id/bron/art#kop> a cr:SourceLocation ;
    dct:isPartOf bron:art ; cr:locator "kop" ; rdfs:label "kop" .
pv:pv23 a cr:Provincie ; skos:prefLabel "provincie Overijssel"@nl, "province of Overijssel"@en ;
    skos:altLabel "Overijssel"@nl ; cr:cbsCode "PV23" ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
gm:gm0153 a cr:Gemeente ; skos:prefLabel "Enschede"@nl ; cr:cbsCode "GM0153" ;
    cr:province pv:pv23 ; dct:source bron:art ; prov:wasDerivedFrom bron:art .
"""


def test_reference_data_and_sources(tmp_path):
    g = mapped_graph(
        tmp_path,
        {"s/sources.csv": SOURCES, "r/provincies.csv": PROVINCIES, "r/gemeenten.csv": GEMEENTEN},
    )
    assert_same(g, BASE_GRAPH)


def test_membership_merges_rows_and_stated_wins(tmp_path):
    regions = "id,kind,name,stated_member_count,cites\ntwente,cultuurregio,Twente,14,art#noot 5\n"
    memberships = (
        "region,member,role,begin,status,reason_nl,reason_en,attested,cites\n"
        "twente,GM0153,representative,,inferred,afgeleid,inferred,2021,art#p 1\n"
        "twente,GM0153,representative,,stated,,,,art#p 2\n"
    )
    g = mapped_graph(
        tmp_path,
        {
            "s/sources.csv": SOURCES,
            "r/provincies.csv": PROVINCIES,
            "r/gemeenten.csv": GEMEENTEN,
            "a/regions.csv": regions,
            "a/memberships.csv": memberships,
        },
    )
    assert_same(
        g,
        BASE_GRAPH
        + """
regio:twente a cr:Cultuurregio ; skos:prefLabel "Twente"@nl, "Twente"@en ;
    cr:statedMemberCount 14 ; dct:source bron:art ;
    prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#noot-5> .
<https://w3id.org/cultuurregio/id/bron/art#noot-5> a cr:SourceLocation ;
    dct:isPartOf bron:art ; cr:locator "noot 5" ; rdfs:label "noot 5" .
lm:twente\\/gm0153\\/vertegenwoordiger a org:Membership ;
    org:member gm:gm0153 ; org:organization regio:twente ; org:role rol:vertegenwoordiger ;
    cr:evidenceStatus status:vermeld ; cr:attestedOn "2021"^^edtf:EDTF ;
    dct:source bron:art ;
    prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#p-1>,
                        <https://w3id.org/cultuurregio/id/bron/art#p-2> .
<https://w3id.org/cultuurregio/id/bron/art#p-1> a cr:SourceLocation ;
    dct:isPartOf bron:art ; cr:locator "p 1" ; rdfs:label "p 1" .
<https://w3id.org/cultuurregio/id/bron/art#p-2> a cr:SourceLocation ;
    dct:isPartOf bron:art ; cr:locator "p 2" ; rdfs:label "p 2" .
# only the first row gives the date it was seen
<https://w3id.org/cultuurregio/id/lidmaatschap/twente/gm0153/vertegenwoordiger#bewering-ea976829cea1>
    a rdf:Statement ; rdf:subject lm:twente\\/gm0153\\/vertegenwoordiger ;
    rdf:predicate cr:attestedOn ; rdf:object "2021"^^edtf:EDTF ;
    dct:source bron:art ; prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#p-1> .
""",
    )


def with_reference(files: dict[str, str], sources: str = SOURCES) -> dict[str, str]:
    """The files of BASE_GRAPH (sources, provincies, gemeenten) plus the given tables."""
    return {
        "s/sources.csv": sources,
        "r/provincies.csv": PROVINCIES,
        "r/gemeenten.csv": GEMEENTEN,
        **files,
    }


TWENTE = "id,kind,name,cites\ntwente,cultuurregio,Twente,art#\n"
TWENTE_GRAPH = """
regio:twente a cr:Cultuurregio ; skos:prefLabel "Twente"@nl, "Twente"@en ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
"""
# A second source: a letter with publisher and identifier but no authors or URL.
SOURCES_BRIEF = SOURCES + "brief,letter,Een brief,,2018,,Tweede Kamer,,Kamerstuk 1,,art#\n"
BRIEF_GRAPH = """
bron:brief a dct:BibliographicResource, prov:Entity, schema:DigitalDocument ;
    dct:title "Een brief" ; dct:issued "2018"^^edtf:EDTF ; dct:publisher "Tweede Kamer" ;
    dct:identifier "Kamerstuk 1" ;
    dct:bibliographicCitation "(2018) Een brief. Kamerstuk 1. Tweede Kamer." ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
"""


def test_project_proeftuin(tmp_path):
    projects = (
        "id,kind,name,name_en,region,executor,partners,participants,themes,description_nl,"
        "description_en,start,end,stated_participant_count,status,reason_nl,reason_en,cites\n"
        "proeftuin-twente,proeftuin,Proeftuin Twente,Twente pilot project,twente,GM0153,PV23,"
        "GM0153,culturele-vernieuwing; digitale-cultuur,Een maakplaats.,A makerspace.,"
        "2019,2020-06,14,inferred,afgeleid,inferred,art#\n"
    )
    g = mapped_graph(
        tmp_path, with_reference({"a/regions.csv": TWENTE, "a/projects.csv": projects})
    )
    assert_same(
        g,
        BASE_GRAPH
        + TWENTE_GRAPH
        + """
project:proeftuin-twente a cr:Proeftuin ;
    skos:prefLabel "Proeftuin Twente"@nl, "Twente pilot project"@en ;
    cr:region regio:twente ; cr:executor gm:gm0153 ; cr:partner pv:pv23 ;
    cr:participant gm:gm0153 ;
    cr:theme thema:culturele-vernieuwing, thema:digitale-cultuur ;
    dct:description "Een maakplaats."@nl, "A makerspace."@en ;
    schema:startDate "2019"^^edtf:EDTF ; schema:endDate "2020-06"^^edtf:EDTF ;
    cr:statedParticipantCount "14"^^xsd:integer ;
    cr:evidenceStatus status:afgeleid ; cr:statusReason "afgeleid"@nl, "inferred"@en ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
""",
    )


def test_funding_of_a_project(tmp_path):
    projects = (
        "id,kind,name,description_nl,description_en,cites\n"
        "proeftuin-twente,project,Proeftuin,Een proeftuin.,A pilot.,art#\n"
    )
    fundings = (
        "id,funder,recipient,project,amount,year,purpose_nl,purpose_en,matched_by,"
        "themes,cites\n"
        "proeftuin-twente,PV23,twente,proeftuin-twente,235000.50,2019,Bijdrage.,"
        "Contribution.,GM0153,culturele-vernieuwing,art#\n"
    )
    g = mapped_graph(
        tmp_path,
        with_reference(
            {"a/regions.csv": TWENTE, "a/projects.csv": projects, "a/fundings.csv": fundings}
        ),
    )
    assert_same(
        g,
        BASE_GRAPH
        + TWENTE_GRAPH
        + """
project:proeftuin-twente a cr:Project ; skos:prefLabel "Proeftuin"@nl, "Proeftuin"@en ;
    dct:description "Een proeftuin."@nl, "A pilot."@en ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
financiering:proeftuin-twente a cr:Funding ;
    cr:funder pv:pv23 ; cr:recipient regio:twente ; cr:fundedProject project:proeftuin-twente ;
    cr:amount "235000.50"^^xsd:decimal ; dct:date "2019"^^edtf:EDTF ;
    cr:purpose "Bijdrage."@nl, "Contribution."@en ;
    cr:matchedBy gm:gm0153 ; cr:theme thema:culturele-vernieuwing ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
""",
    )


def test_finding(tmp_path):
    findings = (
        "id,kind,statement_nl,statement_en,themes,concerns,attributed_to,cites\n"
        "benaming,context,Een uitspraak.,A statement.,culturele-vernieuwing,twente,"
        "GM0153,art#\n"
    )
    g = mapped_graph(
        tmp_path, with_reference({"a/regions.csv": TWENTE, "a/findings.csv": findings})
    )
    assert_same(
        g,
        BASE_GRAPH
        + TWENTE_GRAPH
        + """
bev:benaming a cr:Finding ; cr:findingKind bevinding:context ;
    cr:statement "Een uitspraak."@nl, "A statement."@en ;
    cr:theme thema:culturele-vernieuwing ; cr:concerns regio:twente ;
    prov:wasAttributedTo gm:gm0153 ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
""",
    )


def test_policy_event(tmp_path):
    events = (
        "id,date,name_nl,name_en,agent,on_behalf_of,document,informed_by,description_nl,"
        "description_en,cites\n"
        "oproep-2018,2018-03-15,Oproep,Call,GM0153,PV23,brief,art; brief,Een oproep.,"
        "A call.,art#\n"
    )
    g = mapped_graph(tmp_path, with_reference({"a/events.csv": events}, SOURCES_BRIEF))
    assert_same(
        g,
        BASE_GRAPH
        + BRIEF_GRAPH
        + """
gebeurtenis:oproep-2018 a cr:PolicyEvent ; skos:prefLabel "Oproep"@nl, "Call"@en ;
    dct:date "2018-03-15"^^edtf:EDTF ;
    prov:wasAssociatedWith gm:gm0153 ; cr:onBehalfOf pv:pv23 ;
    cr:document bron:brief ; prov:used bron:art, bron:brief ;
    dct:description "Een oproep."@nl, "A call."@en ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
""",
    )


def test_convenant_in_a_round(tmp_path):
    convenants = (
        "id,kind,title,part_of,start,end,date,identifier,url,party_list_incomplete,"
        "regions,cites\n"
        "ronde-2021,round,Ronde 2021-2024,,2021,2024,2021-04-22,,,,twente,art#\n"
        "twente-2021,convenant,Convenant Twente,ronde-2021,2021,2024-12,,Stcrt 1,"
        "https://example.org/c,yes,twente,art#\n"
    )
    g = mapped_graph(
        tmp_path, with_reference({"a/regions.csv": TWENTE, "a/convenants.csv": convenants})
    )
    assert_same(
        g,
        BASE_GRAPH
        + TWENTE_GRAPH
        + """
convenant:ronde-2021 a cr:ConvenantRound ;
    dct:title "Ronde 2021-2024"@nl ; skos:prefLabel "Ronde 2021-2024"@nl ;
    schema:startDate "2021"^^edtf:EDTF ; schema:endDate "2024"^^edtf:EDTF ;
    dct:date "2021-04-22"^^edtf:EDTF ; cr:region regio:twente ;
    dct:hasPart convenant:twente-2021 ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
convenant:twente-2021 a cr:Convenant ;
    dct:title "Convenant Twente"@nl ; skos:prefLabel "Convenant Twente"@nl ;
    dct:isPartOf convenant:ronde-2021 ;
    schema:startDate "2021"^^edtf:EDTF ; schema:endDate "2024-12"^^edtf:EDTF ;
    dct:identifier "Stcrt 1" ; schema:url <https://example.org/c> ;
    cr:partyListIncomplete true ; cr:region regio:twente ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
""",
    )


def test_convenant_parties_and_the_region_a_party_acts_for(tmp_path):
    convenants = "id,kind,title,cites\ntwente-2021,convenant,Convenant Twente,art#\n"
    parties = (
        "convenant,number,party,acts_for,acts_for_status,reason_nl,reason_en,cites,"
        "party_name,acts_for_region_as_stated\n"
        "twente-2021,1,PV23,,,,,art#partij 1,Overijssel,\n"
        "twente-2021,2,GM0153,twente,inferred,afgeleid,inferred,art#partij 2,Enschede,"
        "Twente\n"
    )
    g = mapped_graph(
        tmp_path,
        with_reference(
            {
                "a/regions.csv": TWENTE,
                "a/convenants.csv": convenants,
                "a/convenant_parties.csv": parties,
            }
        ),
    )
    assert_same(
        g,
        BASE_GRAPH
        + TWENTE_GRAPH
        + """
convenant:twente-2021 a cr:Convenant ;
    dct:title "Convenant Twente"@nl ; skos:prefLabel "Convenant Twente"@nl ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
<https://w3id.org/cultuurregio/id/convenant/twente-2021/partij/1> a cr:ConvenantParty ;
    cr:convenant convenant:twente-2021 ; cr:partyNumber 1 ; cr:party pv:pv23 ;
    dct:source bron:art ;
    prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#partij-1> .
<https://w3id.org/cultuurregio/id/convenant/twente-2021/partij/2> a cr:ConvenantParty ;
    cr:convenant convenant:twente-2021 ; cr:partyNumber 2 ; cr:party gm:gm0153 ;
    cr:actsFor regio:twente ;
    cr:evidenceStatus status:afgeleid ; cr:statusReason "afgeleid"@nl, "inferred"@en ;
    dct:source bron:art ;
    prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#partij-2> .
<https://w3id.org/cultuurregio/id/bron/art#partij-1> a cr:SourceLocation ;
    dct:isPartOf bron:art ; cr:locator "partij 1" ; rdfs:label "partij 1" .
<https://w3id.org/cultuurregio/id/bron/art#partij-2> a cr:SourceLocation ;
    dct:isPartOf bron:art ; cr:locator "partij 2" ; rdfs:label "partij 2" .
""",
    )


def test_organisations_with_and_without_tooi_uri(tmp_path):
    organisations = (
        "id,kind,name,description_nl,description_en,based_in,website,tooi_uri,members,cites\n"
        "ocw,ministry,Ministerie van OCW,Het ministerie.,The ministry.,,,"
        "https://identifier.overheid.nl/tooi/id/ministerie/mnre1109,,art#\n"
        "netwerk,network,Netwerk Oost,,,GM0153,https://example.org/netwerk,,GM0153; ocw,art#\n"
    )
    g = mapped_graph(tmp_path, with_reference({"a/organisations.csv": organisations}))
    assert_same(
        g,
        BASE_GRAPH
        + """
<https://identifier.overheid.nl/tooi/id/ministerie/mnre1109> a org:Organization, cr:Ministerie ;
    skos:prefLabel "Ministerie van OCW"@nl ;
    dct:description "Het ministerie."@nl, "The ministry."@en ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
organisatie:netwerk a org:Organization, cr:AdministrativeNetwork ;
    skos:prefLabel "Netwerk Oost"@nl ; schema:location gm:gm0153 ;
    org:hasMember gm:gm0153, <https://identifier.overheid.nl/tooi/id/ministerie/mnre1109> ;
    schema:url <https://example.org/netwerk> ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
""",
    )


def test_person_and_affiliation(tmp_path):
    organisations = "id,kind,name,cites\nocw,ministry,Ministerie van OCW,art#\n"
    people = (
        "id,name,role_nl,role_en,affiliation,cites\n"
        "ingrid,Ingrid van Engelshoven,minister,Minister,ocw,art#\n"
    )
    g = mapped_graph(
        tmp_path, with_reference({"a/organisations.csv": organisations, "a/people.csv": people})
    )
    assert_same(
        g,
        BASE_GRAPH
        + """
organisatie:ocw a org:Organization, cr:Ministerie ; skos:prefLabel "Ministerie van OCW"@nl ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
persoon:ingrid a schema:Person, prov:Agent ;
    schema:name "Ingrid van Engelshoven" ; skos:prefLabel "Ingrid van Engelshoven"@nl ;
    schema:jobTitle "minister"@nl, "Minister"@en ; cr:affiliation organisatie:ocw ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
""",
    )


def test_recognition_rows_merge_and_each_keeps_its_date(tmp_path):
    # Two rows (one per source) of one recognition: each source's date stays as it gives it
    # (2024 and 2024-03-01), each cited to its own row; the bounds both allow are 2024-03-01.
    recognitions = (
        "id,region,date,by,on_behalf_of,document,cites\n"
        "twente-2024,twente,2024,GM0153,PV23,brief,art#\n"
        "twente-2024,twente,2024-03-01,,,,brief#\n"
    )
    g = mapped_graph(
        tmp_path,
        with_reference(
            {"a/regions.csv": TWENTE, "a/recognitions.csv": recognitions}, SOURCES_BRIEF
        ),
    )
    assert_same(
        g,
        BASE_GRAPH
        + BRIEF_GRAPH
        + TWENTE_GRAPH
        + """
erkenning:twente-2024 a cr:Recognition ; cr:region regio:twente ;
    dct:date "2024"^^edtf:EDTF, "2024-03-01"^^edtf:EDTF ;
    skos:prefLabel "Erkenning van Twente (2024)"@nl, "Recognition of Twente (2024)"@en ;
    cr:recognisedBy gm:gm0153 ; cr:onBehalfOf pv:pv23 ; cr:document bron:brief ;
    dct:source bron:art, bron:brief ; prov:wasDerivedFrom bron:art, bron:brief .
# by whom, for whom and the document come from the first row only; each row gives its date
<https://w3id.org/cultuurregio/id/erkenning/twente-2024#bewering-b705001a8759> a rdf:Statement ;
    rdf:subject erkenning:twente-2024 ; rdf:predicate dct:date ; rdf:object "2024"^^edtf:EDTF ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
<https://w3id.org/cultuurregio/id/erkenning/twente-2024#bewering-3e082567bc9b> a rdf:Statement ;
    rdf:subject erkenning:twente-2024 ; rdf:predicate dct:date ;
    rdf:object "2024-03-01"^^edtf:EDTF ; dct:source bron:brief ; prov:wasDerivedFrom bron:brief .
<https://w3id.org/cultuurregio/id/erkenning/twente-2024#bewering-aa5fe1aa4b52> a rdf:Statement ;
    rdf:subject erkenning:twente-2024 ; rdf:predicate cr:recognisedBy ; rdf:object gm:gm0153 ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
<https://w3id.org/cultuurregio/id/erkenning/twente-2024#bewering-31d0c780d028> a rdf:Statement ;
    rdf:subject erkenning:twente-2024 ; rdf:predicate cr:onBehalfOf ; rdf:object pv:pv23 ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
<https://w3id.org/cultuurregio/id/erkenning/twente-2024#bewering-2019818b12f7> a rdf:Statement ;
    rdf:subject erkenning:twente-2024 ; rdf:predicate cr:document ; rdf:object bron:brief ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
""",
    )


def test_a_region_from_two_files_cites_each_fact_to_its_row(tmp_path):
    # Twente has a row in each file, one citing the article, one the letter. The node cites
    # both; a fact only one row gives gets a statement citing that row, a fact both give none.
    artikel = (
        "id,kind,name,name_en,founded,cites\n"
        "oost,landsdeel,Landsdeel Oost,Eastern Netherlands,,art#\n"
        "twente,cultuurregio,Twente,Twente region,2018,art#noot 5\n"
    )
    register = (
        "id,kind,name,alt_names,part_of,website,cites\n"
        "twente,cultuurregio,Twente,Regio Twente,oost,https://example.org/twente,brief#\n"
    )
    g = mapped_graph(
        tmp_path,
        with_reference({"a/regions.csv": artikel, "r/regions.csv": register}, SOURCES_BRIEF),
    )
    assert_same(
        g,
        BASE_GRAPH
        + BRIEF_GRAPH
        + """
@prefix tw: <https://w3id.org/cultuurregio/id/regio/twente#> .
regio:oost a cr:Landsdeel ; skos:prefLabel "Landsdeel Oost"@nl, "Eastern Netherlands"@en ;
    org:hasSubOrganization regio:twente ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
regio:twente a cr:Cultuurregio ; skos:prefLabel "Twente"@nl, "Twente region"@en ;
    skos:altLabel "Regio Twente"@nl ; org:subOrganizationOf regio:oost ;
    schema:foundingDate "2018"^^edtf:EDTF ; schema:url <https://example.org/twente> ;
    dct:source bron:art, bron:brief ;
    prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#noot-5>, bron:brief .
<https://w3id.org/cultuurregio/id/bron/art#noot-5> a cr:SourceLocation ;
    dct:isPartOf bron:art ; cr:locator "noot 5" ; rdfs:label "noot 5" .
# the article's row: the English name and the founding year
tw:bewering-4b327206082c a rdf:Statement ;
    rdf:subject regio:twente ; rdf:predicate skos:prefLabel ; rdf:object "Twente region"@en ;
    dct:source bron:art ; prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#noot-5> .
tw:bewering-ff334a0b2274 a rdf:Statement ;
    rdf:subject regio:twente ; rdf:predicate schema:foundingDate ; rdf:object "2018"^^edtf:EDTF ;
    dct:source bron:art ; prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#noot-5> .
# the letter's row: the other name, the landsdeel and the website
tw:bewering-3aef0e5a0c2d a rdf:Statement ;
    rdf:subject regio:twente ; rdf:predicate skos:altLabel ; rdf:object "Regio Twente"@nl ;
    dct:source bron:brief ; prov:wasDerivedFrom bron:brief .
tw:bewering-db827e962d0c a rdf:Statement ;
    rdf:subject regio:twente ; rdf:predicate org:subOrganizationOf ; rdf:object regio:oost ;
    dct:source bron:brief ; prov:wasDerivedFrom bron:brief .
tw:bewering-f8f4aebebfd9 a rdf:Statement ;
    rdf:subject regio:twente ; rdf:predicate schema:url ; rdf:object <https://example.org/twente> ;
    dct:source bron:brief ; prov:wasDerivedFrom bron:brief .
# ... and, on the landsdeel, which cites only the article, that it contains Twente
<https://w3id.org/cultuurregio/id/regio/oost#bewering-b6290b4267a7> a rdf:Statement ;
    rdf:subject regio:oost ; rdf:predicate org:hasSubOrganization ; rdf:object regio:twente ;
    dct:source bron:brief ; prov:wasDerivedFrom bron:brief .
""",
    )


def test_a_membership_from_two_rows_cites_each_reason_to_its_row(tmp_path):
    # Two inferred rows of one membership: each gives its own reason, one the date it was
    # seen. What the group states (member, region, role, status, period) rests on both rows.
    memberships = (
        "region,member,role,begin,status,reason_nl,reason_en,attested,cites\n"
        "twente,GM0153,member,2018,inferred,uit de lijst,from the list,2021,art#p 1\n"
        "twente,GM0153,member,2018,inferred,uit de kaart,from the map,,brief#\n"
    )
    g = mapped_graph(
        tmp_path,
        with_reference({"a/regions.csv": TWENTE, "a/memberships.csv": memberships}, SOURCES_BRIEF),
    )
    assert_same(
        g,
        BASE_GRAPH
        + BRIEF_GRAPH
        + TWENTE_GRAPH
        + """
@prefix m: <https://w3id.org/cultuurregio/id/lidmaatschap/twente/gm0153/lid/2018#> .
lm:twente\\/gm0153\\/lid\\/2018 a org:Membership ;
    org:member gm:gm0153 ; org:organization regio:twente ; org:role rol:lid ;
    cr:evidenceStatus status:afgeleid ;
    cr:statusReason "uit de lijst"@nl, "from the list"@en, "uit de kaart"@nl, "from the map"@en ;
    cr:attestedOn "2021"^^edtf:EDTF ; schema:startDate "2018"^^edtf:EDTF ;
    dct:source bron:art, bron:brief ;
    prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#p-1>, bron:brief .
<https://w3id.org/cultuurregio/id/bron/art#p-1> a cr:SourceLocation ;
    dct:isPartOf bron:art ; cr:locator "p 1" ; rdfs:label "p 1" .
m:bewering-c49d6dc3f4ff a rdf:Statement ;
    rdf:subject lm:twente\\/gm0153\\/lid\\/2018 ; rdf:predicate cr:statusReason ;
    rdf:object "uit de lijst"@nl ;
    dct:source bron:art ; prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#p-1> .
m:bewering-d5045838e055 a rdf:Statement ;
    rdf:subject lm:twente\\/gm0153\\/lid\\/2018 ; rdf:predicate cr:statusReason ;
    rdf:object "from the list"@en ;
    dct:source bron:art ; prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#p-1> .
m:bewering-8a0b956ea89f a rdf:Statement ;
    rdf:subject lm:twente\\/gm0153\\/lid\\/2018 ; rdf:predicate cr:attestedOn ;
    rdf:object "2021"^^edtf:EDTF ;
    dct:source bron:art ; prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#p-1> .
m:bewering-91156fbfdd35 a rdf:Statement ;
    rdf:subject lm:twente\\/gm0153\\/lid\\/2018 ; rdf:predicate cr:statusReason ;
    rdf:object "uit de kaart"@nl ; dct:source bron:brief ; prov:wasDerivedFrom bron:brief .
m:bewering-68d6fb7382ca a rdf:Statement ;
    rdf:subject lm:twente\\/gm0153\\/lid\\/2018 ; rdf:predicate cr:statusReason ;
    rdf:object "from the map"@en ; dct:source bron:brief ; prov:wasDerivedFrom bron:brief .
""",
    )


def test_membership_with_begin_and_end_has_a_period(tmp_path):
    memberships = (
        "region,member,role,begin,end,attested,status,reason_nl,reason_en,cites\n"
        "twente,GM0153,member,2018-01,2024-12-31,,stated,,,art#\n"
        "twente,PV23,lead,2019,,,stated,,,art#\n"
    )
    g = mapped_graph(
        tmp_path, with_reference({"a/regions.csv": TWENTE, "a/memberships.csv": memberships})
    )
    assert_same(
        g,
        BASE_GRAPH
        + TWENTE_GRAPH
        + """
@prefix lm1: <https://w3id.org/cultuurregio/id/lidmaatschap/twente/gm0153/lid/2018-01#> .
@prefix lm2: <https://w3id.org/cultuurregio/id/lidmaatschap/twente/pv23/trekker/2019#> .
lm:twente\\/gm0153\\/lid\\/2018-01 a org:Membership ;
    org:member gm:gm0153 ; org:organization regio:twente ; org:role rol:lid ;
    cr:evidenceStatus status:vermeld ;
    schema:startDate "2018-01"^^edtf:EDTF ; schema:endDate "2024-12-31"^^edtf:EDTF ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
lm:twente\\/pv23\\/trekker\\/2019 a org:Membership ;
    org:member pv:pv23 ; org:organization regio:twente ; org:role rol:trekker ;
    cr:evidenceStatus status:vermeld ; schema:startDate "2019"^^edtf:EDTF ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
""",
    )


SCHEMA_END = rdflib.URIRef("https://schema.org/endDate")


def membership_of_rows(tmp_path, *ends: str) -> tuple[rdflib.Graph, rdflib.URIRef]:
    """One membership (Enschede in Twente from 2018) from one row per end date given."""
    memberships = (
        "region,member,role,begin,end,attested,status,reason_nl,reason_en,cites\n"
        + "".join(f"twente,GM0153,member,2018,{end},,stated,,,art#\n" for end in ends)
    )
    g = mapped_graph(
        tmp_path, with_reference({"a/regions.csv": TWENTE, "a/memberships.csv": memberships})
    )
    return g, rdflib.URIRef("https://w3id.org/cultuurregio/id/lidmaatschap/twente/gm0153/lid/2018")


def test_a_membership_takes_its_end_from_the_row_that_gives_one(tmp_path):
    """A row that names no end date does not deny the end another row gives."""
    g, lm = membership_of_rows(tmp_path, "", "2024-12-31")
    assert list(g.objects(lm, SCHEMA_END)) == [rdflib.Literal("2024-12-31", datatype=EDTF)]
    day = rdflib.Literal("2024-12-31", datatype=XSD_DATE)
    assert (lm, rdflib.URIRef(CR + "endEarliest"), day) in g
    assert (lm, rdflib.URIRef(CR + "endLatest"), day) in g


def test_rows_that_disagree_on_a_membership_end_give_it_both_dates(tmp_path):
    """Neither date is chosen: both reach the graph, where the shapes allow one (so the build
    fails at the membership's first row)."""
    g, lm = membership_of_rows(tmp_path, "2021-12-31", "2024-12-31")
    assert sorted(str(o) for o in g.objects(lm, SCHEMA_END)) == ["2021-12-31", "2024-12-31"]


def test_region_containing_a_region(tmp_path):
    regions = (
        "id,kind,name,name_en,alt_names,part_of,founded,ended,coincides_with,stated_span,"
        "website,description_nl,description_en,completeness_nl,completeness_en,cites\n"
        "oost,landsdeel,Landsdeel Oost,Eastern Netherlands,,,,2024,PV23,PV23,,,,"
        "Onvolledig.,Incomplete.,art#\n"
        "twente,cultuurregio,Twente,,Regio Twente; Twentse regio,oost,2018,,,,"
        "https://example.org/twente,Een regio.,A region.,,,art#\n"
    )
    g = mapped_graph(tmp_path, with_reference({"a/regions.csv": regions}))
    assert_same(
        g,
        BASE_GRAPH
        + """
regio:oost a cr:Landsdeel ; skos:prefLabel "Landsdeel Oost"@nl, "Eastern Netherlands"@en ;
    schema:dissolutionDate "2024"^^edtf:EDTF ;
    cr:coincidesWith pv:pv23 ; cr:statedToSpan pv:pv23 ;
    org:hasSubOrganization regio:twente ;
    cr:completenessNote "Onvolledig."@nl, "Incomplete."@en ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
regio:twente a cr:Cultuurregio ; skos:prefLabel "Twente"@nl, "Twente"@en ;
    skos:altLabel "Regio Twente"@nl, "Twentse regio"@nl ;
    org:subOrganizationOf regio:oost ; schema:foundingDate "2018"^^edtf:EDTF ;
    schema:url <https://example.org/twente> ;
    dct:description "Een regio."@nl, "A region."@en ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
""",
    )


def test_tombstones_with_and_without_successor(tmp_path):
    tombstones = (
        "iri,label_nl,label_en,reason_nl,reason_en,date,successor,cites\n"
        "https://w3id.org/cultuurregio/id/regio/oud,Oud,Old,Samengevoegd.,Merged.,"
        "2024-05-01,https://w3id.org/cultuurregio/id/regio/twente,art#\n"
        "https://w3id.org/cultuurregio/id/regio/fout,,,Ten onrechte.,In error.,2024,,"
        "art#\n"
    )
    g = mapped_graph(tmp_path, with_reference({"a/tombstones.csv": tombstones}))
    assert_same(
        g,
        BASE_GRAPH
        + """
regio:oud owl:deprecated true ; dct:isReplacedBy regio:twente ;
    skos:prefLabel "Oud"@nl, "Old"@en ;
    skos:changeNote "Samengevoegd."@nl, "Merged."@en ;
    schema:expires "2024-05-01"^^edtf:EDTF ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
regio:fout owl:deprecated true ;
    skos:changeNote "Ten onrechte."@nl, "In error."@en ;
    schema:expires "2024"^^edtf:EDTF ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
""",
    )


def test_citations_with_locators_are_source_locations(tmp_path):
    # Two nodes cite the same place (one location node); a locator is slugged into its IRI;
    # a citation without a locator derives from the document itself.
    organisations = (
        "id,kind,name,cites\n"
        'ocw,ministry,OCW,"art#Noot 5, alinea 2; brief"\n'
        'tetem,other,Tetem,"art#Noot 5, alinea 2 ; art#§ 2 Fryslân"\n'
    )
    g = mapped_graph(
        tmp_path, with_reference({"a/organisations.csv": organisations}, SOURCES_BRIEF)
    )
    assert_same(
        g,
        BASE_GRAPH
        + BRIEF_GRAPH
        + """
organisatie:ocw a org:Organization, cr:Ministerie ; skos:prefLabel "OCW"@nl ;
    dct:source bron:art, bron:brief ;
    prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#noot-5-alinea-2>, bron:brief .
organisatie:tetem a org:Organization ; skos:prefLabel "Tetem"@nl ;
    dct:source bron:art ;
    prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#noot-5-alinea-2>,
                        <https://w3id.org/cultuurregio/id/bron/art#2-fryslan> .
<https://w3id.org/cultuurregio/id/bron/art#noot-5-alinea-2> a cr:SourceLocation ;
    dct:isPartOf bron:art ;
    cr:locator "Noot 5, alinea 2" ; rdfs:label "Noot 5, alinea 2" .
<https://w3id.org/cultuurregio/id/bron/art#2-fryslan> a cr:SourceLocation ;
    dct:isPartOf bron:art ; cr:locator "§ 2 Fryslân" ; rdfs:label "§ 2 Fryslân" .
""",
    )
