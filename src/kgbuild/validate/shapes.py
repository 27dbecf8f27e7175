"""Check shapes/ before validating with them, so a broken shape is an input error with file:line.

Three checks: SHACL's own shapes for shapes graphs (shacl-shacl, shipped with pyshacl) catch
constraints with values of the wrong kind (a literal as sh:path, a text as sh:minCount), every
sh:pattern must compile as a regular expression, and every SPARQL constraint (sh:select,
sh:ask) must parse, reported at the line of the error.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..model.errors import InputError, Loc, Problem
from ..model.sparqlsyntax import syntax_error
from ..read.cells import shown

if TYPE_CHECKING:  # rdflib is imported where it is used: most builds never load it
    import rdflib
    from rdflib.term import Node

SH = "http://www.w3.org/ns/shacl#"


def find_line(texts: dict[str, str], key: str, forms: list[str]) -> Loc:
    """The first line (over all files) with key and one of the forms of the value; else with
    one of the forms; else with key; else line 1 of the first file."""
    wanted = [(key, f) for f in forms] + [(f,) for f in forms] + [(key,)]
    for needles in wanted:
        for rel, text in texts.items():
            for number, line in enumerate(text.splitlines(), 1):
                if all(n and n in line for n in needles):
                    return Loc(rel, number)
    return Loc(next(iter(texts), "shapes"), 1)


def value_forms(value: Node | None) -> list[str]:
    """How a value may be written in Turtle: quoted literal, or the local name of an IRI."""
    import rdflib

    if isinstance(value, rdflib.Literal):
        return [f'"{value}"', f"'{value}'", str(value)] if str(value) else ['""']
    return [_local(value)] if value is not None else []


def pattern_problems(graph: rdflib.Graph, texts: dict[str, str]) -> list[Problem]:
    import rdflib

    problems = []
    for value in sorted(set(graph.objects(None, rdflib.URIRef(SH + "pattern"))), key=str):
        try:
            re.compile(str(value))
        except re.error as e:
            problems.append(
                Problem(
                    find_line(texts, "pattern", value_forms(value)),
                    f"sh:pattern {shown(str(value))} is not a valid regular expression: {e}",
                )
            )
    return problems


def sparql_problems(graph: rdflib.Graph, texts: dict[str, str]) -> list[Problem]:
    """Each sh:select and sh:ask parses, with the prefixes the shapes declare (sh:declare);
    a mistake is reported at its own line of the file, found from the query's first line."""
    import rdflib

    sh = rdflib.Namespace(SH)
    prefixes = "".join(
        f"PREFIX {p}: <{n}>\n"
        for p, n in sorted(
            (str(graph.value(d, sh.prefix)), str(graph.value(d, sh.namespace)))
            for d in set(graph.objects(None, sh.declare))
        )
    )
    problems = []
    for key in ("select", "ask"):
        for value in sorted(set(graph.objects(None, sh[key])), key=str):
            query = str(value)
            found = syntax_error(prefixes + query)
            if found is None:
                continue
            line, message = found
            first = next((x.strip() for x in query.splitlines() if x.strip()), "")
            start = find_line(texts, key, [first[:60]])
            at = Loc(start.path, start.line + max(0, line - prefixes.count("\n") - 1))
            problems.append(Problem(at, f"invalid SPARQL in sh:{key}: {message}"))
    return problems


@cache
def shacl_shacl() -> rdflib.Graph:
    import pyshacl
    import rdflib

    path = Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl"
    return rdflib.Graph().parse(path, format="turtle")


def _local(iri: object) -> str:
    return re.split(r"[#/]", str(iri))[-1]


def shacl_shacl_problems(graph: rdflib.Graph, texts: dict[str, str]) -> list[Problem]:
    import pyshacl
    import rdflib

    _, results, _ = pyshacl.validate(
        graph, shacl_graph=shacl_shacl(), inference="none", advanced=False
    )
    sh = rdflib.Namespace(SH)
    found = []
    for result in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        value = results.value(result, sh.value)
        path = results.value(result, sh.resultPath)
        if isinstance(value, rdflib.BNode):
            continue  # the same mistake is reported by the result about its value
        loc = find_line(texts, _local(path) if path else "", value_forms(value))
        what = f"sh:{_local(path)} " if path else ""
        shown_value = shown(str(value)) if value is not None else "(missing)"
        found.append(
            Problem(
                loc,
                f"invalid SHACL: {what}value {shown_value}: not allowed by "
                f"SHACL ({results.value(result, sh.resultMessage)})",
            )
        )
    return found


def check_shapes(directory: Path, root: Path, cache: Path | None = None) -> None:
    """Raise InputError for every shape that SHACL does not allow; call after read_rdf_dir.

    The files are checked together: a shape in one file may use shapes of another. Shapes
    found sound are remembered by their content in this process, and, given a `cache` folder,
    as an empty marker file in it, so building the same shapes again costs nothing.
    """
    texts = tuple(
        (p.relative_to(root).as_posix(), p.read_bytes().decode("utf-8-sig"))
        for p in sorted(directory.glob("*.ttl"))
    )
    marker = cache / f"shapes-sound-{fingerprint(texts)}" if cache else None
    if marker and marker.is_file():
        return
    problems = shapes_problems(texts)
    if problems:
        raise InputError(list(problems))
    if marker:
        with contextlib.suppress(OSError):
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()


def fingerprint(texts: tuple[tuple[str, str], ...]) -> str:
    """Of the shapes' files and of the checker (pyshacl's version and this module)."""
    from importlib.metadata import version

    digest = hashlib.sha256(version("pyshacl").encode())
    digest.update(Path(__file__).read_bytes())
    for rel, text in texts:
        digest.update(f"\0{rel}\0{text}".encode())
    return digest.hexdigest()[:32]


@cache
def shapes_problems(texts: tuple[tuple[str, str], ...]) -> tuple[Problem, ...]:
    import rdflib

    graph = rdflib.Graph()
    for _, text in texts:
        graph.parse(data=text, format="turtle")
    by_file = dict(texts)
    return tuple(
        pattern_problems(graph, by_file)
        + sparql_problems(graph, by_file)
        + shacl_shacl_problems(graph, by_file)
    )
