"""The base a build publishes under (docs/decisions/0023-one-base.md).

Inside the process every IRI of ours is under DEFAULT_BASE: the graph, derivation, validation,
query execution and the page contexts never see another base. A `Base` is the configured one,
passed down to where bytes leave (serialised RDF, pages, query text and results, the site's
other files), and there it moves the default base's text to the configured base's.

A base is restricted to text that none of the syntaxes written escapes (HTML, XML, JSON,
Turtle, N-Triples, CSV, SPARQL): moving it in the written bytes is then the same as moving it
in every IRI and literal before they are written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import UsageError
from .terms import DEFAULT_BASE

# http(s), a host name (letters, digits, '.', '-'), an optional port, then path segments of
# letters, digits and '-', '.', '_', '~' (not '.' or '..'), each ending in '/'
SAFE_BASE = re.compile(
    r"https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?/"
    r"(?:(?!\.\.?/)[A-Za-z0-9._~-]+/)*"
)
_DEFAULT = DEFAULT_BASE.encode()


@dataclass(frozen=True)
class Base:
    """The configured base; Base() is the default, under which nothing moves."""

    iri: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        if not SAFE_BASE.fullmatch(self.iri):
            raise UsageError(
                f"--base {self.iri!r}: give an http(s) URL of a host name, an optional port "
                "and a path of letters, digits, '-', '.', '_' and '~', ending in '/'"
            )

    @classmethod
    def given(cls, text: str) -> Base:
        """A base as the command line gives it: a missing final '/' is added."""
        return cls(text if text.endswith("/") else text + "/")

    @property
    def moves(self) -> bool:
        return self.iri != DEFAULT_BASE

    def text(self, text: str) -> str:
        """The text with the default base moved to this one."""
        return text.replace(DEFAULT_BASE, self.iri) if self.moves else text

    def data(self, data: bytes) -> bytes:
        """UTF-8 bytes with the default base moved to this one."""
        return data.replace(_DEFAULT, self.iri.encode()) if self.moves else data


DEFAULT = Base()  # the default base: nothing moves
