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
from kgbuild.model.formats import RDF_FORMATS

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
SCHEMA_CONTEXT = {
    "@vocab": "https://schema.org/",
    **{k: {"@type": "@id"} for k in ("url", "license", "contentUrl", "mainEntityOfPage")},
}


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
    return sorted(
        (
            str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[1],
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultPath)),
            str(report.value(r, SH.resultMessage)),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    )


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
    toml.write_text(
        text.replace('contact_email = ""', 'contact_email = "register@example.org"'),
        encoding="utf-8",
    )
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


def test_landing_page_block_without_an_email_fails_only_for_the_email(site):
    """The NDE shapes want an e-mail address of the publisher's contact point (and count a
    publisher without one as invalid); none is known, so the shipped block lacks just that."""
    found = {
        (path, focus)
        for _, focus, path, _ in violations(schema_block(site), "nde-dataset-register-shacl.ttl")
    }
    ds = "https://w3id.org/cultuurregio/id/dataset/cultuurregios"
    assert found <= {
        ("https://schema.org/email", ds + "#contact"),
        ("https://schema.org/publisher", ds),
    }


def test_landing_page_block_names_publisher_creator_licence_and_downloads(site):
    g = schema_block(site)
    s = Namespace("https://schema.org/")
    ds = URIRef("https://w3id.org/cultuurregio/id/dataset/cultuurregios")
    publisher = g.value(ds, s.publisher)
    assert isinstance(publisher, URIRef) and (publisher, RDF.type, s.Organization) in g
    assert g.value(ds, s.creator) == publisher and g.value(publisher, s.name) is not None
    assert g.value(ds, s.license) == URIRef("https://creativecommons.org/publicdomain/zero/1.0/")
    urls = {str(g.value(d, s.contentUrl)) for d in g.objects(ds, s.distribution)}
    assert len(urls) == 2 * len(RDF_FORMATS) and {u for u in urls if u.endswith(".gz")}


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
        assert (
            str(value.datatype) == XSD_NS + "hexBinary"
            and str(value) == hashlib.sha256(data).hexdigest()
        )
        assert isinstance(g.value(dist, DCAT.mediaType), URIRef)
        assert str(g.value(dist, DCAT.mediaType)).startswith(
            "https://www.iana.org/assignments/media-types/"
        )
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


# Versions that resolve, citations, CITATION.cff, robots.txt, sitemap

BASE = "https://w3id.org/cultuurregio/"
VERSION_IRIS = [f"id/dataset/cultuurregios/{VERSION}", f"def/cultuurregio/{VERSION}"]


def ontology_version_iri() -> str:
    """The owl:versionIRI the ontology states (the IRI the test asks the server for)."""
    from conftest import ROOT

    g = rdflib.Graph().parse(ROOT / "ontology" / "cultuurregio.ttl", format="turtle")
    found = list(g.objects(None, rdflib.OWL.versionIRI))
    assert len(found) == 1
    return str(found[0])


def test_the_version_iris_tested_are_those_published(site):
    assert BASE + VERSION_IRIS[1] == ontology_version_iri()
    g = description(site)
    assert URIRef(BASE + VERSION_IRIS[0]) in set(g.objects(None, DCAT.hasVersion))


@pytest.mark.servers
@pytest.mark.parametrize("path", VERSION_IRIS)
def test_version_iri_answers_with_a_page_and_rdf(site, path):
    from httpservers import fetch, kgbuild_server

    with kgbuild_server(site) as port:
        page, rdf = [fetch(port, "/" + path, accept) for accept in ("text/html", "text/turtle")]
        if page.status == 303:
            page = fetch(port, page.headers["location"], "text/html")
            rdf = fetch(port, rdf.headers["location"], "text/turtle")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert f"<code>{BASE}{path}</code>" in page.body.decode()
    assert rdf.status == 200 and rdf.headers["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=rdf.body, format="turtle")
    assert len(g) > 10


def cite_line(page: Path) -> str:
    import html

    found = re.findall(r'<p class="cite">[^:]*: <span>(.*?)</span></p>', page.read_text("utf-8"))
    assert len(found) == 1
    return html.unescape(found[0])


@pytest.mark.parametrize(
    "page",
    [
        "doc/dataset/cultuurregios.html",
        "doc/regio/twente.en.html",
        "index.html",
        f"doc/dataset/cultuurregios/{VERSION}.html",
    ],
)
def test_cite_line_names_author_publisher_version_date_and_versioned_iri(site, page):
    line = cite_line(site / page)
    release_iri = f"{BASE}id/dataset/cultuurregios/{VERSION}"
    publisher = (
        "Register of the Dutch culture regions"
        if ".en." in page
        else "Register van de cultuurregio's"
    )
    assert line.startswith(f"{publisher} (2026). ")  # the author: the publishing organisation
    assert f". {publisher}. " in line  # the publisher
    assert f" {VERSION} (2026-11-28)" in line
    assert line.endswith(release_iri)
    if "twente" in page:
        assert f"{BASE}id/regio/twente, in {release_iri}" in line


def test_citation_cff_is_valid_cff_1_2_and_matches_the_release():
    import tomllib

    import jsonschema
    import yaml
    from conftest import ROOT

    schema = json.loads(
        (
            Path(__file__).parent / "external_schemas" / "citation-file-format-1.2.0.schema.json"
        ).read_text("utf-8")
    )
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text("utf-8"))
    jsonschema.validate(cff, schema, format_checker=jsonschema.FormatChecker())
    release = tomllib.loads((ROOT / "data" / "dataset.toml").read_text("utf-8"))["release"]
    assert cff["version"] == release["version"]
    assert cff["date-released"] == release["issued"]
    assert cff["title"] == release["title_nl"]
    assert any(
        i["value"] == f"{BASE}id/dataset/cultuurregios/{release['version']}"
        for i in cff["identifiers"]
    )
    assert cff["authors"] == [{"name": release["publisher"], "website": BASE}]


def test_robots_txt_allows_all_and_names_the_sitemap(site):
    lines = (site / "robots.txt").read_text("ascii").splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines
    assert not any(line.startswith("Disallow:") and line.strip() != "Disallow:" for line in lines)
    assert f"Sitemap: {BASE}sitemap.xml" in lines


def test_sitemap_has_the_release_date_and_the_query_pages(site):
    import xml.etree.ElementTree as ET

    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = ET.parse(site / "sitemap.xml").getroot().findall("s:url", ns)
    mods = {u.findtext("s:lastmod", namespaces=ns) for u in urls}
    assert mods == {"2026-11-28"}
    locs = {u.findtext("s:loc", namespaces=ns) for u in urls}
    queries = {f"{BASE}query/{p.name}" for p in (site / "query").glob("*.html")}
    assert queries and queries <= locs
    assert {f"{BASE}{p}.html" for p in VERSION_IRIS if p.startswith("def/")} <= locs


@pytest.mark.servers
@pytest.mark.parametrize("server", ["nginx", "apache"])
def test_versions_and_the_documents_beside_them_answer_on_the_web_servers(site, server, tmp_path):
    """A version's folder (def/cultuurregio/) sits beside the document of the same name
    (def/cultuurregio.ttl): the document is still negotiated, not redirected to the folder."""
    from httpservers import apache_server, fetch, nginx_server

    start = nginx_server if server == "nginx" else apache_server
    with start(site, tmp_path) as port:
        for path in (
            "/def/cultuurregio",
            "/doc/dataset/cultuurregios",
            f"/def/cultuurregio/{VERSION}",
            f"/doc/dataset/cultuurregios/{VERSION}",
        ):
            r = fetch(port, path, "text/turtle")
            assert r.status == 200, (path, r.status)
            assert r.headers["content-type"].startswith("text/turtle")
        r = fetch(port, f"/id/dataset/cultuurregios/{VERSION}", "text/html")
        assert r.status == 303
        assert fetch(port, r.headers["location"], "text/html").status == 200
