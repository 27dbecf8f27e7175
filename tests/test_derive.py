"""Derived facts (src/kgbuild/derive.py): computed from the memberships, checked by hand.

Expected members and counts were read off data/register/memberships.csv and
data/artikel/memberships.csv (and ../shared/sources/region-members.csv), not off the output."""

from __future__ import annotations

import pytest

from kgbuild.build import Config, load_graph
from kgbuild.derive import Period, derive
from kgbuild.mapping import map_data
from kgbuild.mapping.dates import earliest_day, latest_day
from kgbuild.model.memstore import store_of
from kgbuild.read.sources import read_data

PRE = """
PREFIX cr: <https://w3id.org/cultuurregio/def/cultuurregio#>
PREFIX status: <https://w3id.org/cultuurregio/def/status#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX regio: <https://w3id.org/cultuurregio/id/regio/>
PREFIX gm: <https://identifier.overheid.nl/tooi/id/gemeente/>
PREFIX telling: <https://w3id.org/cultuurregio/id/telling/>
PREFIX peil: <https://w3id.org/cultuurregio/id/peildatum/>
"""
GM = "https://identifier.overheid.nl/tooi/id/gemeente/"
PV = "https://identifier.overheid.nl/tooi/id/provincie/"

# confirmed (stated) and inferred-only members of every culture region on 2025-01-01
COUNTS_2025 = {
    "025-arnhem-nijmegen": (19, 0),
    "achterhoek": (0, 10),
    "brabantstad": (8, 0),
    "ede-wageningen": (2, 0),
    "flevoland": (3, 0),
    "haaglanden": (8, 0),
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


def ask(store, query: str) -> list[tuple]:
    return [tuple(t.value if t is not None else None for t in r) for r in store.query(PRE + query)]


def counted(store, region: str, day: str, status: str) -> set[str]:
    return {
        m.rsplit("/", 1)[1].upper()
        for (m,) in ask(
            store,
            f"""SELECT ?m WHERE {{
        <https://w3id.org/cultuurregio/id/telling/{region}/{day}/{status}> cr:countedMember ?m }}""",
        )
    }


def test_member_counts_of_all_19_regions_on_2025_01_01(store):
    found = {}
    for region, status, n in ask(
        store,
        """SELECT ?r ?s ?n WHERE { ?c a cr:MemberCount ;
            cr:region ?r ; cr:countedStatus ?s ; cr:count ?n ;
            cr:referenceDate "2025-01-01"^^xsd:date }""",
    ):
        found.setdefault(region.rsplit("/", 1)[1], {})[status.rsplit("#", 1)[1]] = int(n)
    assert {r: (c["vermeld"], c["afgeleid"]) for r, c in found.items()} == COUNTS_2025


def test_members_of_flevoland_brabantstad_and_haaglanden_in_full(store):
    assert counted(store, "flevoland", "2025-01-01", "vermeld") == {"GM0034", "GM0995", "PV24"}
    assert counted(store, "brabantstad", "2025-01-01", "vermeld") == {
        "PV30",
        "GM0758",
        "GM0772",
        "GM0794",
        "GM0796",
        "GM0855",
        "GM0828",
        "GM1674",
    }
    assert counted(store, "haaglanden", "2025-01-01", "vermeld") == {
        "GM0518",
        "GM0503",
        "GM1783",
        "GM1842",
        "GM0603",
        "GM0637",
        "GM1916",
        "GM1926",
    }


def test_confirmed_and_inferred_are_kept_apart(store):
    assert counted(store, "holland-rijnland", "2025-01-01", "vermeld") == {"GM0546", "GM0484"}
    inferred = counted(store, "holland-rijnland", "2025-01-01", "afgeleid")
    assert "GM0546" not in inferred and "GM0575" in inferred and len(inferred) == 11
    assert counted(store, "achterhoek", "2025-01-01", "afgeleid") == {
        "GM0197",
        "GM1859",
        "GM1876",
        "GM0221",
        "GM0222",
        "GM1955",
        "GM1586",
        "GM1509",
        "GM0294",
        "PV25",
    }


def test_regions_begin_when_founded_or_recognised(store):
    # the fifteen started some time in 2018, so on 2018-01-01 nobody surely belonged
    assert (
        ask(
            store,
            """SELECT ?c WHERE { ?c cr:referenceDate "2018-01-01"^^xsd:date ;
        cr:count ?n FILTER(?n > 0) }""",
        )
        == []
    )
    assert len(counted(store, "twente", "2019-01-01", "afgeleid")) == 11
    # Achterhoek was recognised in 2024: its members count from 2025-01-01
    assert counted(store, "achterhoek", "2024-01-01", "afgeleid") == set()
    # 025: three leads before 2021, the 18 gemeenten that joined "from 2021" from 2022-01-01
    assert counted(store, "025-arnhem-nijmegen", "2021-01-01", "vermeld") == {
        "GM0202",
        "GM0268",
        "PV25",
    }
    assert len(counted(store, "025-arnhem-nijmegen", "2022-01-01", "vermeld")) == 19


def test_regions_of_almere_on_2025_01_01(store):
    regions = {
        r.rsplit("/", 1)[1]
        for (r,) in ask(
            store,
            """SELECT ?r WHERE {
        ?c cr:countedMember gm:gm0034 ; cr:region ?r ; cr:referenceDate "2025-01-01"^^xsd:date }""",
        )
    }
    assert regions == {"flevoland", "metropoolregio-amsterdam"}


def test_regions_spanning_more_than_one_provincie(store):
    rows = ask(
        store,
        """SELECT ?r (COUNT(DISTINCT ?p) AS ?n) WHERE { ?r cr:spans ?p }
        GROUP BY ?r HAVING (COUNT(DISTINCT ?p) > 1)""",
    )
    assert {r.rsplit("/", 1)[1]: int(n) for r, n in rows} == {
        "stedendriehoek": 2,
        "metropoolregio-amsterdam": 2,
        "we-the-north": 3,
        # Mook en Middelaar (Limburg) is a stated member of 025
        "025-arnhem-nijmegen": 2,
    }
    # Zwolle reaches three more provinces only through inferred members
    assert {p for (p,) in ask(store, "SELECT ?p WHERE { regio:zwolle cr:possiblySpans ?p }")} == {
        PV + "pv25",
        PV + "pv24",
        PV + "pv22",
    }


def test_gemeenten_by_answer_on_2025_01_01(store):
    [(inside, outside, unknown, known)] = ask(
        store,
        """SELECT ?i ?o ?u ?k WHERE {
        peil:2025-01-01 cr:inRegionCount ?i ; cr:outsideEveryRegionCount ?o ;
        cr:regionNotKnownCount ?u ; cr:knownGemeenteCount ?k }""",
    )
    assert (int(inside), int(outside), int(unknown), int(known)) == (237, 0, 105, 342)
    unknown_set = {
        g for (g,) in ask(store, "SELECT ?g WHERE { peil:2025-01-01 cr:regionNotKnown ?g }")
    }
    assert {GM + c for c in ("gm0899", "gm0861", "gm0482")} <= unknown_set
    # Fryslân (gm0060 Ameland) lies in We The North, which covers the province
    assert GM + "gm0060" not in unknown_set and GM + "gm0034" not in unknown_set
    # a gemeente with only inferred grounds is in a region, not unknown
    inside_set = {
        g for (g,) in ask(store, "SELECT ?g WHERE { peil:2025-01-01 cr:gemeenteInRegion ?g }")
    }
    assert GM + "gm0654" in inside_set


def test_a_merged_gemeente_before_and_after_its_merger(store):
    # Heerhugowaard and Langedijk merged into Dijk en Waard on 2022-01-01
    known_2021 = {
        g for (g,) in ask(store, "SELECT ?g WHERE { peil:2021-01-01 cr:regionNotKnown ?g }")
    }
    known_2023 = {
        g for (g,) in ask(store, "SELECT ?g WHERE { peil:2023-01-01 cr:regionNotKnown ?g }")
    }
    assert GM + "gm0398" in known_2021 and GM + "gm1980" not in known_2021
    assert GM + "gm0398" not in known_2023
    # the source listed the predecessors; the membership is its successor's, from the merger
    assert "GM1980" not in counted(store, "noord-holland-noord", "2021-01-01", "afgeleid")
    assert "GM1980" in counted(store, "noord-holland-noord", "2025-01-01", "afgeleid")
    named = {
        p
        for (p,) in ask(
            store,
            """SELECT ?p WHERE { ?m org:member gm:gm1980 ;
        cr:namedPredecessor ?p }""",
        )
    }
    assert named == {GM + "gm0398", GM + "gm0416"}
    # Groningen annexed Haren in 2019 and stays a member of We The North throughout
    for day in ("2019-01-01", "2025-01-01"):
        assert "GM0014" in counted(store, "we-the-north", day, "vermeld")


def test_every_derived_node_names_its_rule_and_counts_cite_memberships(store):
    rows = ask(
        store,
        """SELECT ?x ?rule WHERE { { ?x a cr:MemberCount } UNION { ?x a cr:Snapshot }
        ?x prov:wasGeneratedBy ?rule }""",
    )
    assert len(rows) == 19 * 8 * 2 + 8
    assert {r.rsplit("/", 1)[1] for _, r in rows} == {"ledental", "peildatum"}
    sources = ask(
        store,
        """SELECT ?m WHERE { telling:flevoland\\/2025-01-01\\/vermeld
        prov:wasDerivedFrom ?m . ?m a org:Membership }""",
    )
    assert len(sources) >= 3


def test_derive_is_pure_and_deterministic(tmp_path):
    from conftest import ROOT

    mapped = map_data(read_data(ROOT / "data", ROOT))
    before, store = set(mapped.triples), store_of(mapped.triples)
    first, second = derive(mapped, store), derive(mapped, store)
    assert set(mapped.triples) == before and len(store) == len(before)
    assert first.triples == second.triples and len(first.triples) > 1000
    graph = load_graph(Config(root=ROOT))
    assert first.triples <= set(graph.triples)


@pytest.mark.parametrize(
    ("when", "latest", "earliest"),
    [
        ("2024", "2024-12-31", "2024-01-01"),
        ("2024-03", "2024-03-31", "2024-03-01"),
        ("2024-02", "2024-02-29", "2024-02-01"),
        ("2023-02", "2023-02-28", "2023-02-01"),
        ("2024-04", "2024-04-30", "2024-04-01"),
        ("2024-03-07", "2024-03-07", "2024-03-07"),
    ],
)
def test_dates_of_year_or_month_precision(when, latest, earliest):
    assert (latest_day(when), earliest_day(when)) == (latest, earliest)


def test_a_period_within_others_is_their_overlap():
    region = Period(("2018-01-01", "2018-12-31"))
    life = Period(("0001-01-01", "0001-01-01"), ("2021-12-31", "2021-12-31"))
    both = region.within(life)
    assert both == Period(("2018-01-01", "2018-12-31"), ("2021-12-31", "2021-12-31"))
    assert [both.on(d) for d in ("2018-06-01", "2020-01-01", "2022-01-01")] == [
        "mogelijk",
        "zeker",
        None,
    ]
    assert Period(("2025-01-01", "2025-01-01")).within(life) is None
