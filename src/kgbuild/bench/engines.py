"""The stages measured side by side: the build's engines and the straightforward rdflib path.

Each engine has the same stages, run on the same mapped graph, so their ratio is per stage:
parse (the Turtle dump, as a loader would), validate (the shapes of shapes/), violation queries
(the *-violation.rq queries of shapes/, apart so that the validate row compares SHACL engines
alone), serialize (Turtle, N-Triples, JSON-LD) and query (queries/*.rq, or the violation queries
where a project has no queries/ yet).
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import pyoxigraph
from pyoxigraph import RdfFormat, Triple

from ..build import Config, Graph, load_graph
from ..emit.dumps import serialize, write_dumps
from ..model.formats import BY_NAME, rdf_bytes
from ..read.sources import read_rdf_dir
from ..validate.graph import graph_findings, read_violation_queries, run_violation_queries

if TYPE_CHECKING:
    import rdflib

T = TypeVar("T")


@dataclass
class Context:
    """What the stages share: the mapped graph, the project's shapes and queries, files, and
    what the stages found: the graph each path parsed, the seconds per query and the queries
    that failed."""

    root: Path
    graph: Graph
    work: Path
    shapes: Collection[Triple] = field(default_factory=list)
    violation_queries: dict[str, str] = field(default_factory=dict)
    queries: dict[str, str] = field(default_factory=dict)
    store: pyoxigraph.Store | None = None  # the fast path's parse
    rdflib_graph: rdflib.Graph | None = None  # the rdflib path's parse
    per_query: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def turtle(self) -> Path:
        return self.work / "graph.ttl"

    def parsed_store(self) -> pyoxigraph.Store:
        if self.store is None:
            raise RuntimeError("the parse stage runs first")
        return self.store

    def parsed_graph(self) -> rdflib.Graph:
        if self.rdflib_graph is None:
            raise RuntimeError("the parse stage runs first")
        return self.rdflib_graph


def context(root: Path, work: Path) -> Context:
    config = Config(root=root)
    graph = load_graph(config)
    ctx = Context(root, graph, work)
    ctx.shapes = read_rdf_dir(root / "shapes", root)
    ctx.violation_queries = read_violation_queries(root / "shapes", root)
    ctx.queries = canned_queries(root) or dict(ctx.violation_queries)
    work.mkdir(parents=True, exist_ok=True)
    ctx.turtle.write_bytes(serialize(graph.triples, BY_NAME["ttl"], graph.release.base))
    return ctx


QUERY_BUDGET = 30.0  # seconds per query on the rdflib path; a longer one is stopped and noted

SYNTH_VALUES = {
    "regio": "https://w3id.org/cultuurregio/id/regio/synth-regio-0-0",
    "resource": "https://w3id.org/cultuurregio/id/regio/synth-regio-0-0",
}


def canned_queries(root: Path) -> dict[str, str]:
    """queries/*.rq bound to their defaults (in synthetic data: to a synthetic region)."""
    from ..queries import bind, read_queries
    from ..queries.run import bound_text

    if not (root / "queries").is_dir():
        return {}
    synthetic = (root / "data" / "synth").is_dir()
    out = {}
    for spec in read_queries(root / "queries", root):
        names = {p.name for p in spec.params}
        given = {k: v for k, v in SYNTH_VALUES.items() if synthetic and k in names}
        out[spec.name] = bound_text(spec, bind(spec, given))
    return out


# The build's engines -------------------------------------------------------------------------


def fast_parse(ctx: Context) -> int:
    store = pyoxigraph.Store()
    store.bulk_load(path=str(ctx.turtle), format=pyoxigraph.RdfFormat.TURTLE)
    ctx.store = store
    return len(store)


def fast_validate(ctx: Context) -> int:
    graph = ctx.graph
    return len(graph_findings(graph.triples, ctx.shapes, graph.origins, graph.store))


def fast_violations(ctx: Context) -> int:
    graph = ctx.graph
    return len(run_violation_queries(graph.store, ctx.violation_queries, graph.origins))


def fast_serialize(ctx: Context) -> int:
    written = write_dumps(ctx.graph.triples, ctx.graph.release.base, lambda name, data: None)
    return sum(file.size for file in written.values())


def fast_query(ctx: Context) -> int:
    store = ctx.parsed_store()
    rows = 0
    for name, text in ctx.queries.items():
        start = _now()
        result = store.query(text)
        rows += 1 if isinstance(result, pyoxigraph.QueryBoolean) else sum(1 for _ in result)
        ctx.per_query[name] = _now() - start
    return rows


# The straightforward path: rdflib for parsing, serialising and querying, pyshacl whole -------


def rdflib_parse(ctx: Context) -> int:
    import rdflib

    g = rdflib.Graph()
    g.parse(str(ctx.turtle), format="turtle")
    ctx.rdflib_graph = g
    return len(g)


def rdflib_validate(ctx: Context) -> int:
    import pyshacl
    import rdflib

    g = ctx.parsed_graph()
    shapes = rdflib.Graph().parse(data=rdf_bytes(ctx.shapes, RdfFormat.N_TRIPLES), format="nt")
    _, results, _ = pyshacl.validate(
        g, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=False
    )
    report: rdflib.Graph = results  # pyshacl.validate is untyped: its results are a graph
    return len(
        list(
            report.subjects(
                rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#ValidationResult")
            )
        )
    )


def rdflib_violations(ctx: Context) -> int:
    g = ctx.parsed_graph()
    return sum(len(g.query(text)) for text in ctx.violation_queries.values())


def rdflib_serialize(ctx: Context) -> int:
    g = ctx.parsed_graph()
    return sum(len(g.serialize(format=f, encoding="utf-8")) for f in ("turtle", "nt", "json-ld"))


def rdflib_query(ctx: Context) -> int:
    g = ctx.parsed_graph()
    rows = 0
    for name, text in ctx.queries.items():
        start = _now()
        try:
            rows += _within(QUERY_BUDGET, partial(_answer_rows, g, text))
        except TimeoutError:
            ctx.failed[name] = f"stopped after {QUERY_BUDGET:.0f} s"
        except Exception as e:  # noqa: BLE001 - an rdflib engine bug is a result to report
            ctx.failed[name] = f"{type(e).__name__}: {e}"[:200]
        ctx.per_query[name] = _now() - start
    return rows


def _answer_rows(g: rdflib.Graph, text: str) -> int:
    return len(g.query(text))


def _within(seconds: float, fn: Callable[[], T]) -> T:
    """fn(), or TimeoutError once it has run for the given seconds (rdflib is pure Python)."""

    def stop(*_: object) -> NoReturn:
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _now() -> float:
    import time

    return time.perf_counter()


Stage = tuple[str, Callable[[Context], int]]
ENGINES: dict[str, list[Stage]] = {
    "fast": [
        ("parse", fast_parse),
        ("validate", fast_validate),
        ("violation queries", fast_violations),
        ("serialize", fast_serialize),
        ("query", fast_query),
    ],
    "rdflib": [
        ("parse", rdflib_parse),
        ("validate", rdflib_validate),
        ("violation queries", rdflib_violations),
        ("serialize", rdflib_serialize),
        ("query", rdflib_query),
    ],
}
