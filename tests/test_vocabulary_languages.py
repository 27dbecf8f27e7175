"""The vocabularies read in one language at a time: our own pages (nl and en) show the labels
and definitions of their language only, each vocabulary is also published once per language
(`def/{name}.nl.ttl`, `def/{name}.en.ttl`, …), and pyLODE, which shows every label it finds,
documents the ontology in one language from such a file."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import rdflib

from kgbuild.model.formats import LANGUAGES, RDF_FORMATS

RDFLIB = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}
OTHER = {"nl": "en", "en": "nl"}
LABELS = (rdflib.RDFS.label, rdflib.SKOS.prefLabel)


@pytest.fixture(scope="module")
def ontology(site) -> rdflib.Graph:
    """The vocabularies as built (withdrawn terms too) and what they say of outside terms."""
    g = rdflib.Graph()
    for name in vocabularies(site):
        g.parse(site / f"def/{name}.ttl", format="turtle")
    return g.parse(site / "doc/extern.ttl", format="turtle")


def texts(g: rdflib.Graph, lang: str) -> set[str]:
    """Every literal in that language: labels, definitions, titles, descriptions."""
    return {str(o) for o in g.objects() if isinstance(o, rdflib.Literal) and o.language == lang}


def other_only(g: rdflib.Graph, lang: str) -> set[str]:
    """The texts of the other language that are no text of this one ('project' is both)."""
    return texts(g, OTHER[lang]) - texts(g, lang)


def label(g: rdflib.Graph, iri: rdflib.URIRef, lang: str) -> str | None:
    return next((str(o) for p in LABELS for o in g.objects(iri, p) if o.language == lang), None)


class Text(HTMLParser):
    """The text a reader sees, one string per text node (code, script and style left out), and
    the JSON-LD of the page; with `ours`, the text of links to IRIs not under it is left out
    too."""

    def __init__(self, ours: str | None = None):
        super().__init__()
        self.segments: list[str] = []
        self.jsonld: list[str] = []
        self.hiding: list[str] = []  # the open elements whose text is left out
        self.in_jsonld, self.ours = False, ours

    def outside(self, tag, attrs) -> bool:
        href = dict(attrs).get("href") or ""
        return (
            self.ours is not None
            and tag == "a"
            and href.startswith("http")
            and not href.startswith(self.ours)
        )

    def handle_starttag(self, tag, attrs):
        if tag in ("code", "script", "style") or self.outside(tag, attrs):
            self.hiding.append(tag)
            self.in_jsonld = tag == "script" and ("type", "application/ld+json") in attrs

    def handle_endtag(self, tag):
        if self.hiding and self.hiding[-1] == tag:
            self.hiding.pop()
            self.in_jsonld = False

    def handle_data(self, data):
        if self.in_jsonld:
            self.jsonld.append(data)
        elif not self.hiding and data.strip():
            self.segments.append(data.strip())


def read_page(path: Path) -> Text:
    t = Text()
    t.feed(path.read_text(encoding="utf-8"))
    return t


def mixed(segments: list[str], g: rdflib.Graph, lang: str) -> list[str]:
    """The text nodes that are a label or definition of the other language only."""
    foreign = other_only(g, lang)
    return sorted(s for s in segments if s in foreign)


def vocabularies(site: Path) -> list[str]:
    """def/{name} of every vocabulary document (not its language or version files)."""
    return sorted(p.stem for p in (site / "def").glob("*.ttl") if "." not in p.stem)


def page(site: Path, name: str, lang: str) -> Path:
    return site / "def" / (f"{name}.html" if lang == "nl" else f"{name}.en.html")


# -- our vocabulary pages ---------------------------------------------------------------------


def test_vocabulary_pages_show_their_own_language_only(site, ontology):
    names = vocabularies(site)
    assert "cultuurregio" in names and len(names) >= 6
    for name in names:
        doc = rdflib.Graph().parse(site / f"def/{name}.ttl", format="turtle")
        terms = sorted({s for s in doc.subjects() if isinstance(s, rdflib.URIRef) and "#" in s})
        assert terms, name
        for lang in LANGUAGES:
            text = read_page(page(site, name, lang))
            assert mixed(text.segments, ontology, lang) == [], (name, lang)
            shown = set(text.segments)
            for term in terms:
                assert label(doc, term, lang) in shown, (name, lang, term)
                for d in doc.objects(term, rdflib.SKOS.definition):
                    assert (str(d) in shown) == (d.language == lang), (name, lang, term)
            [node] = [json.loads(j) for j in text.jsonld]
            names_shown = {t["@id"]: t["name"] for t in node["hasDefinedTerm"]}
            assert names_shown == {str(t): label(doc, t, lang) for t in terms}, (name, lang)


def test_the_language_check_finds_a_page_of_the_other_language(site, ontology):
    """The check above can fail: read as the other language, a page is mostly foreign text."""
    for lang in LANGUAGES:
        text = read_page(page(site, "cultuurregio", lang))
        assert len(mixed(text.segments, ontology, OTHER[lang])) > 50, lang


# -- the vocabularies in one language ---------------------------------------------------------


def triples(path: Path) -> set:
    return set(rdflib.Graph().parse(path, format=RDFLIB[path.suffix[1:]]))


def test_each_vocabulary_is_published_once_per_language(site):
    for name in vocabularies(site):
        whole = triples(site / f"def/{name}.ttl")
        for lang in LANGUAGES:
            own = {
                t
                for t in whole
                if not isinstance(t[2], rdflib.Literal) or t[2].language in (None, lang)
            }
            assert own != whole, (name, lang)  # the other language was there, and is left out
            for fmt in RDF_FORMATS:
                assert triples(site / f"def/{name}.{lang}.{fmt.extension}") == own, (
                    name,
                    lang,
                    fmt.name,
                )


# -- pyLODE -----------------------------------------------------------------------------------

HAS_PYLODE = importlib.util.find_spec("pylode") is not None
needs_pylode = pytest.mark.skipif(
    not HAS_PYLODE, reason="pyLODE is not installed (pip install -e '.[test]' installs it)"
)


class Entities(HTMLParser):
    """pyLODE's entities: {IRI: heading} from each <div class="property entity">, whose <h3>
    holds the title (and a <sup> of the kind) and whose table names the IRI in <code>."""

    def __init__(self):
        super().__init__()
        self.headings: dict[str, str] = {}
        self.title = ""
        self.h1 = False
        self.heading: str | None = None
        self.in_h3 = self.in_sup = self.in_code = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and "entity" in (a.get("class") or "").split():
            self.heading = ""
        self.in_h3 = self.in_h3 or tag == "h3"
        self.in_sup = self.in_sup or tag == "sup"
        self.in_code = self.in_code or tag == "code"
        self.h1 = self.h1 or tag == "h1"

    def handle_endtag(self, tag):
        if tag == "h3":
            self.in_h3 = False
        elif tag == "sup":
            self.in_sup = False
        elif tag == "code":
            self.in_code = False
        elif tag == "h1":
            self.h1 = False

    def handle_data(self, data):
        if self.h1 and not self.title:
            self.title = data.strip()
        if self.heading is not None and self.in_h3 and not self.in_sup:
            self.heading += data
        elif self.heading is not None and self.in_code:
            self.headings[data.strip()] = " ".join(self.heading.split())
            self.heading = None


def pylode(ttl: Path, out: Path) -> str:
    """`pylode FILE -o OUT` (the ontology profile, pyLODE's default); the page it wrote."""
    run = subprocess.run(
        [sys.executable, "-m", "pylode", str(ttl), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0 and out.is_file(), run.stdout[-2000:] + run.stderr[-2000:]
    return out.read_text(encoding="utf-8")


def read_entities(html: str) -> Entities:
    e = Entities()
    e.feed(html)
    return e


@needs_pylode
def test_pylode_documents_the_ontology_in_one_language_per_file(site, tmp_path):
    doc = rdflib.Graph().parse(site / "def/cultuurregio.ttl", format="turtle")
    ours = {
        str(s)
        for p in LABELS
        for s in doc.subjects(p, None)  # withdrawn terms have no
        if (s, rdflib.RDF.type, None) in doc
    }  # kind: pyLODE skips them
    assert len(ours) > 80
    for lang in LANGUAGES:
        html = pylode(site / f"def/cultuurregio.{lang}.ttl", tmp_path / f"cultuurregio.{lang}.html")
        found = read_entities(html)
        assert found.title == str(
            next(t for t in doc.objects(None, rdflib.DCTERMS.title) if t.language == lang)
        )
        wrong = {
            iri: heading
            for iri, heading in found.headings.items()
            if iri in ours and heading != label(doc, rdflib.URIRef(iri), lang)
        }
        assert ours <= set(found.headings) and wrong == {}, (lang, sorted(wrong.items())[:5])
        # links to outside terms (prov:, schema:) are named from the vocabularies pyLODE ships,
        # in English, as are its own headings: the texts of ours are checked
        t = Text(ours=str(doc.value(None, rdflib.RDF.type, rdflib.OWL.Ontology, any=False)))
        t.feed(html)
        assert mixed(t.segments, doc, lang) == [], lang


@needs_pylode
def test_pylode_runs_the_languages_together_in_the_bilingual_file(site, tmp_path):
    """Why the language files are there, and proof that the check above can fail: from the
    whole document pyLODE makes one heading of the Dutch and the English label."""
    doc = rdflib.Graph().parse(site / "def/cultuurregio.ttl", format="turtle")
    found = read_entities(pylode(site / "def/cultuurregio.ttl", tmp_path / "both.html"))
    iri = str(next(iter(doc.subjects(rdflib.RDFS.label, rdflib.Literal("convenant", lang="nl")))))
    nl, en = (label(doc, rdflib.URIRef(iri), lang) for lang in ("nl", "en"))
    assert nl != en and found.headings[iri] not in (nl, en)
    assert nl in found.headings[iri] and en in found.headings[iri]
