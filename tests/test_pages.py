"""The published pages: links resolve inside dist/, pages render in headless chromium without
console errors, nothing is loaded from outside, JSON-LD cannot break out of its element."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from httpservers import kgbuild_server
from pyoxigraph import Literal, NamedNode, Triple

from kgbuild.emit.pages.context import Value, as_iri
from kgbuild.emit.pages.index import build_index
from kgbuild.emit.pages.jsonld import script_json
from kgbuild.model.formats import RDF_FORMATS
from kgbuild.model.terms import CR, DEFAULT_BASE

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Links(HTMLParser):
    """Collects href/src values and element ids of one page."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append((tag, value))
            if name == "id" and value:
                self.ids.add(value)


def parse(path: Path) -> Links:
    p = Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def local_target(site: Path, page: Path, href: str) -> tuple[Path, str] | None:
    url = urlsplit(href)
    if url.scheme or url.netloc:
        return None
    base = site if url.path.startswith("/") else page.parent
    target = (base / unquote(url.path.lstrip("/"))).resolve() if url.path else page
    return target, url.fragment


def broken_links(site: Path) -> list[str]:
    pages = sorted(site.rglob("*.html"))
    parsed = {p.resolve(): parse(p) for p in pages}
    endpoint = (site / "sparql").resolve()  # served by the SPARQL endpoint, not a file
    broken = []
    for page, links in parsed.items():
        for _, href in links.links:
            found = local_target(site, page, href)
            if found is None or found[0] == endpoint:
                continue
            target, fragment = found
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: {href} (no file)")
            elif fragment and target in parsed and fragment not in parsed[target].ids:
                broken.append(f"{page.relative_to(site)}: {href} (no id {fragment!r})")
    return broken


def test_no_page_links_to_a_local_url_that_does_not_exist(site):
    assert len(list(site.rglob("*.html"))) > 700
    assert broken_links(site) == []


def test_the_link_check_finds_a_broken_link(tmp_path):
    (tmp_path / "a.html").write_text('<a href="b.html">b</a><a href="a.html#nergens">x</a>')
    assert broken_links(tmp_path) == [
        "a.html: b.html (no file)",
        "a.html: a.html#nergens (no id 'nergens')",
    ]


def test_pages_load_nothing_from_outside(site):
    for page in [
        site / "index.html",
        site / "doc/regio/twente.html",
        site / "doc/dataset/cultuurregios.html",
        site / "def/cultuurregio.html",
    ]:
        for tag, href in parse(page).links:
            if tag in ("link", "script", "img", "iframe", "source") and not (
                tag == "link" and "alternate" in href
            ):
                assert not urlsplit(href).scheme, f"{page.name}: {tag} {href}"


def test_every_page_links_its_alternates_and_english_variant(site):
    html = (site / "doc/regio/twente.html").read_text()
    for ext, media in (
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("rdf", "application/rdf+xml"),
    ):
        href = f"../../doc/regio/twente.{ext}"
        assert f'<link rel="alternate" type="{media}" href="{href}">' in html
        assert f'<a href="{href}" type="{media}">' in html
    assert 'hreflang="en" href="twente.en.html"' in html
    en = (site / "doc/regio/twente.en.html").read_text()
    assert '<html lang="en">' in en and "Parties" in en


def test_cite_line_names_release_and_date(site):
    html = (site / "doc/regio/twente.html").read_text()
    assert re.search(
        r"versie 0\.\d+\.\d+ \(\d{4}-\d\d-\d\d\)\. [^<]*https://w3id.org/cultuurregio/"
        r"id/regio/twente, in https://w3id.org/cultuurregio/id/dataset/cultuurregios/"
        r"0\.\d+\.\d+</span>",
        html,
    )


def test_embedded_json_ld_cannot_end_the_script_element():
    text = str(script_json({"name": "</script><script>alert(1)</script> & <!--"}))
    assert "</script" not in text.lower() and "<!--" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script> & <!--"


def test_embedded_json_ld_parses(site):
    html = (site / "doc/regio/twente.html").read_text()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    data = json.loads(block.group(1))
    assert data["@id"] == "https://w3id.org/cultuurregio/id/regio/twente"
    assert data["@type"] == "Organization"


def chromium(url: str, tmp: Path) -> subprocess.CompletedProcess:
    profile = tmp / "profile"
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console_errors(stderr: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if "CONSOLE" in line or "Uncaught" in line or "Failed to load resource" in line
    ]


@pytest.fixture(scope="module")
def served(site):
    with kgbuild_server(site) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.mark.servers
def test_region_page_renders_its_map_without_console_errors(served, tmp_path):
    result = chromium(served + "/doc/regio/twente.html", tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert '<svg class="nlmap"' in dom
    assert len(re.findall(r'<path class="(?:stated|inferred)"', dom)) >= 1
    assert len(re.findall(r"<path ", dom)) == 342
    assert console_errors(result.stderr) == []


@pytest.mark.servers
def test_home_page_renders_every_region_on_its_map(served, tmp_path):
    result = chromium(served + "/index.html", tmp_path)
    assert result.returncode == 0
    assert re.search(r'<path class="region-\d+"', result.stdout)
    assert '<path class="unknown"' in result.stdout  # gemeenten whose region is not known
    assert console_errors(result.stderr) == []


@pytest.mark.servers
def test_console_error_detection_works(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        '<html><body><script>console.error("boom")</script><img src="missing.png"></body></html>'
    )
    result = chromium(page.as_uri(), tmp_path)
    assert console_errors(result.stderr)


def test_dataset_page_lists_downloads_with_size_and_sha256_of_the_files(site):
    import hashlib

    html = (site / "doc/dataset/cultuurregios.html").read_text()
    rows = re.findall(
        r'<tr><td><a href="([^"]+)">([^<]+)</a></td><td>[^<]+</td><td>(\d+)</td>'
        r"<td><code>([0-9a-f]{64})</code></td></tr>",
        html,
    )
    assert len(rows) == 2 * len(RDF_FORMATS) == 8
    page = site / "doc/dataset/cultuurregios.html"
    for href, name, size, digest in rows:
        data = (page.parent / href).resolve().read_bytes()
        assert (int(size), digest) == (len(data), hashlib.sha256(data).hexdigest()), name


def test_dataset_description_is_dcat_ap_nl_and_void(site):
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load(
        (site / "doc/dataset/cultuurregios.ttl").read_bytes(), format=pyoxigraph.RdfFormat.TURTLE
    )
    ask = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>
    PREFIX void: <http://rdfs.org/ns/void#>
    ASK { ?ds a dcat:Dataset, void:Dataset ; dct:license ?l ; dct:language ?lang ;
              dcat:theme ?theme ; dcat:landingPage ?page ; dct:accessRights ?rights ;
              dcat:hasVersion ?rel .
          ?rel dcat:distribution ?d ; void:triples ?n .
          ?d dcat:accessURL ?u ; dcat:downloadURL ?u ; dct:format ?f ; dcat:byteSize ?size ;
             dct:license ?l . }"""
    assert store.query(ask)


def test_sitemap_lists_existing_pages_under_the_base(site):
    urls = re.findall(r"<loc>([^<]+)</loc>", (site / "sitemap.xml").read_text())
    base = "https://w3id.org/cultuurregio/"
    assert base + "index.html" in urls and base + "doc/regio/twente.en.html" in urls
    # /sparql is the endpoint's URL (its page for a browser is sparql.html)
    assert all(
        u.startswith(base) and (site / u[len(base) :]).is_file() or u == base + "sparql"
        for u in urls
    )


def test_ontology_page_shows_every_term_with_domain_and_range(site):
    html = (site / "def/cultuurregio.html").read_text()
    assert 'id="Cultuurregio"' in html and 'id="coincidesWith"' in html
    term = html[html.index('id="coincidesWith"') :]
    term = term[: term.index("</dd>")]
    assert "Domein" in term and "Bereik" in term and "provincie" in term


def test_templates_are_strict_and_escape():
    import jinja2

    from kgbuild.emit.pages.render import environment

    env = environment()
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ nothing_here }}").render()
    assert env.from_string("{{ x }}").render(x="<b>&") == "&lt;b&gt;&amp;"


def test_a_printed_value_is_escaped_and_markup_is_printed_as_it_is():
    """Values go through the environment's `escaped` (the code generator writes it for every
    printed value): text, numbers and objects with __html__ as markupsafe escapes them, in
    templates and in macros; markup is the same object, not a copy."""
    from markupsafe import Markup

    from kgbuild.emit.pages import render

    env = render.environment()
    source = '{% macro m(v) %}[{{ v }}]{% endmacro %}{{ x }}{{ y }}{{ n }}{{ h }}{{ m("<i>") }}'
    assert "environment.escaped(" in env.compile(source, raw=True)

    class Html:
        def __html__(self) -> str:
            return "<u>"

    printed = env.from_string(source).render(x="<b>&", y=Markup("<em>"), n=5, h=Html())
    assert printed == "&lt;b&gt;&amp;<em>5<u>[&lt;i&gt;]"
    markup = Markup("<em>")
    assert render.escaped(markup) is markup
    assert render.escaped("<'\"") == Markup("&lt;&#39;&#34;")
    # an environment's finalize still applies before the value is escaped
    env = render.PageEnvironment(autoescape=True, finalize=lambda v: "-" if v is None else v)
    assert env.from_string("{{ x }}{{ y }}").render(x=None, y="<") == "-&lt;"


def test_a_kept_link_is_printed_only_for_that_link():
    """The link filter keeps each link's markup by the link object: a link made after another
    one is gone (and may be given its id) still prints its own label and href."""
    from kgbuild.emit.pages.context import Link
    from kgbuild.emit.pages.render import environment

    template = environment().from_string("{{ l | link }}")
    for i in range(200):
        assert template.render(l=Link(f"n{i}", f"p{i}.html")) == f'<a href="p{i}.html">n{i}</a>'


def test_no_page_prints_a_context_object_instead_of_its_markup(site):
    """A Link, Value or map Drawing is printed through its filter (`| link`, `| region_map`):
    printed bare, jinja would write its repr into the page."""
    from markupsafe import escape

    from kgbuild.emit.pages.context import Link

    reprs = re.compile(
        r"\b(Link|Value|Fact|Alternate|Drawing|Shape|Chrome)\((label|text|prop|"
        r"view_box|d|lang)="
    )
    found = [
        (p.relative_to(site), m.group())
        for p in sorted(site.rglob("*.html"))
        for m in [reprs.search(p.read_text())]
        if m
    ]
    assert found == []
    assert reprs.search(escape(repr(Link("x", "y.html"))))  # what the test looks for


def test_query_pages_are_pages_of_the_site_in_both_languages(site):
    """Were a second site: no navigation, no <main>, English under lang="nl", no English page,
    no cite line, their own stylesheet."""
    policy = re.search(
        r'<meta http-equiv="Content-Security-Policy"[^>]*>', (site / "index.html").read_text()
    ).group()
    for name, lang in (
        ("regions.html", "nl"),
        ("regions.en.html", "en"),
        ("index.html", "nl"),
        ("index.en.html", "en"),
    ):
        html = (site / "query" / name).read_text()
        assert f'<html lang="{lang}">' in html and "<main>" in html and policy in html, name
        assert 'href="../static/style.css"' in html and "query.css" not in html
        assert 'href="../sparql"' in html and 'href="../doc/dataset/cultuurregios.' in html
        assert re.search(
            r'<p class="cite">[^<]+: <span>[^<]+, (versie|version) 0\.\d+\.\d+ ', html
        ), name
    nl = (site / "query/regions.html").read_text()
    assert '<h1 lang="en">All regions' in nl  # the query's own words are in English
    assert "<th>verplicht</th>" not in nl and "Resultaat (" in nl
    en = (site / "query/regions.en.html").read_text()
    assert (
        "<h1>All regions" in en and "Result (" in en and 'hreflang="nl" href="regions.html"' in en
    )
    assert "https://w3id.org/cultuurregio/query/regions" in en


def test_every_page_links_the_query_index_and_the_endpoint(site):
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        nav = html[html.index("<nav") : html.index("</nav>")]
        root = (
            "/"
            if page.parent == site and page.stem.isdigit()
            else "../" * len(page.relative_to(site).parent.parts)
        )
        ext = "en.html" if page.name.endswith(".en.html") else "html"
        assert f'href="{root}query/index.{ext}"' in nav, page
        assert f'href="{root}sparql"' in nav, page


def test_pages_follow_the_configured_base(tmp_path):
    from conftest import ROOT

    from kgbuild.build import Config, build

    out = tmp_path / "dist"
    build(Config(root=ROOT, base="https://example.org/cr/", out=out))
    html = (out / "doc/regio/twente.html").read_text()
    assert "https://example.org/cr/id/regio/twente" in html
    assert "w3id.org/cultuurregio/id/" not in html
    assert broken_links(out) == []


def test_unnamed_nodes_get_labels_from_what_they_connect(site):
    pages = sorted((site / "doc/lidmaatschap").rglob("*.html"))
    assert pages
    for page in pages[:20]:
        html = page.read_text()
        assert re.search(r"<h1>[^<]+ in [^<]+ \([^<]+\)</h1>", html), page


def test_a_computed_fact_cites_its_rule_not_the_sources_of_the_region(site):
    """Was: 'beslaat Overijssel' listed the article and the convenant as its sources."""
    page = (site / "doc/regio/twente.html").read_text()
    row = next(r for r in page.split("<tr>") if 'cultuurregio.html#spans">' in r)
    assert 'href="../../doc/afleiding/beslaat.html"' in row
    assert "bron/" not in row
    name = next(
        r
        for r in page.split("<tr>")
        if 'cultuurregio.html#foundingDate"' in r or "schema.org/foundingDate" in r
    )
    assert "bron/samenwerking-in-cultuurregios" in name


def fact_rows(page: str, prop: str) -> list[str]:
    """The rows of the facts table of a page's main node for one property (its IRI)."""
    facts = page[page.index('<section id="feiten">') :]
    facts = facts[: facts.index("</section>")]
    return [r for r in facts.split("<tr>") if f'<th scope="row"><a class="ext" href="{prop}">' in r]


def cited(row: str) -> set[str]:
    return set(
        re.findall(r'<a class="src" href="\.\./\.\./doc/bron/([^"]+)\.html(?:#([^"]+))?"', row)
    )


def test_a_fact_cites_only_the_sources_of_the_row_that_gave_it(site):
    """Was: Twente's founding year, given by its row in data/artikel/regions.csv, also cited the
    sources of its rows in data/register/regions.csv (among them deventer.nl)."""
    page = (site / "doc/regio/twente.html").read_text()
    [founded] = fact_rows(page, "https://schema.org/foundingDate")
    assert cited(founded) == {
        ("samenwerking-in-cultuurregios", "noot-5"),
        ("samenwerking-in-cultuurregios", "voorbeelden-van-samenwerking-alinea-1"),
    }
    # the region as a whole rests on the rows of both files
    [kind] = fact_rows(page, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    assert cited(founded) < cited(kind)
    assert any(doc.startswith("deventer-nieuwsberichten") for doc, _ in cited(kind))


def test_values_of_one_property_from_different_rows_get_a_row_each(site):
    """Haaglanden's other names: 'Haaglanden' from the article's row (note 5), two more from
    the register's row (the convenant and two web pages)."""
    page = (site / "doc/regio/haaglanden.html").read_text()
    rows = fact_rows(page, "http://www.w3.org/2004/02/skos/core#altLabel")
    by_names = {
        tuple(re.findall(r"<td>([^<]+) <span", r) + re.findall(r"<br>([^<]+) <span", r)): cited(r)
        for r in rows
    }
    assert by_names == {
        ("Haaglanden",): {("samenwerking-in-cultuurregios", "noot-5")},
        ("Cultuurregio Haaglanden", "regio Haaglanden"): {
            ("stcrt-2025-3776", "partij-3"),
            ("thehagueonline-news-2018-11-15-haaglanden-region-to-reinforce", ""),
            ("cultuurschakel-over-ons-cultuurschakel-archief-cultuurschakel-over", ""),
        },
    }


def test_statements_are_neither_pages_nor_parts_nor_references(site):
    ttl = (site / "doc/regio/landsdeel-oost.ttl").read_text()
    assert "#bewering-" in ttl  # the landsdeel's document holds statements ...
    for page in (
        "doc/regio/landsdeel-oost.html",
        "doc/regio/twente.html",
        "doc/gemeente/gm0014.html",
        "index.html",
        "sitemap.xml",
    ):
        text = (site / page).read_text()
        assert "bewering" not in text and "rdf-Statement" not in text, page  # ... none shows
    assert not (site / "index/rdf-Statement.html").exists()


def test_a_fact_about_a_gemeente_from_a_change_cites_the_change_row(site):
    """What Groningen is rests on its CBS row; that it resulted from the 2019 changes rests on
    the rows of those changes (a news item and a code file)."""
    page = (site / "doc/gemeente/gm0014.html").read_text()
    [kind] = fact_rows(page, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    rows = fact_rows(page, "http://www.w3.org/ns/org#resultedFrom")
    assert rows and all(cited(r) and not cited(r) & cited(kind) for r in rows)


def test_a_source_page_names_the_node_whose_fact_rests_on_it(site):
    """A statement stands for the node it is about: the news item of the 2019 changes lists
    Groningen (the fact that it resulted from them), not the statement."""
    page = (
        site / "doc/bron/blikopnieuws-nieuws-269778-sterkste-daling-aantal-gemeenten-sinds-"
        "2001.html"
    ).read_text()
    claims = page[page.index('<section id="claims">') :]
    assert 'href="../../doc/gemeente/gm0014.html"' in claims
    assert 'href="../../doc/wijziging/2019-01-01-groningen.html"' in claims
    assert "bewering" not in claims


def test_a_page_that_reads_a_quoted_triple_as_a_value_stops_naming_it():
    """The register makes no quoted triples (RDF 1.2): where a page reads a node's value, one is
    an error that names it, never a value made up."""
    node = NamedNode(DEFAULT_BASE + "id/erkenning/x")
    quoted = Triple(node, CR.region, NamedNode(DEFAULT_BASE + "id/regio/y"))
    index = build_index([Triple(node, CR.region, quoted), Triple(node, CR.gemeente, Literal("g"))])
    assert index.first_value(node.value, CR.gemeente) == "g"
    assert index.first_value(node.value, CR.province) is None
    with pytest.raises(TypeError, match="quoted triple.*regio/y"):
        index.first_value(node.value, CR.region)
    with pytest.raises(TypeError, match="quoted triple"):
        index.required_value(node.value, CR.region)
    with pytest.raises(ValueError, match="has no .*province"):
        index.required_value(node.value, CR.province)


def test_a_value_that_must_be_an_iri_is_refused_as_a_literal_or_missing():
    assert as_iri(DEFAULT_BASE + "id/regio/y") == DEFAULT_BASE + "id/regio/y"
    for value in (Value("y"), None):
        with pytest.raises(TypeError, match="not an IRI"):
            as_iri(value)
