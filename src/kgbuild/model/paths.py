"""The one rule that turns an IRI into a path of the output tree.

An IRI of ours (`{base}id/…`, `{base}def/…`, `{base}doc/…`) or a TOOI IRI we publish about
(`…/tooi/id/gemeente/gm0153`) is described by a document `doc/…` or `def/…`; the document's
files are that path plus a format extension (`.ttl`) or a language and `.html` (`.en.html`), and
the web-server configs name the same path. So the path may hold only segments that are safe in a
file name, a URL and a server config alike: a letter or digit, then letters, digits, `.`, `_`
and `-`; none may end in a format or language suffix, or two documents would share a file.
Everything else is refused with the reason, and the build names the row it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from .errors import Loc, Problem
from .formats import FORMATS, LANGUAGES
from .terms import TOOI

SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
SUFFIXES = tuple(f".{s}" for s in (*(f.extension for f in FORMATS), *LANGUAGES))
MAX_SEGMENTS = 8
EXTERN = "doc/extern"  # the document of statements about outside subjects


class UnsafePath(ValueError):
    """An IRI under one of our prefixes whose rest cannot be a document path."""


def suffix_problem(name: str) -> str | None:
    """Why an identifier or path segment would share a file with another document, or None."""
    lowered = name.lower()
    for suffix in SUFFIXES:
        if lowered.endswith(suffix):
            return f"ends in {suffix!r}, which names a format or language of another document"
    return None


@lru_cache(maxsize=65536)
def checked(path: str) -> str:
    """The path itself when every segment is safe; UnsafePath with the reason otherwise."""
    segments = path.split("/")
    if segments[0] not in ("doc", "def") or not 2 <= len(segments) <= MAX_SEGMENTS:
        raise UnsafePath(f"not a document path (doc/… or def/…, at most {MAX_SEGMENTS} parts)")
    for segment in segments[1:]:
        if not SEGMENT.fullmatch(segment):
            shown = segment if len(segment) <= 40 else segment[:40] + "…"
            raise UnsafePath(
                f"path segment {shown!r} is not a letter or digit followed by "
                "letters, digits, '.', '_' or '-' (at most 200)"
            )
        reason = suffix_problem(segment)
        if reason:
            raise UnsafePath(f"path segment {segment!r} {reason}")
    return path


def document_of(iri: str, base: str) -> str | None:
    """The document path (no extension) that describes an IRI, or None for outside IRIs.
    Raises UnsafePath for an IRI under our prefixes whose path breaks the rule."""
    iri = iri.split("#", 1)[0]
    if iri.startswith(base + "id/"):
        return checked("doc/" + iri[len(base) + 3 :])
    if iri.startswith((base + "def/", base + "doc/")):
        return checked(iri[len(base) :])
    if iri.startswith(TOOI):
        return checked("doc/" + iri[len(TOOI) :])
    return None


def path_problem(iri: str, base: str, prefixes: tuple[str, ...]) -> str | None:
    """Why an IRI given in the data cannot name a document of ours, or None: it must lie under
    one of the prefixes and follow the path rule."""
    if not iri.startswith(prefixes):
        return f"{iri!r} is not under {' or '.join(prefixes)}"
    try:
        document_of(iri, base)
    except UnsafePath as e:
        return str(e)
    return None


def document_problems(subjects: Iterable[str], origins: dict[str, Loc], base: str) -> list[Problem]:
    """The subjects whose document path breaks the rule, and documents whose paths differ only
    in case (one file on a case-insensitive disk, and one name to a reader), each at the row
    the subject came from. Of two that differ in case, the one that comes later in `subjects`
    is reported, naming the earlier one (the order of a set would change from run to run)."""
    problems: list[Problem] = []
    folded: dict[str, tuple[str, str]] = {}
    for iri in dict.fromkeys(subjects):
        try:
            path = document_of(iri, base)
        except UnsafePath as e:
            problems.append(Problem(_origin(iri, origins), f"{iri[:100]!r}: {e}"))
            continue
        if path is None:
            continue
        first = folded.setdefault(path.casefold(), (path, iri))
        if first[0] != path:
            problems.append(
                Problem(
                    _origin(iri, origins),
                    f"{iri} and {first[1]} (at {_origin(first[1], origins)}) differ only in case",
                )
            )
    return problems


def _origin(iri: str, origins: dict[str, Loc]) -> Loc:
    return origins.get(iri) or origins.get(iri.split("#", 1)[0]) or Loc("(graph)")
