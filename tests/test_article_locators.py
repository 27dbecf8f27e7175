"""The article's locators point at real paragraphs, every paragraph is used, and names carry over.

PARAGRAPHS maps each locator to its lines in data/artikel/bron/ (reading order reconstructed
from the scrambled columns; see docs/decisions/0002-article-data.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kgbuild.read import read_data

ROOT = Path(__file__).resolve().parent.parent
ARTICLE_ID = "samenwerking-in-cultuurregios"
LINES = (ROOT / "data/artikel/bron/samenwerking-in-cultuurregios.txt").read_text(
    encoding="utf-8").splitlines()

VB, VV = "Voorbeelden van samenwerking, alinea", "Veelvormigheid, alinea"
HV, ER = "Hoe verder?, alinea", "Erkenning nieuwe cultuurregio's, alinea"
PARAGRAPHS: dict[str, list[tuple[int, int]]] = {
    "opening": [(6, 24)], "auteursregel": [(114, 114)], "inleiding": [(116, 122)],
    f"{VB} 1": [(27, 53)], f"{VB} 2": [(54, 70)], f"{VB} 3": [(71, 86)], f"{VB} 4": [(87, 112)],
    f"{VV} 1": [(176, 194)], f"{VV} 2": [(195, 206)], f"{VV} 3": [(207, 221)],
    f"{VV} 4": [(222, 225), (123, 131)], f"{VV} 5": [(132, 139)],
    f"{HV} 1": [(142, 151)], f"{HV} 2": [(152, 162)], f"{HV} 3": [(163, 173), (226, 227)],
    f"{HV} 4": [(228, 245)], f"{HV} 5": [(247, 263)],
    f"{ER} 1": [(266, 280)], f"{ER} 2": [(282, 297)],
    "noot 1": [(300, 305)], "noot 2": [(307, 309)], "noot 3": [(311, 313)],
    "noot 4": [(315, 318)], "noot 5": [(320, 331)], "noot 6": [(333, 337)],
    "noot 7": [(339, 342)], "noot 8": [(343, 348)], "noot 9": [(350, 353)],
}


def paragraph(locator: str) -> str:
    """The paragraph's text with line breaks closed up (a split word is joined again)."""
    lines = [LINES[i - 1] for a, b in PARAGRAPHS[locator] for i in range(a, b + 1)]
    spaced = " ".join(line.strip() for line in lines)
    glued = "".join(line if line[-1:].isspace() else line.strip() for line in lines)
    return re.sub(r"\s+", " ", spaced + " | " + glued).replace("’", "'")


@pytest.fixture(scope="module")
def rows():
    data = read_data(ROOT / "data", ROOT)
    return [r for records in data.tables.values() for r in records
            if any(c.source == ARTICLE_ID for c in r["cites"] or [])]


def article_locators(record) -> list[str]:
    return [c.locator for c in record["cites"] if c.source == ARTICLE_ID]


def test_paragraphs_do_not_overlap_and_open_as_expected():
    seen: set[int] = set()
    for ranges in PARAGRAPHS.values():
        lines = {i for a, b in ranges for i in range(a, b + 1)}
        assert not lines & seen
        seen |= lines
    assert paragraph(f"{VB} 2").startswith("Een belangrijk vliegwiel")
    assert paragraph(f"{VV} 4").startswith("Een ander nadeel")
    assert "ertoe dat de ene cultuurregio" in paragraph(f"{VV} 4")
    assert "onvoldoende meerwaarde zag" in paragraph(f"{HV} 3")
    assert paragraph(f"{HV} 5").startswith("Er liggen vooral kansen")


def test_every_article_citation_names_a_known_paragraph(rows):
    unknown = sorted({(r.loc.path, loc) for r in rows for loc in article_locators(r)
                      if loc not in PARAGRAPHS})
    assert unknown == []


def test_every_paragraph_is_cited(rows):
    cited = {loc for r in rows for loc in article_locators(r)}
    assert sorted(set(PARAGRAPHS) - cited) == []


def names(record) -> list[str]:
    """Names a row carries over from the article."""
    if record.table == "people":
        return [record["name"]]
    if record.table in ("organisations", "regions") and record["id"] != "ocw":
        return [re.sub(r" \(bestuurlijk netwerk\)$", "", record["name"])]
    if record.table == "projects":
        return [record["name"]]
    return []


def test_names_occur_in_a_paragraph_they_cite(rows):
    cited: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        for name in names(r):
            cited.setdefault((r.table, name), set()).update(article_locators(r))
    assert len(cited) > 30
    missing = [(table, name, sorted(locs)) for (table, name), locs in sorted(cited.items())
               if table != "projects" or name in ("Samen in Zee", "Station Noord")
               if not any(name.lower() in paragraph(loc).lower() for loc in locs)]
    assert missing == []
