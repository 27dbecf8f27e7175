"""A fingerprint of the seed article: keyed hashes of its word runs, never its text.

The article may not be redistributed, so the repository keeps only hashes of it (see
docs/decisions/0002-article-data.md). The tests and scripts/fingerprint-article.py share this
module, so the fingerprint and the checks read text the same way.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS_FILE = HERE / "fingerprints/article-runs.txt"
PARAGRAPHS_FILE = HERE / "fingerprints/article-paragraphs.json"

# Public on purpose: the hashes are a fingerprint to compare against, not a secret.
KEY = b"kgbuild: samenwerking-in-cultuurregios, fingerprint v1"
RUN = 8  # a shared run of this many words counts as copying
OPENING = 3  # a paragraph's opening: its first words, hashed as one run

# Each locator's lines in the article (1-based, inclusive), in the reading order reconstructed
# from the scrambled columns; see docs/decisions/0002-article-data.md.
VB, VV = "Voorbeelden van samenwerking, alinea", "Veelvormigheid, alinea"
HV, ER = "Hoe verder?, alinea", "Erkenning nieuwe cultuurregio's, alinea"
PARAGRAPHS: dict[str, list[tuple[int, int]]] = {
    "opening": [(6, 24)],
    "auteursregel": [(114, 114)],
    "inleiding": [(116, 122)],
    f"{VB} 1": [(27, 53)],
    f"{VB} 2": [(54, 70)],
    f"{VB} 3": [(71, 86)],
    f"{VB} 4": [(87, 112)],
    f"{VV} 1": [(176, 194)],
    f"{VV} 2": [(195, 206)],
    f"{VV} 3": [(207, 221)],
    f"{VV} 4": [(222, 225), (123, 131)],
    f"{VV} 5": [(132, 139)],
    f"{HV} 1": [(142, 151)],
    f"{HV} 2": [(152, 162)],
    f"{HV} 3": [(163, 173), (226, 227)],
    f"{HV} 4": [(228, 245)],
    f"{HV} 5": [(247, 263)],
    f"{ER} 1": [(266, 280)],
    f"{ER} 2": [(282, 297)],
    "noot 1": [(300, 305)],
    "noot 2": [(307, 309)],
    "noot 3": [(311, 313)],
    "noot 4": [(315, 318)],
    "noot 5": [(320, 331)],
    "noot 6": [(333, 337)],
    "noot 7": [(339, 342)],
    "noot 8": [(343, 348)],
    "noot 9": [(350, 353)],
}


def words(text: str) -> list[str]:
    """Lower-case ASCII words; apostrophes vanish (regio's -> regios); lone digits (notes) go."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    ascii_text = re.sub(r"['\u2019`]", "", ascii_text)
    return [w for w in re.split(r"[^a-z0-9]+", ascii_text) if w and not re.fullmatch(r"\d", w)]


def runs(tokens: list[str], n: int = RUN) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def digest(run: Iterable[str]) -> str:
    """The keyed hash of a run of words (as words() gives them)."""
    return hashlib.blake2b(" ".join(run).encode(), key=KEY, digest_size=8).hexdigest()


def article_runs(text: str) -> set[tuple[str, ...]]:
    """Runs of the article read two ways: lines as separate words, and a line without a
    trailing space glued to the next (the PDF text lost the hyphens of split words)."""
    lines = text.splitlines()
    spaced = " ".join(lines)
    glued = "".join(line or " " for line in lines)
    return runs(words(spaced)) | runs(words(glued))


def paragraph_readings(lines: list[str]) -> list[list[str]]:
    """A paragraph's words read two ways: lines as separate words, and a line without a
    trailing space glued to the next (a split word is joined again)."""
    spaced = " ".join(line.strip() for line in lines)
    glued = "".join(line if line[-1:].isspace() else line.strip() for line in lines)
    return [words(spaced), words(glued)]


def paragraph_hashes(readings: list[list[str]]) -> set[str]:
    """Hashes of a paragraph's single words and of its 2-word windows, in either reading."""
    return {digest(run) for tokens in readings for n in (1, 2) for run in runs(tokens, n)}


def fingerprint(text: str) -> tuple[list[str], dict]:
    """(the sorted hashes of the article's runs, the per-locator fingerprint of its paragraphs)."""
    lines = text.splitlines()
    paragraphs = {}
    for locator, ranges in PARAGRAPHS.items():
        assert all(1 <= a <= b <= len(lines) for a, b in ranges), (locator, ranges)
        readings = paragraph_readings([lines[i - 1] for a, b in ranges for i in range(a, b + 1)])
        paragraphs[locator] = {
            "lines": [list(r) for r in ranges],
            "opens": sorted({digest(tokens[:OPENING]) for tokens in readings}),
            "hashes": sorted(paragraph_hashes(readings)),
        }
    article = {"lines": len(lines), "paragraphs": paragraphs}
    return sorted({digest(run) for run in article_runs(text)}), article


def render(text: str) -> tuple[str, str]:
    """The contents of RUNS_FILE and PARAGRAPHS_FILE for the article's text."""
    hashes, paragraphs = fingerprint(text)
    header = (
        f"# keyed blake2b-64 of every {RUN}-word run of the seed article, one a line; "
        "see tests/article_fingerprint.py\n"
    )
    return (
        header + "".join(h + "\n" for h in hashes),
        re.sub(
            r"\[\s*(\d+),\s*(\d+)\s*\]",
            r"[\1, \2]",
            json.dumps(paragraphs, indent=1, ensure_ascii=False),
        )
        + "\n",
    )


def read_runs() -> set[str]:
    lines = RUNS_FILE.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def read_paragraphs() -> dict:
    return json.loads(PARAGRAPHS_FILE.read_text(encoding="utf-8"))
