"""Read canned queries: a `.rq` file whose leading `#+` lines are a grlc header in YAML.

Unlike grlc, a header that cannot be read is an error with file:line, not a warning: a query
that does not describe itself, or describes itself wrongly, does not get into the build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph
import yaml

from ..model.errors import InputError, Loc, Problem
from ..model.sparqlsyntax import syntax_error
from .params import TOKEN, Param, ParamError, find_params, to_term, tokens

# libyaml's loader where PyYAML was built with it: the same safe subset, in a tenth of the time
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
KNOWN_KEYS = {
    "summary",
    "description",
    "tags",
    "defaults",
    "enumerate",
    "endpoint",
    "endpoint_in_url",
    "method",
    "pagination",
    "transform",
}
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
Meta = dict[str, Any]  # a header as YAML gives it: any values under text keys


@dataclass(frozen=True)
class QuerySpec:
    name: str
    path: str  # relative to the project root
    text: str  # the whole file, header included
    summary: str
    description: str
    tags: tuple[str, ...]
    defaults: dict[str, str]
    enumerate: dict[str, tuple[str, ...]]
    params: tuple[Param, ...]
    header_lines: int = field(default=0)

    @property
    def body(self) -> str:
        return "\n".join(self.text.split("\n")[self.header_lines :])

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


class HeaderError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


def split_header(text: str) -> tuple[list[str], int]:
    """The YAML text of the leading `#+` lines, and how many lines the header takes."""
    lines = text.split("\n")
    n = 0
    while n < len(lines) and lines[n].startswith("#+"):
        n += 1
    for i, line in enumerate(lines[n:], start=n + 1):
        if line.lstrip().startswith("#+"):
            raise HeaderError(i, "a '#+' header line after the query has begun")
    if n == 0:
        raise HeaderError(1, "no '#+' header (a query must describe itself: summary, ...)")
    return [line[3:] if line.startswith("#+ ") else line[2:] for line in lines[:n]], n


def parse_yaml(lines: list[str]) -> Meta:
    try:
        meta = yaml.load("\n".join(lines), Loader=SAFE_LOADER)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark else 1
        raise HeaderError(line, f"header is not valid YAML: {getattr(e, 'problem', e)}") from None
    if not isinstance(meta, dict):
        raise HeaderError(1, "header must be a mapping of 'key: value' lines")
    return meta


def line_of(lines: list[str], key: str) -> int:
    for i, line in enumerate(lines, start=1):
        if line.strip().startswith((f"{key}:", f"- {key}:")):
            return i
    return 1


def text_value(meta: Meta, key: str, lines: list[str], required: bool) -> str:
    value = meta.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise HeaderError(line_of(lines, key), f"'{key}' must be a non-empty text")
    return value.strip()


def tag_list(meta: Meta, lines: list[str]) -> tuple[str, ...]:
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        raise HeaderError(line_of(lines, "tags"), "'tags' must be a list of texts")
    return tuple(tags)


def one_key_maps(meta: Meta, key: str, lines: list[str]) -> list[tuple[str, object]]:
    """`- name: value` items of a list, as (name, value) pairs."""
    items = meta.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) and len(i) == 1 for i in items):
        raise HeaderError(line_of(lines, key), f"'{key}' must be a list of '- name: value' items")
    return [next(iter(i.items())) for i in items]


def check_param_name(name: object, key: str, params: list[Param], lines: list[str]) -> Param:
    p = next((p for p in params if p.name == name), None)
    if p is None:
        raise HeaderError(
            line_of(lines, str(name)),
            f"'{key}' names '{name}', which is not a parameter of this query",
        )
    return p


def defaults_of(meta: Meta, params: list[Param], lines: list[str]) -> dict[str, str]:
    out = {}
    for name, value in one_key_maps(meta, "defaults", lines):
        p = check_param_name(name, "defaults", params, lines)
        try:
            to_term(p, str(value))
        except ParamError as e:
            raise HeaderError(line_of(lines, str(name)), f"default of '{name}': {e}") from None
        out[p.name] = str(value)
    return out


def enumerate_of(meta: Meta, params: list[Param], lines: list[str]) -> dict[str, tuple[str, ...]]:
    out = {}
    for name, values in one_key_maps(meta, "enumerate", lines):
        p = check_param_name(name, "enumerate", params, lines)
        if not isinstance(values, list) or not values:
            raise HeaderError(line_of(lines, str(name)), f"enumerate '{name}': list its values")
        for v in values:
            try:
                to_term(p, str(v))
            except ParamError as e:
                raise HeaderError(
                    line_of(lines, str(name)), f"enumerate '{name}': {v!r}: {e}"
                ) from None
        out[p.name] = tuple(str(v) for v in values)
    return out


WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]*")


def form_line(body: str) -> int:
    """The line of the query's form (SELECT, ASK, ...): its first word after the prologue."""
    for m in TOKEN.finditer(body):
        if m.lastgroup == "other":
            for w in WORD.finditer(m.group()):
                if w.group().upper() not in ("PREFIX", "BASE") and not w.group().endswith(":"):
                    return body.count("\n", 0, m.start() + w.start()) + 1
    return 1


def check_body(body: str, params: list[Param], offset: int) -> None:
    """The query must parse, be a SELECT (its results are a table) and order its rows (results
    are deterministic)."""
    try:
        answer = pyoxigraph.Store().query(body)
    except SyntaxError as e:
        line, message = syntax_error(body, e)
        raise HeaderError(offset + line, f"query does not parse: {message}") from None
    if not isinstance(answer, pyoxigraph.QuerySolutions):
        raise HeaderError(
            offset + form_line(body),
            "a canned query must be a SELECT: its results are a table "
            "(ASK, CONSTRUCT and DESCRIBE are not supported)",
        )
    words = " ".join(t.upper() for k, t in tokens(body) if k == "other")
    if not re.search(r"ORDER\s+BY", words):
        raise HeaderError(offset + 1, "a SELECT must have ORDER BY (results are deterministic)")
    if len({p.name for p in params}) != len(params):
        raise HeaderError(offset + 1, "two parameter variables share one name")


def parse_query(name: str, rel: str, text: str) -> QuerySpec:
    """A QuerySpec, or HeaderError(line, message)."""
    if not NAME.match(name):
        raise HeaderError(1, "file name must be lower-case letters, digits and '-' (.rq)")
    lines, n = split_header(text)
    meta = parse_yaml(lines)
    unknown = sorted(set(meta) - KNOWN_KEYS)
    if unknown:
        raise HeaderError(line_of(lines, unknown[0]), f"unknown header key '{unknown[0]}'")
    body = "\n".join(text.split("\n")[n:])
    params = find_params(body)
    check_body(body, params, n)
    return QuerySpec(
        name=name,
        path=rel,
        text=text,
        summary=text_value(meta, "summary", lines, True),
        description=text_value(meta, "description", lines, False),
        tags=tag_list(meta, lines),
        defaults=defaults_of(meta, params, lines),
        enumerate=enumerate_of(meta, params, lines),
        params=tuple(params),
        header_lines=n,
    )


def read_queries(folder: Path, root: Path) -> list[QuerySpec]:
    """Every queries/*.rq, sorted by name; InputError listing every bad file with file:line."""
    specs, problems = [], []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        rel = path.relative_to(root).as_posix()
        try:
            specs.append(parse_query(path.stem, rel, path.read_text(encoding="utf-8")))
        except HeaderError as e:
            problems.append(Problem(Loc(rel, e.line), e.message))
        except UnicodeDecodeError:
            problems.append(Problem(Loc(rel), "not UTF-8 text"))
    if problems:
        raise InputError(problems)
    return specs
