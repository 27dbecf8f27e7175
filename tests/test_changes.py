"""Municipal changes: change events, former gemeenten, and memberships within a member's life."""

from __future__ import annotations

from test_map import BASE_GRAPH, GEMEENTEN, PROVINCIES, SOURCES, assert_same, mapped_graph

from kgbuild.build import Config, check, load_graph

FORMER = (
    "gemeentecode,gemeentecode_num,gemeentenaam,provinciecode,ended,tooi_uri,status,"
    "reason_nl,reason_en,cites\n"
    "GM0017,0017,Haren,,2019-01-01,https://identifier.overheid.nl/tooi/id/gemeente/gm0017,"
    "inferred,oude code ongecontroleerd,old code unchecked,art#lijst\n"
)
MERGERS = (
    "event,date,kind,successor,successor_new,predecessor,status,reason_nl,reason_en,"
    "note_nl,note_en,cites\n"
    "2019-01-01-enschede,2019-01-01,annexation,GM0153,no,GM0017,stated,,,onvolledig,"
    "incomplete,art#p 3\n"
)


def test_merger_maps_to_change_event_and_former_gemeente(tmp_path):
    g = mapped_graph(
        tmp_path,
        {
            "s/sources.csv": SOURCES,
            "r/provincies.csv": PROVINCIES,
            "r/gemeenten.csv": GEMEENTEN,
            "r/former_gemeenten.csv": FORMER,
            "r/mergers.csv": MERGERS,
        },
    )
    assert_same(
        g,
        BASE_GRAPH
        + """
@prefix wijziging: <https://w3id.org/cultuurregio/def/wijziging#> .
gm:gm0017 a cr:Gemeente ; skos:prefLabel "Haren"@nl ; cr:cbsCode "GM0017" ;
    schema:dissolutionDate "2019-01-01"^^edtf:EDTF ; cr:evidenceStatus status:afgeleid ;
    cr:statusReason "oude code ongecontroleerd"@nl, "old code unchecked"@en ;
    org:changedBy <https://w3id.org/cultuurregio/id/wijziging/2019-01-01-enschede> ;
    dct:source bron:art ; prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#lijst> .
<https://w3id.org/cultuurregio/id/bron/art#lijst> a cr:SourceLocation ;
    dct:isPartOf bron:art ; cr:locator "lijst" ; rdfs:label "lijst" .
<https://w3id.org/cultuurregio/id/wijziging/2019-01-01-enschede> a org:ChangeEvent ;
    dct:date "2019-01-01"^^edtf:EDTF ; cr:changeKind wijziging:toevoeging ;
    skos:prefLabel "Toevoeging aan Enschede (2019-01-01)"@nl,
        "Annexation to Enschede (2019-01-01)"@en ;
    cr:evidenceStatus status:vermeld ;
    org:resultingOrganization gm:gm0153 ; org:originalOrganization gm:gm0017 ;
    cr:completenessNote "onvolledig"@nl, "incomplete"@en ;
    dct:source bron:art ; prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#p-3> .
<https://w3id.org/cultuurregio/id/bron/art#p-3> a cr:SourceLocation ;
    dct:isPartOf bron:art ; cr:locator "p 3" ; rdfs:label "p 3" .
gm:gm0153 org:resultedFrom <https://w3id.org/cultuurregio/id/wijziging/2019-01-01-enschede> .
# the change's row tells both gemeenten what changed them, with its place in the source; we mint
# no IRIs under TOOI, so these statements live in our documents about the two gemeenten
<https://w3id.org/cultuurregio/doc/gemeente/gm0153#bewering-f95e1ad60360> a rdf:Statement ;
    rdf:subject gm:gm0153 ; rdf:predicate org:resultedFrom ;
    rdf:object <https://w3id.org/cultuurregio/id/wijziging/2019-01-01-enschede> ;
    dct:source bron:art ; prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#p-3> .
<https://w3id.org/cultuurregio/doc/gemeente/gm0017#bewering-8cd4e441c3ec> a rdf:Statement ;
    rdf:subject gm:gm0017 ; rdf:predicate org:changedBy ;
    rdf:object <https://w3id.org/cultuurregio/id/wijziging/2019-01-01-enschede> ;
    dct:source bron:art ; prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#p-3> .
""",
    )


def lifetime_findings(project, membership_row: str) -> list[str]:
    path = project / "data/register/memberships.csv"
    path.write_text(path.read_text(encoding="utf-8") + membership_row, encoding="utf-8")
    config = Config(root=project)
    report = check(load_graph(config), config)
    return [f.line() for f in report.findings if "membership must" in f.line()]


def test_membership_of_a_merged_gemeente_must_end_by_the_merger(project):
    # Heerhugowaard ended on 2022-01-01: an open-ended membership of it is refused ...
    row = "noord-holland-noord,GM0398,member,2020,,,inferred,r,r,,stcrt-2025-3779,,,,\n"
    lines = lifetime_findings(project, row)
    assert len(lines) == 1 and "member ended on 2022-01-01" in lines[0]
    assert lines[0].startswith("data/register/memberships.csv:")


def test_membership_of_a_new_gemeente_cannot_begin_before_it(project):
    # Dijk en Waard was formed on 2022-01-01: a membership without begin is refused
    row = "zwolle,GM1980,member,,,,inferred,r,r,,stcrt-2025-3779,,,,\n"
    lines = lifetime_findings(project, row)
    assert len(lines) == 1 and "member was formed on 2022-01-01" in lines[0]


def test_the_bundled_memberships_lie_within_their_members_lives(project):
    assert lifetime_findings(project, "") == []
