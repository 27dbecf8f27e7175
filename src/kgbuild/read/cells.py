"""Typed cell values of the source tables: one small parser per column kind.

Every parser takes the stripped text of one cell and returns a typed value or raises ValueError
with a short reason; read/sources.py adds the file:line. Values quoted in a reason are shortened, so one
problem stays one readable line however long the cell is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeAlias
from urllib.parse import urlsplit

import pyoxigraph

from ..model.terms import slugify
from .tables import BOOL, CITES, CODES, DATE, DECIMAL, ENUM, INT, LIST, REF, REFS, URL, Col


@dataclass(frozen=True)
class When:
    """A date of year, month or day precision, with its XSD datatype name."""

    text: str
    datatype: str  # "gYear" | "gYearMonth" | "date"


@dataclass(frozen=True)
class Cite:
    source: str
    locator: str

    @property
    def anchor(self) -> str:
        """The fragment that names the place in the source: 'Noot 5' -> 'noot-5'."""
        return slugify(self.locator)


# A typed cell: text, a whole or decimal number, yes/no, a date, identifiers or citations.
Value: TypeAlias = str | int | Decimal | bool | When | list[str] | list[Cite]

_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_INT = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_URL = re.compile(r"https?://[^\s<>\"{}|\\^`]+")
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# C0 and C1 control characters other than tab and line breaks, a byte-order mark inside the
# text, and the two Unicode non-characters: never meant, usually a sign of a broken file.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\ufffe\uffff]")


def shown(text: str, limit: int = 60) -> str:
    """repr() of text, shortened to about limit characters for an error line."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def check_characters(text: str) -> None:
    m = _CONTROL.search(text)
    if m:
        raise ValueError(f"control character U+{ord(m.group()):04X} at position {m.start() + 1}")


def parse_date(text: str) -> When:
    m = _DATE.fullmatch(text)
    if not m:
        raise ValueError(f"not a date (YYYY, YYYY-MM or YYYY-MM-DD): {shown(text)}")
    year, month, day = m.groups()
    if int(year) == 0:
        raise ValueError(f"year 0 does not exist: {shown(text)}")
    if month and not 1 <= int(month) <= 12:
        raise ValueError(f"month out of range: {shown(text)}")
    if day:
        try:
            date(int(year), int(month), int(day))
        except ValueError as e:
            raise ValueError(f"not a calendar date ({e}): {shown(text)}") from None
        return When(text, "date")
    return When(text, "gYearMonth" if month else "gYear")


def parse_cites(text: str) -> list[Cite]:
    cites = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        source, _, locator = part.partition("#")
        if not source.strip():
            raise ValueError(f"citation without a source id: {shown(part)}")
        cites.append(Cite(source.strip(), locator.strip()))
    if not cites:
        raise ValueError("no citation")
    return cites


def parse_url(text: str) -> str:
    """An absolute http(s) URL with a host that is also a valid IRI (no javascript:, data: ...)."""
    reason = f"not an http(s) URL: {shown(text)}"
    if not _URL.fullmatch(text):
        raise ValueError(reason)
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
        pyoxigraph.NamedNode(text)
    except ValueError:
        raise ValueError(reason) from None
    if not parts.hostname:
        raise ValueError(f"URL without a host: {shown(text)}")
    return text


def parse_identifier(text: str) -> str:
    if not _SAFE_ID.fullmatch(text):
        raise ValueError(f"not an identifier (letters, digits, '.', '_', '-'): {shown(text)}")
    return text


def split_list(text: str) -> list[str]:
    return [p.strip() for p in text.split(";") if p.strip()]


def parse_refs(col: Col, text: str) -> str | list[str]:
    ids = [parse_identifier(i) for i in split_list(text)]
    if col.kind == REF and len(ids) != 1:
        raise ValueError(f"expected one identifier, got {len(ids)}")
    return ids[0] if col.kind == REF else ids


def parse_number(col: Col, text: str) -> int | Decimal:
    if col.kind == INT:
        if not _INT.fullmatch(text):
            raise ValueError(f"not a whole number: {shown(text)}")
        return int(text)
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"not a decimal number (digits, optional '.'): {shown(text)}")
    return Decimal(text)


def parse_choice(col: Col, text: str) -> bool | str:
    if col.kind == BOOL:
        if text not in ("yes", "no", "true", "false"):
            raise ValueError(f"not yes/no: {shown(text)}")
        return text in ("yes", "true")
    if text not in col.choices:
        raise ValueError(f"{shown(text)} is not one of {', '.join(col.choices)}")
    return text


def parse_value(col: Col, text: str) -> Value:
    """Turn one cell into a typed value; raise ValueError with a short reason."""
    check_characters(text)
    if col.kind in (INT, DECIMAL):
        return parse_number(col, text)
    if col.kind in (BOOL, ENUM):
        return parse_choice(col, text)
    if col.kind == DATE:
        return parse_date(text)
    if col.kind == URL:
        return parse_url(text)
    if col.kind in (REF, REFS):
        return parse_refs(col, text)
    if col.kind == CODES:
        return [parse_identifier(i) for i in split_list(text)]
    if col.kind == LIST:
        return split_list(text)
    if col.kind == CITES:
        return parse_cites(text)
    return text
