"""The shapes graph as plain Python: each shape with its targets, path and core constraints.

Only what the pre-check understands is modelled; any other SHACL parameter marks the shape
`unsupported`, and every focus node of such a shape goes to pyshacl as it is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeAlias

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from ...model.terms import Term

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NESTED_ONE = ("node", "not", "qualifiedValueShape")
NESTED_LIST = ("and", "or", "xone")
VALUE_PARAMS = (
    "nodeKind",
    "datatype",
    "class",
    "hasValue",
    "minLength",
    "maxLength",
    "minInclusive",
    "maxInclusive",
    "minExclusive",
    "maxExclusive",
)
COUNT_PARAMS = ("minCount", "maxCount", "qualifiedMinCount", "qualifiedMaxCount")
TARGETS = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")
CLASSES = {"http://www.w3.org/2000/01/rdf-schema#Class", "http://www.w3.org/2002/07/owl#Class"}
Node: TypeAlias = NamedNode | BlankNode | Literal  # a term that is not a quoted triple
IGNORED = (
    "message",
    "name",
    "description",
    "severity",
    "order",
    "group",
    "defaultValue",
    "path",
    "property",
    "flags",
    "qualifiedValueShapesDisjoint",
    "deactivated",
)


@dataclass
class Shape:
    """A shape: params holds its single-valued parameters (VALUE_PARAMS and COUNT_PARAMS),
    lists its sh:in and sh:languageIn."""

    node: Term | None  # None: a member missing from an sh:and, sh:or or sh:xone list
    path: Term | None = None  # any other term than a property makes the shape unsupported
    params: dict[str, Node] = field(default_factory=dict)
    lists: dict[str, list[Term | None]] = field(default_factory=dict)
    unique_lang: bool = False
    pattern: tuple[str, Node | None] | None = None  # sh:pattern and its sh:flags
    nested: dict[str, list[Shape]] = field(default_factory=dict)
    properties: list[Shape] = field(default_factory=list)
    targets: dict[str, list[Node]] = field(default_factory=dict)
    unsupported: str = ""


Stack = tuple[Term | None, ...]  # the shapes being parsed, outermost first


class ShapesGraph:
    def __init__(self, triples: Iterable[Triple]):
        self.out: dict[Term | None, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            self.out[t.subject][t.predicate.value].append(t.object)
        self.shapes: dict[Term | None, Shape] = {}

    def one(self, node: Term | None, name: str) -> Term | None:
        values = self.out.get(node, {}).get(SH + name, [])
        return values[0] if values else None

    def rdf_list(self, head: Term | None) -> list[Term | None]:
        items = []
        while isinstance(head, (BlankNode, NamedNode)) and head.value != RDF + "nil":
            items.append(self.one_rdf(head, "first"))
            head = self.one_rdf(head, "rest")
        return items

    def one_rdf(self, node: Term, name: str) -> Term | None:
        values = self.out.get(node, {}).get(RDF + name, [])
        return values[0] if values else None

    def shape(self, node: Term | None, stack: Stack = ()) -> Shape:
        if node in stack:
            return Shape(node, unsupported="recursive shape")
        if node not in self.shapes:
            self.shapes[node] = self._parse(node, (*stack, node))
        return self.shapes[node]

    def _parse(self, node: Term | None, stack: Stack) -> Shape:
        s = Shape(node)
        for pred, objects in sorted(self.out.get(node, {}).items()):
            if not pred.startswith(SH):
                continue
            why = self._param(s, pred[len(SH) :], objects, stack)  # always: it records targets
            s.unsupported = s.unsupported or why
        path = self.one(node, "path")
        if path is not None and not isinstance(path, NamedNode):
            s.unsupported = s.unsupported or "a path that is not a single property"
        s.path = path
        return s

    def _param(self, s: Shape, name: str, objects: list[Term], stack: Stack) -> str:
        """Record one SHACL parameter; return why it is not understood, or ''. (A quoted
        triple is understood as the value of none of them.)"""
        if name in TARGETS:
            s.targets[name] = [o for o in objects if not isinstance(o, Triple)]
            if len(s.targets[name]) != len(objects):
                return f"a quoted triple as sh:{name}"
        elif name == "property":
            s.properties = [self.shape(o, stack) for o in objects]
        elif name in NESTED_ONE:
            s.nested[name] = [self.shape(o, stack) for o in objects]
        elif name in NESTED_LIST:
            s.nested[name] = [self.shape(o, stack) for head in objects for o in self.rdf_list(head)]
        elif len(objects) != 1 and name not in IGNORED:
            return f"sh:{name} given {len(objects)} times"
        elif name in IGNORED:
            first = objects[0]
            if name == "deactivated" or (
                name == "qualifiedValueShapesDisjoint"
                and not isinstance(first, Triple)
                and first.value == "true"
            ):
                return f"sh:{name}"
        else:
            return self._value_param(s, name, objects[0])
        return ""

    def _value_param(self, s: Shape, name: str, value: Term) -> str:
        """Record a parameter of one value; return why it is not understood, or ''."""
        if isinstance(value, Triple):
            return f"a quoted triple as sh:{name}"
        if name in VALUE_PARAMS or name in COUNT_PARAMS:
            s.params[name] = value
        elif name in ("in", "languageIn"):
            s.lists[name] = self.rdf_list(value)
        elif name == "uniqueLang":
            s.unique_lang = value.value != "false"
        elif name == "pattern":
            flags = self.one(s.node, "flags")
            if isinstance(flags, Triple):
                return "a quoted triple as sh:flags"
            s.pattern = (value.value, flags)
        else:
            return f"sh:{name}"
        return ""

    def targeted(self) -> list[Shape]:
        """Every shape with a target, in a fixed order; a shape that is a class targets it."""
        nodes = [
            s
            for s, params in self.out.items()
            if any(SH + t in params for t in TARGETS) or self._is_class_shape(s)
        ]
        shapes = [self.shape(n) for n in sorted(nodes, key=str)]
        for s in shapes:
            node = s.node
            if node is not None and not isinstance(node, Triple) and self._is_class_shape(node):
                s.targets["targetClass"] = [*s.targets.get("targetClass", []), node]
        return shapes

    def _is_class_shape(self, node: Term | None) -> bool:
        types = {
            t.value
            for t in self.out.get(node, {}).get(RDF + "type", [])
            if not isinstance(t, Triple)
        }
        return bool(types & CLASSES) and any(p.startswith(SH) for p in self.out.get(node, {}))
