"""The shapes graph as plain Python: each shape with its targets, path and core constraints.

Only what the pre-check understands is modelled; any other SHACL parameter marks the shape
`unsupported`, and every focus node of such a shape goes to pyshacl as it is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, NamedNode, Triple

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NESTED_ONE = ("node", "not", "qualifiedValueShape")
NESTED_LIST = ("and", "or", "xone")
VALUE_PARAMS = ("nodeKind", "datatype", "class", "hasValue", "minLength", "maxLength",
                "minInclusive", "maxInclusive", "minExclusive", "maxExclusive")
COUNT_PARAMS = ("minCount", "maxCount", "qualifiedMinCount", "qualifiedMaxCount")
TARGETS = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")
CLASSES = {"http://www.w3.org/2000/01/rdf-schema#Class", "http://www.w3.org/2002/07/owl#Class"}
IGNORED = ("message", "name", "description", "severity", "order", "group", "defaultValue",
           "path", "property", "flags", "qualifiedValueShapesDisjoint", "deactivated")


@dataclass
class Shape:
    node: object
    path: NamedNode | None = None
    params: dict[str, object] = field(default_factory=dict)
    nested: dict[str, list[Shape]] = field(default_factory=dict)
    properties: list[Shape] = field(default_factory=list)
    targets: dict[str, list] = field(default_factory=dict)
    unsupported: str = ""


class ShapesGraph:
    def __init__(self, triples: list[Triple]):
        self.out: dict[object, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            self.out[t.subject][t.predicate.value].append(t.object)
        self.shapes: dict[object, Shape] = {}

    def one(self, node, name: str):
        values = self.out.get(node, {}).get(SH + name, [])
        return values[0] if values else None

    def rdf_list(self, head) -> list:
        items = []
        while isinstance(head, (BlankNode, NamedNode)) and head.value != RDF + "nil":
            items.append(self.one_rdf(head, "first"))
            head = self.one_rdf(head, "rest")
        return items

    def one_rdf(self, node, name: str):
        values = self.out.get(node, {}).get(RDF + name, [])
        return values[0] if values else None

    def shape(self, node, stack: tuple = ()) -> Shape:
        if node in stack:
            return Shape(node, unsupported="recursive shape")
        if node not in self.shapes:
            self.shapes[node] = self._parse(node, (*stack, node))
        return self.shapes[node]

    def _parse(self, node, stack: tuple) -> Shape:
        s = Shape(node)
        for pred, objects in sorted(self.out.get(node, {}).items()):
            if not pred.startswith(SH):
                continue
            why = self._param(s, pred[len(SH):], objects, stack)  # always: it records targets
            s.unsupported = s.unsupported or why
        path = self.one(node, "path")
        if path is not None and not isinstance(path, NamedNode):
            s.unsupported = s.unsupported or "a path that is not a single property"
        s.path = path
        return s

    def _param(self, s: Shape, name: str, objects: list, stack: tuple) -> str:
        """Record one SHACL parameter; return why it is not understood, or ''."""
        if name in TARGETS:
            s.targets[name] = objects
        elif name == "property":
            s.properties = [self.shape(o, stack) for o in objects]
        elif name in NESTED_ONE:
            s.nested[name] = [self.shape(o, stack) for o in objects]
        elif name in NESTED_LIST:
            s.nested[name] = [self.shape(o, stack) for head in objects
                              for o in self.rdf_list(head)]
        elif len(objects) != 1 and name not in IGNORED:
            return f"sh:{name} given {len(objects)} times"
        elif name in VALUE_PARAMS or name in COUNT_PARAMS:
            s.params[name] = objects[0]
        elif name in ("in", "languageIn"):
            s.params[name] = self.rdf_list(objects[0])
        elif name == "uniqueLang":
            s.params[name] = objects[0].value != "false"
        elif name == "pattern":
            s.params[name] = (objects[0].value, self.one(s.node, "flags"))
        elif name == "deactivated" or (name == "qualifiedValueShapesDisjoint"
                                       and objects[0].value == "true") or name not in IGNORED:
            return f"sh:{name}"
        return ""

    def targeted(self) -> list[Shape]:
        """Every shape with a target, in a fixed order; a shape that is a class targets it."""
        nodes = [s for s, params in self.out.items()
                 if any(SH + t in params for t in TARGETS) or self._is_class_shape(s)]
        shapes = [self.shape(n) for n in sorted(nodes, key=str)]
        for s in shapes:
            if self._is_class_shape(s.node):
                s.targets["targetClass"] = [*s.targets.get("targetClass", []), s.node]
        return shapes

    def _is_class_shape(self, node) -> bool:
        types = {t.value for t in self.out.get(node, {}).get(RDF + "type", [])}
        return bool(types & CLASSES) and any(p.startswith(SH) for p in self.out.get(node, {}))

