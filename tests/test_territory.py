"""Who is in which region, and since when: one answer on every date, or "not known".

The snapshot (derive), the canned queries, the member counts and the published pages must all
give the same answer for 1 January of every year 2018-2025. Expected facts were read off the
seed article (via data/artikel/) and ../shared/sources/, not off the output.
"""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from kgbuild.derive import REFERENCE_DATES, Period
from kgbuild.queries import bind, read_queries, run_embedded

PRE = """
PREFIX cr: <https://w3id.org/cultuurregio/def/cultuurregio#>
PREFIX status: <https://w3id.org/cultuurregio/def/status#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX peil: <https://w3id.org/cultuurregio/id/peildatum/>
PREFIX regio: <https://w3id.org/cultuurregio/id/regio/>
PREFIX gm: <https://identifier.overheid.nl/tooi/id/gemeente/>
PREFIX pv: <https://identifier.overheid.nl/tooi/id/provincie/>
"""
REGIO = "https://w3id.org/cultuurregio/id/regio/"
GM = "https://identifier.overheid.nl/tooi/id/gemeente/"


def ask(store, query: str) -> list[tuple]:
    return [tuple(t.value if t is not None else None for t in r) for r in store.query(PRE + query)]


def column(store, query: str) -> set[str]:
    return {r[0] for r in ask(store, query)}


@pytest.fixture(scope="module")
def canned(store):
    specs = {s.name: s for s in read_queries(ROOT / "queries", ROOT)}

    def run(name: str, **params) -> list[dict]:
        spec = specs[name]
        table = run_embedded(store, spec, bind(spec, params))
        return [dict(zip(table.vars, row, strict=True)) for row in table.values()]

    return run


def regions(store) -> list[str]:
    return sorted(column(store, "SELECT ?r WHERE { ?r a cr:Cultuurregio }"))


# --- the one rule ---------------------------------------------------------------------------


def test_a_year_only_start_may_hold_in_its_year_and_surely_after():
    year = Period(("2018-01-01", "2018-12-31"))
    assert [year.on(d) for d in ("2017-12-31", "2018-01-01", "2018-12-31", "2019-01-01")] == [
        None,
        "mogelijk",
        "zeker",
        "zeker",
    ]
    ended = Period(("2018-01-01", "2018-01-01"), ("2028-01-01", "2028-12-31"))
    assert [ended.on(d) for d in ("2027-12-31", "2028-06-01", "2029-01-01")] == [
        "zeker",
        "mogelijk",
        None,
    ]


@pytest.mark.parametrize("day", REFERENCE_DATES)
def test_snapshot_queries_and_counts_agree(store, canned, day):
    snap = f"peil:{day}"
    unknown = column(store, f"SELECT ?g WHERE {{ {snap} cr:regionNotKnown ?g }}")
    outside = column(store, f"SELECT ?g WHERE {{ {snap} cr:outsideEveryRegion ?g }}")
    inside = column(store, f"SELECT ?g WHERE {{ {snap} cr:gemeenteInRegion ?g }}")
    assert {r["gemeente"] for r in canned("gemeenten-region-unknown", peildatum=day)} == unknown
    assert {r["gemeente"] for r in canned("gemeenten-without-region", peildatum=day)} == outside
    by_query = set()
    for region in regions(store):
        by_query |= {
            r["gemeente"] for r in canned("territory-on-date", regio=region, peildatum=day)
        }
    assert by_query == inside
    assert not (unknown & outside or unknown & inside or outside & inside)
    counted = {
        (r, s): int(n)
        for r, s, n in ask(
            store,
            f"""SELECT ?r ?s ?n WHERE {{
        ?c a cr:MemberCount ; cr:region ?r ; cr:countedStatus ?s ; cr:count ?n ;
           cr:referenceDate "{day}"^^xsd:date }}""",
        )
    }
    for r in canned("member-counts-on-date", peildatum=day):
        if r["region"] in regions(store):
            assert (int(r["members_stated"]), int(r["members_inferred"])) == (
                counted[(r["region"], PRE_STATUS + "vermeld")],
                counted[(r["region"], PRE_STATUS + "afgeleid")],
            ), (r["region"], day)


PRE_STATUS = "https://w3id.org/cultuurregio/def/status#"


@pytest.mark.parametrize("day", REFERENCE_DATES)
def test_party_counts_are_the_distinct_sure_rows_of_members_on_date(store, canned, day):
    for region in ("we-the-north", "twente", "utrecht"):
        rows = [
            r
            for r in canned("members-on-date", regio=REGIO + region, peildatum=day)
            if r["certainty"] == "zeker"
        ]
        assert len(rows) == len({r["member"] for r in rows})
        stated = sum(r["status"] == "stated" for r in rows)
        count = {
            s: int(n)
            for s, n in ask(
                store,
                f"""SELECT ?s ?n WHERE {{ ?c cr:region
            regio:{region} ; cr:countedStatus ?s ; cr:count ?n ;
            cr:referenceDate "{day}"^^xsd:date }}""",
            )
        }
        assert (stated, len(rows) - stated) == (
            count[PRE_STATUS + "vermeld"],
            count[PRE_STATUS + "afgeleid"],
        )


# --- the answers the issue asked for --------------------------------------------------------


def test_no_gemeente_is_outside_every_region_on_2025_01_01(store):
    assert column(store, "SELECT ?g WHERE { peil:2025-01-01 cr:outsideEveryRegion ?g }") == set()
    n = ask(
        store,
        "SELECT ?n ?k WHERE { peil:2025-01-01 cr:regionNotKnownCount ?n ; "
        "cr:knownGemeenteCount ?k }",
    )[0]
    assert 0 < int(n[0]) < int(n[1]) == 342


def test_no_gemeente_of_friesland_is_called_outside_or_unknown_since_we_the_north(store):
    fryslan = column(store, "SELECT ?g WHERE { ?g cr:province pv:pv21 }")
    assert len(fryslan) == 18
    for day in ("2019-01-01", "2025-01-01"):
        assert fryslan <= column(store, f"SELECT ?g WHERE {{ peil:{day} cr:gemeenteInRegion ?g }}")


def test_we_the_north_covers_the_three_northern_provinces(canned, store):
    north = column(
        store,
        "SELECT ?g WHERE { VALUES ?p { pv:pv20 pv:pv21 pv:pv22 } "
        "?g a cr:Gemeente ; cr:province ?p }",
    )
    assert len(north) == 40
    rows = canned("territory-on-date", regio=REGIO + "we-the-north", peildatum="2025-01-01")
    assert {r["gemeente"] for r in rows} == north
    assert {r["name"] for r in rows if r["status"] == "stated"} == {
        "Groningen",
        "Leeuwarden",
        "Assen",
        "Emmen",
    }


def test_the_city_of_utrecht_is_in_the_utrecht_region_2018_to_2025(canned):
    answers = {}
    for day in REFERENCE_DATES:
        rows = canned("territory-on-date", regio=REGIO + "utrecht", peildatum=day)
        answers[day] = [r["certainty"] for r in rows if r["gemeente"] == GM + "gm0344"]
    # the region began in 2018 (the article gives the year only)
    assert answers == {d: ["mogelijk" if d == "2018-01-01" else "zeker"] for d in REFERENCE_DATES}


def test_a_representative_role_does_not_push_a_city_out(canned):
    for day in ("2020-01-01", "2024-01-01"):
        rows = canned("territory-on-date", regio=REGIO + "utrecht", peildatum=day)
        assert {GM + "gm0344", GM + "gm0307"} <= {r["gemeente"] for r in rows}


def test_2018_is_not_empty(store):
    known = column(store, "SELECT ?g WHERE { peil:2018-01-01 cr:gemeenteInRegion ?g }")
    assert GM + "gm0153" in known  # Enschede, Twente: possibly, as the region began in 2018


def test_the_areas_the_article_names_lay_outside_before_2024(canned):
    outside = {r["name"] for r in canned("gemeenten-without-region", peildatum="2022-01-01")}
    assert {"Alkmaar", "Venlo", "Den Helder"} <= outside
    assert canned("gemeenten-without-region", peildatum="2025-01-01") == []


def test_we_the_north_has_seven_parties(canned):
    rows = canned("members-on-date", regio=REGIO + "we-the-north", peildatum="2025-01-01")
    assert len(rows) == 7
    assert {r["name"] for r in rows} >= {"provincie Fryslân", "Groningen", "provincie Groningen"}


def test_city_and_province_never_share_a_label(store):
    rows = ask(
        store,
        """SELECT ?a ?b WHERE { ?a a cr:Gemeente ; skos:prefLabel ?l .
        ?b a cr:Provincie ; skos:prefLabel ?l }""".replace(
            "SELECT", "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nSELECT"
        ),
    )
    assert rows == []


# --- dates ----------------------------------------------------------------------------------


def test_one_date_filter_finds_all_four_2024_recognitions(store):
    found = column(
        store,
        """SELECT ?r WHERE { ?r a cr:Recognition ; cr:dateEarliest ?e ;
        cr:dateLatest ?l FILTER(?l >= "2024-01-01"^^xsd:date && ?e <= "2024-12-31"^^xsd:date) }""",
    )
    assert len(found) == 4


def test_no_property_mixes_date_datatypes(store):
    rows = ask(
        store,
        """SELECT ?p (COUNT(DISTINCT DATATYPE(?o)) AS ?n) WHERE {
        ?s ?p ?o FILTER(isLiteral(?o) && ?p != rdf:object && DATATYPE(?o) IN (xsd:date,
        xsd:gYear, xsd:gYearMonth, <http://id.loc.gov/datatypes/edtf/EDTF>)) }
        GROUP BY ?p HAVING (COUNT(DISTINCT DATATYPE(?o)) > 1)""".replace(
            "SELECT", "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\nSELECT"
        ),
    )
    assert rows == []


def test_the_recognition_day_rests_on_the_news_item_and_the_year_on_the_article(store):
    rows = ask(
        store,
        """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?d ?src WHERE { ?st rdf:subject <https://w3id.org/cultuurregio/id/erkenning/noord-holland-noord-2024> ;
        rdf:predicate dct:date ; rdf:object ?d ; dct:source ?src }""",
    )
    by_day = {}
    for d, src in rows:
        by_day.setdefault(d, set()).add(src.rsplit("/", 1)[1])
    assert by_day == {
        "2024": {"samenwerking-in-cultuurregios"},
        "2024-03-01": {"wieringernieuws-nieuws-41278-ministerie-erkent-noordholland-noord"},
    }


# --- the pages and maps give the same answer ------------------------------------------------


def test_region_pages_count_distinct_parties(site):
    html = (site / "doc/regio/we-the-north.html").read_text(encoding="utf-8")
    assert 'class="stated">Bevestigd door een bron (7)' in html
    assert 'class="inferred">' not in html


@pytest.mark.parametrize("region", ["utrecht", "twente", "we-the-north"])
def test_a_region_map_draws_the_werkgebied_of_2025(site, canned, region):
    html = (site / f"doc/regio/{region}.html").read_text(encoding="utf-8")
    drawn = html.count('<path class="stated"') + html.count('<path class="inferred"')
    rows = canned("territory-on-date", regio=REGIO + region, peildatum="2025-01-01")
    assert drawn == len(rows)
    assert html.count('<path class="stated"') == sum(r["status"] == "stated" for r in rows)


def test_the_dataset_page_gives_the_gap_and_links_the_report(site, store):
    [(n,)] = ask(store, "SELECT ?n WHERE { peil:2025-01-01 cr:regionNotKnownCount ?n }")
    html = (site / "doc/dataset/cultuurregios.html").read_text(encoding="utf-8")
    assert f"van {n} van de 342 bekende gemeenten" in html
    assert 'href="../../query/gemeenten-region-unknown.csv"' in html
    lines = (site / "query/gemeenten-region-unknown.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == int(n) + 1


@pytest.mark.parametrize("day", ["2018-01-01", "2022-01-01", "2025-01-01"])
def test_every_gemeente_page_gives_the_snapshot_answer(site, store, day):
    answers = {}
    for kind in ("gemeenteInRegion", "outsideEveryRegion", "regionNotKnown"):
        for g in column(store, f"SELECT ?g WHERE {{ peil:{day} cr:{kind} ?g }}"):
            answers[g] = kind
    words = {"outsideEveryRegion": "buiten elke cultuurregio", "regionNotKnown": "niet bekend"}
    for g, kind in answers.items():
        html = (site / f"doc/gemeente/{g.rsplit('/', 1)[1]}.html").read_text(encoding="utf-8")
        row = html.split(f"<tr><td>{day}</td><td>", 1)[1].split("</td></tr>", 1)[0]
        if kind == "gemeenteInRegion":
            assert "/doc/regio/" in row, (g, row)
        else:
            assert row.startswith(words[kind]), (g, row)


def home_map(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    legend = dict(
        re.findall(
            r'<li><span class="key (region-\d+)"></span> <a href="[^"]*regio/'
            r'([^"./]+)\.html"',
            html,
        )
    )
    paths = re.findall(
        r'<a href="[^"]*gemeente/(gm\d+)\.html"><path (class="[^"]+"'
        r'(?: fill="url\(#strepen-[0-9-]+\)")?)',
        html,
    )
    return html, {v: k for k, v in legend.items()}, dict(paths)


def test_the_home_map_draws_each_region_in_its_legend_colour(site, canned, store):
    html, colour_of, paths = home_map(site)
    assert len(set(colour_of.values())) == len(colour_of) == 19  # one colour per region
    assert len(paths) == 342  # every gemeente links to its page
    for region, colour in colour_of.items():
        for r in canned("territory-on-date", regio=REGIO + region, peildatum="2025-01-01"):
            drawn = paths[r["gemeente"].rsplit("/", 1)[1]]
            assert f'class="{colour}"' in drawn or f"-{colour.removeprefix('region-')}" in drawn, (
                region,
                r["name"],
                drawn,
            )
    # Almere lies in Flevoland and the MRA: stripes of both colours
    almere = paths["gm0034"]
    assert 'class="several"' in almere
    for region in ("flevoland", "metropoolregio-amsterdam"):
        assert colour_of[region].removeprefix("region-") in almere.split("strepen-")[1]
    unknown = column(store, "SELECT ?g WHERE { peil:2025-01-01 cr:regionNotKnown ?g }")
    assert {g for g, p in paths.items() if p == 'class="unknown"'} == {
        g.rsplit("/", 1)[1] for g in unknown
    }
    assert '<title id="kaart-titel">' in html and html.count("<tr><td>") >= 342
