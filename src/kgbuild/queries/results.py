"""Query results as one value (variables and rows of RDF terms), whatever store answered.

Results from pyoxigraph and from SPARQL 1.1 JSON results (any endpoint) become the same Table,
so the answers of different stores can be compared row by row; tables are written as SPARQL 1.1
JSON results, SPARQL 1.1 CSV results, or aligned text.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, TypeAlias

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
# "1" and "0" are valid lexical forms of xsd:boolean; Virtuoso answers with them
CANONICAL_BOOLEAN = {"1": "true", "0": "false"}
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
# One value of a row: a term of SPARQL 1.1 results, or None where the variable is unbound.
Cell: TypeAlias = NamedNode | BlankNode | Literal | None


@dataclass(frozen=True)
class Table:
    vars: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]  # each a tuple of terms (None: unbound)

    def values(self) -> list[tuple[str, ...]]:
        """Rows of plain strings (unbound: ''): what a person compares by eye."""
        return [tuple("" if t is None else t.value for t in row) for row in self.rows]

    def column(self, var: str) -> list[Cell]:
        i = self.vars.index(var)
        return [row[i] for row in self.rows]


def from_solutions(solutions: QuerySolutions) -> Table:
    """A Table from pyoxigraph QuerySolutions."""
    names = tuple(v.value for v in solutions.variables)
    rows = tuple(tuple(s[n] for n in names) for s in solutions)
    return Table(names, rows)


def term_from_json(b: dict[str, Any] | None) -> Cell:
    if b is None:
        return None
    kind, value = b["type"], b["value"]
    if kind == "uri":
        return NamedNode(value)
    if kind == "bnode":
        return BlankNode(value)
    if "xml:lang" in b:
        return Literal(value, language=b["xml:lang"].lower())
    datatype = b.get("datatype")
    if datatype == XSD_BOOLEAN:
        value = CANONICAL_BOOLEAN.get(value, value)
    if datatype and datatype not in (XSD_STRING, RDF_LANGSTRING):
        return Literal(value, datatype=NamedNode(datatype))
    return Literal(value)


def from_json(doc: dict[str, Any]) -> Table:
    """A Table from SPARQL 1.1 JSON results (also the older 'typed-literal' kind)."""
    names = tuple(doc["head"]["vars"])
    rows = tuple(tuple(term_from_json(b.get(n)) for n in names) for b in doc["results"]["bindings"])
    return Table(names, rows)


def term_json(t: NamedNode | BlankNode | Literal) -> dict[str, str]:
    if isinstance(t, NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, BlankNode):
        return {"type": "bnode", "value": t.value}
    out = {"type": "literal", "value": t.value}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype.value != XSD_STRING:
        out["datatype"] = t.datatype.value
    return out


def to_json(table: Table) -> bytes:
    """SPARQL 1.1 JSON results, one binding a line (compact lines keep json's C encoder)."""
    head = json.dumps({"vars": list(table.vars)}, ensure_ascii=False)
    rows = [
        json.dumps(
            {n: term_json(t) for n, t in zip(table.vars, row, strict=True) if t is not None},
            ensure_ascii=False,
            sort_keys=True,
        )
        for row in table.rows
    ]
    body = "\n" + ",\n".join(rows) + "\n" if rows else ""
    return f'{{"head": {head}, "results": {{"bindings": [{body}]}}}}\n'.encode()


def to_csv(table: Table) -> bytes:
    """SPARQL 1.1 CSV results: a header of variable names, then values, CRLF line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(table.vars)
    w.writerows(table.values())
    return buf.getvalue().encode()


def to_text(table: Table, width: int = 60) -> str:
    """Aligned columns for a terminal; long values are cut with an ellipsis."""

    def cut(s: str) -> str:
        return s if len(s) <= width else s[: width - 1] + "…"

    rows = [list(table.vars)] + [[cut(v) for v in row] for row in table.values()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(table.vars))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + f"\n({len(table.rows)} row{'s' if len(table.rows) != 1 else ''})\n"
