"""grlc-style query parameters: found in the query text, typed by suffix, checked, then bound.

A variable `?_name_type` is a required parameter, `?__name_type` an optional one; `name` is what
the user passes (`--param name=value`). The type suffix says which RDF term the value becomes:
`_iri`, `_xsd_date`, `_xsd_integer`, `_xsd_decimal`, `_xsd_gYear`, `_xsd_boolean`, `_string`,
or a language tag such as `_nl`; without a suffix the value is a plain string. A value is checked
against its type before it is turned into a term, and the term (never the raw text) is what
reaches the query.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeAlias

from pyoxigraph import Literal, NamedNode

XSD = "http://www.w3.org/2001/XMLSchema#"

# One SPARQL token at a time, so that variables are found (and replaced) only where the SPARQL
# lexer sees a variable: never inside a comment, a string or an IRI.
TOKEN = re.compile(
    r"(?P<comment>#[^\n]*)"
    r"|(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\""
    r"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\")"
    r"|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)"
    r"|(?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\ufffd]+)"
    r"|(?P<other>[^#'\"<?$]+|.)",
    re.DOTALL,
)
PARAM_VAR = re.compile(r"^(__?)([A-Za-z0-9]+(?:_[A-Za-z0-9]+)*)$")
IRI = re.compile(r"^https?://[^\s<>\"{}|^`\\\x00-\x1f\x7f]+$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INTEGER = re.compile(r"^[+-]?\d{1,18}$")
DECIMAL = re.compile(r"^[+-]?\d{1,18}(?:\.\d{1,18})?$")
GYEAR = re.compile(r"^\d{4}$")
LANG = re.compile(r"^[a-z]{2}$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# suffix -> (what the user reads in a message, checker, term builder)
KINDS = ("iri", "xsd_date", "xsd_integer", "xsd_decimal", "xsd_gYear", "xsd_boolean", "string")


Bound: TypeAlias = NamedNode | Literal  # a checked parameter value, as the term it becomes
Check = Callable[[str], Bound]


class ParamError(ValueError):
    """A parameter value that is not of its parameter's type (the message says why)."""


@dataclass(frozen=True)
class Param:
    var: str  # the variable without ?, e.g. _regio_iri
    name: str  # what the user passes, e.g. regio
    kind: str  # one of KINDS, or a language tag, or "" (plain string)
    required: bool

    @property
    def type_label(self) -> str:
        if self.kind in ("", "string"):
            return "string"
        return f"@{self.kind} string" if LANG.match(self.kind) else self.kind.replace("_", ":")


def parse_param(var: str) -> Param | None:
    """`_regio_iri` -> Param(regio, iri, required); None for an ordinary variable."""
    m = PARAM_VAR.match(var)
    if not m:
        return None
    required, rest = m.group(1) == "_", m.group(2)
    for kind in sorted(KINDS, key=len, reverse=True):
        if rest.endswith("_" + kind):
            return Param(var, rest[: -len(kind) - 1], kind, required)
    name, _, tail = rest.rpartition("_")
    if name and LANG.match(tail):
        return Param(var, name, tail, required)
    return Param(var, rest, "", required)


def tokens(query: str) -> Iterator[tuple[str | None, str]]:
    """(kind, text) for every token of a SPARQL query (every kind is a group of TOKEN)."""
    for m in TOKEN.finditer(query):
        yield m.lastgroup, m.group()


def find_params(query: str) -> list[Param]:
    """The parameters of a query, in order of first use."""
    seen: dict[str, Param] = {}
    for kind, text in tokens(query):
        if kind == "var" and text[1:] not in seen:
            p = parse_param(text[1:])
            if p:
                seen[p.var] = p
    return list(seen.values())


def check_iri(value: str) -> NamedNode:
    if not IRI.match(value):
        raise ParamError('not an absolute http(s) IRI (no spaces and none of <>"{}|^`\\)')
    return NamedNode(value)


def check_date(value: str) -> Literal:
    if not DATE.match(value):
        raise ParamError("not a date of the form YYYY-MM-DD")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ParamError("not a date in the calendar") from None
    return Literal(value, datatype=NamedNode(XSD + "date"))


def check_pattern(pattern: re.Pattern[str], datatype: str, what: str) -> Check:
    def check(value: str) -> Literal:
        if not pattern.match(value):
            raise ParamError(f"not {what}")
        return Literal(value, datatype=NamedNode(XSD + datatype))

    return check


def check_text(lang: str | None) -> Check:
    def check(value: str) -> Literal:
        if CONTROL.search(value):
            raise ParamError("contains control characters")
        if len(value) > 1000:
            raise ParamError("longer than 1000 characters")
        return Literal(value, language=lang) if lang else Literal(value)

    return check


CHECKS: dict[str, Check] = {
    "iri": check_iri,
    "xsd_date": check_date,
    "xsd_integer": check_pattern(INTEGER, "integer", "an integer"),
    "xsd_decimal": check_pattern(DECIMAL, "decimal", "a decimal number such as 12.50"),
    "xsd_gYear": check_pattern(GYEAR, "gYear", "a year of four digits"),
    "xsd_boolean": check_pattern(re.compile(r"^(true|false)$"), "boolean", "true or false"),
    "string": check_text(None),
    "": check_text(None),
}


def to_term(param: Param, value: str) -> Bound:
    """The RDF term for a value, or ParamError saying what is wrong with it."""
    check = CHECKS.get(param.kind) or check_text(param.kind)
    return check(value)


def sparql_term(term: Bound) -> str:
    """The SPARQL form of a checked term (pyoxigraph escapes literals the N-Triples way)."""
    return str(term)


def substitute(query: str, terms: Mapping[str, Bound]) -> str:
    """Replace each bound parameter variable by its term, token by token."""
    out = []
    for kind, text in tokens(query):
        if kind == "var" and text[1:] in terms:
            out.append(sparql_term(terms[text[1:]]))
        else:
            out.append(text)
    return "".join(out)
