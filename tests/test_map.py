"""Stage 2: small inputs map to the expected graphs (compared as graphs, not as text)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import rdflib
from rdflib.compare import graph_diff, to_isomorphic

from kgbuild.mapping import map_data
from kgbuild.read import read_data

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
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix bron: <https://w3id.org/cultuurregio/id/bron/> .
@prefix regio: <https://w3id.org/cultuurregio/id/regio/> .
@prefix lm: <https://w3id.org/cultuurregio/id/lidmaatschap/> .
@prefix gm: <https://identifier.overheid.nl/tooi/id/gemeente/> .
@prefix pv: <https://identifier.overheid.nl/tooi/id/provincie/> .
"""

SOURCES = ("id,kind,title,authors,year,date,publisher,place,identifier,url,cites\n"
           "art,article,Een artikel,\"A; B\",2024,,,,,https://example.org/a,art#kop\n")
PROVINCIES = ("provinciecode,provinciecode_num,provincienaam,tooi_uri,cites\n"
              "PV23,23,Overijssel,https://identifier.overheid.nl/tooi/id/provincie/pv23,art#\n")
GEMEENTEN = ("gemeentecode,gemeentecode_num,gemeentenaam,provinciecode,tooi_uri,cites\n"
             "GM0153,0153,Enschede,PV23,https://identifier.overheid.nl/tooi/id/gemeente/gm0153,"
             "art#\n")


def mapped_graph(tmp_path: Path, files: dict[str, str]) -> rdflib.Graph:
    for name, text in files.items():
        path = tmp_path / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    g = map_data(read_data(tmp_path / "data", tmp_path))
    nt = pyoxigraph.serialize(sorted(g.triples, key=str), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=nt, format="nt")


def assert_same(actual: rdflib.Graph, expected_ttl: str) -> None:
    expected = rdflib.Graph().parse(data=PREFIXES + expected_ttl, format="turtle")
    a, e = to_isomorphic(actual), to_isomorphic(expected)
    if a != e:
        _, only_actual, only_expected = graph_diff(a, e)
        raise AssertionError("graphs differ\nonly in actual:\n"
                             + only_actual.serialize(format="nt")
                             + "\nonly in expected:\n" + only_expected.serialize(format="nt"))


BASE_GRAPH = """
bron:art a dct:BibliographicResource, prov:Entity, schema:Article ;
    dct:title "Een artikel" ; dct:creator "A", "B" ; dct:issued "2024"^^xsd:gYear ;
    dct:bibliographicCitation "A; B (2024) Een artikel." ;
    schema:url <https://example.org/a> ;
    dct:source bron:art ; prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#kop> .
<https://w3id.org/cultuurregio/id/bron/art#kop> a cr:SourceLocation ;
    dct:isPartOf bron:art ; cr:locator "kop" ; rdfs:label "kop" .
pv:pv23 a cr:Provincie ; skos:prefLabel "Overijssel"@nl ; cr:cbsCode "PV23" ;
    dct:source bron:art ; prov:wasDerivedFrom bron:art .
gm:gm0153 a cr:Gemeente ; skos:prefLabel "Enschede"@nl ; cr:cbsCode "GM0153" ;
    cr:province pv:pv23 ; dct:source bron:art ; prov:wasDerivedFrom bron:art .
"""


def test_reference_data_and_sources(tmp_path):
    g = mapped_graph(tmp_path, {"s/sources.csv": SOURCES, "r/provincies.csv": PROVINCIES,
                                "r/gemeenten.csv": GEMEENTEN})
    assert_same(g, BASE_GRAPH)


def test_membership_merges_rows_and_stated_wins(tmp_path):
    regions = ("id,kind,name,stated_member_count,cites\n"
               "twente,cultuurregio,Twente,14,art#noot 5\n")
    memberships = (
        "region,member,role,begin,status,reason_nl,reason_en,attested,cites\n"
        "twente,GM0153,representative,,inferred,afgeleid,inferred,2021,art#p 1\n"
        "twente,GM0153,representative,,stated,,,,art#p 2\n")
    g = mapped_graph(tmp_path, {"s/sources.csv": SOURCES, "r/provincies.csv": PROVINCIES,
                                "r/gemeenten.csv": GEMEENTEN, "a/regions.csv": regions,
                                "a/memberships.csv": memberships})
    assert_same(g, BASE_GRAPH + """
regio:twente a cr:Cultuurregio ; skos:prefLabel "Twente"@nl, "Twente"@en ;
    cr:statedMemberCount 14 ; dct:source bron:art ;
    prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#noot-5> .
<https://w3id.org/cultuurregio/id/bron/art#noot-5> a cr:SourceLocation ;
    dct:isPartOf bron:art ; cr:locator "noot 5" ; rdfs:label "noot 5" .
lm:twente\\/gm0153\\/vertegenwoordiger a org:Membership ;
    org:member gm:gm0153 ; org:organization regio:twente ; org:role rol:vertegenwoordiger ;
    cr:evidenceStatus status:vermeld ; cr:attestedOn "2021"^^xsd:gYear ;
    dct:source bron:art ;
    prov:wasDerivedFrom <https://w3id.org/cultuurregio/id/bron/art#p-1>,
                        <https://w3id.org/cultuurregio/id/bron/art#p-2> .
<https://w3id.org/cultuurregio/id/bron/art#p-1> a cr:SourceLocation ;
    dct:isPartOf bron:art ; cr:locator "p 1" ; rdfs:label "p 1" .
<https://w3id.org/cultuurregio/id/bron/art#p-2> a cr:SourceLocation ;
    dct:isPartOf bron:art ; cr:locator "p 2" ; rdfs:label "p 2" .
""")
