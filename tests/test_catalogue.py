"""The dataset description against the catalogues' published shapes (DCAT-AP 3.0.1 core, the
NDE dataset register), the landing page's schema.org block, and what makes a release citable."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pyshacl
import pytest
import rdflib
from rdflib import RDF, Namespace, URIRef

from kgbuild.build import Config, build

SHAPES = Path(__file__).resolve().parent / "external_shapes"
SH = Namespace("http://www.w3.org/ns/shacl#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VERSION = "0.1.0"
# The schema.org block names https://schema.org/ as its context; offline, the same terms as
# schema.org's context declares them: the vocabulary, and the URL-valued properties as IRIs.
SCHEMA_CONTEXT = {"@vocab": "https://schema.org/",
                  **{k: {"@type": "@id"} for k in ("url", "license", "contentUrl",
                                                    "mainEntityOfPage")}}


def shapes(name: str) -> rdflib.Graph:
    """A published shapes file as kept; a property shape without sh:path (which the NDE
    register's engine reads as a node-level rule and pyshacl refuses) is attached as sh:node."""
    g = rdflib.Graph().parse(SHAPES / name, format="turtle")
    for parent, shape in list(g.subject_objects(SH.property)):
        if g.value(shape, SH.path) is None:
            g.remove((parent, SH.property, shape))
            g.add((parent, SH.node, shape))
    return g


def results(data: rdflib.Graph, shapes_file: str) -> list[tuple[str, str, str, str]]:
    """(severity, focus node, path, message) of every validation result."""
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes(shapes_file), allow_warnings=True)
    return sorted((str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[1],
                   str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultPath)),
                   str(report.value(r, SH.resultMessage)))
                  for r in report.subjects(RDF.type, SH.ValidationResult))


def violations(data: rdflib.Graph, shapes_file: str) -> list[tuple[str, str, str, str]]:
    return [r for r in results(data, shapes_file) if r[0] == "Violation"]


def description(dist: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(dist / "download" / VERSION / "dataset.ttl", format="turtle")


def schema_block(dist: Path) -> rdflib.Graph:
    """The schema.org JSON-LD block of the dataset page, as RDF."""
    html = (dist / "doc" / "dataset" / "cultuurregios.html").read_text(encoding="utf-8")
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert len(found) == 1
    block = json.loads(found[0])
    assert block["@context"] == "https://schema.org/"
    block["@context"] = SCHEMA_CONTEXT
    return rdflib.Graph().parse(data=json.dumps(block), format="json-ld")


@pytest.fixture(scope="module")
def with_email(tmp_path_factory) -> Path:
    """The bundled project built with a contact e-mail address in data/dataset.toml (an
    example address of the test, not one the register publishes)."""
    import shutil

    from conftest import PROJECT_DIRS, ROOT

    root = tmp_path_factory.mktemp("email")
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, root / name)
    toml = root / "data" / "dataset.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('contact_email = ""', 'contact_email = "register@example.org"'),
                    encoding="utf-8")
    build(Config(root=root, out=root / "dist"))
    return root / "dist"


def test_description_passes_dcat_ap_3_core(site):
    assert results(description(site), "dcat-ap-3.0.1-SHACL.ttl") == []


def test_description_has_no_nde_violation(site):
    assert violations(description(site), "nde-dataset-register-shacl.ttl") == []


def test_without_an_email_only_the_email_is_wanting(site):
    """No e-mail address is known, so none is published: the NDE warnings are about that and
    nothing else."""
    found = results(description(site), "nde-dataset-register-shacl.ttl")
    warned = {(path, focus) for severity, focus, path, _ in found if severity == "Warning"}
    assert warned and {p for p, _ in warned} <= {str(VCARD.hasEmail), str(DCAT.contactPoint)}


def test_description_with_an_email_has_no_nde_warning(with_email):
    found = results(description(with_email), "nde-dataset-register-shacl.ttl")
    assert [r for r in found if r[0] != "Info"] == []
    assert results(description(with_email), "dcat-ap-3.0.1-SHACL.ttl") == []


def test_landing_page_block_with_an_email_passes_nde(with_email):
    assert violations(schema_block(with_email), "nde-dataset-register-shacl.ttl") == []


def test_landing_page_block_names_publisher_creator_licence_and_downloads(site):
    g = schema_block(site)
    s = Namespace("https://schema.org/")
    ds = URIRef("https://w3id.org/cultuurregio/id/dataset/cultuurregios")
    publisher = g.value(ds, s.publisher)
    assert isinstance(publisher, URIRef) and (publisher, RDF.type, s.Organization) in g
    assert g.value(ds, s.creator) == publisher and g.value(publisher, s.name) is not None
    assert g.value(ds, s.license) == URIRef("https://creativecommons.org/publicdomain/zero/1.0/")
    urls = {str(g.value(d, s.contentUrl)) for d in g.objects(ds, s.distribution)}
    assert len(urls) == 6 and {u for u in urls if u.endswith(".gz")}


def test_every_download_is_a_distribution_with_typed_size_and_checksum(site):
    g = description(site)
    folder = site / "download" / VERSION
    release = URIRef(f"https://w3id.org/cultuurregio/id/dataset/cultuurregios/{VERSION}")
    dumps = sorted(p.name for p in folder.iterdir() if p.name.startswith("cultuurregios."))
    assert any(n.endswith(".gz") for n in dumps)
    described = {str(d).rsplit("/", 1)[1]: d for d in g.objects(release, DCAT.distribution)}
    assert sorted(described) == dumps
    for name, dist in described.items():
        data = (folder / name).read_bytes()
        assert (dist, RDF.type, DCAT.Distribution) in g
        size = g.value(dist, DCAT.byteSize)
        assert str(size.datatype) == XSD_NS + "nonNegativeInteger" and int(size) == len(data)
        checksum = g.value(dist, SPDX.checksum)
        assert (checksum, RDF.type, SPDX.Checksum) in g
        assert g.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        value = g.value(checksum, SPDX.checksumValue)
        assert str(value.datatype) == XSD_NS + "hexBinary" and str(value) == hashlib.sha256(data).hexdigest()
        assert isinstance(g.value(dist, DCAT.mediaType), URIRef)
        assert str(g.value(dist, DCAT.mediaType)).startswith(
            "https://www.iana.org/assignments/media-types/")
        if name.endswith(".gz"):
            assert str(g.value(dist, DCAT.compressFormat)).endswith("/application/gzip")


def test_publisher_and_contact_are_described_nodes(site):
    g = description(site)
    ds = URIRef("https://w3id.org/cultuurregio/id/dataset/cultuurregios")
    release = URIRef(f"{ds}/{VERSION}")
    for node in (ds, release):
        publisher = g.value(node, DCT.publisher)
        assert isinstance(publisher, URIRef) and (publisher, RDF.type, FOAF.Organization) in g
        assert {n.language for n in g.objects(publisher, FOAF.name)} == {"nl", "en"}
        assert g.value(node, DCT.creator) == publisher
        contact = g.value(node, DCAT.contactPoint)
        assert (contact, RDF.type, VCARD.Kind) in g and g.value(contact, VCARD.hasURL)
    titles = {t.language: str(t) for t in g.objects(release, DCT.title)}
    assert VERSION in titles["nl"] and VERSION in titles["en"]
    assert str(g.value(release, DCT.issued).datatype) == XSD_NS + "date"
