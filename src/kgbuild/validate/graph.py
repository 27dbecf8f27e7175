"""Stage 4: validate the graph against shapes/ (pyshacl) and the *-violation.rq queries.

Returns a Report; each finding names severity, focus node, path, shape and the source file:line
the focus node came from.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph
from pyoxigraph import Literal, NamedNode, QuerySolution, RdfFormat, Triple

from ..model.errors import InputError, Loc, Problem
from ..model.formats import rdf_bytes
from ..model.memstore import solutions, store_of
from ..model.sparqlsyntax import syntax_error
from ..model.terms import NS, RDF, XSD, A
from .shacl import narrow

if TYPE_CHECKING:  # rdflib is imported where it is used: most builds never load it
    from rdflib.term import Node

SH = NS("http://www.w3.org/ns/shacl#")
SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
NO_NETWORK = "federated queries (SERVICE) are not allowed: validation runs without network access"


@dataclass(frozen=True)
class Finding:
    severity: str  # Violation | Warning | Info
    focus: str
    path: str
    shape: str
    message: str
    loc: Loc | None

    def line(self) -> str:
        where = str(self.loc) if self.loc else "-"
        return (
            f"{where}: {self.severity}: <{self.focus}> path={self.path or '-'} "
            f"shape={self.shape}: {self.message}"
        )

    def sort_key(self) -> tuple[int, Loc, str, str, str, str]:
        return (
            SEVERITY_ORDER.get(self.severity, 9),
            self.loc or Loc(""),
            self.focus,
            self.path,
            self.shape,
            self.message,
        )


@dataclass
class Report:
    findings: list[Finding]

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations


def origin_of(focus: str, origins: dict[str, Loc]) -> Loc | None:
    """The file:line of a focus node: its own (a statement has the row that stated it), else
    that of the IRI it is a hash of (a membership's #periode, a source's #place)."""
    return origins.get(focus) or origins.get(focus.split("#", 1)[0])


def run_pyshacl(data_nt: bytes, shapes_nt: bytes, origins: dict[str, Loc]) -> list[Finding]:
    import pyshacl
    import rdflib
    from pyparsing import ParseBaseException
    from pyshacl.errors import ValidationFailure

    data = rdflib.Graph().parse(data=data_nt, format="nt")
    shapes = rdflib.Graph().parse(data=shapes_nt, format="nt")
    try:
        _, results, _ = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=False
        )
    except ParseBaseException as e:  # rdflib's SPARQL parser, on a SPARQL constraint
        raise InputError(
            [Problem(Loc("shapes", 0), f"a SPARQL constraint does not parse: {_first_line(e)}")]
        ) from None
    except OSError as e:  # a SPARQL constraint's SERVICE met the missing network
        raise InputError(
            [
                Problem(
                    Loc("shapes", 0), f"a SPARQL constraint failed: {NO_NETWORK} ({_first_line(e)})"
                )
            ]
        ) from None
    if isinstance(results, ValidationFailure):  # pyshacl refused the shapes
        raise InputError([Problem(Loc("shapes", 0), f"validation failed: {results.message}")])
    report: rdflib.Graph = results  # pyshacl.validate is untyped: its results are a graph
    sh = rdflib.Namespace(SH.iri)
    findings = []
    for result in report.subjects(rdflib.RDF.type, sh.ValidationResult):

        def one(p: rdflib.URIRef, result: Node = result) -> Node | None:
            return report.value(result, p)

        focus = str(one(sh.focusNode))
        findings.append(
            Finding(
                severity=str(one(sh.resultSeverity)).rsplit("#", 1)[-1],
                focus=focus,
                path=str(one(sh.resultPath) or ""),
                shape=_shape_name(one(sh.sourceShape), one(sh.sourceConstraintComponent)),
                message=str(one(sh.resultMessage) or ""),
                loc=origin_of(focus, origins),
            )
        )
    return findings


def _shape_name(shape: Node | None, component: Node | None) -> str:
    import rdflib

    comp = str(component).rsplit("#", 1)[-1] if component else ""
    if isinstance(shape, rdflib.URIRef):
        return f"{shape}" + (f" ({comp})" if comp else "")
    return comp or "anonymous shape"


def _first_line(e: Exception) -> str:
    return (str(e).splitlines() or [type(e).__name__])[0]


def check_violation_query(text: str, rel: str) -> None:
    """A violation query must be a SELECT with ?focus and ?message; raise InputError if not."""
    try:
        result = pyoxigraph.Store().query(text)  # runs it, on no data: call without network
    except SyntaxError as e:
        line, message = syntax_error(text, e)
        raise InputError([Problem(Loc(rel, line or 1), f"invalid SPARQL: {message}")]) from None
    except OSError as e:
        raise InputError([Problem(Loc(rel, 1), f"{NO_NETWORK} ({_first_line(e)})")]) from None
    names = {v.value for v in getattr(result, "variables", [])}
    if not isinstance(result, pyoxigraph.QuerySolutions) or not {"focus", "message"} <= names:
        raise InputError(
            [
                Problem(
                    Loc(rel, 1),
                    "a violation query must be a SELECT of ?focus "
                    "and ?message (and optionally ?path)",
                )
            ]
        )


def read_violation_queries(shapes_dir: Path, root: Path) -> dict[str, str]:
    queries, problems = {}, []
    for path in sorted(shapes_dir.glob("*-violation.rq")):
        rel = path.relative_to(root).as_posix()
        try:
            text = path.read_bytes().decode("utf-8-sig")
            check_violation_query(text, rel)
            queries[path.name] = text
        except UnicodeDecodeError:
            problems.append(Problem(Loc(rel, 1), "not valid UTF-8 (save the file as UTF-8)"))
        except InputError as e:
            problems += e.problems
    if problems:
        raise InputError(problems)
    return queries


def _violation(name: str, row: QuerySolution, has_path: bool, origins: dict[str, Loc]) -> Finding:
    focus = row["focus"].value if row["focus"] is not None else ""
    path = row["path"].value if has_path and row["path"] is not None else ""
    message = row["message"].value if row["message"] is not None else "(no message)"
    return Finding("Violation", focus, path, f"shapes/{name}", message, origin_of(focus, origins))


def run_violation_query(
    store: pyoxigraph.Store, name: str, text: str, origins: dict[str, Loc]
) -> list[Finding]:
    try:
        results = solutions(store.query(text))
        has_path = "path" in {v.value for v in results.variables}
        return [_violation(name, row, has_path, origins) for row in results]
    except OSError as e:  # SERVICE met the missing network
        raise InputError(
            [
                Problem(
                    Loc(f"shapes/{name}", 1),
                    f"violation query failed: {NO_NETWORK} ({_first_line(e)})",
                )
            ]
        ) from None
    except (RuntimeError, ValueError) as e:
        raise InputError(
            [Problem(Loc(f"shapes/{name}", 1), f"violation query failed: {_first_line(e)}")]
        ) from None


def run_violation_queries(
    store: pyoxigraph.Store, queries: dict[str, str], origins: dict[str, Loc]
) -> list[Finding]:
    """Each query selects ?focus and ?message (and optionally ?path): every row is a violation."""
    findings = []
    for name, text in queries.items():
        findings += run_violation_query(store, name, text, origins)
    return findings


def shape_findings(
    store: pyoxigraph.Store, shape_triples: Collection[Triple], origins: dict[str, Loc]
) -> list[Finding]:
    """pyshacl's findings, asking pyshacl only about the nodes the pre-check flags (shacl/).

    pyshacl sees the flagged nodes with their neighbourhood; findings about the neighbours,
    which it sees only in part, are dropped. (pyshacl's own focus_nodes option is not used: it
    also filters the value nodes of nested shapes such as sh:or, and so misses violations.)
    """
    narrowed = narrow(store, shape_triples)
    if narrowed.focus == []:
        return []
    shapes_nt = rdf_bytes(shape_triples, RdfFormat.N_TRIPLES)
    if narrowed.focus is None:
        data_nt = store.dump(format=RdfFormat.N_TRIPLES, from_graph=pyoxigraph.DefaultGraph())
        return run_pyshacl(data_nt or b"", shapes_nt, origins)
    data_nt = rdf_bytes(narrowed.triples, RdfFormat.N_TRIPLES)
    focus = {f.value for f in narrowed.focus}
    return [f for f in run_pyshacl(data_nt, shapes_nt, origins) if f.focus in focus]


def kept_by_store(triples: Iterable[Triple]) -> bool:
    """Does an embedded store hold these triples as written? It rewrites numbers, dates and
    booleans to their canonical form ("8"^^xsd:int is stored as "8"^^xsd:integer) and language
    tags to lower case; the queries of the pre-check would then see another graph than pyshacl.
    (Each distinct literal is stored once in a small store and compared with what it gives
    back.)"""
    literals = {o for t in triples if type(o := t.object) is Literal}
    written = [o for o in literals if o.language or o.datatype.value.startswith(XSD.iri)]
    if not written:
        return True
    subject, p = NamedNode("urn:x:kept"), NamedNode("urn:x:value")
    stored = pyoxigraph.Store()
    stored.bulk_extend(pyoxigraph.Quad(subject, p, o) for o in written)
    return len(stored) == len(written) and all(q.object in literals for q in stored)


def validate_store(
    store: pyoxigraph.Store,
    shape_triples: Collection[Triple],
    queries: dict[str, str],
    origins: dict[str, Loc],
) -> Report:
    """Shapes and violation queries on the graph of the store's default graph."""
    findings = shape_findings(store, shape_triples, origins)
    findings += run_violation_queries(store, queries, origins)
    return Report(sorted(set(findings), key=Finding.sort_key))


def graph_findings(
    triples: list[Triple],
    shape_triples: Collection[Triple],
    origins: dict[str, Loc],
    store: pyoxigraph.Store,
) -> list[Finding]:
    """pyshacl's findings on the triples, which `store` holds. Where the store would not hold
    them as written (kept_by_store), pyshacl validates the whole graph as given."""
    if kept_by_store(triples):
        return shape_findings(store, shape_triples, origins)
    data_nt = rdf_bytes(triples, RdfFormat.N_TRIPLES)
    return run_pyshacl(data_nt, rdf_bytes(shape_triples, RdfFormat.N_TRIPLES), origins)


def validate(
    triples: list[Triple],
    shape_triples: Collection[Triple],
    queries: dict[str, str],
    origins: dict[str, Loc],
    store: pyoxigraph.Store | None = None,
) -> Report:
    """Shapes and violation queries; `store` holds the same triples when the caller has one."""
    store = store if store is not None else store_of(triples)
    findings = graph_findings(triples, shape_triples, origins, store)
    findings += run_violation_queries(store, queries, origins)
    return Report(sorted(set(findings), key=Finding.sort_key))


def report_triples(report: Report, report_iri: str) -> list[Triple]:
    """The report as SHACL results with stable hash IRIs (no blank nodes), for the dumps."""
    node = NamedNode(report_iri)
    out = [
        Triple(node, A, SH.ValidationReport),
        Triple(node, SH.conforms, Literal(str(report.conforms).lower(), datatype=XSD.boolean)),
    ]
    for i, f in enumerate(report.findings, 1):
        r = NamedNode(f"{report_iri}#resultaat-{i}")
        out += [
            Triple(node, SH.result, r),
            Triple(r, A, SH.ValidationResult),
            Triple(r, SH.resultSeverity, SH[f.severity]),
            Triple(r, SH.focusNode, NamedNode(f.focus)),
            Triple(r, SH.resultMessage, Literal(f.message)),
        ]
        if f.path:
            out.append(Triple(r, SH.resultPath, NamedNode(f.path)))
        if f.loc:
            out.append(Triple(r, RDF.value, Literal(str(f.loc))))
    return out
