"""One pass over the graph: triples by subject and by object, labels, types, documents.

Everything the page contexts need is looked up here, so rendering never scans the graph again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyoxigraph import Literal, NamedNode, Triple

from ...model.paths import document_of
from ...model.terms import CR, DCT, DEFAULT_BASE, RDFS, SCHEMA, SKOS, A, Term

if TYPE_CHECKING:
    from .context import Link

# Label properties, best first; a finding has only its statement, shortened for links.
LABEL_PROPS = (
    SKOS.prefLabel.value,
    RDFS.label.value,
    DCT.title.value,
    SCHEMA.name.value,
    CR.statement.value,
)
MAX_LABEL = 90


@dataclass
class GraphIndex:
    """The graph's triples, looked up; its IRIs are under the default base."""

    by_subject: dict[str, list[Triple]] = field(default_factory=lambda: defaultdict(list))
    by_object: dict[str, list[Triple]] = field(default_factory=lambda: defaultdict(list))
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    labels: dict[str, dict[str, tuple[int, str]]] = field(default_factory=dict)
    # Site.prop's links, shared by all pages, and Site.link's, shared by the next pages; both
    # by (language, path to the site's top, IRI)
    prop_links: dict[tuple[str, str, str], Link] = field(default_factory=dict)
    links: dict[tuple[str, str, str], Link] = field(default_factory=dict)
    documents: dict[str, str | None] = field(default_factory=dict)  # see document()

    def add(self, t: Triple) -> None:
        s = t.subject.value  # type: ignore[union-attr]  # pyoxigraph 0.5 refuses triple subjects; its stubs allow them
        self.by_subject[s].append(t)
        if isinstance(t.object, NamedNode):
            self.by_object[t.object.value].append(t)
            if t.predicate == A:
                self.types[s].add(t.object.value)
        elif isinstance(t.object, Literal) and t.predicate.value in LABEL_PROPS:
            self.add_label(s, t.predicate.value, t.object)

    def add_label(self, s: str, prop: str, lit: Literal) -> None:
        rank, lang = LABEL_PROPS.index(prop), lit.language or ""
        current = self.labels.setdefault(s, {})
        if lang not in current or rank < current[lang][0]:
            current[lang] = (rank, shorten(lit.value))

    def label(self, iri: str, lang: str) -> str:
        """The best label in a language: that language, then none, then nl/en, then the IRI."""
        found = self.labels.get(iri, {})
        for key in (lang, "", "nl", "en"):
            if key in found:
                return found[key][1]
        return short_name(iri)

    def values(self, iri: str, prop: NamedNode) -> list[Term]:
        return [t.object for t in self.by_subject.get(iri, ()) if t.predicate == prop]

    def first(self, iri: str, prop: NamedNode, lang: str | None = None) -> Term | None:
        """The first value of a property; for literals, prefer the language asked for."""
        vals = self.values(iri, prop)
        if lang:
            tagged: list[Term] = [v for v in vals if isinstance(v, Literal) and v.language == lang]
            vals = tagged or vals
        return vals[0] if vals else None

    def first_value(self, iri: str, prop: NamedNode, lang: str | None = None) -> str | None:
        """The first value of a property (as `first`) as a string, see value_of."""
        term = self.first(iri, prop, lang)
        return value_of(term) if term is not None else None

    def required_value(self, iri: str, prop: NamedNode) -> str:
        """The first value of a property that the node's shape requires."""
        term = self.first(iri, prop)
        if term is None:
            raise ValueError(f"{iri} has no {prop.value}")
        return value_of(term)

    def subjects(self, prop: NamedNode, obj: str) -> list[str]:
        return [
            t.subject.value  # type: ignore[union-attr]  # pyoxigraph 0.5 refuses triple subjects; its stubs allow them
            for t in self.by_object.get(obj, ())
            if t.predicate == prop
        ]

    def document(self, iri: str) -> str | None:
        """The document of an IRI (document_of), kept: the pages ask it of the same IRIs for
        each language and folder depth."""
        if iri not in self.documents:
            self.documents[iri] = document_of(iri, DEFAULT_BASE)
        return self.documents[iri]

    def of_type(self, cls: str) -> list[str]:
        return sorted(s for s in self.subjects(A, cls))

    def subjects_of_type(self, cls: str) -> list[str]:
        return self.subjects(A, cls)


def value_of(term: Term) -> str:
    """An IRI, a blank node's identifier or a literal's text. A quoted triple (RDF 1.2) has no
    such value: the register makes none (and pyoxigraph refuses one as a subject), so reading
    the value of one is an error."""
    if isinstance(term, Triple):
        raise TypeError(f"a quoted triple where a value is read: {term}")
    return term.value


def document_path(iri: str) -> str:
    """The document of an IRI of the register (under the default base)."""
    path = document_of(iri, DEFAULT_BASE)
    if path is None:
        raise ValueError(f"{iri} is not under {DEFAULT_BASE}")
    return path


def shorten(text: str) -> str:
    """A label short enough for a link: cut at a word boundary, with an ellipsis."""
    if len(text) <= MAX_LABEL:
        return text
    return text[:MAX_LABEL].rsplit(" ", 1)[0].rstrip(",.;:") + " …"


def short_name(iri: str) -> str:
    return iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri


def build_index(triples: list[Triple]) -> GraphIndex:
    index = GraphIndex()
    for t in triples:
        index.add(t)
    return index
