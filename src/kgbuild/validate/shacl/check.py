"""The pre-check: which focus nodes may violate a shape, decided in one pass over an index.

It errs one way only. Where it cannot be sure a value conforms (an unusual lexical form, a
comparison it does not model, a parameter it does not know) it flags the focus node, and
pyshacl decides. A node it does not flag conforms to every shape that targets it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from ...model.terms import Term
from .model import Node, Shape

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"
LEXICAL = {  # strict forms: anything else is flagged and left to pyshacl
    XSD + "string": re.compile(r"(?s).*"),
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]+(\.[0-9]+)?"),
    XSD + "boolean": re.compile(r"true|false"),
    XSD + "gYear": re.compile(r"[0-9]{4}"),
    XSD + "gYearMonth": re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])"),
    XSD + "date": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
    # the part of EDTF the register writes: a year, a month or a day
    "http://id.loc.gov/datatypes/edtf/EDTF": re.compile(
        r"[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?"
    ),
}
NUMERIC = (XSD + "integer", XSD + "decimal")
NODE_KINDS = {
    "IRI": (NamedNode,),
    "BlankNode": (BlankNode,),
    "Literal": (Literal,),
    "BlankNodeOrIRI": (BlankNode, NamedNode),
    "BlankNodeOrLiteral": (BlankNode, Literal),
    "IRIOrLiteral": (NamedNode, Literal),
}
FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}
Check = Callable[[Term], bool]  # one per-value constraint: does the value meet it?


class Index:
    """Outgoing values by subject and property, types, and the subclass closure."""

    def __init__(self, triples: list[Triple]):
        self.out: dict[Term, dict[str, list[Term]]] = defaultdict(dict)
        self.instances: dict[str, list[Term]] = defaultdict(list)
        self.by_predicate: dict[str, list[Triple]] = defaultdict(list)
        for t in triples:
            p = t.predicate.value
            self.out[t.subject].setdefault(p, []).append(t.object)
            if p == RDF_TYPE:
                if not isinstance(t.object, Triple):  # a quoted triple is no class
                    self.instances[t.object.value].append(t.subject)
            elif p == SUBCLASS:
                self.by_predicate[p].append(t)
        self._supers: dict[str, set[str]] = {}
        self._checks: dict[int, list[Check]] = {}

    def checks(self, shape: Shape) -> list[Check]:
        if id(shape) not in self._checks:
            self._checks[id(shape)] = value_checks(self, shape)
        return self._checks[id(shape)]

    def values(self, node: Term, path: str) -> list[Term]:
        return self.out.get(node, {}).get(path, [])

    def supers(self, cls: str) -> set[str]:
        """cls and every class it is a subclass of (rdfs:subClassOf*)."""
        if cls not in self._supers:
            self._supers[cls] = {cls}
            for parent in self.values(NamedNode(cls), SUBCLASS):
                if isinstance(parent, NamedNode):
                    self._supers[cls] |= self.supers(parent.value)
        return self._supers[cls]

    def is_instance(self, node: Term, cls: str) -> bool:
        return any(
            cls in self.supers(t.value)
            for t in self.values(node, RDF_TYPE)
            if isinstance(t, NamedNode)
        )

    def focus_nodes(self, shape: Shape) -> set[Term]:
        found: set[Term] = set(shape.targets.get("targetNode", []))
        classes = {c.value for c in shape.targets.get("targetClass", [])}
        for cls, members in self.instances.items():
            if self.supers(cls) & classes:
                found.update(members)
        for p in shape.targets.get("targetSubjectsOf", []):
            found.update(s for s, props in self.out.items() if p.value in props)
        for p in shape.targets.get("targetObjectsOf", []):
            found.update(o for props in self.out.values() for o in props.get(p.value, []))
        return found


def violates(ix: Index, shape: Shape, focus: Term) -> bool:
    """May this focus node violate the shape? (False only when it surely conforms.)"""
    if shape.unsupported:
        return True
    path = shape.path  # a property, or None: an unsupported shape has returned above
    values = ix.values(focus, path.value) if isinstance(path, NamedNode) else [focus]
    if not counts_ok(ix, shape, values):
        return True
    if not all(value_ok(ix, shape, v) for v in values):
        return True
    return any(violates(ix, p, v) for p in shape.properties for v in values)


def counts_ok(ix: Index, shape: Shape, values: list[Term]) -> bool:
    p = shape.params
    if "minCount" in p and len(values) < int(p["minCount"].value):
        return False
    if "maxCount" in p and len(values) > int(p["maxCount"].value):
        return False
    if shape.unique_lang:
        langs = [v.language.lower() for v in values if isinstance(v, Literal) and v.language]
        if len(langs) != len(set(langs)):
            return False
    if "hasValue" in p and p["hasValue"] not in values:
        return False
    return qualified_ok(ix, shape, values)


def qualified_ok(ix: Index, shape: Shape, values: list[Term]) -> bool:
    inner = shape.nested.get("qualifiedValueShape")
    if not inner:
        return True
    n = sum(1 for v in values if not any(violates(ix, s, v) for s in inner))
    p = shape.params
    return (n >= int(p["qualifiedMinCount"].value) if "qualifiedMinCount" in p else True) and (
        n <= int(p["qualifiedMaxCount"].value) if "qualifiedMaxCount" in p else True
    )


def value_ok(ix: Index, shape: Shape, v: Term) -> bool:
    return all(check(v) for check in ix.checks(shape))


def value_checks(ix: Index, shape: Shape) -> list[Check]:
    """The shape's per-value constraints as functions of the value, made once per shape."""
    p = shape.params
    made: dict[str, Callable[[Node], Check]] = {
        "nodeKind": node_kind_check,
        "datatype": lambda d: lambda v: datatype_ok(v, d.value),
        "class": lambda c: lambda v: not isinstance(v, Literal) and ix.is_instance(v, c.value),
        "minLength": lambda n: lambda v: at_least(length(v), int(n.value)),
        "maxLength": lambda n: lambda v: at_most(length(v), int(n.value)),
        "minInclusive": lambda b: lambda v: compare(v, b) in (0, 1),
        "minExclusive": lambda b: lambda v: compare(v, b) == 1,
        "maxInclusive": lambda b: lambda v: compare(v, b) in (0, -1),
        "maxExclusive": lambda b: lambda v: compare(v, b) == -1,
    }
    checks = [make(p[name]) for name, make in made.items() if name in p]
    if "in" in shape.lists:
        checks.append(frozenset(shape.lists["in"]).__contains__)
    if "languageIn" in shape.lists:
        checks.append(language_check(shape.lists["languageIn"]))
    if shape.pattern is not None:
        checks.append(pattern_check(*shape.pattern))
    if any(name != "qualifiedValueShape" for name in shape.nested):
        checks.append(lambda v: nested_ok(ix, shape, v))
    return checks


def nested_ok(ix: Index, shape: Shape, v: Term) -> bool:
    conforms = {
        name: [not violates(ix, s, v) for s in shapes]
        for name, shapes in shape.nested.items()
        if name != "qualifiedValueShape"
    }
    return (
        all(conforms.get("node", [True]))
        and all(conforms.get("and", [True]))
        and (any(conforms["or"]) if "or" in conforms else True)
        and (sum(conforms["xone"]) == 1 if "xone" in conforms else True)
        and not any(conforms.get("not", [False]))
    )


def datatype_ok(v: Term, datatype: str) -> bool:
    if not isinstance(v, Literal):
        return False
    if datatype == LANG_STRING:
        return bool(v.language)
    if v.language or v.datatype.value != datatype or datatype not in LEXICAL:
        return False
    if not LEXICAL[datatype].fullmatch(v.value):
        return False
    return datatype != XSD + "date" or real_date(v.value)


def real_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        return False


def language_check(tags: list[Term | None]) -> Check:
    return lambda v: language_ok(v, tags)


def language_ok(v: Term, tags: list[Term | None]) -> bool:
    if not isinstance(v, Literal) or not v.language:
        return False
    return v.language.lower() in {
        t.value.lower() for t in tags if t is not None and not isinstance(t, Triple)
    }


def node_kind_check(kind: Node) -> Check:
    kinds = NODE_KINDS.get(kind.value[len(SH) :], ())
    return lambda v: isinstance(v, kinds)


def pattern_check(pattern: str, flags: Node | None) -> Check:
    rx = compiled_pattern(pattern, flags)
    return lambda v: pattern_ok(v, rx)


def compiled_pattern(pattern: str, flags: Node | None) -> re.Pattern[str] | None:
    """The regular expression with its sh:flags; None (flag every value) for unknown flags."""
    bits = 0
    for ch in flags.value if flags is not None else "":
        if ch not in FLAGS:
            return None
        bits |= FLAGS[ch]
    return re.compile(pattern, bits)


def pattern_ok(v: Term, rx: re.Pattern[str] | None) -> bool:
    if rx is None or isinstance(v, (BlankNode, Triple)):
        return False
    return rx.search(v.value) is not None


def length(v: Term) -> int | None:
    return None if isinstance(v, (BlankNode, Triple)) else len(v.value)


def at_least(n: int | None, bound: int) -> bool:
    return n is not None and n >= bound


def at_most(n: int | None, bound: int) -> bool:
    return n is not None and n <= bound


def compare(v: Term, bound: Node) -> int | None:
    """-1, 0 or 1 for plain integers and decimals; None (flag) for anything else."""
    if not (isinstance(v, Literal) and isinstance(bound, Literal)):
        return None
    if v.datatype.value not in NUMERIC or bound.datatype.value not in NUMERIC:
        return None
    if not (
        LEXICAL[v.datatype.value].fullmatch(v.value)
        and LEXICAL[bound.datatype.value].fullmatch(bound.value)
    ):
        return None
    a, b = Decimal(v.value), Decimal(bound.value)
    return (a > b) - (a < b)


def flagged(ix: Index, shapes: list[Shape]) -> set[Term]:
    """Every focus node that may violate one of the targeted shapes."""
    out: set[Term] = set()
    for shape in shapes:
        out.update(f for f in ix.focus_nodes(shape) if violates(ix, shape, f))
    return out
