"""Emit the linked-data site: per-resource documents, pages, maps, sitemap and conneg configs.

Input: the canonical triples and the download files already emitted (sizes and checksums on the
dataset page are read from those bytes). Output: the files of the new tree, each written as soon
as it is made (by the worker that made it), through the `put` the tree gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from pyoxigraph import Literal, Triple

from ..model.formats import BY_NAME
from ..model.paths import document_of
from ..model.terms import OWL, XSD
from ..queries.spec import QuerySpec, read_queries
from ..serve.endpoint import service_description
from .documents import Put, partition, write_document
from .dumps import Release
from .pages.index import build_index
from .pages.labels import derive_labels
from .pages.maps import load_maps
from .pages.render import DATASET_DOC, environment, render_site
from .pages.versions import version_documents
from .webconf import server_configs

TRUE = Literal("true", datatype=XSD.boolean)


def withdrawn(triples: list[Triple], base: str) -> list[str]:
    """Paths (after id/) of the minted IRIs marked owl:deprecated true: they answer 410. Each
    goes through the path rule, as it is written into the web-server configs."""
    prefix = base + "id/"
    return sorted({document_of(t.subject.value, base)[4:] for t in triples
                   if t.predicate == OWL.deprecated and t.object == TRUE
                   and t.subject.value.startswith(prefix) and "#" not in t.subject.value})


def dataset_documents(files: dict[str, bytes], release: Release) -> dict[str, list[Triple]]:
    """The dataset description (download/…/dataset.ttl) as the document of the dataset IRI."""
    data = files[f"download/{release.version}/dataset.ttl"]
    triples = list(pyoxigraph.parse(data, format=BY_NAME["ttl"].rdf))
    return {DATASET_DOC: triples}


def sitemap(pages: list[str], base: str, lastmod: str = "") -> bytes:
    """Every page; `lastmod` is the release's date (the same in every build of it, unlike the
    time of the build)."""
    mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines += [f"<url><loc>{base}{p}</loc>{mod}</url>" for p in sorted(pages)]
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
    """sparql.html: the query form of /sparql, with the canned queries as examples."""
    return environment().get_template("sparql.html").render(
        title=release.title_nl, endpoint=release.base + "sparql",
        dataset_page=DATASET_DOC + ".html", example=EXAMPLE_QUERY.format(base=release.base),
        queries=examples(specs)).encode()


def robots(base: str) -> bytes:
    """Every crawler may read everything; the sitemap lists the pages."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {base}sitemap.xml\n".encode()


def query_pages(root: Path | None) -> list[str]:
    """The pages of the canned queries, in Dutch and English: one per queries/*.rq (the rule of
    read_queries) and their index."""
    folder = root / "queries" if root else None
    if folder is None or not folder.is_dir():
        return []
    stems = ["index"] + [p.stem for p in sorted(folder.glob("*.rq"))]
    return [f"query/{stem}.{ext}" for stem in stems for ext in ("html", "en.html")]


def publish_site(triples: list[Triple], release: Release, files: dict[str, bytes],
                 root: Path | None, put: Put, features: list[dict] | None = None,
                 jobs: int = 1) -> None:
    """Write everything of the site beside the downloads; the sitemap lists the pages; the
    GeoJSON features of the gemeenten, when given, draw the maps. The documents and their
    pages are made on `jobs` worker processes."""
    base = release.base
    docs = partition(triples, base)
    described = dataset_documents(files, release)
    for path, doc in described.items():
        write_document(path, doc, base, put)
    versions = version_documents(triples, docs, described[DATASET_DOC], release)
    for path, (_, doc) in versions.items():
        write_document(path, doc, base, put)
    maps = load_maps(features) if features else None
    index = build_index(triples, base)
    derive_labels(index)
    pages = render_site(index, release, docs, files, len(triples), maps, put,
                        each=lambda path: write_document(path, docs[path], base, put),
                        versions=tuple(v for v, _ in versions.values()), jobs=jobs)
    put("sitemap.xml", sitemap([p for p in pages if p.endswith(".html")
                                and p[0].isalpha() and not p[0].isdigit()]
                               + query_pages(root) + ["sparql"], base, release.issued))
    specs = read_queries(root / "queries", root) if root else []
    put("sparql.html", endpoint_page(release, specs))
    put("sparql.ttl", service_description(release, len(triples)))
    put("robots.txt", robots(base))
    gone = withdrawn(triples, base)
    put("conf/gone.txt", "".join(p + "\n" for p in gone).encode())
    for name, data in server_configs(gone).items():
        put(name, data)
