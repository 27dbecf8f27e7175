"""Data rules over the whole built graph: every n-ary node is sourced, and no text copies the article.

The article itself may not be redistributed, so the no-copy check reads its fingerprint,
tests/fingerprints/article-runs.txt: a keyed hash of every run of 8 words (see
tests/article_fingerprint.py and docs/decisions/0002-article-data.md).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
from article_fingerprint import digest, read_runs, runs, words
from pyoxigraph import Literal, NamedNode, Triple

from kgbuild.model.terms import DEFAULT_BASE, EDTF, PREFIXES, PROV, RDF, SCHEMA
from kgbuild.read.sources import read_rdf_dir
from kgbuild.validate.graph import read_violation_queries, validate

ROOT = Path(__file__).resolve().parent.parent
GONE = ROOT / "data/artikel/bron"  # where a copy of the article was kept until it had to go

SPARQL_PREFIXES = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())

# The kinds of n-ary node (and their subclasses) that must each carry their own source.
NARY = (
    "org:Membership",
    "cr:Recognition",
    "cr:Funding",
    "cr:Project",
    "cr:Finding",
    "cr:PolicyEvent",
    "cr:ConvenantParty",
)

# Names carry over from the sources: the titles of cited documents and the bibliographic line
# built from them are names, not sentences, so they are not held to the no-copy rule.
NAME_PREDICATES = (
    "http://purl.org/dc/terms/title",
    "http://purl.org/dc/terms/bibliographicCitation",
)


def copied(literal: str, article: set[str]) -> list[str]:
    """The runs of the literal whose hash is one of the article's."""
    return sorted(" ".join(r) for r in runs(words(literal)) if digest(r) in article)


@pytest.fixture(scope="module")
def article() -> set[str]:
    return read_runs()


def test_the_article_fingerprint_is_the_seed_articles(article):
    assert len(article) > 1500
    assert all(re.fullmatch("[0-9a-f]{16}", h) for h in article)
    assert not GONE.exists(), "the article may not be redistributed: keep it out of the tree"


def test_the_copy_check_catches_a_copied_sentence(article):
    # a sentence of the article, with the word the PDF text split over two lines joined again
    sentence = (
        "Bovendien kan het Rijk bij landelijk beleid en bij de samenstelling van de "
        "Culturele basisinfrastructuur sterker rekening houden."
    )
    assert copied(sentence, article)
    assert copied("Het stelsel besloeg dus niet het hele land, zo bleek.", article) == []
    assert copied(
        "In 2018 gingen vijftien cultuurregio's van start: 025 Arnhem-Nijmegen, BrabantStad",
        article,
    )


def test_no_literal_copies_a_run_of_the_article(store, article):
    rows = store.query("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }")
    checked, offenders = 0, []
    for row in rows:
        if row["p"].value in NAME_PREDICATES:
            continue
        checked += 1
        found = copied(row["o"].value, article)
        if found:
            offenders.append(
                f"{row['s'].value} {row['p'].value}: {found[0]!r} "
                f"(rewrite {row['o'].value[:60]!r} in your own words)"
            )
    assert checked > 500
    assert offenders == [], "\n".join(offenders)


def nodes_missing(store, cls: str, prop: str) -> list[str]:
    query = (
        SPARQL_PREFIXES
        + f"""
        SELECT DISTINCT ?n WHERE {{
          ?n a/rdfs:subClassOf* {cls} .
          MINUS {{ ?n {prop} ?x }}
        }}"""
    )
    return sorted(r["n"].value for r in store.query(query))


def count(store, cls: str) -> int:
    query = SPARQL_PREFIXES + (
        f"SELECT (COUNT(DISTINCT ?n) AS ?c) WHERE {{ ?n a/rdfs:subClassOf* {cls} }}"
    )
    return int(next(iter(store.query(query)))["c"].value)


@pytest.mark.parametrize("cls", NARY)
@pytest.mark.parametrize("prop", ["dct:source", "prov:wasDerivedFrom"])
def test_every_nary_node_has_a_source(store, cls, prop):
    missing = nodes_missing(store, cls, prop)
    assert missing == [], f"{cls} without {prop}: {missing[:5]}"


def test_the_article_gives_nodes_of_each_kind(store):
    counts = {cls: count(store, cls) for cls in NARY if cls != "cr:ConvenantParty"}
    assert all(n > 0 for n in counts.values()), counts
    assert sum(counts.values()) > 60


def test_the_source_rule_can_fail(store):
    import pyoxigraph

    broken = pyoxigraph.Store()
    broken.bulk_extend(store)
    membership = next(
        iter(store.query(SPARQL_PREFIXES + "SELECT ?m WHERE { ?m a org:Membership } LIMIT 1"))
    )["m"]
    broken.update(SPARQL_PREFIXES + f"DELETE WHERE {{ <{membership.value}> dct:source ?d }}")
    assert nodes_missing(broken, "org:Membership", "dct:source") == [membership.value]


def statements(triples) -> dict[str, Triple]:
    """{statement IRI: the triple it names}, from rdf:subject, rdf:predicate and rdf:object."""
    parts: dict[str, dict[str, object]] = defaultdict(dict)
    for t in triples:
        if t.predicate in (RDF.subject, RDF.predicate, RDF.object):
            parts[t.subject.value][t.predicate.value] = t.object
    return {
        st: Triple(p[RDF.subject.value], p[RDF.predicate.value], p[RDF.object.value])
        for st, p in parts.items()
    }


def test_every_statement_names_a_triple_of_the_graph(graph):
    named = statements(graph.triples)
    assert len(named) > 100
    present = set(graph.triples)
    assert [st for st, t in named.items() if t not in present] == []


def test_a_statement_cites_other_places_than_its_subject(graph):
    """A fact resting on all its node's sources gets no statement: only narrower ones do."""
    places: dict[str, set[str]] = defaultdict(set)
    for t in graph.triples:
        if t.predicate == PROV.wasDerivedFrom:
            places[t.subject.value].add(t.object.value)
    named = statements(graph.triples)
    assert all(places[st] for st in named)
    assert [st for st, t in named.items() if places[st] == places[t.subject.value]] == []


def test_a_statement_without_its_fact_is_reported_at_the_row_that_stated_it(graph):
    twente = DEFAULT_BASE + "id/regio/twente"
    founded = Triple(NamedNode(twente), SCHEMA.foundingDate, Literal("2018", datatype=EDTF))
    assert founded in graph.triples
    broken = [t for t in graph.triples if t != founded]
    report = validate(
        broken,
        read_rdf_dir(ROOT / "shapes", ROOT),
        read_violation_queries(ROOT / "shapes", ROOT),
        graph.origins,
    )
    assert [(str(f.loc), f.focus, f.shape) for f in report.violations] == [
        (
            "data/artikel/regions.csv:11",
            twente + "#bewering-ff334a0b2274",
            "shapes/statement-triple-violation.rq",
        )
    ]
