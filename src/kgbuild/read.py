"""Stage 1: read data/ into typed records, each with its file:line, and the RDF files we keep."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph

from .errors import InputError, Loc, Problem
from .tables import BOOL, CITES, DATE, DECIMAL, ENUM, INT, LIST, REF, REFS, TABLES, URL, Col, Table


@dataclass(frozen=True)
class When:
    """A date of year, month or day precision, with its XSD datatype name."""

    text: str
    datatype: str  # "gYear" | "gYearMonth" | "date"


@dataclass(frozen=True)
class Cite:
    source: str
    locator: str


@dataclass
class Record:
    table: str
    loc: Loc
    values: dict

    def __getitem__(self, name: str):
        return self.values.get(name)

    @property
    def key(self) -> tuple:
        return tuple(self.values.get(k) for k in TABLES[self.table].key)


@dataclass
class Data:
    tables: dict[str, list[Record]]

    def rows(self, table: str) -> list[Record]:
        return self.tables.get(table, [])

    def index(self, table: str) -> dict[str, Record]:
        return {r.key[0]: r for r in self.rows(table)}


_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def parse_date(text: str) -> When:
    m = _DATE.match(text)
    if not m:
        raise ValueError(f"not a date (YYYY, YYYY-MM or YYYY-MM-DD): {text!r}")
    year, month, day = m.groups()
    if day:
        try:
            date(int(year), int(month), int(day))
        except ValueError as e:
            raise ValueError(f"not a calendar date ({e}): {text!r}") from None
        return When(text, "date")
    if month:
        if not 1 <= int(month) <= 12:
            raise ValueError(f"month out of range: {text!r}")
        return When(text, "gYearMonth")
    return When(text, "gYear")


def parse_cites(text: str) -> list[Cite]:
    cites = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        source, _, locator = part.partition("#")
        if not source.strip():
            raise ValueError(f"citation without a source id: {part!r}")
        cites.append(Cite(source.strip(), locator.strip()))
    if not cites:
        raise ValueError("no citation")
    return cites


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(";") if p.strip()]


def parse_value(col: Col, text: str):
    """Turn one cell into a typed value; raise ValueError with a short reason."""
    if col.kind == INT:
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError(f"not a whole number: {text!r}")
        return int(text)
    if col.kind == DECIMAL:
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a number: {text!r}") from None
    if col.kind == BOOL:
        if text not in ("yes", "no", "true", "false"):
            raise ValueError(f"not yes/no: {text!r}")
        return text in ("yes", "true")
    if col.kind == DATE:
        return parse_date(text)
    if col.kind == URL:
        if not _URL.match(text):
            raise ValueError(f"not an http(s) URL: {text!r}")
        return text
    if col.kind == ENUM:
        if text not in col.choices:
            raise ValueError(f"{text!r} is not one of {', '.join(col.choices)}")
        return text
    if col.kind in (REF, REFS):
        ids = _split(text)
        bad = [i for i in ids if not _SAFE_ID.match(i)]
        if bad:
            raise ValueError(f"not an identifier: {bad[0]!r}")
        if col.kind == REF:
            if len(ids) != 1:
                raise ValueError(f"expected one identifier, got {len(ids)}")
            return ids[0]
        return ids
    if col.kind == LIST:
        return _split(text)
    if col.kind == CITES:
        return parse_cites(text)
    return text


def _decode(raw: bytes, path: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError([Problem(Loc(path, line), "not valid UTF-8")]) from None


def _rows(text: str, rel: str) -> list[tuple[int, list[str]]]:
    """(first line number, fields) of each CSV record; a malformed record names its first line."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, start = [], 1
    try:
        for fields in reader:
            rows.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as e:
        raise InputError([Problem(Loc(rel, start), f"malformed CSV: {e}")]) from None
    return rows


def read_table_file(table: Table, path: Path, rel: str) -> tuple[list[Record], list[Problem]]:
    text = _decode(path.read_bytes(), rel)
    problems: list[Problem] = []
    records: list[Record] = []
    try:
        rows = _rows(text, rel)
    except InputError as e:
        return [], e.problems
    if not rows:
        return [], [Problem(Loc(rel, 1), "empty file: expected a header row")]
    header = [h.strip() for h in rows[0][1]]
    known = {c.name for c in table.cols} | set(table.extra_ok)
    for name in header:
        if name not in known:
            problems.append(Problem(Loc(rel, 1), f"unknown column {name!r} for table {table.name}"))
    for col in table.cols:
        if col.required and col.name not in header:
            problems.append(Problem(Loc(rel, 1), f"missing column {col.name!r}"))
    if problems:
        return [], problems
    cols = {c.name: c for c in table.cols}
    for line, fields in rows[1:]:
        if not any(f.strip() for f in fields):
            continue
        loc = Loc(rel, line)
        if len(fields) != len(header):
            problems.append(Problem(loc, f"expected {len(header)} fields, got {len(fields)}"))
            continue
        values, row_problems = _typed(cols, dict(zip(header, fields)), loc)
        problems += row_problems
        if not row_problems:
            records.append(Record(table.name, loc, values))
    return records, problems


def _typed(cols: dict[str, Col], raw: dict[str, str], loc: Loc) -> tuple[dict, list[Problem]]:
    values, problems = {}, []
    for name, text in raw.items():
        text = text.strip()
        col = cols.get(name)
        if col is None:
            values[name] = text
            continue
        if not text:
            if col.required:
                problems.append(Problem(loc, f"{name}: required value missing"))
            continue
        try:
            values[name] = parse_value(col, text)
        except ValueError as e:
            problems.append(Problem(loc, f"{name}: {e}"))
    return values, problems


def read_data(data_dir: Path, root: Path | None = None) -> Data:
    """Read every table below data_dir, check keys and references; raise InputError."""
    root = root or data_dir.parent
    tables: dict[str, list[Record]] = {}
    problems: list[Problem] = []
    incomplete: set[str] = set()  # tables with rows that could not be read
    for name, table in TABLES.items():
        tables[name] = []
        for path in sorted(data_dir.rglob(f"{name}.csv")):
            rel = path.relative_to(root).as_posix()
            try:
                records, found = read_table_file(table, path, rel)
            except InputError as e:
                records, found = [], e.problems
            tables[name] += records
            problems += found
            if found:
                incomplete.add(name)
    data = Data(tables)
    problems += check_keys(data) + check_references(data, incomplete)
    if problems:
        raise InputError(problems)
    return data


def check_keys(data: Data) -> list[Problem]:
    problems = []
    for name, records in data.tables.items():
        if not TABLES[name].unique:
            continue
        seen: dict[tuple, Loc] = {}
        for r in records:
            if r.key in seen:
                key = "/".join(str(k) for k in r.key if k is not None)
                problems.append(Problem(r.loc, f"duplicate identifier {key!r} "
                                               f"(first at {seen[r.key]})"))
            else:
                seen[r.key] = r.loc
    ids: dict[str, tuple[str, Loc]] = {}
    for name in ("gemeenten", "former_gemeenten", "provincies", "organisations", "people",
                 "regions"):
        for r in data.rows(name):
            other = ids.get(r.key[0])
            if other and other[0] != name:
                problems.append(Problem(r.loc, f"identifier {r.key[0]!r} is also used in "
                                               f"{other[0]} (at {other[1]})"))
            ids.setdefault(r.key[0], (name, r.loc))
    return problems


def check_references(data: Data, incomplete: set[str] | None = None) -> list[Problem]:
    """Unknown references and sources. A reference into a table that had unreadable rows is
    not reported: the row it points at may be one of them, and that problem is reported."""
    index = {name: data.index(name) for name in data.tables}
    incomplete = incomplete or set()
    problems = []
    for name, records in data.tables.items():
        table = TABLES[name]
        for r in records:
            for col in table.cols:
                value = r[col.name]
                if value is None:
                    continue
                if col.kind in (REF, REFS):
                    for ref in [value] if isinstance(value, str) else value:
                        if not any(ref in index[t] for t in col.ref) and \
                                not incomplete.intersection(col.ref):
                            problems.append(Problem(
                                r.loc, f"{col.name}: unknown reference {ref!r} "
                                       f"(not in {', '.join(col.ref)})"))
                elif col.kind == CITES:
                    for c in value:
                        if c.source not in index["sources"] and "sources" not in incomplete:
                            problems.append(Problem(
                                r.loc, f"{col.name}: unknown source {c.source!r}"))
    return problems


def read_rdf(path: Path, root: Path) -> list[pyoxigraph.Triple]:
    """Parse a Turtle file of ontology/ or shapes/; a syntax error becomes file:line."""
    rel = path.relative_to(root).as_posix()
    try:
        return list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))
    except SyntaxError as e:
        msg = str(e.msg).split(": ", 1)[-1]
        raise InputError([Problem(Loc(rel, e.lineno or 0), f"invalid Turtle: {msg}")]) from None
    except (OSError, ValueError) as e:
        raise InputError([Problem(Loc(rel, 0), f"cannot read: {e}")]) from None


def read_rdf_dir(directory: Path, root: Path) -> list[pyoxigraph.Triple]:
    triples: list[pyoxigraph.Triple] = []
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.ttl")):
        try:
            triples += read_rdf(path, root)
        except InputError as e:
            problems += e.problems
    if problems:
        raise InputError(problems)
    return triples
