"""Stage 1: read data/ into typed records, each with its file:line, and the RDF files we keep."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph

from ..model.errors import InputError, Loc, Problem
from ..model.paths import path_problem, suffix_problem
from ..model.terms import DEFAULT_BASE, TOOI
from .cells import (
    Cite,
    Value,
    When,
    check_characters,
    parse_cites,
    parse_date,
    parse_identifier,
    parse_value,
    shown,
)
from .tables import CITES, REF, REFS, TABLES, TEXT, Col, Table

__all__ = [
    "Cite",
    "Data",
    "Record",
    "When",
    "parse_cites",
    "parse_date",
    "parse_value",
    "read_data",
    "read_rdf",
    "read_rdf_dir",
]


Key = tuple[Value | None, ...]  # the values of a table's key columns


@dataclass
class Record:
    table: str
    loc: Loc
    values: dict[str, Value]

    def __getitem__(self, name: str) -> Any:
        """The value of a column, None when the cell is empty. Its type is the one of its
        column's kind (tables.py), which the name alone does not tell the type checker."""
        return self.values.get(name)

    @property
    def key(self) -> Key:
        return tuple(self.values.get(k) for k in TABLES[self.table].key)

    @property
    def ident(self) -> str:
        """The first key column: text in every table, and present in every record kept."""
        value = self.values[TABLES[self.table].key[0]]
        if not isinstance(value, str):
            raise TypeError(f"{self.loc}: key {value!r} is not text")
        return value


@dataclass
class Data:
    tables: dict[str, list[Record]]
    # Identifiers of rows that were refused (already reported), and tables of which a whole
    # file was refused: references to them are not reported a second time.
    refused: dict[str, set[str]] = field(default_factory=dict)
    incomplete: set[str] = field(default_factory=set)

    def rows(self, table: str) -> list[Record]:
        return self.tables.get(table, [])

    def index(self, table: str) -> dict[str, Record]:
        return {r.ident: r for r in self.rows(table)}

    def may_exist(self, table: str, ident: str) -> bool:
        return table in self.incomplete or ident in self.refused.get(table, ())


@dataclass
class TableFile:
    """What one CSV file gave: its records, its problems, and the keys of refused rows.

    incomplete: a row (or the whole file) could not be split into columns, so which
    identifiers it holds is unknown.
    """

    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    incomplete: bool = False


def _decode(raw: bytes, path: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError(
            [Problem(Loc(path, line), "not valid UTF-8 (save the file as UTF-8)")]
        ) from None


def _csv_reason(e: csv.Error) -> str:
    text = str(e)
    if "field limit" in text:
        return f"a value is longer than {csv.field_size_limit()} characters"
    return text


def _rows(text: str, rel: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, fields) for each CSV record; a malformed record stops it."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise InputError(
                [Problem(Loc(rel, start), f"malformed CSV: {_csv_reason(e)}")]
            ) from None
        yield start, fields
        start = reader.line_num + 1


def _read_text(path: Path, rel: str) -> str:
    if not path.is_file():
        raise InputError([Problem(Loc(rel, 1), "not a regular file")])
    try:
        return _decode(path.read_bytes(), rel)
    except OSError as e:
        raise InputError([Problem(Loc(rel, 1), f"cannot read: {e.strerror}")]) from None


def header_problems(table: Table, header: list[str], rel: str) -> list[Problem]:
    loc = Loc(rel, 1)
    known = {c.name for c in table.cols} | set(table.extra_ok)
    problems = [
        Problem(loc, f"unknown column {shown(n)} for table {table.name}")
        for n in header
        if n not in known
    ]
    problems += [
        Problem(loc, f"column {shown(n)} appears {header.count(n)} times")
        for n in sorted(set(header))
        if header.count(n) > 1
    ]
    problems += [
        Problem(loc, f"missing column {c.name!r}")
        for c in table.cols
        if c.required and c.name not in header
    ]
    return problems


def read_table_file(table: Table, path: Path, rel: str) -> TableFile:
    try:
        rows = list(_rows(_read_text(path, rel), rel))
    except InputError as e:
        return TableFile(problems=e.problems, incomplete=True)
    if not rows or not any(h.strip() for h in rows[0][1]):
        return TableFile(
            problems=[Problem(Loc(rel, 1), "empty file: expected a header row")], incomplete=True
        )
    header = [h.strip() for h in rows[0][1]]
    problems = header_problems(table, header, rel)
    if problems:
        return TableFile(problems=problems, incomplete=True)
    out = TableFile()
    for line, fields in rows[1:]:
        if any(f.strip() for f in fields):
            _read_row(table, header, fields, Loc(rel, line), out)
    return out


def _read_row(table: Table, header: list[str], fields: list[str], loc: Loc, out: TableFile) -> None:
    raw = dict(zip(header, fields, strict=False))
    values: dict[str, Value] = {}
    if len(fields) != len(header):
        problems = [Problem(loc, f"expected {len(header)} fields, got {len(fields)}")]
        out.incomplete = True
    else:
        values, problems = _typed(table, raw, loc)
    if problems:
        out.problems += problems
        out.refused.add(raw.get(table.key[0], "").strip())
        if table.key[0] not in values:  # the identifier itself is broken: which one is unknown
            out.incomplete = True
    else:
        out.records.append(Record(table.name, loc, values))


def _typed(table: Table, raw: dict[str, str], loc: Loc) -> tuple[dict[str, Value], list[Problem]]:
    cols = {c.name: c for c in table.cols}
    values: dict[str, Value] = {}
    problems: list[Problem] = []
    for name, text in raw.items():
        text = text.strip()
        try:
            if text:
                values[name] = _cell(cols.get(name), name in table.key, text)
            elif name in cols and cols[name].required:
                problems.append(Problem(loc, f"{name}: required value missing"))
        except ValueError as e:
            problems.append(Problem(loc, f"{name}: {e}"))
    return values, problems


def _cell(col: Col | None, is_key: bool, text: str) -> Value:
    """A key column of plain text becomes part of an IRI, so it must be an identifier."""
    if col is None:
        check_characters(text)
        return text
    if is_key and col.kind == TEXT:
        reason = suffix_problem(parse_identifier(text))
        if reason:
            raise ValueError(f"identifier {shown(text)} {reason}")
        return text
    return parse_value(col, text)


def read_data(data_dir: Path, root: Path | None = None) -> Data:
    """Read every table below data_dir, check keys and references; raise InputError."""
    root = root or data_dir.parent
    data = Data({name: [] for name in TABLES})
    problems: list[Problem] = []
    for name, table in TABLES.items():
        for path in sorted(data_dir.rglob(f"{name}.csv")):
            got = read_table_file(table, path, path.relative_to(root).as_posix())
            data.tables[name] += got.records
            data.refused.setdefault(name, set()).update(got.refused)
            if got.incomplete:
                data.incomplete.add(name)
            problems += got.problems
    problems += check_keys(data) + check_references(data) + check_places(data) + check_iris(data)
    if problems:
        raise InputError(problems)
    return data


def _folded(key: Key) -> Key:
    return tuple(k.casefold() if isinstance(k, str) else k for k in key)


def _shown_key(key: Key) -> str:
    return "/".join(str(k) for k in key if k is not None)


def check_keys(data: Data) -> list[Problem]:
    """Identifiers are unique within their table and across the agents' tables, also when
    their case differs: they become IRIs and file names, and a file system or a reader may not
    tell `Twente` from `twente`."""
    problems = []
    for name, records in data.tables.items():
        if not TABLES[name].unique:
            continue
        seen: dict[Key, Record] = {}
        for r in records:
            first = seen.setdefault(_folded(r.key), r)
            if first is r:
                continue
            if first.key == r.key:
                problems.append(
                    Problem(
                        r.loc, f"duplicate identifier {_shown_key(r.key)!r} (first at {first.loc})"
                    )
                )
            else:
                problems.append(
                    Problem(
                        r.loc,
                        f"identifier {_shown_key(r.key)!r} differs only "
                        f"in case from {_shown_key(first.key)!r} (at "
                        f"{first.loc})",
                    )
                )
    ids: dict[str, tuple[str, Record]] = {}
    for name in (
        "gemeenten",
        "former_gemeenten",
        "provincies",
        "organisations",
        "people",
        "regions",
    ):
        for r in data.rows(name):
            other = ids.setdefault(r.ident.casefold(), (name, r))
            if other[0] != name:
                problems.append(
                    Problem(
                        r.loc,
                        f"identifier {r.ident!r} is also used in "
                        f"{other[0]} (as {other[1].ident!r} at "
                        f"{other[1].loc})",
                    )
                )
    return problems


ID, DEF = DEFAULT_BASE + "id/", DEFAULT_BASE + "def/"
# columns whose IRI names a document of ours: the prefixes it must lie under; None: an IRI
# under another prefix is an outside link and fine as it is
IRI_COLUMNS = {
    ("organisations", "tooi_uri"): (TOOI,),
    ("tombstones", "iri"): (ID, DEF),
    ("tombstones", "successor"): None,
}


def check_iris(data: Data) -> list[Problem]:
    """Every IRI of the data that becomes a document path follows the path rule (paths.py)."""
    problems = []
    for (table, col), prefixes in IRI_COLUMNS.items():
        for r in data.rows(table):
            iri = r[col]
            if not iri or (prefixes is None and not iri.startswith((ID, DEF))):
                continue
            reason = path_problem(iri, DEFAULT_BASE, prefixes or (ID, DEF))
            if reason:
                problems.append(Problem(r.loc, f"{col}: {reason}"))
    return problems


def check_references(data: Data) -> list[Problem]:
    index = {name: data.index(name) for name in data.tables}
    problems = []
    for name, records in data.tables.items():
        for r in records:
            for col in TABLES[name].cols:
                if r[col.name] is not None:
                    problems += _reference_problems(data, index, col, r)
    return problems


def check_places(data: Data) -> list[Problem]:
    """Each place cited in a source gets an anchor from its text (`Cite.anchor`): two
    ways of writing a place that give one anchor would make one place with two names, and a
    text with no letter or digit gives none."""
    problems: list[Problem] = []
    seen: dict[tuple[str, str], tuple[str, Loc]] = {}
    for r, col, c in _citations(data):
        anchor = c.anchor
        if c.locator and not anchor:
            problems.append(
                Problem(
                    r.loc,
                    f"{col}: place {c.locator!r} in {c.source} has no "
                    "letter or digit to name it by",
                )
            )
        elif anchor:
            first = seen.setdefault((c.source, anchor), (c.locator, r.loc))
            if first[0] != c.locator:
                problems.append(
                    Problem(
                        r.loc,
                        f"{col}: place {c.locator!r} in {c.source} is "
                        f"#{anchor}, as {first[0]!r} is (at {first[1]}): "
                        "write the place one way",
                    )
                )
    return problems


def _citations(data: Data) -> Iterator[tuple[Record, str, Cite]]:
    """(row, column, citation) for every citation in the data, in file order."""
    for name, records in data.tables.items():
        cols = [col.name for col in TABLES[name].cols if col.kind == CITES]
        for r in records:
            for col in cols:
                for c in r[col] or ():
                    yield r, col, c


Index = dict[str, dict[str, Record]]  # table -> identifier -> its record


def _known(data: Data, index: Index, tables: Iterable[str], ident: str) -> bool:
    return any(ident in index[t] or data.may_exist(t, ident) for t in tables)


def _reference_problems(data: Data, index: Index, col: Col, r: Record) -> list[Problem]:
    value = r[col.name]
    if col.kind in (REF, REFS):
        refs = [value] if isinstance(value, str) else value
        return [
            Problem(r.loc, f"{col.name}: unknown reference {ref!r} (not in {', '.join(col.ref)})")
            for ref in refs
            if not _known(data, index, col.ref, ref)
        ]
    if col.kind == CITES:
        return [
            Problem(r.loc, f"{col.name}: unknown source {c.source!r}")
            for c in value
            if not _known(data, index, ("sources",), c.source)
        ]
    return []


def first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "unknown error"


def read_rdf(path: Path, root: Path) -> list[pyoxigraph.Triple]:
    """Parse a Turtle file of ontology/ or shapes/; a syntax error becomes file:line."""
    rel = path.relative_to(root).as_posix()
    try:
        raw = path.read_bytes()
        _decode(raw, rel)  # Turtle is UTF-8, comments included, which the parser would skip
        raw = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
        return [q.triple for q in pyoxigraph.parse(raw, format=pyoxigraph.RdfFormat.TURTLE)]
    except SyntaxError as e:
        msg = first_line(str(e.msg).split(": ", 1)[-1])
        raise InputError([Problem(Loc(rel, e.lineno or 1), f"invalid Turtle: {msg}")]) from None
    except (OSError, ValueError) as e:
        raise InputError([Problem(Loc(rel, 1), f"cannot read: {first_line(str(e))}")]) from None


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


MAP_FILE = "data/referentie/geo/gemeente_2025.geojson"  # the gemeenten drawn on the maps


def read_geojson(path: Path, root: Path) -> list[dict[str, Any]] | None:
    """The features of the map file, each a gemeente (`statcode`, `statnaam`) with a Polygon or
    MultiPolygon of [lon, lat] points; None when the project has no map file."""
    rel = path.relative_to(root).as_posix()
    if not path.exists():
        return None
    try:
        doc = json.loads(_read_text(path, rel))
    except json.JSONDecodeError as e:
        raise InputError([Problem(Loc(rel, e.lineno), f"not valid JSON: {e.msg}")]) from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list) or not features:
        raise InputError([Problem(Loc(rel, 1), "not a GeoJSON FeatureCollection with features")])
    problems = [
        Problem(Loc(rel, 1), f"feature {i}: {reason}")
        for i, f in enumerate(features, 1)
        if (reason := feature_problem(f))
    ]
    if problems:
        raise InputError(problems[:20])
    return features


def feature_problem(feature: object) -> str | None:
    props = feature.get("properties") if isinstance(feature, dict) else None
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    if not isinstance(props, dict) or not all(
        isinstance(props.get(k), str) for k in ("statcode", "statnaam")
    ):
        return "properties need text statcode and statnaam"
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return f"{props['statcode']}: geometry must be a Polygon or MultiPolygon"
    polygons = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    try:
        points = [p for polygon in polygons or () for ring in polygon for p in ring]
        ok = points and all(
            len(p) >= 2 and all(isinstance(x, (int, float)) and math.isfinite(x) for x in p[:2])
            for p in points
        )
    except TypeError:
        ok = False
    return None if ok else f"{props['statcode']}: coordinates must be rings of [lon, lat] numbers"
