"""Run a canned query with checked parameters: on an embedded store, or on any SPARQL endpoint.

The queries are written with the default base. A `Base` moves their text (and the defaults of
their parameters) to the base of the data they are sent to: a dump or an endpoint published
under another base. The build runs them on its own graph, under the default base: Base().
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyoxigraph

from ..model.base import DEFAULT, Base
from ..model.errors import InputError, Loc, Problem, UsageError
from ..model.memstore import solutions
from .params import Bound, Param, ParamError, find_params, substitute, to_term
from .results import Table, from_json, from_solutions
from .spec import QuerySpec


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """`name=value` strings (from --param) as a dict; a bad one is a UsageError."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--param {pair!r}: expected name=value")
        if name in out:
            raise UsageError(f"--param {name}: given twice")
        out[name] = value
    return out


def bind(spec: QuerySpec, given: dict[str, str], base: Base = DEFAULT) -> dict[str, Bound]:
    """{variable: term} for every parameter with a value; defaults (moved to `base`) fill what
    is not given."""
    names = {p.name for p in spec.params}
    for name in sorted(set(given) - names):
        takes = ", ".join(sorted(names)) or "no parameters"
        raise UsageError(f"query {spec.name}: unknown parameter {name!r} (it takes: {takes})")
    terms: dict[str, Bound] = {}
    for p in spec.params:
        value = given.get(p.name, _default(spec, p.name, base))
        if value is None:
            if p.required:
                raise UsageError(
                    f"query {spec.name}: parameter {p.name!r} is required ({p.type_label})"
                )
            continue
        terms[p.var] = _checked(spec, p, value)
    return terms


def _default(spec: QuerySpec, name: str, base: Base) -> str | None:
    value = spec.defaults.get(name)
    return base.text(value) if value is not None else None


def _checked(spec: QuerySpec, p: Param, value: str) -> Bound:
    allowed = spec.enumerate.get(p.name)
    if allowed and value not in allowed:
        raise UsageError(
            f"query {spec.name}: parameter {p.name!r}: {value!r} is not one of {', '.join(allowed)}"
        )
    try:
        return to_term(p, value)
    except ParamError as e:
        raise UsageError(
            f"query {spec.name}: parameter {p.name!r} ({p.type_label}): {value!r} refused: {e}"
        ) from None


def query_text(spec: QuerySpec, base: Base = DEFAULT) -> str:
    """The query as sent to data under a base."""
    return base.text(spec.text)


def run_embedded(
    store: pyoxigraph.Store, spec: QuerySpec, terms: Mapping[str, Bound], base: Base = DEFAULT
) -> Table:
    """Run on a pyoxigraph store, with the same text an endpoint would get. A query that fails
    while it runs (SERVICE refused by the sandbox, an engine error) is reported at its file."""
    try:
        return from_solutions(solutions(store.query(bound_text(spec, terms, base))))
    except (OSError, RuntimeError) as e:
        raise InputError(
            [
                Problem(
                    Loc(spec.path, 1),
                    f"query failed: {e} (a query runs without the network: no SERVICE)",
                )
            ]
        ) from None


def bound_text(spec: QuerySpec, terms: Mapping[str, Bound], base: Base = DEFAULT) -> str:
    """The query with each parameter variable replaced, token by token, by its checked term.

    The result is parsed again: it must still be one query in which exactly the parameters
    without a value remain variables, so no value can have changed the query's shape.
    """
    text = substitute(query_text(spec, base), terms)
    left = {p.var for p in find_params(text)}
    if left != {p.var for p in spec.params} - set(terms):
        raise UsageError(f"query {spec.name}: parameter values changed the query; refused")
    try:
        pyoxigraph.Store().query(text)
    except SyntaxError as e:
        raise UsageError(f"query {spec.name}: parameter values broke the query: {e}") from None
    return text


def run_remote(
    endpoint: str,
    spec: QuerySpec,
    terms: Mapping[str, Bound],
    base: Base = DEFAULT,
    timeout: float = 60,
) -> Table:
    """Run through SPARQLWrapper on any SPARQL 1.1 endpoint, asking for JSON results."""
    from SPARQLWrapper import JSON, POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    client = SPARQLWrapper(endpoint)
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    client.setTimeout(int(timeout))
    client.setQuery(bound_text(spec, terms, base))
    try:
        doc = client.queryAndConvert()
        if not isinstance(doc, dict):  # JSON, but not of SPARQL results: the answer is wrong
            raise ValueError(f"not SPARQL JSON results but {type(doc).__name__}")  # noqa: TRY004
        return from_json(doc)
    except (SPARQLWrapperException, OSError, ValueError) as e:
        raise UsageError(f"{endpoint}: query {spec.name} failed: {_one_line(e)}") from None


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split())[:300]


def dump_store(dist: Path) -> pyoxigraph.Store:
    """The built dump (dist/download/latest) in an in-memory store."""
    path = dist / "download" / "latest" / "cultuurregios.nt"
    if not path.is_file():
        raise UsageError(f"{path}: no built dump here; run 'kgbuild build' first")
    store = pyoxigraph.Store()
    store.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return store
