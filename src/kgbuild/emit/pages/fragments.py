"""The pieces of markup that many pages print alike, made by the macros of templates/macros.html
and templates/map.html and kept, so that a macro runs once per piece and not each time the
piece is printed: a link (on every page that names its node), a fact's sources (beside each
fact of a node), the navigation (on every page of a folder depth), a document's formats and a
region's map (on its page in each language). The templates print them through the filters of
the same names (render.environment).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

import jinja2
from markupsafe import Markup, escape

from .context import Alternate, Chrome, Fact, Link
from .maps import Drawing

MAX_KEPT = 50_000  # pieces kept per kind (per process), then forgotten


class Fragments:
    """The kept pieces of one environment (its macros render them)."""

    def __init__(self, env: jinja2.Environment):
        self.env = env
        self.kept_links: dict[int, tuple[Link, Markup]] = {}
        self.kept_cites: dict[tuple[tuple[Link, ...], str], Markup] = {}
        self.kept_navigation: dict[tuple[str, str, str], Markup] = {}
        self.kept_map: tuple[Drawing, Markup] | None = None
        self.kept_sources: dict[tuple[int, str], tuple[tuple[Link, ...], Markup]] = {}
        self.kept_alternates: dict[str, tuple[tuple[Alternate, ...], Markup]] = {}

    @cached_property
    def macros(self) -> Any:
        """The macros of macros.html (attributes made by jinja: typed Any)."""
        return self.env.get_template("macros.html").module

    @cached_property
    def maps(self) -> Any:
        """The macros of map.html."""
        return self.env.get_template("map.html").module

    def link(self, link: Link) -> Markup:
        """A link as an <a> element, or its label alone where its href may not be followed.
        Kept by the link's identity (the pages of a folder share their Link objects, see
        Site.link), with the link itself, so that its id is not reused while it is kept."""
        kept = self.kept_links.get(id(link))
        if kept is not None and kept[0] is link:
            return kept[1]
        if len(self.kept_links) >= MAX_KEPT:
            self.kept_links.clear()
        html = cast(Markup, self.macros.link(link))
        self.kept_links[id(link)] = (link, html)
        return html

    def links(self, links: tuple[Link, ...], separator: str) -> Markup:
        """Links one after the other, with the (escaped) separator between them."""
        return escape(separator).join(map(self.link, links))

    def cites(self, links: tuple[Link, ...], words: dict[str, str]) -> Markup:
        """The places a fact rests on, as [label] links. A node's facts mostly rest on the same
        tuple of places: it is looked up by its identity first (and held, so that its id is not
        reused), then by its value (the same places cited by other nodes)."""
        word = words["source"]
        kept = self.kept_sources.get((id(links), word))
        if kept is not None and kept[0] is links:
            return kept[1]
        key = (links, word)
        html = self.kept_cites.get(key)
        if html is None:
            if len(self.kept_cites) >= MAX_KEPT:
                self.kept_cites.clear()
            html = self.kept_cites[key] = cast(Markup, self.macros.cites(links, word))
        if len(self.kept_sources) >= MAX_KEPT:
            self.kept_sources.clear()
        self.kept_sources[(id(links), word)] = (links, html)
        return html

    def site_links(self, chrome: Chrome) -> Markup:
        """The navigation to the home page, the dataset, the ontology, the canned queries and
        the SPARQL endpoint: the same on every page of one folder depth and language."""
        key = (chrome.root, chrome.lang, chrome.site_title)
        html = self.kept_navigation.get(key)
        if html is None:
            html = self.kept_navigation[key] = cast(
                Markup, self.macros.site_links(*key[:2], chrome.words, key[2])
            )
        return html

    def facts_table(self, facts: tuple[Fact, ...], words: dict[str, str]) -> Markup:
        """A node's facts as a table (one macro call per table, the macro loops over them)."""
        return cast(Markup, self.macros.facts_table(facts, words))

    def region_map(self, drawing: Drawing) -> Markup:
        """A region's map, drawn once for the pages of both languages (it has no words): the
        last map drawn is kept."""
        if self.kept_map is None or self.kept_map[0] is not drawing:
            self.kept_map = (drawing, cast(Markup, self.maps.region(drawing)))
        return self.kept_map[1]

    def home_map(self, drawing: Drawing) -> Markup:
        return cast(Markup, self.maps.home(drawing))

    def alternate_links(self, alternates: tuple[Alternate, ...]) -> Markup:
        """The <link rel="alternate"> elements of a page, one per format of its document."""
        return self.alternates("alternate_links", alternates)

    def format_links(self, alternates: tuple[Alternate, ...]) -> Markup:
        """The same alternates, as links in the footer."""
        return self.alternates("format_links", alternates)

    def alternates(self, macro: str, alternates: tuple[Alternate, ...]) -> Markup:
        """Made once for a document's pages: they link the same files in both languages, and
        are rendered one after the other (the last ones are kept)."""
        kept = self.kept_alternates.get(macro)
        if kept is None or kept[0] != alternates:
            kept = self.kept_alternates[macro] = (
                alternates,
                cast(Markup, getattr(self.macros, macro)(alternates)),
            )
        return kept[1]
