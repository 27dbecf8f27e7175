"""Typed page contexts: what each template may use, built from the graph index.

A `Site` knows where every page lives, so it turns IRIs into relative links (the output works
from any folder or host) and literals into display values.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from pyoxigraph import Literal, NamedNode

from ...model.formats import RDF_FORMATS
from ...model.release import Release
from ...model.terms import PREFIXES, Term
from .bidi import isolated_text
from .index import GraphIndex
from .words import PROPERTY_LABELS, UI

WITHDRAWN = "http://www.w3.org/2002/07/owl#deprecated"
LINK_SCHEMES = ("", "http", "https")  # '' is a link inside the site
MAX_SHARED_LINKS = 50_000  # links kept for the next pages (per process), then forgotten


def linkable(href: str) -> bool:
    """Only relative and http(s) links become an href: never javascript:, data:, file: ..."""
    if href.startswith(("http://", "https://", "../")):
        return True
    try:
        return urlsplit(href.strip()).scheme.lower() in LINK_SCHEMES
    except ValueError:
        return False


@dataclass(frozen=True)
class Link:
    """A link; templates print it with the `link` filter (an <a> element, made once per link)."""

    label: str
    href: str | None = None  # None: shown as text
    iri: str = ""
    external: bool = False

    @cached_property
    def value(self) -> Value:
        """The link as the value of a fact."""
        return Value(self.label, self)


@dataclass(frozen=True)
class Value:
    text: str
    link: Link | None = None
    lang: str | None = None
    datatype: str | None = None  # as a CURIE, e.g. xsd:date


JsonLd = dict[str, Any]  # a page's schema.org description, as JSON gives it (any values)
Shown = str | Value  # a node's value: an IRI (linked on each page) or a literal as shown


def shown(term: Term) -> Shown:
    """A term as the pages show it, the same in both languages: an IRI stays its string, a
    literal becomes its display value (text, language tag, short datatype)."""
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, Literal):
        lang, dt = term.language, term.datatype.value
        short = curie(dt) if not lang and not dt.endswith("#string") else None
        return Value(term.value, None, lang, short)
    return Value(str(term))


Properties = dict[str, list[Shown]]  # a node's values by property, in the graph's order


def one(props: Properties, prop: NamedNode, lang: str | None = None) -> Shown | None:
    """The first value of a property; of literals, the first in `lang` if there is one."""
    values = props.get(prop.value)
    if not values:
        return None
    if lang:
        return next((v for v in values if not isinstance(v, str) and v.lang == lang), values[0])
    return values[0]


def text(shown: Shown | None) -> str:
    """An IRI, or a literal's text; '' for no value."""
    return "" if shown is None else shown if isinstance(shown, str) else shown.text


def as_iri(shown: Shown | None) -> str:
    """A value that the node's shape requires to be an IRI (a source, a membership's member)."""
    if not isinstance(shown, str):
        raise TypeError(f"not an IRI: {shown!r}")
    return shown


class Fact(NamedTuple):
    """One row of a node's facts: a property, its values, the places they rest on (a tuple:
    the facts table unpacks it in its loop)."""

    prop: Link
    values: tuple[Value, ...]
    sources: tuple[Link, ...]


@dataclass(frozen=True)
class Alternate:
    label: str
    href: str
    media_type: str


@dataclass(frozen=True)
class Chrome:
    """What every page has: language, navigation, alternates, citation, embedded JSON-LD."""

    lang: str
    title: str
    root: str  # relative path to the top of the site, '' or '../../'
    words: dict[str, str]
    other_lang: Link
    alternates: tuple[Alternate, ...]
    release: Release
    cite: str
    jsonld: JsonLd  # the page's schema.org description (the script_json filter)
    iri: str = ""
    title_lang: str = ""  # the title's language where it is not the page's

    @property
    def site_title(self) -> str:
        """The register's title in the page's language: the first link of the navigation."""
        return self.release.title_nl if self.lang == "nl" else self.release.title_en


@lru_cache(maxsize=1024)  # a page's datatypes and outside terms are mostly the same few
def curie(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


class Site:
    """Links between pages of one language, relative to the page being rendered."""

    def __init__(self, index: GraphIndex, release: Release, lang: str, page: str):
        self.index, self.release, self.lang, self.page = index, release, lang, page
        self.root = "../" * page.count("/")
        self.words = UI[lang]

    def href(self, path: str, ext: str | None = None, fragment: str = "") -> str:
        """Relative link from this page to a document path (no extension)."""
        ext = ext or ("html" if self.lang == "nl" else "en.html")
        return f"{self.root}{path}.{ext}" + (f"#{fragment}" if fragment else "")

    def link(self, iri: str) -> Link:
        """The link to a node's page, shared by the pages of one language and folder depth;
        the most recent links are kept."""
        key = (self.lang, self.root, iri)
        link = self.index.links.get(key)
        if link is None:
            if len(self.index.links) >= MAX_SHARED_LINKS:
                self.index.links.clear()
            link = self.index.links[key] = self.new_link(iri)
        return link

    def new_link(self, iri: str) -> Link:
        label = self.index.label(iri, self.lang)
        doc = self.index.document(iri)
        if doc is None:
            return Link(label if label != iri else curie(iri), iri, iri, external=True)
        fragment = iri.split("#", 1)[1] if "#" in iri else ""
        return Link(label, self.href(doc, fragment=fragment), iri)

    def prop(self, iri: str) -> Link:
        """The link to a property's definition, made once per language and folder depth."""
        key = (self.lang, self.root, iri)
        link = self.index.prop_links.get(key)
        if link is None:
            link = self.index.prop_links[key] = self.new_prop(iri)
        return link

    def new_prop(self, iri: str) -> Link:
        if iri in PROPERTY_LABELS:
            label = PROPERTY_LABELS[iri][0 if self.lang == "nl" else 1]
        else:
            label = self.index.label(iri, self.lang)
        doc = self.index.document(iri)
        href = self.href(doc, fragment=iri.split("#", 1)[-1]) if doc else iri
        return Link(label, href, iri, external=doc is None)

    def value(self, shown: Shown) -> Value:
        return self.link(shown).value if isinstance(shown, str) else shown

    def in_language(self, values: list[Shown]) -> list[Shown]:
        """The values of one property a page shows: only this page's language where the
        property has it."""
        lang = self.lang
        if any(not isinstance(v, str) and v.lang == lang for v in values):
            return [v for v in values if isinstance(v, str) or v.lang in (None, lang)]
        return values

    def values(self, values: list[Shown]) -> tuple[Value, ...]:
        return tuple(self.value(v) for v in values)

    def chrome(self, title: str, iri: str, alternates_of: str | None, jsonld: JsonLd) -> Chrome:
        other = "en" if self.lang == "nl" else "nl"
        other_ext = "html" if other == "nl" else "en.html"
        stem = self.page.rsplit(".", 2 if self.lang == "en" else 1)[0]
        other_href = posixpath.basename(f"{stem}.{other_ext}")
        alternates = (
            tuple(
                Alternate(f.extension, self.href(alternates_of, f.extension), f.media_type)
                for f in RDF_FORMATS
            )
            if alternates_of
            else ()
        )
        return Chrome(
            self.lang,
            title,
            self.root,
            self.words,
            Link(self.words["other_lang"], other_href),
            alternates,
            self.release,
            self.cite_line(title, iri),
            jsonld,
            iri,
        )

    def cite_line(self, title: str, iri: str) -> str:
        """Author and publisher, year, title, version, date and the release's versioned IRI;
        a page about one resource names the resource and its IRI as well."""
        r = self.release
        if not iri or iri in (r.dataset_iri, r.release_iri):
            return r.citation(self.lang)
        return r.citation(self.lang, isolated_text(title) if title else "", iri)
