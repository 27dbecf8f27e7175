"""The pre-check as SPARQL: each shape's core constraints compiled into queries on the store.

Each query selects the focus nodes (?f) that may violate one constraint of a shape, so the
engine scans the store in Rust and Python sees only the few nodes it returns (none for a
conforming graph). It errs one way only, like the pre-check it replaces: a value that may
conform but whose form the query does not model (an unusual lexical form, a regular expression
outside the subset both engines read alike, a parameter it does not know) flags its focus node,
and pyshacl decides. Every test of a value is wrapped in COALESCE(..., false), so an expression
error counts as "may violate", never as "conforms".
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Store, Triple

from ...model.memstore import solutions
from ...model.terms import Term
from ...runtime.parallel import available_cores
from .model import Node, Shape

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"
EDTF = "http://id.loc.gov/datatypes/edtf/EDTF"
LEXICAL = {  # strict forms (the same as pyshacl accepts, or fewer): anything else is flagged
    XSD + "string": "",  # every lexical form
    XSD + "integer": "[+-]?[0-9]+",
    XSD + "decimal": "[+-]?[0-9]+(\\.[0-9]+)?",
    XSD + "boolean": "true|false",
    XSD + "gYear": "[0-9]{4}",
    XSD + "gYearMonth": "[0-9]{4}-(0[1-9]|1[0-2])",
    XSD + "date": "[0-9]{4}-[0-9]{2}-[0-9]{2}",
    # the part of EDTF the register writes: a year, a month or a day
    EDTF: "[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?",
}
NUMERIC = (XSD + "integer", XSD + "decimal")
NODE_KINDS = {
    "IRI": "isIRI({v})",
    "BlankNode": "isBlank({v})",
    "Literal": "isLiteral({v})",
    "BlankNodeOrIRI": "(isIRI({v}) || isBlank({v}))",
    "BlankNodeOrLiteral": "(isBlank({v}) || isLiteral({v}))",
    "IRIOrLiteral": "(isIRI({v}) || isLiteral({v}))",
}
# Regular expressions that Python's re (pyshacl) and the store's engine read alike: literal
# characters, classes, groups without (?...), quantifiers, anchors, and escaped metacharacters.
SAFE_PATTERN = re.compile(
    r"(?:[A-Za-z0-9 ^$.*+?()\[\]{}|\-/#:_,=%&~!@;'<>]|\\[.\\^$*+?()\[\]{}|\-])*"
)
BOUNDS = {
    "minInclusive": ">=",
    "minExclusive": ">",
    "maxInclusive": "<=",
    "maxExclusive": "<",
}
FALSE = "false"


def sparql_string(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{out}"'


def term(t: Term | None) -> str | None:
    """A term as SPARQL, or None for one a query cannot name (a quoted triple, nothing)."""
    if isinstance(t, NamedNode):
        return f"<{t.value}>"
    if isinstance(t, Literal):
        if t.language:
            return f"{sparql_string(t.value)}@{t.language}"
        return f"{sparql_string(t.value)}^^<{t.datatype.value}>"
    return None  # a blank node in a query is a variable, not the node


def plain(t: Term | None) -> bool:
    """A constant the store keeps as written: an IRI, a string or a language-tagged string.
    (The store rewrites numbers, dates and booleans to their canonical form: "01" is 1.)"""
    if isinstance(t, NamedNode):
        return True
    return isinstance(t, Literal) and t.datatype.value in (XSD + "string", LANG_STRING)


class Compiler:
    """The queries of each shape, with the subclass closure of the store's graph."""

    def __init__(self, store: Store):
        self.store = store
        parents: dict[str, set[str]] = defaultdict(set)
        for q in store.quads_for_pattern(None, NamedNode(SUBCLASS), None, DefaultGraph()):
            if isinstance(q.subject, NamedNode) and isinstance(q.object, NamedNode):
                parents[q.subject.value].add(q.object.value)
        self.subclasses: dict[str, set[str]] = defaultdict(set)  # class -> itself and below
        for cls in parents:
            for sup in self._supers(cls, parents):
                self.subclasses[sup].add(cls)
        self._n = 0

    @staticmethod
    def _supers(name: str, parents: dict[str, set[str]]) -> set[str]:
        seen, todo = {name}, [name]
        while todo:
            for p in parents.get(todo.pop(), ()):
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return seen

    def classes(self, cls: str) -> list[str]:
        return sorted(self.subclasses.get(cls, set()) | {cls})

    def var(self, name: str) -> str:
        self._n += 1
        return f"?{name}{self._n}"

    def instance_of(self, v: str, cls: str) -> str:
        """A group pattern: v is an instance of cls or of a subclass of it."""
        t = self.var("t")
        values = " ".join(f"<{c}>" for c in self.classes(cls))
        return f"VALUES {t} {{ {values} }} {v} <{RDF_TYPE}> {t} ."

    # Focus nodes -----------------------------------------------------------------------------

    def focus(self, shape: Shape) -> str | None:
        """A group pattern binding ?f to each focus node of the shape (repeats allowed)."""
        parts = []
        for node in shape.targets.get("targetNode", []):
            if term(node) is not None:
                parts.append(f"VALUES ?f {{ {term(node)} }}")
        for cls in shape.targets.get("targetClass", []):
            if isinstance(cls, NamedNode):
                parts.append(self.instance_of("?f", cls.value))
        for p in shape.targets.get("targetSubjectsOf", []):
            if isinstance(p, NamedNode):
                parts.append(f"SELECT DISTINCT ?f WHERE {{ ?f <{p.value}> [] }}")
        for p in shape.targets.get("targetObjectsOf", []):
            if isinstance(p, NamedNode):
                parts.append(f"SELECT DISTINCT ?f WHERE {{ [] <{p.value}> ?f }}")
        if not parts:
            return None
        return " UNION ".join(f"{{ {p} }}" for p in parts)

    # Queries ---------------------------------------------------------------------------------

    def checks(self, shape: Shape) -> Iterator[Check]:
        """The checks whose rows' ?f are the focus nodes that may violate the shape."""
        focus = self.focus(shape)
        if focus is not None:
            yield from self.bodies(shape, focus, "?f")

    def bodies(self, shape: Shape, pattern: str, x: str) -> Iterator[Check]:
        """Checks binding ?f where the shape, applied to the node x that pattern binds, may
        be violated. Where x is the focus node itself, a check can also say which nodes of
        the whole graph may violate it (Check.wide): one scan of a property, shared by every
        shape that asks the same of it."""
        if shape.unsupported:
            yield Check(pattern)
            return
        path = shape.path
        if not isinstance(path, NamedNode):  # a node shape: its value is the node itself
            if shape.params.keys() & {"minCount", "maxCount", "hasValue"} or shape.unique_lang:
                yield Check(pattern)
                return
            if "qualifiedValueShape" in shape.nested:
                yield Check(pattern)
                return
            ok = self.conforms(shape, x)
            if ok != "true":
                yield Check(f"{pattern} FILTER(!COALESCE({ok}, false))")
            for inner in shape.properties:
                yield from self.bodies(inner, pattern, x)
            return
        p = f"<{path.value}>"
        top = x == "?f"
        yield from self.counts(shape, pattern, x, p)
        v = self.var("v")
        if top:  # each kind of test on its own, so that shapes share them
            for cls in self.class_tests(shape):
                bound = f"{{ {pattern} {x} {p} {v} . }} MINUS {{ {self.instance_of(v, cls)} }}"
                wide = f"{{ ?f {p} ?v }} MINUS {{ {self.instance_of('?v', cls)} }}"
                yield Check(bound, wide)
            ok = self.conforms(shape, v, classes=False)
            if ok != "true":
                wide = f"?f {p} ?v . FILTER(!COALESCE({self.conforms(shape, '?v', False)}, false))"
                yield Check(f"{pattern} {x} {p} {v} . FILTER(!COALESCE({ok}, false))", wide)
        else:
            ok = self.conforms(shape, v)
            if ok != "true":
                yield Check(f"{pattern} {x} {p} {v} . FILTER(!COALESCE({ok}, false))")
        for inner in shape.properties:
            yield from self.bodies(inner, f"{pattern} {x} {p} {v} .", v)

    def class_tests(self, shape: Shape) -> list[str]:
        cls = shape.params.get("class")
        return [cls.value] if isinstance(cls, NamedNode) else []

    def counts(self, shape: Shape, pattern: str, x: str, p: str) -> Iterator[Check]:
        params = shape.params
        top = x == "?f"
        group = "?f" if top else f"?f {x}"
        if "minCount" in params:
            n = number(params["minCount"])
            if n is None:
                yield Check(pattern)
            elif n in (1, 2):
                few = f"NOT EXISTS {{ {x} {p} [] }}" if n == 1 else two(x, p)
                yield Check(f"{pattern} FILTER({few})", missing=(pattern, few) if top else None)
            elif n > 2:
                bound = self.counted(pattern, group, f"OPTIONAL {{ {x} {p} ?v }}", f"?c < {n}")
                yield Check(bound)
        if "maxCount" in params:
            n = number(params["maxCount"])
            if n is None:
                yield Check(pattern)
            else:
                wide = (
                    f"SELECT ?f WHERE {{ ?f {p} ?v }} GROUP BY ?f HAVING(COUNT(DISTINCT ?v) > {n})"
                )
                if n == 0:
                    yield Check(f"{pattern} {x} {p} [] .", wide if top else None)
                elif n == 1:  # clear where the property has as many subjects as values
                    bound = f"{pattern} {x} {p} ?a, ?b . FILTER(!sameTerm(?a, ?b))"
                    clear = (
                        f"SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?f) AS ?m) WHERE {{ ?f {p} ?v }}"
                    )
                    yield Check(bound, clear=clear if top else None)
                else:
                    bound = self.counted(pattern, group, f"{x} {p} ?v .", f"?c > {n}")
                    yield Check(bound, wide if top else None)
        if shape.unique_lang:
            same = (
                "FILTER(!sameTerm(?a, ?b) && isLiteral(?a) && isLiteral(?b) && "
                'LANG(?a) != "" && LCASE(LANG(?a)) = LCASE(LANG(?b)))'
            )
            tagged = f'?f {p} ?v . FILTER(isLiteral(?v) && LANG(?v) != "")'
            clear = (  # clear where no subject has two values of one language
                f"SELECT ?n ?m WHERE {{ {{ SELECT (COUNT(*) AS ?n) WHERE {{ {tagged} }} }} "
                f"{{ SELECT (COUNT(*) AS ?m) WHERE {{ SELECT DISTINCT ?f ?l WHERE {{ {tagged} "
                f"BIND(LCASE(LANG(?v)) AS ?l) }} }} }} }}"
            )
            yield Check(f"{pattern} {x} {p} ?a, ?b . {same}", clear=clear if top else None)
        if "hasValue" in params:
            value = params["hasValue"]
            yield Check(
                f"{pattern} FILTER NOT EXISTS {{ {x} {p} {term(value)} }}"
                if plain(value)
                else pattern
            )
        if "qualifiedValueShape" in shape.nested:
            yield from self.qualified(shape, pattern, group, x, p)

    def counted(self, pattern: str, group: str, values: str, test: str) -> str:
        inner = f"SELECT {group} (COUNT(DISTINCT ?v) AS ?c) WHERE {{ {pattern} {values} }}"
        return f"{{ {inner} GROUP BY {group} }} FILTER({test})"

    def qualified(self, shape: Shape, pattern: str, group: str, x: str, p: str) -> Iterator[Check]:
        """At least qualifiedMinCount values surely conform to the qualified shapes. (A
        qualifiedMaxCount would need the values that surely violate them: flagged.)"""
        params = shape.params
        if "qualifiedMaxCount" in params:
            yield Check(pattern)
            return
        if "qualifiedMinCount" not in params:
            return
        n = number(params["qualifiedMinCount"])
        if n is None:
            yield Check(pattern)
            return
        ok = " && ".join(self.conforms(s, "?v") for s in shape.nested["qualifiedValueShape"])
        values = f"OPTIONAL {{ {x} {p} ?v . FILTER(COALESCE({ok}, false)) }}"
        yield Check(self.counted(pattern, group, values, f"?c < {n}"))

    # Values ----------------------------------------------------------------------------------

    def conforms(self, shape: Shape, v: str, classes: bool = True) -> str:
        """An expression true only where the value v surely meets the shape's per-value
        constraints (and false where not sure); "true" when it has none. (Without its
        sh:class where classes is false.)"""
        tests = list(self.value_tests(shape, v, classes))
        return " && ".join(tests) if tests else "true"

    def nested(self, shape: Shape, v: str) -> str:
        """A shape inside sh:or, sh:and, sh:node or sh:qualifiedValueShape, applied to v."""
        if shape.unsupported or shape.path is not None or shape.properties:
            return FALSE
        if shape.params.keys() & {"minCount", "maxCount", "hasValue"} or shape.unique_lang:
            return FALSE
        if "qualifiedValueShape" in shape.nested:
            return FALSE
        return f"({self.conforms(shape, v)})"

    def value_tests(self, shape: Shape, v: str, classes: bool = True) -> Iterator[str]:
        params = shape.params
        if "nodeKind" in params:
            kind = params["nodeKind"].value.removeprefix(SH)
            yield NODE_KINDS[kind].format(v=v) if kind in NODE_KINDS else FALSE
        if "datatype" in params:
            yield datatype_test(v, params["datatype"].value)
        if "class" in params and classes:
            cls = params["class"]
            yield (
                f"EXISTS {{ {self.instance_of(v, cls.value)} }}"
                if isinstance(cls, NamedNode)
                else FALSE
            )
        for name in ("minLength", "maxLength"):
            if name in params:
                n = number(params[name])
                op = ">=" if name == "minLength" else "<="
                yield FALSE if n is None else f"(!isBlank({v}) && STRLEN(STR({v})) {op} {n})"
        for name, op in BOUNDS.items():
            if name in params:
                yield bound_test(v, params[name], op)
        if "in" in shape.lists:
            yield in_test(v, shape.lists["in"])
        if "languageIn" in shape.lists:
            yield language_test(v, shape.lists["languageIn"])
        if shape.pattern is not None:
            yield pattern_test(v, *shape.pattern)
        for name, shapes in sorted(shape.nested.items()):
            if name == "qualifiedValueShape":
                continue
            tests = [self.nested(s, v) for s in shapes]
            if name in ("node", "and"):
                yield " && ".join(tests) if tests else "true"
            elif name == "or":
                yield f"({' || '.join(tests)})" if tests else FALSE
            else:  # sh:not and sh:xone need the values that surely violate: not modelled
                yield FALSE


def two(x: str, p: str) -> str:
    """x has fewer than two values of p."""
    return f"NOT EXISTS {{ {x} {p} ?a, ?b . FILTER(!sameTerm(?a, ?b)) }}"


def number(n: Node) -> int | None:
    return int(n.value) if isinstance(n, Literal) and n.value.isdigit() else None


def lexical(v: str, datatype: str) -> str:
    form = LEXICAL[datatype]
    return f"REGEX(STR({v}), {sparql_string(f'^({form})$')})" if form else "true"


def datatype_test(v: str, datatype: str) -> str:
    if datatype == LANG_STRING:
        return f'(isLiteral({v}) && LANG({v}) != "")'
    if datatype not in LEXICAL:
        return FALSE
    test = f'(isLiteral({v}) && LANG({v}) = "" && DATATYPE({v}) = <{datatype}> && {lexical(v, datatype)}'
    if datatype == XSD + "date":  # a real day of a year from 1 on, as Python's date reads it
        test += (
            f' && !STRSTARTS(STR({v}), "0000") && DATATYPE(<{datatype}>(STR({v}))) = <{datatype}>'
        )
    return test + ")"


def bound_test(v: str, bound: Node, op: str) -> str:
    """Plain integers and decimals compared with a plain integer or decimal bound."""
    if not (isinstance(bound, Literal) and bound.datatype.value in NUMERIC):
        return FALSE
    if not re.fullmatch(LEXICAL[bound.datatype.value], bound.value):
        return FALSE
    numeric = " || ".join(f"(DATATYPE({v}) = <{d}> && {lexical(v, d)})" for d in NUMERIC)
    return f'(isLiteral({v}) && LANG({v}) = "" && ({numeric}) && {v} {op} {term(bound)})'


def in_test(v: str, items: Iterable[Term | None]) -> str:
    names = []
    for item in items:
        if not plain(item):  # a number or date: the store compares its canonical form
            return FALSE
        names.append(f"sameTerm({v}, {term(item)})")
    return f"({' || '.join(names)})" if names else FALSE


def language_test(v: str, tags: Iterable[Term | None]) -> str:
    wanted = sorted(
        {t.value.lower() for t in tags if t is not None and not isinstance(t, (Triple, BlankNode))}
    )
    if not wanted:
        return FALSE
    listed = ", ".join(sparql_string(t) for t in wanted)
    return f'(isLiteral({v}) && LANG({v}) != "" && LCASE(LANG({v})) IN ({listed}))'


def pattern_test(v: str, pattern: str, flags: Node | None) -> str:
    if (flags is not None and flags.value) or not SAFE_PATTERN.fullmatch(pattern):
        return FALSE
    return f"(!isBlank({v}) && REGEX(STR({v}), {sparql_string(pattern)}))"


@dataclass(frozen=True)
class Check:
    """A group pattern binding ?f to the focus nodes that may violate one constraint (bound),
    and optionally one that binds ?f to every node of the graph that may (wide): where the
    wide one finds nothing, the bound one need not run."""

    bound: str
    wide: str | None = None
    missing: tuple[str, str] | None = None  # (focus pattern, test of ?f): a minCount
    clear: str | None = None  # a query of two numbers (?n, ?m): where equal, nothing violates


MANY = 2000  # wide candidates above this: the bound query runs as it is


def canonical(query: str) -> str:
    """The query with its numbered variables renamed in order, so equal checks are one."""
    names: dict[str, str] = {}
    return re.sub(
        r"\?([a-z])(\d+)", lambda m: names.setdefault(m[0], f"?{m[1]}{len(names)}"), query
    )


T = TypeVar("T")


class Runner:
    """Runs checks on the store, from several threads at once: the store answers a query
    without holding the GIL. A query that several checks share runs once; who asks for it
    while it runs waits for its answer."""

    def __init__(self, store: Store):
        self.store = store
        self.wide: dict[str, list[Term]] = {}
        self.clear: dict[str, bool] = {}
        self.locks: dict[str, threading.Lock] = {}
        self.lock = threading.Lock()

    def once(self, cache: dict[str, T], key: str, compute: Callable[[], T]) -> T:
        with self.lock:
            lock = self.locks.setdefault(key, threading.Lock())
        with lock:
            if key not in cache:
                cache[key] = compute()
            return cache[key]

    def rows(self, query: str) -> list[Term]:
        return [row[0] for row in solutions(self.store.query(query))]

    def candidates(self, wide: str) -> list[Term]:
        query = wide if wide.startswith("SELECT") else f"SELECT DISTINCT ?f WHERE {{ {wide} }}"
        return self.once(
            self.wide, canonical(wide), partial(self.rows, f"{query} LIMIT {MANY + 1}")
        )

    def is_clear(self, query: str) -> bool:
        def equal() -> bool:
            (row,) = list(solutions(self.store.query(query)))
            return bool(row["n"] == row["m"])

        return self.once(self.clear, query, equal)

    def run(self, check: Check) -> list[Term]:
        if check.clear is not None and self.is_clear(check.clear):
            return []
        if check.wide is not None:
            found = self.candidates(check.wide)
            if not found:
                return []
            named = [f for f in found if isinstance(f, NamedNode)]
            if len(found) <= MANY and len(named) == len(found):
                values = " ".join(f"<{f.value}>" for f in named)
                return self.rows(
                    f"SELECT DISTINCT ?f WHERE {{ VALUES ?f {{ {values} }} {check.bound} }}"
                )
        return self.rows(f"SELECT DISTINCT ?f WHERE {{ {check.bound} }}")

    def missing(self, pattern: str, tests: list[str]) -> list[Term]:
        """Focus nodes with too few values of a property: the minCounts of every shape with
        the same targets, in one scan of their focus nodes."""
        few = " || ".join(tests)
        return self.rows(f"SELECT DISTINCT ?f WHERE {{ {pattern} FILTER({few}) }}")


def flagged(store: Store, shapes: list[Shape], threads: int | None = None) -> set[Term]:
    """Every focus node that may violate one of the targeted shapes. The checks run on
    `threads` threads (default: one per core); the answer does not depend on their number."""
    compiler, runner = Compiler(store), Runner(store)
    jobs: list[Callable[[], list[Term]]] = []
    missing: dict[str, list[str]] = defaultdict(list)
    for shape in shapes:
        for check in compiler.checks(shape):
            if check.missing is not None:
                pattern, few = check.missing
                missing[canonical(pattern)].append(few)
            else:
                jobs.append(partial(runner.run, check))
    jobs += [partial(runner.missing, p, sorted(set(props))) for p, props in missing.items()]
    with ThreadPoolExecutor(threads or available_cores()) as pool:
        answers = [pool.submit(job) for job in jobs]
    return {f for answer in answers for f in answer.result()}
