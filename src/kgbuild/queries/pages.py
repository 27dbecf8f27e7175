"""The canned queries in the build: for each, its SPARQL, results (CSV, JSON) and an HTML page.

Each query runs on the built graph with its header defaults; a query whose required parameter
has no default cannot be shown in the build and is an input error at its file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from jinja2 import Environment, PackageLoader, StrictUndefined

from ..errors import InputError, Loc, Problem, UsageError
from ..memstore import store_of
from ..pages.context import linkable
from ..pages.render import POLICY, compiled_templates
from .results import Table, to_csv, to_json
from .run import bind, query_text, run_embedded
from .spec import QuerySpec


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
    title: str  # of the register, for the page head


def environment(cache: Path | None = None) -> Environment:
    env = Environment(loader=PackageLoader("kgbuild", "templates"), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True,
                      bytecode_cache=compiled_templates(cache / "queries" if cache else None))
    env.globals["policy"] = POLICY
    return env


def cells(table: Table) -> tuple[tuple[Cell, ...], ...]:
    def cell(t) -> Cell:
        if t is None:
            return Cell("", "")
        return Cell(t.value, t.value if isinstance(t, pyoxigraph.NamedNode) else "")
    return tuple(tuple(cell(t) for t in row) for row in table.rows)


def inferred_rows(table: Table) -> tuple[bool, ...]:
    cols = [i for i, v in enumerate(table.vars) if v.endswith("status")]
    return tuple(any(row[i] is not None and row[i].value == "inferred" for i in cols)
                 for row in table.rows)


def page(spec: QuerySpec, table: Table, given: dict[str, str], base: str, title: str):
    params = tuple(ParamRow(p.name, p.type_label, p.required, given.get(p.name, ""),
                            spec.enumerate.get(p.name, ())) for p in spec.params)
    return QueryPage(spec.name, spec.summary, spec.description, spec.tags,
                     query_text(spec, base), params, table.vars, cells(table),
                     inferred_rows(table), title)


def used_values(spec: QuerySpec, terms: dict) -> dict[str, str]:
    return {p.name: terms[p.var].value for p in spec.params if p.var in terms}


def run_for_build(store, spec: QuerySpec, base: str) -> tuple[Table, dict[str, str]]:
    try:
        terms = bind(spec, {}, base)
    except UsageError as e:
        raise InputError([Problem(Loc(spec.path, 1), f"cannot run in the build: {e} "
                                  "(give it a '#+ defaults:' value)")]) from None
    return run_embedded(store, spec, terms, base), used_values(spec, terms)


def query_files(triples, specs: list[QuerySpec], base: str, title: str,
                store: pyoxigraph.Store | None = None,
                cache: Path | None = None) -> dict[str, bytes]:
    """{path under dist/: bytes} for query/{name}.rq|.csv|.json|.html and query/index.html.

    `store` holds the same triples when the caller has loaded them already; `cache` is the
    folder of compiled templates."""
    store = store if store is not None else store_of(triples)
    env = environment(cache)
    files, pages = {}, []
    for spec in specs:
        table, given = run_for_build(store, spec, base)
        p = page(spec, table, given, base, title)
        pages.append(p)
        files[f"query/{spec.name}.rq"] = query_text(spec, base).encode()
        files[f"query/{spec.name}.csv"] = to_csv(table)
        files[f"query/{spec.name}.json"] = to_json(table)
        files[f"query/{spec.name}.html"] = env.get_template("query.html").render(
            page=p).encode()
    files["query/index.html"] = env.get_template("query-index.html").render(
        pages=pages, title=title).encode()
    return files
