"""Questions about the seed article, asked of the built graph by SPARQL, with hand-checked answers.

Each expected answer was read off the article (../shared/seed/), not off our CSV files.
"""

from __future__ import annotations

from decimal import Decimal

from kgbuild.model.terms import PREFIXES

PRE = (
    "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())
    + """
PREFIX id: <https://w3id.org/cultuurregio/id/>
PREFIX gm: <https://identifier.overheid.nl/tooi/id/gemeente/>
PREFIX pv: <https://identifier.overheid.nl/tooi/id/provincie/>
PREFIX art: <https://w3id.org/cultuurregio/id/bron/samenwerking-in-cultuurregios#>
"""
)
ARTICLE = "https://w3id.org/cultuurregio/id/bron/samenwerking-in-cultuurregios"


def ask(store, query: str) -> list[dict[str, str]]:
    rows = store.query(PRE + query)
    names = [v.value for v in rows.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in rows]


def column(store, query: str, name: str = "x") -> list[str]:
    return sorted(r[name] for r in ask(store, query) if name in r)


def one(store, query: str, name: str = "x") -> str:
    [value] = column(store, query, name)
    return value


def label(store, iri: str, lang: str = "nl") -> str:
    return one(store, f'SELECT ?x WHERE {{ <{iri}> skos:prefLabel ?x FILTER(lang(?x)="{lang}") }}')


def members(store, region: str, role: str = "rol:lid") -> list[str]:
    """Members the article names (other sources add more in data/register/)."""
    return column(
        store,
        f"""SELECT ?x WHERE {{
        ?m a org:Membership ; org:organization regio:{region} ; org:role {role} ;
           org:member ?who ; dct:source <{ARTICLE}> . ?who cr:cbsCode ?x }}""",
    )


# ------------------------------------------------------------------ regions and counts


def test_fifteen_regions_started_in_2018(store):
    names = column(
        store,
        """SELECT ?x WHERE { ?r a cr:Cultuurregio ;
        schema:foundingDate "2018"^^edtf:EDTF ; skos:prefLabel ?x FILTER(lang(?x) = "nl") }""",
    )
    assert len(names) == 15
    assert "025 Arnhem-Nijmegen" in names and "Zwolle en regio" in names


def test_the_2018_regions_rest_on_note_5(store):
    locators = column(
        store,
        """SELECT DISTINCT ?x WHERE {
        ?r schema:foundingDate "2018"^^edtf:EDTF ; prov:wasDerivedFrom ?loc .
        ?loc cr:locator ?x }""",
    )
    assert "noot 5" in locators
    without = column(
        store,
        """SELECT ?x WHERE { ?x schema:foundingDate "2018"^^edtf:EDTF
        MINUS { ?x prov:wasDerivedFrom art:noot-5 } }""",
    )
    assert without == []


def test_nineteen_regions_after_the_2024_recognitions(store):
    assert int(one(store, "SELECT (COUNT(DISTINCT ?r) AS ?x) WHERE { ?r a cr:Cultuurregio }")) == 19


def test_four_regions_recognised_in_2024_by_the_state_secretary(store):
    rows = ask(
        store,
        """SELECT ?name ?year ?by ?org ?doc WHERE {
        ?e a cr:Recognition ; cr:region ?r ; dct:date ?year ; cr:recognisedBy ?p ;
           cr:onBehalfOf ?org ; cr:document ?doc .
        ?r skos:prefLabel ?name FILTER(lang(?name) = "nl") ?p schema:name ?by }""",
    )
    assert sorted({r["name"] for r in rows}) == [
        "Achterhoek",
        "Midden-Holland",
        "Noord-Holland Noord",
        "Noord-Limburg",
    ]
    # the article gives the year; an outside source may add a more precise date beside it
    assert {(r["year"][:4], r["by"], r["org"]) for r in rows} == {
        (
            "2024",
            "Fleur Gräper-van Koolwijk",
            "https://identifier.overheid.nl/tooi/id/ministerie/mnre1109",
        )
    }
    assert {r["doc"] for r in rows} == {
        "https://w3id.org/cultuurregio/id/bron/graper-van-koolwijk-2024-stand-van-zaken-moties"
    }


def test_the_recognition_letter_is_kamerstuk_520(store):
    assert (
        one(
            store,
            """SELECT ?x WHERE { ?e a cr:Recognition ; cr:document ?d .
        ?d dct:identifier ?x } GROUP BY ?x""",
        )
        == "Kamerstuk 32820/32827 nr. 520"
    )


# ------------------------------------------------------------------ members and roles


def test_members_of_we_the_north(store):
    assert members(store, "we-the-north") == [
        "GM0014",
        "GM0080",
        "GM0106",
        "GM0114",
        "PV20",
        "PV21",
        "PV22",
    ]


def test_members_of_zeeland_are_the_province_and_the_z4(store):
    assert members(store, "zeeland") == ["GM0664", "GM0687", "GM0715", "GM0718", "PV29"]
    z4 = column(
        store,
        """SELECT ?x WHERE { ?z skos:prefLabel "Z4"@nl ; org:hasMember ?g .
        ?g skos:prefLabel ?x }""",
    )
    assert z4 == ["Goes", "Middelburg (Z.)", "Terneuzen", "Vlissingen"]


def test_stedendriehoek_has_three_cities_and_spans_two_provinces(store):
    assert column(
        store,
        f"""SELECT ?x WHERE {{ ?m org:organization regio:stedendriehoek ;
        org:member ?g ; dct:source <{ARTICLE}> . ?g skos:prefLabel ?x }}""",
    ) == ["Apeldoorn", "Deventer", "Zutphen"]
    assert column(
        store,
        """SELECT ?x WHERE { regio:stedendriehoek cr:statedToSpan ?p .
        ?p skos:altLabel ?x }""",
    ) == ["Gelderland", "Overijssel"]


def test_ede_wageningen_is_two_gemeenten(store):
    assert members(store, "ede-wageningen") == ["GM0228", "GM0289"]
    assert one(store, "SELECT ?x WHERE { regio:ede-wageningen cr:statedMemberCount ?x }") == "2"


def test_twente_is_fourteen_gemeenten_by_count_not_by_name(store):
    assert one(store, "SELECT ?x WHERE { regio:twente cr:statedMemberCount ?x }") == "14"
    assert members(store, "twente") == []


def test_enschede_represents_twente(store):
    rows = ask(
        store,
        """SELECT ?x ?status ?loc WHERE { ?m org:organization regio:twente ;
        org:role rol:vertegenwoordiger ; org:member ?g ; cr:evidenceStatus ?status ;
        prov:wasDerivedFrom/cr:locator ?loc . ?g skos:prefLabel ?x }""",
    )
    assert rows == [
        {
            "x": "Enschede",
            "status": PREFIXES["status"] + "vermeld",
            "loc": "Voorbeelden van samenwerking, alinea 3",
        }
    ]


def test_utrecht_coincides_with_its_province(store):
    assert (
        one(store, "SELECT ?x WHERE { regio:utrecht cr:coincidesWith ?p . ?p cr:cbsCode ?x }")
        == "PV26"
    )


def test_rotterdam_and_dordrecht_are_only_inferred_parties(store):
    # the article says Rotterdam drew up the region's profile, not that it leads or is a member
    rows = ask(
        store,
        f"""SELECT ?code ?role ?status WHERE {{
        ?m org:organization regio:rotterdam-dordrecht ; org:member ?g ; org:role ?role ;
           cr:evidenceStatus ?status ; dct:source <{ARTICLE}> . ?g cr:cbsCode ?code }}""",
    )
    assert sorted(
        (r["code"], r["role"].rsplit("#")[1], r["status"].rsplit("#")[1]) for r in rows
    ) == [("GM0505", "lid", "afgeleid"), ("GM0599", "lid", "afgeleid")]
    reason = one(
        store,
        f"""SELECT ?x WHERE {{ ?m org:member gm:gm0505 ; cr:statusReason ?x ;
        dct:source <{ARTICLE}> FILTER(lang(?x) = "en") }}""",
    )
    assert "Dordrecht" in reason and "not" in reason


def test_almere_in_two_regions_is_a_finding_without_memberships(store):
    kinds = column(store, """SELECT ?x WHERE { ?f cr:concerns gm:gm0034 ; cr:findingKind ?x }""")
    assert kinds == [PREFIXES["bevinding"] + "context"]
    assert (
        column(store, f"SELECT ?x WHERE {{ ?x org:member gm:gm0034 ; dct:source <{ARTICLE}> }}")
        == []
    )


def test_regions_that_grew_out_of_administrative_networks(store):
    rows = ask(
        store,
        """SELECT ?region ?network WHERE { ?r cr:grewOutOf ?n .
        ?n a cr:AdministrativeNetwork ; skos:prefLabel ?network .
        ?r skos:prefLabel ?region FILTER(lang(?region) = "nl") }""",
    )
    assert sorted(r["region"] for r in rows) == [
        "BrabantStad",
        "Den Haag (Haaglanden)",
        "Metropoolregio Amsterdam",
        "Stedendriehoek",
        "Zeeland",
    ]
    assert {r["network"] for r in rows if r["region"] == "Zeeland"} == {"Z4"}


# ------------------------------------------------------------------ projects and money


def test_twente_proeftuin_by_tetem_in_enschede(store):
    rows = ask(
        store,
        """SELECT ?exec ?place WHERE { ?p a cr:Proeftuin ; cr:region regio:twente ;
        cr:executor ?e . ?e skos:prefLabel ?exec ; schema:location ?g .
        ?g skos:prefLabel ?place }""",
    )
    assert rows == [{"exec": "Tetem", "place": "Enschede"}]


def test_proeftuin_money_from_the_rijk_is_matched_by_each_region(store):
    rows = ask(
        store,
        """SELECT ?f (COUNT(DISTINCT ?r) AS ?n) WHERE {
        ?f a cr:Funding ; cr:recipient ?r ; cr:matchedBy ?r }
        GROUP BY ?f""",
    )
    counts = {r["f"].rsplit("/", 1)[1]: int(r["n"]) for r in rows}
    assert counts == {"proeftuin-per-regio": 15, "proeftuin-twente": 1}
    assert column(
        store,
        f"""SELECT ?x WHERE {{ ?f cr:fundedProject ?p ; dct:source <{ARTICLE}> .
        ?p a cr:Proeftuin ; cr:region ?r . ?r skos:prefLabel ?x FILTER(lang(?x) = "nl") }}""",
    ) == ["Twente"]


def test_the_2024_budget_of_4_85_million(store):
    rows = ask(
        store,
        f"""SELECT ?f ?amount ?year ?funder WHERE {{
        ?f a cr:Funding ; cr:amount ?amount ; dct:date ?year ; cr:funder ?funder ;
           dct:source <{ARTICLE}> }}""",
    )
    assert len(rows) == 1
    assert Decimal(rows[0]["amount"]) == Decimal(4850000)
    assert rows[0]["year"] == "2024"
    # the article names the culture regions as a whole, not each recipient
    assert column(store, f"SELECT ?x WHERE {{ <{rows[0]['f']}> cr:recipient ?x }}") == []
    assert rows[0]["funder"].endswith("/ministerie/mnre1109")
    themes = column(
        store,
        f"""SELECT ?x WHERE {{ ?f cr:amount ?a ; cr:theme ?t ;
        dct:source <{ARTICLE}> . ?t skos:prefLabel ?x FILTER(lang(?x) = "en") }}""",
    )
    assert themes == ["talent development", "youth culture"]


def test_station_noord_has_17_institutions_and_the_grand_theatre(store):
    row = ask(
        store,
        """SELECT ?n ?partner ?region WHERE { ?p skos:prefLabel "Station Noord"@nl ;
        cr:statedParticipantCount ?n ; cr:partner ?o ; cr:region ?r .
        ?o skos:prefLabel ?partner . ?r skos:prefLabel ?region FILTER(lang(?region) = "nl") }""",
    )
    assert row == [{"n": "17", "partner": "Grand Theatre", "region": "We The North"}]


def test_people_around_station_noord(store):
    rows = ask(
        store,
        """SELECT ?name ?org WHERE { ?p a schema:Person ; schema:name ?name .
        OPTIONAL { ?p cr:affiliation/skos:prefLabel ?org } }""",
    )
    by_name = {r["name"]: r.get("org") for r in rows}
    assert by_name["Niek vom Bruch"] == "Grand Theatre"
    assert "Mark Fischer" in by_name and "Anja van den Dolder" in by_name
    assert (
        by_name["Fleur Gräper-van Koolwijk"]
        == by_name["Ingrid van Engelshoven"]
        == "Ministerie van Onderwijs, Cultuur en Wetenschap"
    )


def test_samen_in_zee_had_all_thirteen_zeeland_gemeenten(store):
    codes = column(
        store,
        """SELECT ?x WHERE { ?s a cr:SubsidyScheme ;
        skos:prefLabel "Samen in Zee"@nl ; cr:participant ?g . ?g cr:cbsCode ?x }""",
    )
    assert len(codes) == 13 and "GM0718" in codes and "GM1714" in codes
    sources = column(
        store,
        """SELECT ?x WHERE { ?s skos:prefLabel "Samen in Zee"@nl ;
        dct:source ?x }""",
    )
    assert sources == ["https://w3id.org/cultuurregio/id/bron/cbs-gebiedsindelingen-2025", ARTICLE]


def test_twente_programme_runs_until_2028(store):
    assert (
        one(
            store,
            """SELECT ?x WHERE { ?p a cr:Programme ; cr:region regio:twente ;
        schema:endDate ?x }""",
        )
        == "2028"
    )


# ------------------------------------------------------------------ events and findings


def test_the_2018_call_by_the_minister_informed_by_the_2017_advice(store):
    rows = ask(
        store,
        """SELECT ?who ?date ?advice ?doc WHERE { ?e a cr:PolicyEvent ;
        prov:wasAssociatedWith ?p ; dct:date ?date ; prov:used ?a ; cr:document ?d .
        ?p schema:name ?who . ?a dct:issued ?advice . ?d dct:identifier ?doc }""",
    )
    assert rows == [
        {
            "who": "Ingrid van Engelshoven",
            "date": "2018",
            "advice": "2017",
            "doc": "Kamerstuk 32820 nr. 221",
        }
    ]


def test_the_three_added_values(store):
    values = column(
        store,
        """SELECT ?x WHERE { ?f cr:findingKind bevinding:meerwaarde ;
        cr:statement ?x FILTER(lang(?x) = "en") }""",
    )
    assert [v.split(":")[0] for v in values] == ["Added value 1", "Added value 2", "Added value 3"]
    assert "cultural infrastructure" in values[0] and "national government" in values[2]


def test_three_drawbacks_and_the_options_weighed(store):
    assert (
        int(
            one(
                store,
                """SELECT (COUNT(?f) AS ?x) WHERE {
        ?f cr:findingKind bevinding:nadeel }""",
            )
        )
        == 3
    )
    options = column(store, """SELECT ?x WHERE { ?x cr:findingKind bevinding:optie }""")
    assert [o.rsplit("/", 1)[1] for o in options] == [
        "optie-institutionaliseren",
        "optie-maatwerk",
        "optie-stoppen",
    ]


def test_themes_with_opportunities(store):
    themes = column(
        store,
        """SELECT ?x WHERE { ?f cr:findingKind bevinding:kans ;
        cr:theme ?t . ?t skos:prefLabel ?x FILTER(lang(?x) = "nl") }""",
    )
    assert {
        "cultuureducatie",
        "cultuurparticipatie",
        "lokaal cultuurbeleid",
        "bibliotheken",
        "talentontwikkeling",
    } <= set(themes)


def test_areas_outside_any_region_concern_four_provinces(store):
    provinces = column(
        store,
        """SELECT ?x WHERE { ?f cr:findingKind bevinding:nadeel ;
        cr:concerns ?p . ?p a cr:Provincie ; skos:altLabel ?x }""",
    )
    assert provinces == ["Gelderland", "Limburg", "Noord-Holland", "Zuid-Holland"]


def test_bes_islands_stay_outside_and_rest_on_note_8(store):
    rows = ask(
        store,
        """SELECT DISTINCT ?f WHERE { ?f cr:statement ?s ;
        prov:wasDerivedFrom art:noot-8 FILTER(CONTAINS(?s, "Bonaire")) }""",
    )
    assert len(rows) == 1


def test_renaming_of_stedelijke_cultuurregio_rests_on_note_1(store):
    rows = ask(
        store,
        """SELECT ?kind WHERE { ?f prov:wasDerivedFrom art:noot-1 ;
        cr:findingKind ?kind }""",
    )
    assert rows == [{"kind": PREFIXES["bevinding"] + "context"}]


def test_every_article_locator_is_one_the_article_has(store):
    locators = column(
        store,
        f"""SELECT DISTINCT ?x WHERE {{ ?l dct:isPartOf <{ARTICLE}> ;
        cr:locator ?x }}""",
    )
    sections = (
        "Voorbeelden van samenwerking",
        "Veelvormigheid",
        "Hoe verder?",
        "Erkenning nieuwe cultuurregio's",
    )
    allowed = (
        {"opening", "inleiding", "auteursregel"}
        | {f"noot {n}" for n in range(1, 10)}
        | {f"{s}, alinea {n}" for s in sections for n in range(1, 6)}
    )
    assert set(locators) <= allowed, set(locators) - allowed
    assert len(locators) >= 20


def test_who_said_what_about_twente_and_station_noord(store):
    rows = ask(
        store,
        """SELECT ?f ?who WHERE { ?f a cr:Finding ; prov:wasAttributedTo ?p ;
        cr:concerns ?r . ?p schema:name ?who . ?r skos:prefLabel ?region
        FILTER(?region IN ("Twente"@nl, "We The North"@nl)) }""",
    )
    said = {(r["f"].rsplit("/", 1)[1], r["who"]) for r in rows}
    assert said == {
        ("twente-slagkracht-en-aansluiting", "Anja van den Dolder"),
        ("enschede-spreekt-voor-twente", "Anja van den Dolder"),
        ("we-the-north-succes", "Mark Fischer"),
        ("station-noord-betaalbaar", "Niek vom Bruch"),
    }


def test_the_bes_islands_are_public_bodies_the_finding_concerns(store):
    names = column(
        store,
        """SELECT ?x WHERE { ?f cr:concerns ?o ; prov:wasDerivedFrom art:noot-8 .
        ?o a cr:OpenbaarLichaam ; skos:prefLabel ?x }""",
    )
    assert names == ["Bonaire", "Saba", "Sint Eustatius"]
    # they are not gemeenten, so no snapshot counts them as known or unknown
    assert column(store, """SELECT ?x WHERE { ?x a cr:OpenbaarLichaam, cr:Gemeente }""") == []


def test_tetem_made_a_maakplaats_in_each_of_fourteen_gemeenten(store):
    assert (
        one(
            store,
            """SELECT ?x WHERE { ?p cr:executor ?t ; cr:statedParticipantCount ?x .
        ?t skos:prefLabel "Tetem"@nl }""",
        )
        == "14"
    )
