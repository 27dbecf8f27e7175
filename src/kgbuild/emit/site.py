"""Emit the linked-data site: per-resource documents, pages, maps, sitemap and conneg configs.

Input: the canonical triples (under the default base) and the download files already written
(their sizes and checksums, for the dataset page). Output: the files of the new
tree, published under the release's base, each written as soon as it is made (by the worker that
made it), through the `put` the tree gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, Triple

from ..model.formats import ENDPOINT_DESCRIPTIONS
from ..model.release import Release
from ..model.terms import DEFAULT_BASE, OWL, XSD
from ..queries.spec import QuerySpec, read_queries
from .documents import Put, language_documents, partition, write_document
from .dumps import Written, dataset_triples
from .pages.context import Site
from .pages.index import GraphIndex, build_index, document_path, value_of
from .pages.labels import derive_labels
from .pages.maps import GeoJson, load_maps
from .pages.render import DATASET_DOC, ENDPOINT_POLICY, environment, render_site
from .pages.versions import version_documents
from .service import service_description
from .webconf import server_configs

TRUE = Literal("true", datatype=XSD.boolean)


def withdrawn(triples: list[Triple]) -> list[str]:
    """Paths (after id/) of the minted IRIs marked owl:deprecated true: they answer 410. Each
    goes through the path rule, as it is written into the web-server configs."""
    prefix = DEFAULT_BASE + "id/"
    deprecated = (
        value_of(t.subject) for t in triples if t.predicate == OWL.deprecated and t.object == TRUE
    )
    return sorted(
        {document_path(s)[4:] for s in deprecated if s.startswith(prefix) and "#" not in s}
    )


def dataset_documents(
    files: Mapping[str, Written], release: Release, triple_count: int
) -> dict[str, list[Triple]]:
    """The dataset description (the triples of download/…/dataset.ttl, under the default base)
    as the document of the dataset IRI."""
    folder = f"download/{release.version}/"
    downloads = {
        path[len(folder) :]: data for path, data in files.items() if path.startswith(folder)
    }
    return {DATASET_DOC: dataset_triples(release, downloads, triple_count)}


def sitemap(pages: list[str], lastmod: str = "") -> bytes:
    """Every page; `lastmod` is the release's date (the same in every build of it, unlike the
    time of the build)."""
    mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    lines += [f"<url><loc>{DEFAULT_BASE}{p}</loc>{mod}</url>" for p in sorted(pages)]
    return ("\n".join(lines + ["</urlset>"]) + "\n").encode()


EXAMPLE_QUERY = """PREFIX cr: <{base}def/cultuurregio#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>

SELECT ?regio ?naam WHERE {{
  ?regio a cr:Cultuurregio ; skos:prefLabel ?naam .
  FILTER(LANG(?naam) = "nl")
}}
ORDER BY ?naam
"""


@dataclass(frozen=True)
class Example:
    name: str
    summary: str


def examples(specs: list[QuerySpec]) -> list[Example]:
    """The canned queries as examples of the endpoint page (each links its page and SPARQL)."""
    return [Example(s.name, s.summary) for s in specs]


def endpoint_page(release: Release, specs: list[QuerySpec]) -> bytes:
    """sparql.html: the query form of /sparql, on the site's base template (in Dutch, with its
    own navigation and a policy that lets the form be sent to this site), with the canned
    queries as examples."""
    chrome = Site(GraphIndex(), release, "nl", "sparql.html").chrome(
        "SPARQL-endpoint", "", None, {}
    )
    return (
        environment()
        .get_template("sparql.html")
        .render(
            chrome=chrome,
            policy=ENDPOINT_POLICY,
            endpoint=DEFAULT_BASE + "sparql",
            dataset_page=DATASET_DOC + ".html",
            example=EXAMPLE_QUERY.format(base=DEFAULT_BASE),
            queries=examples(specs),
        )
        .encode()
    )


def robots() -> bytes:
    """Every crawler may read everything; the sitemap lists the pages."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {DEFAULT_BASE}sitemap.xml\n".encode()


def query_pages(root: Path | None) -> list[str]:
    """The pages of the canned queries, in Dutch and English: one per queries/*.rq (the rule of
    read_queries) and their index."""
    folder = root / "queries" if root else None
    if folder is None or not folder.is_dir():
        return []
    stems = ["index"] + [p.stem for p in sorted(folder.glob("*.rq"))]
    return [f"query/{stem}.{ext}" for stem in stems for ext in ("html", "en.html")]


def publish_site(
    triples: list[Triple],
    release: Release,
    files: Mapping[str, Written],
    root: Path | None,
    put: Put,
    features: list[GeoJson] | None = None,
    jobs: int = 1,
) -> None:
    """Write everything of the site beside the downloads; the sitemap lists the pages; the
    GeoJSON features of the gemeenten, when given, draw the maps. Everything is made under the
    default base; the release's base is applied to each file as it is written. The documents and
    their pages are made on `jobs` worker processes."""
    base = release.base

    def publish(name: str, data: bytes) -> None:
        put(name, base.data(data))

    docs = partition(triples)
    described = dataset_documents(files, release, len(triples))
    for path, doc in described.items():
        write_document(path, doc, base, put)
    versions = version_documents(triples, docs, described[DATASET_DOC], release)
    for path, (_, doc) in versions.items():
        write_document(path, doc, base, put)
    for path, doc in language_documents(docs).items():
        write_document(path, doc, base, put)
    maps = load_maps(features) if features else None
    index = build_index(triples)
    derive_labels(index)
    pages = render_site(
        index,
        release,
        docs,
        files,
        len(triples),
        maps,
        put,
        each=lambda path: write_document(path, docs[path], base, put),
        versions=tuple(v for v, _ in versions.values()),
        jobs=jobs,
    )
    publish(
        "sitemap.xml",
        sitemap(
            [p for p in pages if p.endswith(".html") and p[0].isalpha() and not p[0].isdigit()]
            + query_pages(root)
            + ["sparql"],
            release.issued,
        ),
    )
    specs = read_queries(root / "queries", root) if root else []
    publish(ENDPOINT_DESCRIPTIONS["text/html"], endpoint_page(release, specs))
    publish(ENDPOINT_DESCRIPTIONS["text/turtle"], service_description(release, len(triples)))
    publish("robots.txt", robots())
    gone = withdrawn(triples)
    publish("conf/gone.txt", "".join(p + "\n" for p in gone).encode())
    for name, data in server_configs(gone).items():
        publish(name, data)
