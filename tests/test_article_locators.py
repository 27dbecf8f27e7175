"""The article's locators point at real paragraphs, every paragraph is used, and names carry over.

The article itself is not in the repository: each locator's paragraph is known by its
fingerprint in tests/fingerprints/article-paragraphs.json (keyed hashes of its words and 2-word
windows, and of its opening words; see tests/article_fingerprint.py and
docs/decisions/0002-article-data.md). PARAGRAPHS, in that module, maps each locator to its lines
in the article (reading order reconstructed from the scrambled columns).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from article_fingerprint import (
    HV,
    OPENING,
    PARAGRAPHS,
    VB,
    VV,
    digest,
    read_paragraphs,
    runs,
    words,
)

from kgbuild.read.sources import read_data

ROOT = Path(__file__).resolve().parent.parent
ARTICLE_ID = "samenwerking-in-cultuurregios"
FINGERPRINT = read_paragraphs()


def hashes(locator: str) -> set[str]:
    return set(FINGERPRINT["paragraphs"][locator]["hashes"])


def occurs(phrase: str, locator: str) -> bool:
    """Every word and every 2-word window of the phrase is one of the paragraph's."""
    tokens = words(phrase)
    return bool(tokens) and all(
        digest(run) in hashes(locator) for n in (1, 2) for run in runs(tokens, n)
    )


def opens_with(locator: str, phrase: str) -> bool:
    """The paragraph opens with the phrase's first words, and the whole phrase occurs in it."""
    tokens = words(phrase)
    return (
        len(tokens) >= OPENING
        and occurs(phrase, locator)
        and digest(tokens[:OPENING]) in FINGERPRINT["paragraphs"][locator]["opens"]
    )


@pytest.fixture(scope="module")
def rows():
    data = read_data(ROOT / "data", ROOT)
    return [
        r
        for records in data.tables.values()
        for r in records
        if any(c.source == ARTICLE_ID for c in r["cites"] or [])
    ]


def article_locators(record) -> list[str]:
    return [c.locator for c in record["cites"] if c.source == ARTICLE_ID]


def test_paragraphs_do_not_overlap_and_open_as_expected():
    seen: set[int] = set()
    for ranges in PARAGRAPHS.values():
        lines = {i for a, b in ranges for i in range(a, b + 1)}
        assert all(1 <= i <= FINGERPRINT["lines"] for i in lines)
        assert not lines & seen
        seen |= lines
    assert opens_with(f"{VB} 2", "Een belangrijk vliegwiel")
    assert opens_with(f"{VV} 4", "Een ander nadeel")
    assert occurs("ertoe dat de ene cultuurregio", f"{VV} 4")
    assert occurs("onvoldoende meerwaarde zag", f"{HV} 3")
    assert opens_with(f"{HV} 5", "Er liggen vooral kansen")


def test_the_fingerprint_is_of_these_paragraphs():
    """Regenerate it (scripts/fingerprint-article.py) whenever PARAGRAPHS changes."""
    found = {loc: [tuple(r) for r in p["lines"]] for loc, p in FINGERPRINT["paragraphs"].items()}
    assert found == PARAGRAPHS
    assert all(len(p["hashes"]) > 10 for p in FINGERPRINT["paragraphs"].values())
    # the checks can fail: another paragraph, the words out of order, not the opening words
    assert not occurs("Een belangrijk vliegwiel", f"{VB} 1")
    assert not occurs("vliegwiel belangrijk", f"{VB} 2")
    assert occurs("belangrijk vliegwiel voor", f"{VB} 2")
    assert not opens_with(f"{VB} 2", "belangrijk vliegwiel voor")


def test_every_article_citation_names_a_known_paragraph(rows):
    unknown = sorted(
        {(r.loc.path, loc) for r in rows for loc in article_locators(r) if loc not in PARAGRAPHS}
    )
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
    missing = [
        (table, name, sorted(locs))
        for (table, name), locs in sorted(cited.items())
        if table != "projects" or name in ("Samen in Zee", "Station Noord")
        if not any(occurs(name, loc) for loc in locs)
    ]
    assert missing == []
