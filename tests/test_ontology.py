"""The ontology declares every term of ours that the graph uses, each with a kind, labels and a
definition in Dutch and English, and says which version it is. It stays in OWL 2 DL: the OWL
API's profile checker finds no violation and the HermiT reasoner classifies it (both from the
HermiT.jar that the owlready2 package ships, run by tests/owl/ProfileCheck.java)."""

from __future__ import annotations

import subprocess
import tomllib
from collections import defaultdict
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from pyoxigraph import Literal, NamedNode

from kgbuild.emit.dumps import canonical, serialize
from kgbuild.model.base import DEFAULT, Base
from kgbuild.model.formats import BY_NAME
from kgbuild.model.terms import CR, DEFAULT_BASE
from kgbuild.read.release import read_release
from kgbuild.read.sources import read_rdf_dir

ROOT = Path(__file__).resolve().parent.parent

OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
KINDS = {OWL + "Class", OWL + "ObjectProperty", OWL + "DatatypeProperty"}
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DEFINITION = "http://www.w3.org/2004/02/skos/core#definition"
ONTOLOGY = CR.Cultuurregio.value.split("#")[0]


@pytest.fixture(scope="module")
def about(graph) -> dict[str, dict[str, list]]:
    """{subject: {predicate: [objects]}} of the whole built graph."""
    out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in graph.triples:
        out[t.subject.value][t.predicate.value].append(t.object)
    return out


def ours(graph) -> set[str]:
    """Every cr: term the graph uses as a predicate or a class."""
    ns = ONTOLOGY + "#"
    used = {t.predicate.value for t in graph.triples}
    used |= {
        t.object.value
        for t in graph.triples
        if t.predicate.value == RDF_TYPE and isinstance(t.object, NamedNode)
    }
    return {u for u in used if u.startswith(ns)}


def languages(values) -> set[str]:
    return {v.language for v in values if isinstance(v, Literal) and v.language}


def test_every_term_we_use_is_declared_with_its_kind(graph, about):
    terms = ours(graph)
    assert len(terms) > 30
    undeclared = sorted(t for t in terms if not {o.value for o in about[t][RDF_TYPE]} & KINDS)
    assert undeclared == []


def test_every_declared_term_has_labels_and_definitions_in_dutch_and_english(about):
    declared = [
        s
        for s, props in about.items()
        if s.startswith(ONTOLOGY + "#") and {o.value for o in props[RDF_TYPE]} & KINDS
    ]
    assert len(declared) > 30
    missing = [
        (s, p)
        for s in declared
        for p in (LABEL, DEFINITION)
        if not {"nl", "en"} <= languages(about[s][p])
    ]
    assert missing == []


def test_the_ontology_names_its_version(about):
    ontology = about[ONTOLOGY]
    assert {o.value for o in ontology[RDF_TYPE]} == {OWL + "Ontology"}
    [version] = ontology[OWL + "versionInfo"]
    [version_iri] = ontology[OWL + "versionIRI"]
    assert version_iri.value == f"{ONTOLOGY}/{version.value}"


SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCT = "http://purl.org/dc/terms/"
EDTF = "http://id.loc.gov/datatypes/edtf/EDTF"
DEF = ONTOLOGY.rsplit("/", 1)[0] + "/"
TERM_KINDS = KINDS | {SKOS + "Concept", SKOS + "ConceptScheme"}
TEXTS = (LABEL, SKOS + "prefLabel", SKOS + "altLabel", DEFINITION, RDFS + "comment")


def read_ontology(folder: Path) -> rdflib.Graph:
    g = rdflib.Graph()
    for path in sorted(folder.glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def owl_check(g: rdflib.Graph, tmp: Path) -> list[str]:
    """The lines tests/owl/ProfileCheck.java prints for the ontology as RDF/XML."""
    import owlready2

    jar = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
    doc = tmp / "ontology.owl"
    g.serialize(doc, format="xml")
    run = subprocess.run(
        ["java", "-cp", str(jar), str(ROOT / "tests/owl/ProfileCheck.java"), str(doc)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout.splitlines()


def declared_datatypes(g: rdflib.Graph) -> set[str]:
    return {str(s) for s in g.subjects(rdflib.RDF.type, rdflib.RDFS.Datatype)}


@pytest.mark.servers
def test_the_ontology_is_owl2_dl_and_hermit_classifies_it(tmp_path):
    g = read_ontology(ROOT / "ontology")
    lines = owl_check(g, tmp_path)
    assert [x for x in lines if x.startswith("violation:")] == []
    custom = {x.split(": ", 1)[1] for x in lines if x.startswith("custom datatype:")}
    assert custom <= declared_datatypes(g)
    assert lines[-1] == "consistent: true"


@pytest.mark.servers
def test_a_range_outside_the_owl2_datatype_map_is_reported(tmp_path):
    """The check can fail: xsd:date, which OWL 2 leaves out of its datatype map, is caught."""
    g = read_ontology(ROOT / "ontology")
    g.add((rdflib.URIRef(ONTOLOGY + "#referenceDate"), rdflib.RDFS.range, rdflib.XSD.date))
    lines = owl_check(g, tmp_path)
    custom = {x.split(": ", 1)[1] for x in lines if x.startswith("custom datatype:")}
    assert str(rdflib.XSD.date) in custom - declared_datatypes(g)


def our_terms(g: rdflib.Graph) -> set:
    return {
        s
        for kind in TERM_KINDS
        for s in g.subjects(rdflib.RDF.type, rdflib.URIRef(kind))
        if isinstance(s, rdflib.URIRef) and str(s).startswith(DEF)
    }


def test_every_term_has_a_definition_in_dutch_and_english_and_says_where_it_is_defined():
    g = read_ontology(ROOT / "ontology")
    terms = our_terms(g)
    assert len(terms) > 100
    no_definition = sorted(
        str(s)
        for s in terms
        if not {"nl", "en"} <= {o.language for o in g.objects(s, rdflib.URIRef(DEFINITION))}
    )
    assert no_definition == []
    where = {str(s): {str(o) for o in g.objects(s, rdflib.RDFS.isDefinedBy)} for s in terms}
    schemes = {str(s) for s in g.subjects(rdflib.RDF.type, rdflib.URIRef(SKOS + "ConceptScheme"))}
    wrong = sorted(s for s, o in where.items() if len(o) != 1 or not o <= schemes | {ONTOLOGY})
    assert wrong == []


def test_the_ontology_names_its_makers_dates_and_version():
    g = read_ontology(ROOT / "ontology")
    ontology = rdflib.URIRef(ONTOLOGY)
    publisher = read_release(ROOT, DEFAULT).publisher_iri
    for p in ("creator", "publisher"):  # the publisher's IRI, described in the dataset's document
        assert list(g.objects(ontology, rdflib.URIRef(DCT + p))) == [rdflib.URIRef(publisher)], p
    for p in ("created", "modified"):
        [day] = g.objects(ontology, rdflib.URIRef(DCT + p))
        assert day.datatype == rdflib.XSD.date, p
    # dct:issued holds EDTF dates throughout the graph (shapes/date-datatype-violation.rq)
    [issued] = g.objects(ontology, rdflib.URIRef(DCT + "issued"))
    release = tomllib.loads((ROOT / "data/dataset.toml").read_text())["release"]
    assert (str(issued), issued.datatype) == (release["issued"], rdflib.URIRef(EDTF))
    [version_iri] = g.objects(ontology, rdflib.OWL.versionIRI)
    [version] = g.objects(ontology, rdflib.OWL.versionInfo)
    assert str(version_iri) == f"{ONTOLOGY}/{version}"


@pytest.mark.parametrize("base", [DEFAULT_BASE, "https://example.org/cr/"])
def test_the_ontologys_creator_and_publisher_move_with_the_base(base):
    """Under another base the ontology names the publisher of that build: the IRI of the agent
    the dataset description (download/…/dataset.ttl) describes."""
    published = Base(base)
    data = serialize(canonical(read_rdf_dir(ROOT / "ontology", ROOT)), BY_NAME["nt"], published)
    about = {
        (t.predicate.value, t.object.value)
        for t in pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.N_TRIPLES)
        if t.subject.value == base + "def/cultuurregio"
    }
    publisher = published.text(read_release(ROOT, published).publisher_iri)
    assert publisher.startswith(base)
    assert {(DCT + p, publisher) for p in ("creator", "publisher")} <= about


def test_no_label_or_definition_is_without_a_language():
    g = read_ontology(ROOT / "ontology")
    untagged = sorted(
        (str(s), str(p))
        for p in TEXTS
        for s, o in g.subject_objects(rdflib.URIRef(p))
        if isinstance(o, rdflib.Literal) and not o.language
    )
    assert untagged == []
