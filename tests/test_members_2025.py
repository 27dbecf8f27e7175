"""The members of each of the 19 culture regions on 2025-01-01, confirmed and inferred apart.

Every expected set below is written out by hand from ../shared/sources/region-members.csv
(de-duplicated on region and member; a member is confirmed when at least one of its rows is
`stated`, inferred when all of its rows are `inferred`; the Rijk rows are not memberships).
Rows that cite the seed article are read by data/artikel/ instead (ADR 0003); where that reading
differs from the research CSV, the comment at the region says so and why.

On 2025-01-01 every membership in the sources holds: none has an end before it, the 2025
convenant representatives begin on 2025-01-01 itself, the 18 gemeenten of 025 begin in 2021,
Nederweert in 2020, Dijk en Waard (merger of 2022-01-01) and Vijfheerenlanden (2019-01-01)
existed, and the four regions recognised in 2024 count from 2025-01-01 (ADR 0003).
Codes are CBS codes in the 2025 division.
"""

from __future__ import annotations

import pytest
from conftest import ROOT

from kgbuild.queries import bind, read_queries, run_embedded

REGIO = "https://w3id.org/cultuurregio/id/regio/"
TELLING = "https://w3id.org/cultuurregio/id/telling/"
GM = "https://identifier.overheid.nl/tooi/id/gemeente/"
PV = "https://identifier.overheid.nl/tooi/id/provincie/"
DAY = "2025-01-01"

# region -> (confirmed members, inferred-only members)
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    # cultuurregio025.nl: 18 gemeenten "from 2021"; 025arnhemnijmegen.nl: Gelderland co-initiator
    "025-arnhem-nijmegen": (
        {
            "GM0202",
            "GM1945",
            "GM0209",
            "GM0221",
            "GM0225",
            "GM0226",
            "GM0252",
            "GM1705",
            "GM1955",
            "GM0944",
            "GM0268",
            "GM1734",
            "GM0274",
            "GM0275",
            "GM0277",
            "GM0293",
            "GM0296",
            "GM0299",
            "PV25",
        },
        set(),
    ),
    # nine Cultuur- en Erfgoedpact gemeenten (aalten.nl, streekgids.nl) and Gelderland
    # (magazine.gruitpoort.nl), all inferred; Doetinchem and Oude IJsselstreek sign the 2025
    # convenant with the clause not visible, also inferred
    "achterhoek": (
        set(),
        {
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
        },
    ),
    # five cities and the province (Raad voor Cultuur 2017), Oss and Roosendaal sign 2025
    "brabantstad": (
        {"PV30", "GM0758", "GM0772", "GM0794", "GM0796", "GM0855", "GM0828", "GM1674"},
        set(),
    ),
    # the eight gemeenten of the 2018 regioprofiel (cultuurschakel.nl)
    "haaglanden": (
        {"GM0518", "GM0503", "GM1783", "GM1842", "GM0603", "GM0637", "GM1916", "GM1926"},
        set(),
    ),
    "ede-wageningen": ({"GM0228", "GM0289"}, set()),
    "flevoland": ({"PV24", "GM0034", "GM0995"}, set()),
    # Leiden and Alphen act for the region in stcrt-2025-3776; the other eleven Holland
    # Rijnland gemeenten are inferred (hollandrijnland.nl)
    "holland-rijnland": (
        {"GM0546", "GM0484"},
        {
            "GM0534",
            "GM1884",
            "GM0537",
            "GM0547",
            "GM0553",
            "GM0569",
            "GM0575",
            "GM0579",
            "GM1525",
            "GM0626",
            "GM0638",
        },
    ),
    # 17 gemeenten and 2 provinces of the Cultuurimpuls MRA (thomasvandalen.nl), Lelystad
    # (almere.nl); twelve more MRA gemeenten inferred (amstelland-meerlanden.nl, plaatsengids.nl)
    "metropoolregio-amsterdam": (
        {
            "GM0363",
            "GM0392",
            "GM0394",
            "GM0479",
            "GM0362",
            "GM0034",
            "GM0439",
            "GM0385",
            "GM0376",
            "GM1942",
            "GM0402",
            "GM0406",
            "GM0417",
            "GM1696",
            "GM0375",
            "GM0450",
            "GM0453",
            "PV27",
            "PV24",
            "GM0995",
        },
        {
            "GM0358",
            "GM0377",
            "GM0384",
            "GM0396",
            "GM0397",
            "GM0415",
            "GM0431",
            "GM0437",
            "GM0451",
            "GM0852",
            "GM0880",
            "GM0473",
        },
    ),
    # the five gemeenten of the Bestuurlijk Platform Cultuur (regiomiddenholland.nl)
    "midden-holland": ({"GM1901", "GM1892", "GM0513", "GM0627", "GM1931"}, set()),
    # the province (noord-holland.nl 2022-03-28); 17 gemeenten of three subregions inferred,
    # Dijk en Waard (GM1980) for the Heerhugowaard and Langedijk of the source
    "noord-holland-noord": (
        {"PV27"},
        {
            "GM0361",
            "GM0373",
            "GM0383",
            "GM1980",
            "GM0399",
            "GM0450",
            "GM0400",
            "GM1911",
            "GM0441",
            "GM0448",
            "GM0498",
            "GM0388",
            "GM0405",
            "GM1598",
            "GM0420",
            "GM0432",
            "GM0532",
        },
    ),
    # Nederweert (nederweert.nl), Peel en Maas and Beesel (omroeppenm.nl); the Regio
    # Noord-Limburg gemeenten (mookenmiddelaar.nl) and the province are inferred
    "noord-limburg": (
        {"GM0946", "GM1894", "GM0889"},
        {"PV31", "GM0893", "GM0907", "GM1507", "GM0944", "GM0983", "GM0984"},
    ),
    # The research CSV has both cities inferred only (region named after them; convenant clause
    # cut off). The seed article names the region and says Rotterdam drew up its profile, but
    # calls neither city a member: both are inferred (decision 0015).
    "rotterdam-dordrecht": (set(), {"GM0599", "GM0505"}),
    "stedelijke-cultuurregio-zuid": ({"GM0935", "GM0917", "GM1883", "PV31"}, set()),
    # Apeldoorn, Deventer, Zutphen from the seed article; five more from regiostedendriehoek.nl
    "stedendriehoek": (
        {"GM0200", "GM0150", "GM0301"},
        {"GM0213", "GM0232", "GM0246", "GM0262", "GM0285"},
    ),
    # Enschede, Hengelo, Almelo (lagroup.nl 2018); the other eleven (plaatsengids.nl/twente)
    "twente": (
        {"GM0153", "GM0164", "GM0141"},
        {
            "GM0147",
            "GM1774",
            "GM0158",
            "GM0163",
            "GM1735",
            "GM0168",
            "GM0173",
            "GM1742",
            "GM0183",
            "GM1700",
            "GM0189",
        },
    ),
    # province, Amersfoort and Utrecht sign stcrt-2025-3778; the other 24 gemeenten of the
    # province are inferred from "region = province"
    "utrecht": (
        {"PV26", "GM0307", "GM0344"},
        {
            "GM0308",
            "GM0312",
            "GM0313",
            "GM0310",
            "GM0736",
            "GM0317",
            "GM0321",
            "GM0353",
            "GM0327",
            "GM0331",
            "GM0335",
            "GM0356",
            "GM0589",
            "GM0339",
            "GM0340",
            "GM0342",
            "GM1904",
            "GM1581",
            "GM0345",
            "GM1961",
            "GM0352",
            "GM0632",
            "GM0351",
            "GM0355",
        },
    ),
    "we-the-north": ({"PV20", "PV21", "PV22", "GM0014", "GM0080", "GM0106", "GM0114"}, set()),
    # Z4 and the province (omroepzeeland.nl 2018-11); the other nine gemeenten inferred
    "zeeland": (
        {"PV29", "GM0664", "GM0687", "GM0715", "GM0718"},
        {"GM0654", "GM0677", "GM0678", "GM1695", "GM0703", "GM1676", "GM1714", "GM0716", "GM0717"},
    ),
    # Zwolle and Overijssel (lagroup.nl), Steenwijkerland (steenwijkerland.nl); the other
    # twenty Regio Zwolle gemeenten inferred (kennisplatformoost.nl)
    "zwolle": (
        {"GM0193", "PV23", "GM1708"},
        {
            "GM0148",
            "GM0175",
            "GM0160",
            "GM0177",
            "GM1773",
            "GM0230",
            "GM0244",
            "GM0269",
            "GM0246",
            "GM0166",
            "GM0303",
            "GM0171",
            "GM1896",
            "GM0119",
            "GM0180",
            "GM0184",
            "GM1701",
            "GM1690",
            "GM0118",
            "GM0302",
        },
    ),
}


def iri(code: str) -> str:
    return (GM if code.startswith("GM") else PV) + code.lower()


def counted(store, region: str, word: str) -> set[str]:
    """The members the register counts for `region` on DAY with status `word`."""
    node = f"{TELLING}{region}/{DAY}/{word}"
    return {
        r[0].value
        for r in store.query(
            f"SELECT ?m WHERE {{ <{node}> <https://w3id.org/cultuurregio/def/cultuurregio#"
            f"countedMember> ?m }}"
        )
    }


@pytest.fixture(scope="module")
def members_on_date(store):
    spec = next(s for s in read_queries(ROOT / "queries", ROOT) if s.name == "members-on-date")

    def run(region: str) -> tuple[set[str], set[str]]:
        table = run_embedded(store, spec, bind(spec, {"regio": REGIO + region, "peildatum": DAY}))
        rows = [dict(zip(table.vars, row, strict=True)) for row in table.values()]
        stated = {r["member"] for r in rows if r["status"] == "stated"}
        return stated, {r["member"] for r in rows} - stated

    return run


def test_expectations_cover_the_19_regions_and_are_disjoint(store):
    regions = {
        r[0].value.removeprefix(REGIO)
        for r in store.query(
            "SELECT ?r WHERE { ?r a <https://w3id.org/cultuurregio/def/cultuurregio#Cultuurregio> }"
        )
    }
    assert set(EXPECTED) == regions and len(regions) == 19
    assert all(not (stated & inferred) for stated, inferred in EXPECTED.values())


@pytest.mark.parametrize("region", sorted(EXPECTED))
def test_members_on_2025_01_01(store, members_on_date, region):
    stated, inferred = ({iri(c) for c in codes} for codes in EXPECTED[region])
    # the derived member counts (only memberships that surely held that day)
    assert counted(store, region, "vermeld") == stated
    assert counted(store, region, "afgeleid") == inferred
    # the canned query gives the same members on that day
    assert members_on_date(region) == (stated, inferred)


def test_totals_on_2025_01_01():
    stated = sum(len(s) for s, _ in EXPECTED.values())
    inferred = sum(len(i) for _, i in EXPECTED.values())
    assert (stated, inferred) == (99, 128)
