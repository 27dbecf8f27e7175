"""The canned queries in the build: for each, its SPARQL, results (CSV, JSON) and a page in
Dutch and English, built on the site's own template (navigation, citation, policy).

Each query runs on the built graph (under the default base) with its header defaults; a query
whose required parameter has no default cannot be shown in the build and is an input error at
its file. Its files are published under the release's base.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import jinja2
import pyoxigraph

from ...model.errors import InputError, Loc, Problem, UsageError
from ...model.memstore import store_of
from ...model.release import Release
from ...model.terms import DEFAULT_BASE
from ...queries.params import Bound
from ...queries.results import Cell as Answer
from ...queries.results import Table, to_csv, to_json
from ...queries.run import bind, query_text, run_embedded
from ...queries.spec import QuerySpec
from .context import Alternate, Chrome, JsonLd, Site, linkable
from .index import GraphIndex
from .render import environment, page_file
from .words import LANGS, UI


@dataclass(frozen=True)
class ParamRow:
    name: str
    type_label: str
    required: bool
    value: str  # the value the results on the page were made with ('' when none)
    choices: tuple[str, ...]


@dataclass(frozen=True)
class Cell:
    text: str
    href: str  # '' when the value is not an IRI

    @property
    def link(self) -> str:
        """The href when the site's pages would link it (an IRI: http or https), else ''."""
        return self.href if self.href and linkable(self.href) else ""


@dataclass(frozen=True)
class QueryPage:
    name: str
    summary: str
    description: str
    tags: tuple[str, ...]
    sparql: str
    params: tuple[ParamRow, ...]
    vars: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    inferred: tuple[bool, ...]  # per row: does it rest on an inferred fact?
    header_lang: str = "en"  # the language of summary, description and tags


HEADER_LANG = "en"  # the shipped queries describe themselves ('#+' headers) in English


def chrome(
    release: Release,
    lang: str,
    path: str,
    title: str,
    iri: str,
    alternates: tuple[Alternate, ...],
    jsonld: JsonLd,
    title_lang: str = "",
) -> Chrome:
    """What the query pages share with every other page: language, navigation, citation. A
    query page links no node of the graph, so its `Site` has an empty index."""
    site = Site(GraphIndex(), release, lang, page_file(path, lang))
    return replace(
        site.chrome(title, iri, None, jsonld),
        alternates=alternates,
        title_lang=title_lang if title_lang != lang else "",
    )


def files_of(name: str) -> tuple[Alternate, ...]:
    """A query's own files, as the alternates of its page (links relative to query/)."""
    return (
        Alternate("SPARQL", f"{name}.rq", "application/sparql-query"),
        Alternate("CSV", f"{name}.csv", "text/csv"),
        Alternate("SPARQL JSON", f"{name}.json", "application/sparql-results+json"),
    )


def page_chrome(release: Release, lang: str, p: QueryPage) -> Chrome:
    iri = f"{DEFAULT_BASE}query/{p.name}"
    return chrome(
        release,
        lang,
        f"query/{p.name}",
        p.summary,
        iri,
        files_of(p.name),
        {
            "@context": "https://schema.org/",
            "@type": "WebPage",
            "@id": iri,
            "name": p.summary,
            "inLanguage": lang,
            "isPartOf": part_of(release),
        },
        p.header_lang,
    )


def index_chrome(release: Release, lang: str) -> Chrome:
    title = UI[lang]["queries_title"]
    return chrome(
        release,
        lang,
        "query/index",
        title,
        "",
        (),
        {
            "@context": "https://schema.org/",
            "@type": "CollectionPage",
            "name": title,
            "inLanguage": lang,
            "isPartOf": part_of(release),
        },
    )


def part_of(release: Release) -> dict[str, str]:
    return {"@type": "Dataset", "@id": release.dataset_iri, "version": release.version}


def cells(table: Table) -> tuple[tuple[Cell, ...], ...]:
    def cell(t: Answer) -> Cell:
        if t is None:
            return Cell("", "")
        return Cell(t.value, t.value if isinstance(t, pyoxigraph.NamedNode) else "")

    return tuple(tuple(cell(t) for t in row) for row in table.rows)


def inferred_rows(table: Table) -> tuple[bool, ...]:
    cols = [i for i, v in enumerate(table.vars) if v.endswith("status")]
    return tuple(
        any((t := row[i]) is not None and t.value == "inferred" for i in cols) for row in table.rows
    )


def page(spec: QuerySpec, table: Table, given: dict[str, str]) -> QueryPage:
    params = tuple(
        ParamRow(
            p.name, p.type_label, p.required, given.get(p.name, ""), spec.enumerate.get(p.name, ())
        )
        for p in spec.params
    )
    return QueryPage(
        spec.name,
        spec.summary,
        spec.description,
        spec.tags,
        query_text(spec),
        params,
        table.vars,
        cells(table),
        inferred_rows(table),
        HEADER_LANG,
    )


def used_values(spec: QuerySpec, terms: dict[str, Bound]) -> dict[str, str]:
    return {p.name: terms[p.var].value for p in spec.params if p.var in terms}


def run_for_build(store: pyoxigraph.Store, spec: QuerySpec) -> tuple[Table, dict[str, str]]:
    try:
        terms = bind(spec, {})
    except UsageError as e:
        raise InputError(
            [
                Problem(
                    Loc(spec.path, 1),
                    f"cannot run in the build: {e} (give it a '#+ defaults:' value)",
                )
            ]
        ) from None
    return run_embedded(store, spec, terms), used_values(spec, terms)


def query_files(
    triples: Iterable[pyoxigraph.Triple],
    specs: list[QuerySpec],
    release: Release,
    store: pyoxigraph.Store | None = None,
) -> dict[str, bytes]:
    """{path under dist/: bytes} for query/{name}.rq|.csv|.json, the pages
    query/{name}.html|.en.html and query/index.html|.en.html, published under the release's
    base.

    `store` holds the same triples when the caller has loaded them already."""
    store = store if store is not None else store_of(triples)
    env = environment()
    files, pages = {}, []
    for spec in specs:
        table, given = run_for_build(store, spec)
        p = page(spec, table, given)
        pages.append(p)
        files[f"query/{spec.name}.rq"] = query_text(spec).encode()
        files[f"query/{spec.name}.csv"] = to_csv(table)
        files[f"query/{spec.name}.json"] = to_json(table)
        for lang in LANGS:
            files[page_file(f"query/{spec.name}", lang)] = render(
                env, "query.html", page=p, chrome=page_chrome(release, lang, p)
            )
    for lang in LANGS:
        files[page_file("query/index", lang)] = render(
            env, "query-index.html", pages=pages, chrome=index_chrome(release, lang)
        )
    return {path: release.base.data(data) for path, data in files.items()}


def render(env: jinja2.Environment, template: str, **context: object) -> bytes:
    return env.get_template(template).render(**context).encode("utf-8")
