"""Per-resource documents: which document describes each IRI, and its RDF in every format.

Every subject of the graph belongs to exactly one document, so the documents' union is the dump
({base} is the default base, under which the graph is; a document's files are written under the
base the build publishes under):
- `{base}id/{path}` and its hash IRIs (`…#periode`, source locations) -> `doc/{path}`
- `{base}def/{name}` and its terms (`…#Term`, `…#code`) -> `def/{name}`
- TOOI IRIs (`…/tooi/id/gemeente/gm0153`) -> `doc/gemeente/gm0153` (we publish about them)
- `{base}doc/{path}` hash IRIs, statements about a subject we do not mint
  (`…/doc/gemeente/gm0153#bewering-…`) -> `doc/{path}`
- any other subject (a statement about an outside term) -> `doc/extern`
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from pyoxigraph import Literal, Triple

from ..model.base import Base
from ..model.formats import LANGUAGES, RDF_FORMATS
from ..model.paths import EXTERN, document_of
from ..model.terms import DEFAULT_BASE, TOOI
from .dumps import serialize

Put = Callable[[str, bytes], None]  # writes one file of the new tree


def iri_of(path: str) -> str:
    """The IRI a document is about: doc/regio/twente -> {base}id/regio/twente."""
    if path.startswith("def/"):
        return DEFAULT_BASE + path
    rest = path[4:]
    if rest.startswith(("gemeente/", "provincie/", "ministerie/")):
        return TOOI + rest
    return DEFAULT_BASE + "id/" + rest


def partition(triples: list[Triple]) -> dict[str, list[Triple]]:
    """{document path: its triples, in the graph's order}."""
    docs: dict[str, list[Triple]] = defaultdict(list)
    last, doc = None, EXTERN
    for t in triples:
        subject = t.subject.value  # type: ignore[union-attr]  # pyoxigraph 0.5 refuses triple subjects; its stubs allow them
        if subject != last:  # a subject's triples mostly come one after the other
            last, doc = subject, document_of(subject, DEFAULT_BASE) or EXTERN
        docs[doc].append(t)
    return dict(docs)


def write_document(path: str, triples: list[Triple], base: Base, put: Put) -> None:
    """One document in every RDF format, published under `base`."""
    for fmt in RDF_FORMATS:
        put(f"{path}.{fmt.extension}", serialize(triples, fmt, base))


def in_language(triples: list[Triple], lang: str) -> list[Triple]:
    """The triples without the literals of the other languages: untagged literals stay."""
    return [
        t for t in triples if not isinstance(t.object, Literal) or t.object.language in (None, lang)
    ]


def language_documents(docs: dict[str, list[Triple]]) -> dict[str, list[Triple]]:
    """Each vocabulary (`def/{name}`) once per language, as `def/{name}.{lang}`: tools that show
    every label and definition they find (pyLODE runs them together) read one language from
    it."""
    return {
        f"{path}.{lang}": in_language(triples, lang)
        for path, triples in sorted(docs.items())
        if path.startswith("def/")
        for lang in LANGUAGES
    }
