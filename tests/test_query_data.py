"""Each canned query on the bundled data, with expected rows checked by hand against data/.

Where a whole column is asserted (counts per region, gemeenten in no region), the expectation
was read from data/*/memberships.csv and the source README's table of stated and inferred
members per region; test_no_region_matches_the_csvs recomputes one answer from the CSVs.
"""

from __future__ import annotations

import csv

import pytest
from conftest import ROOT

from kgbuild.queries import bind, read_queries, run_embedded

REGIO = "https://w3id.org/cultuurregio/id/regio/"
GM = "https://identifier.overheid.nl/tooi/id/gemeente/"


@pytest.fixture(scope="module")
def ask(store):
    specs = {s.name: s for s in read_queries(ROOT / "queries", ROOT)}

    def run(name: str, **params):
        spec = specs[name]
        table = run_embedded(store, spec, bind(spec, params))
        return [dict(zip(table.vars, row, strict=True)) for row in table.values()]

    return run


def test_every_query_is_covered_here():
    names = {s.name for s in read_queries(ROOT / "queries", ROOT)}
    tested = {n[len("test_") :].replace("_", "-") for n in globals() if n.startswith("test_")}
    assert names <= tested, sorted(names - tested)


# stated / inferred-only members per region, as in the research README's table
COUNTS = {
    "025-arnhem-nijmegen": (19, 0),
    "achterhoek": (0, 10),
    "brabantstad": (8, 0),
    "haaglanden": (8, 0),
    "ede-wageningen": (2, 0),
    "flevoland": (3, 0),
    "holland-rijnland": (2, 11),
    "metropoolregio-amsterdam": (20, 12),
    "midden-holland": (5, 0),
    "noord-holland-noord": (1, 17),
    "noord-limburg": (3, 7),
    "rotterdam-dordrecht": (0, 2),
    "stedelijke-cultuurregio-zuid": (4, 0),
    "stedendriehoek": (3, 5),
    "twente": (3, 11),
    "utrecht": (3, 24),
    "we-the-north": (7, 0),
    "zeeland": (5, 9),
    "zwolle": (3, 20),
}
RECOGNISED_2024 = {"achterhoek", "midden-holland", "noord-holland-noord", "noord-limburg"}


def test_regions(ask):
    rows = {r["region"].removeprefix(REGIO): r for r in ask("regions")}
    assert {
        k: (int(r["members_stated"]), int(r["members_inferred"]))
        for k, r in rows.items()
        if k in COUNTS
    } == COUNTS
    assert {k for k, r in rows.items() if r["recognised"].startswith("2024")} == RECOGNISED_2024
    assert rows["noord-holland-noord"]["recognised"] == "2024-03-01"  # wieringernieuws.nl
    assert {k for k, r in rows.items() if r["founded"] == "2018"} == set(COUNTS) - RECOGNISED_2024
    assert {k: r["stated_member_count"] for k, r in rows.items() if r["stated_member_count"]} == {
        "twente": "14",
        "ede-wageningen": "2",
        "haaglanden": "8",
        "noord-limburg": "13",
        "zwolle": "22",
    }
    assert rows["landsdeel-oost"]["kind"] == "landsdeel"


def test_member_counts_on_date(ask):
    now = {
        r["region"].removeprefix(REGIO): (int(r["members_stated"]), int(r["members_inferred"]))
        for r in ask("member-counts-on-date")
    }
    assert {k: v for k, v in now.items() if k in COUNTS} == COUNTS
    # the 18 gemeenten that joined 025 in 2021 were not yet members in 2020; Gelderland and
    # the two cities that started it (no begin date) were
    before = {
        r["region"].removeprefix(REGIO): int(r["members_stated"])
        for r in ask("member-counts-on-date", peildatum="2020-06-01")
    }
    assert before["025-arnhem-nijmegen"] == 3


def test_members_on_date(ask):
    rows = ask("members-on-date", regio=REGIO + "twente")
    assert len(rows) == len({r["member"] for r in rows}) == 14  # one row per party
    stated = {
        (r["name"], frozenset(r["roles"].split(", "))) for r in rows if r["status"] == "stated"
    }
    assert stated == {
        ("Almelo", frozenset({"member"})),
        ("Enschede", frozenset({"member", "representative"})),
        ("Hengelo (O.)", frozenset({"member"})),
    }
    inferred = [r for r in rows if r["status"] == "inferred"]
    assert len(inferred) == 11 and all(
        r["reason"].startswith("Het artikel noemt veertien") for r in inferred
    )
    early = {
        r["name"]
        for r in ask("members-on-date", regio=REGIO + "025-arnhem-nijmegen", peildatum="2020-06-01")
    }
    assert early == {"Arnhem", "Nijmegen", "provincie Gelderland"}
    north = ask("members-on-date", regio=REGIO + "we-the-north")
    assert len(north) == 7 and {r["certainty"] for r in north} == {"zeker"}


def test_territory_on_date(ask):
    rows = ask("territory-on-date", regio=REGIO + "utrecht")
    assert len(rows) == 26  # the province's gemeenten in the 2025 division
    stated = {r["name"] for r in rows if r["status"] == "stated"}
    assert stated == {"Utrecht", "Amersfoort"}  # the 2025 convenant's representatives
    first = {
        r["name"]: r["certainty"]
        for r in ask("territory-on-date", regio=REGIO + "utrecht", peildatum="2018-01-01")
    }
    assert first["Utrecht"] == "mogelijk" and "Vijfheerenlanden" not in first  # formed 2019


def test_regions_of_gemeente(ask):
    rows = ask("regions-of-gemeente", gemeente=GM + "gm0034")
    assert [(r["region_name"], r["kind"], r["status"]) for r in rows] == [
        ("Flevoland", "werkgebied", "stated"),
        ("Metropoolregio Amsterdam", "werkgebied", "stated"),
    ]
    vijf = ask("regions-of-gemeente", gemeente=GM + "gm1961")
    assert {(r["region_name"], r["start_latest"], r["status"]) for r in vijf} == {
        ("Utrecht", "2019-01-01", "inferred")
    }
    assert len(vijf) == 2  # its own (inferred) membership and the province Utrecht covers
    alkmaar = ask("regions-of-gemeente", gemeente=GM + "gm0361")
    assert {(r["region_name"], r["kind"]) for r in alkmaar} == {
        ("Noord-Holland Noord", "werkgebied"),
        ("Noord-Holland Noord", "buiten elke regio"),
    }


def test_gemeenten_in_several_regions(ask):
    rows = ask("gemeenten-in-several-regions")
    # the five Drenthe gemeenten of the Zwolle region now also lie in We The North (Drenthe)
    assert sorted({r["name"] for r in rows}) == [
        "Almere",
        "De Wolden",
        "Doesburg",
        "Heerde",
        "Hoogeveen",
        "Lelystad",
        "Meppel",
        "Montferland",
        "Mook en Middelaar",
        "Uitgeest",
        "Westerveld",
    ]
    assert {(r["name"], r["region_name"], r["status"]) for r in rows if r["name"] == "Heerde"} == {
        ("Heerde", "Stedendriehoek", "inferred"),
        ("Heerde", "Zwolle en regio", "inferred"),
    }
    # 025's members from 2021 were in one region only before then
    assert sorted(
        {r["name"] for r in ask("gemeenten-in-several-regions", peildatum="2020-01-01")}
    ) == ["Almere", "De Wolden", "Heerde", "Hoogeveen", "Lelystad", "Meppel", "Westerveld"]
    # Uitgeest lies in Noord-Holland Noord only since its recognition in 2024


def csv_rows(*parts):
    rows = []
    for path in sorted(ROOT.joinpath("data").glob("*/" + parts[0])):
        with path.open(encoding="utf-8") as f:
            rows += list(csv.DictReader(f))
    return rows


def test_gemeenten_without_region(ask):
    rows = ask("gemeenten-without-region")  # 2022-01-01: only what a source places outside
    codes = {r["code"] for r in rows}
    assert "GM0361" in codes and "GM0983" in codes  # Alkmaar (NHN), Venlo (Noord-Limburg)
    assert "GM0037" not in codes and "GM0599" not in codes  # Stadskanaal, Rotterdam
    assert {r["rule_name"] for r in rows} == {"Gebied buiten de cultuurregio's vóór de erkenning"}
    assert ask("gemeenten-without-region", peildatum="2025-01-01") == []


def test_gemeenten_region_unknown(ask):
    codes = {r["code"] for r in ask("gemeenten-region-unknown")}
    assert "GM0037" not in codes and "GM0034" not in codes  # Stadskanaal (WTN), Almere
    assert "GM0482" in codes  # Alblasserdam: no source places it
    old = {r["code"] for r in ask("gemeenten-region-unknown", peildatum="2018-06-01")}
    assert "GM0017" not in codes and "GM1980" not in old  # Haren gone, Dijk en Waard not yet


def test_region_unknown_matches_the_csvs(ask):
    """Recompute the gemeenten whose region is not known on 2025-01-01 from the CSVs, without
    SPARQL: all gemeenten, less the members of a culture region by then, less the gemeenten of
    a province a region covers or coincides with."""
    regions = [r for r in csv_rows("regions.csv") if r["kind"] == "cultuurregio"]
    ids = {r["id"] for r in regions}
    members = {
        r["member"]
        for r in csv_rows("memberships.csv")
        if r["region"] in ids
        and (r["begin"] or "0") <= "2025-01-01"[: len(r["begin"] or "0")]
        and (not r["end"] or r["end"] >= "2025-01-01"[: len(r["end"])])
    }
    covered = {
        p.strip()
        for r in regions
        for col in ("covers", "coincides_with")
        for p in (r.get(col) or "").split(";")
        if p.strip()
    }
    expected = {
        r["gemeentecode"] for r in csv_rows("gemeenten.csv") if r["provinciecode"] not in covered
    } - members
    assert {r["code"] for r in ask("gemeenten-region-unknown")} == expected
    assert len(expected) == 105


def test_regions_spanning_provincies(ask):
    rows = ask("regions-spanning-provincies")
    spans = {}
    for r in rows:
        spans.setdefault(r["region_name"], set()).add((r["provincie_name"], r["status"]))
    assert spans["We The North"] == {
        ("provincie Groningen", "stated"),
        ("provincie Fryslân", "stated"),
        ("provincie Drenthe", "stated"),
    }
    assert spans["Stedendriehoek"] == {
        ("provincie Gelderland", "stated"),
        ("provincie Overijssel", "stated"),
    }
    assert spans["Zwolle en regio"] == {
        ("provincie Overijssel", "stated"),
        ("provincie Drenthe", "inferred"),
        ("provincie Flevoland", "inferred"),
        ("provincie Gelderland", "inferred"),
    }
    assert set(spans) == {
        "025 Arnhem-Nijmegen",
        "Metropoolregio Amsterdam",
        "Stedendriehoek",
        "We The North",
        "Zwolle en regio",
    }
    sd = next(
        r
        for r in rows
        if r["region_name"] == "Stedendriehoek" and r["provincie_name"] == "provincie Overijssel"
    )
    assert (sd["members_stated"], sd["stated_by_source"]) == ("1", "yes")  # Deventer


STCRT = "https://w3id.org/cultuurregio/id/convenant/stcrt-2025-"


def test_representatives_per_convenant(ask):
    rows = ask("representatives-per-convenant")
    signs = {
        (
            r["convenant"].removeprefix(STCRT),
            r["party_number"],
            r["party_name"],
            r["region"].removeprefix(REGIO),
            r["status"],
        )
        for r in rows
    }
    # data/register/convenant_parties.csv: clause visible (stated) or cut off (inferred)
    assert {x for x in signs if x[0] == "3776"} == {
        ("3776", "3", "'s-Gravenhage", "haaglanden", "stated"),
        ("3776", "4", "Leiden", "holland-rijnland", "stated"),
        ("3776", "5", "Alphen aan den Rijn", "holland-rijnland", "stated"),
        ("3776", "6", "Rotterdam", "rotterdam-dordrecht", "inferred"),
        ("3776", "7", "Dordrecht", "rotterdam-dordrecht", "inferred"),
        ("3776", "8", "Zuidplas", "midden-holland", "inferred"),
    }
    # the province of Noord-Holland signs for two regions, the second one inferred
    assert {x for x in signs if x[2] == "provincie Noord-Holland"} == {
        ("3779", "2", "provincie Noord-Holland", "metropoolregio-amsterdam", "inferred"),
        ("3779", "2", "provincie Noord-Holland", "noord-holland-noord", "inferred"),
    }
    assert len(rows) == 40 and {r["party_number"] for r in rows} >= {"2", "11"}
    only = ask("representatives-per-convenant", convenant=STCRT + "3778")
    assert [(r["party_number"], r["party_name"]) for r in only] == [
        ("2", "provincie Utrecht"),
        ("3", "Amersfoort"),
        ("4", "Utrecht"),
    ]


def test_convenants(ask):
    rows = ask("convenants")
    parties = {}
    for r in rows:
        parties.setdefault(r["convenant"].rsplit("/", 1)[-1], []).append(r["party_number"])
    assert {k: len(v) for k, v in parties.items()} == {
        "landsdeel-oost-2017": 11,
        "stcrt-2025-3767": 11,
        "stcrt-2025-3772": 8,
        "stcrt-2025-3774": 9,
        "stcrt-2025-3776": 8,
        "stcrt-2025-3778": 4,
        "stcrt-2025-3779": 8,
    }
    assert all(v == [str(i) for i in range(1, len(v) + 1)] for v in parties.values())
    we = [r for r in rows if r["convenant"] == STCRT + "3772"]
    assert (
        we[0]["identifier"],
        we[0]["start"],
        we[0]["end"],
        we[0]["party_list_incomplete"],
        we[0]["party_name"],
        we[0]["party_kind"],
    ) == (
        "Stcrt. 2025, 3772",
        "2025",
        "2028",
        "false",
        "Ministerie van Onderwijs, Cultuur en Wetenschap",
        "ministerie",
    )
    assert {r["party_list_incomplete"] for r in rows if r["convenant"] == STCRT + "3767"} == {
        "true"
    }


def test_region_roles(ask):
    rows = ask("region-roles", regio=REGIO + "twente")
    assert [(r["role"], r["member_name"], r["status"]) for r in rows] == [
        ("representative", "Enschede", "stated")
    ]
    sd = ask(
        "region-roles",
        regio=REGIO + "stedendriehoek",
        rol="https://w3id.org/cultuurregio/def/rol#vertegenwoordiger",
    )
    assert {(r["member_name"], r["status"]) for r in sd} == {
        ("Apeldoorn", "inferred"),
        ("Deventer", "inferred"),
        ("Zutphen", "inferred"),
    }


def test_proeftuinen(ask):
    rows = ask("proeftuinen")
    assert len({r["proeftuin"] for r in rows}) == 15  # one per region of 2018
    assert {r["region_name"] for r in rows} == {
        r["name"] for r in ask("regions") if r["founded"] == "2018"
    }
    with_executor = {
        (
            r["name"],
            r["executor_name"],
            r["funder_name"],
            r["amount"],
            r["year"],
            r["matched_by_name"],
            r["status"],
        )
        for r in rows
        if r["executor"]
    }
    assert with_executor == {
        (
            "Proeftuin Twente",
            "Tetem",
            "Ministerie van Onderwijs, Cultuur en Wetenschap",
            "",
            "",
            "Twente",
            "stated",
        ),
        (
            "Kunst en landschap",
            "Stichting IJsselbiennale",
            "Ministerie van Onderwijs, Cultuur en Wetenschap",
            "235000",
            "2019",
            "",
            "stated",
        ),
        ("Studio VMBO", "FleCk", "", "", "", "", "stated"),
    }


def test_recognitions(ask):
    rows = ask("recognitions")
    assert {r["region"].removeprefix(REGIO) for r in rows} == RECOGNISED_2024
    assert {(r["date"], r["by_name"], r["on_behalf_of_name"]) for r in rows} == {
        ("2024", "Fleur Gräper-van Koolwijk", "Ministerie van Onderwijs, Cultuur en Wetenschap"),
        (
            "2024-03-01",
            "Fleur Gräper-van Koolwijk",
            "Ministerie van Onderwijs, Cultuur en Wetenschap",
        ),
    }
    assert [r["region_name"] for r in rows][-1] == "Noord-Holland Noord"  # the one dated day
    assert all(
        r["document"].endswith("graper-van-koolwijk-2024-stand-van-zaken-moties") for r in rows
    )


def test_grew_out_of(ask):
    rows = ask("grew-out-of")
    assert [(r["region_name"], r["network_name"]) for r in rows] == [
        ("BrabantStad", "BrabantStad (bestuurlijk netwerk)"),
        ("Den Haag (Haaglanden)", "Haaglanden (bestuurlijk netwerk)"),
        ("Metropoolregio Amsterdam", "Metropoolregio Amsterdam (bestuurlijk netwerk)"),
        ("Stedendriehoek", "Stedendriehoek (bestuurlijk netwerk)"),
        ("Zeeland", "Z4"),
    ]


def test_fundings(ask):
    rows = ask("fundings")
    per_region = [r for r in rows if r["funding"].endswith("/proeftuin-per-regio")]
    assert len([r for r in per_region if r["party_role"] == "recipient"]) == 15
    talent = [r for r in rows if r["funding"].endswith("/talent-en-jongerencultuur-2024")]
    # the article names the culture regions as a whole, no recipient by name (decision 0015)
    assert talent and [r for r in talent if r["party_role"] == "recipient"] == []
    assert {r["funder_name"] for r in rows} == {"Ministerie van Onderwijs, Cultuur en Wetenschap"}


def test_sources_of(ask):
    rows = ask("sources-of", resource=REGIO + "twente")
    own = {r["locator"] for r in rows if r["via"] == REGIO + "twente"}
    assert {"noot 5", "Voorbeelden van samenwerking, alinea 1"} <= own
    assert any(r["status"] == "inferred" and "/lidmaatschap/twente/" in r["via"] for r in rows)
    # a fact with places of its own shows as that fact, not as the rdf:Statement that holds them
    assert not [r for r in rows if "#bewering-" in r["via"]]
    org = "http://www.w3.org/ns/org#"
    facts = {(r["via"], r["relation"]) for r in rows}
    assert (REGIO + "twente", org + "subOrganizationOf") in facts
    assert (REGIO + "landsdeel-oost", org + "hasSubOrganization") in facts


def test_merger_membership_changes(ask):
    rows = ask("merger-membership-changes")
    dw = [r for r in rows if r["successor_name"] == "Dijk en Waard"]
    assert {
        (
            r["predecessor_name"],
            r["region_name"],
            r["begin"],
            r["named_in_source"],
            r["membership_status"],
        )
        for r in dw
    } == {
        ("Heerhugowaard", "Noord-Holland Noord", "2022-01-01", "yes", "inferred"),
        ("Langedijk", "Noord-Holland Noord", "2022-01-01", "yes", "inferred"),
    }
    assert all(r["holder"] == "successor" for r in rows)
    assert {r["successor_name"] for r in rows} >= {"Groningen", "Vijfheerenlanden", "Amsterdam"}


def test_findings_by_theme(ask):
    rows = ask("findings-by-theme")
    assert len({r["finding"] for r in rows}) == 38
    lib = ask("findings-by-theme", thema="https://w3id.org/cultuurregio/def/thema#bibliotheken")
    assert lib and all(r["theme_label"] == "bibliotheken" for r in lib)
    assert all(r["statement_nl"] and r["statement_en"] for r in rows)


def test_policy_events(ask):
    rows = ask("policy-events")
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert ("2018", "Ingrid van Engelshoven") in {(r["date"], r["agent_name"]) for r in rows}
