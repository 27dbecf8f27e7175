"""Check shapes/ before validating with them, so a broken shape is an input error with file:line.

Two checks: SHACL's own shapes for shapes graphs (shacl-shacl, shipped with pyshacl) catch
constraints with values of the wrong kind (a literal as sh:path, a text as sh:minCount), and
every sh:pattern must compile as a regular expression.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from .cells import shown
from .errors import InputError, Loc, Problem

SH = "http://www.w3.org/ns/shacl#"


def find_line(text: str, key: str, forms: list[str]) -> int:
    """The first line with key and one of the forms of the value; else with key; else 1."""
    lines = text.splitlines()
    for wanted in [(key, f) for f in forms] + [(f,) for f in forms] + [(key,)]:
        for number, line in enumerate(lines, 1):
            if all(w and w in line for w in wanted):
                return number
    return 1


def value_forms(value) -> list[str]:
    """How a value may be written in Turtle: quoted literal, or the local name of an IRI."""
    import rdflib

    if isinstance(value, rdflib.Literal):
        return [f'"{value}"', f"'{value}'", str(value)] if str(value) else ['""']
    return [_local(value)] if value is not None else []


def pattern_problems(graph, text: str, rel: str) -> list[Problem]:
    import rdflib

    problems = []
    for value in sorted(set(graph.objects(None, rdflib.URIRef(SH + "pattern")))):
        try:
            re.compile(str(value))
        except re.error as e:
            line = find_line(text, "pattern", value_forms(value))
            problems.append(Problem(Loc(rel, line),
                                    f"sh:pattern {shown(str(value))} is not a valid regular "
                                    f"expression: {e}"))
    return problems


@cache
def shacl_shacl():
    import pyshacl
    import rdflib

    path = Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl"
    return rdflib.Graph().parse(path, format="turtle")


def _local(iri) -> str:
    return re.split(r"[#/]", str(iri))[-1]


def shacl_shacl_problems(graph, text: str, rel: str) -> list[Problem]:
    import pyshacl
    import rdflib

    _, results, _ = pyshacl.validate(graph, shacl_graph=shacl_shacl(), inference="none",
                                     advanced=False)
    sh = rdflib.Namespace(SH)
    found = []
    for result in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        value = results.value(result, sh.value)
        path = results.value(result, sh.resultPath)
        if isinstance(value, rdflib.BNode):
            continue  # the same mistake is reported by the result about its value
        line = find_line(text, _local(path) if path else "", value_forms(value))
        what = f"sh:{_local(path)} " if path else ""
        found.append(Problem(Loc(rel, line), f"invalid SHACL: {what}value "
                                             f"{shown(str(value))}: not allowed by SHACL"))
    return found


def check_shapes_file(path: Path, root: Path) -> list[Problem]:
    import rdflib

    rel = path.relative_to(root).as_posix()
    text = path.read_bytes().decode("utf-8-sig")
    graph = rdflib.Graph().parse(data=text, format="turtle")
    return pattern_problems(graph, text, rel) + shacl_shacl_problems(graph, text, rel)


def check_shapes(directory: Path, root: Path) -> None:
    """Raise InputError for every shape that SHACL does not allow; call after read_rdf_dir."""
    problems = []
    for path in sorted(directory.glob("*.ttl")):
        problems += check_shapes_file(path, root)
    if problems:
        raise InputError(problems)
