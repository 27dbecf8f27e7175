"""Render every HTML page of the site, in Dutch (`x.html`) and English (`x.en.html`).

Templates are strict (an unknown name is an error) and autoescaping; each renders one typed
context. Input: the graph index built once, the documents and the files already emitted, all
under the default base; each page is published under the release's base.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from markupsafe import Markup, escape
from pyoxigraph import Triple

from ...model.release import Release
from ...runtime.parallel import Pool
from ..documents import Put, iri_of
from ..dumps import Written
from .bidi import isolated, isolated_text
from .context import Site, linkable
from .fragments import Fragments
from .index import GraphIndex, value_of
from .jsonld import script_json
from .listing import (
    class_counts,
    class_page,
    dataset_page,
    error_page,
    home_page,
    index_path,
    is_vocabulary,
    vocabulary_page,
)
from .maps import Maps
from .resource import grouped, resource_page
from .versions import Version, version_page
from .words import LANGS

DATASET_DOC = "doc/dataset/cultuurregios"
ERRORS = {
    404: ("Niet gevonden", "Not found"),
    406: ("Formaat niet leverbaar", "Format not available"),
    410: ("Ingetrokken", "Withdrawn"),
}


# Every page's Content-Security-Policy: nothing runs, styles come only from the site itself.
POLICY = Markup("default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'")
# The endpoint's page (sparql.html) has the one form: it may be sent to this site.
ENDPOINT_POLICY = Markup(
    "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'self'"
)


def escaped(value: object) -> Markup:
    """A value printed by a template: escaped, and markup as it is (markupsafe's escape copies
    it, and most of what the pages print is markup the macros made)."""
    return value if type(value) is Markup else escape(value)


class Generator(CodeGenerator):
    """jinja's compiler, printing values through the environment's `escaped` instead of
    markupsafe's escape where the template autoescapes."""

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("environment.escaped(")
            if finalize.src is not None:
                self.write(finalize.src)
        else:
            super()._output_child_pre(node, frame, finalize)


class PageEnvironment(jinja2.Environment):
    code_generator_class = Generator
    escaped = staticmethod(escaped)


def environment() -> jinja2.Environment:
    """The pages' templates, compiled as they are first used (decision 0024: no compiled
    templates are kept between builds)."""
    env = PageEnvironment(
        loader=jinja2.PackageLoader("kgbuild", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    fragments = Fragments(env)
    env.filters.update(
        bidi=isolated,
        bidi_text=isolated_text,
        script_json=script_json,
        link=fragments.link,
        links=fragments.links,
        cites=fragments.cites,
        site_links=fragments.site_links,
        facts_table=fragments.facts_table,
        region_map=fragments.region_map,
        home_map=fragments.home_map,
        alternate_links=fragments.alternate_links,
        format_links=fragments.format_links,
    )
    env.tests["linkable"] = linkable
    env.globals["policy"] = POLICY
    return env


def page_file(path: str, lang: str) -> str:
    return f"{path}.html" if lang == "nl" else f"{path}.en.html"


@dataclass
class Renderer:
    env: jinja2.Environment
    index: GraphIndex
    release: Release
    maps: Maps | None

    def site(self, path: str, lang: str) -> Site:
        return Site(self.index, self.release, lang, page_file(path, lang))

    def render(self, template: str, **context: object) -> bytes:
        html = self.env.get_template(template).render(**context).encode("utf-8")
        return self.release.base.data(html)

    def pages(self, path: str, triples: list[Triple]) -> dict[str, bytes]:
        """A document's page in each language, by file name."""
        iri, out = iri_of(path), {}
        if is_vocabulary(self.index, iri):
            subjects = sorted({value_of(t.subject) for t in triples})
            for lang in LANGS:
                vocabulary = vocabulary_page(self.site(path, lang), path, iri, subjects)
                out[page_file(path, lang)] = self.render(
                    "vocabulary.html", page=vocabulary, chrome=vocabulary.chrome
                )
            return out
        drawing = self.maps.region(self.index, iri) if self.maps else None  # no words: one
        nodes = grouped(self.index, triples)
        for lang in LANGS:
            page = resource_page(self.site(path, lang), path, iri, nodes, drawing)
            out[page_file(path, lang)] = self.render(
                f"{page.kind}.html", page=page, chrome=page.chrome
            )
        return out


def render_site(
    index: GraphIndex,
    release: Release,
    docs: dict[str, list[Triple]],
    files: Mapping[str, Written],
    triple_count: int,
    maps: Maps | None,
    put: Put,
    *,
    each: Callable[[str], None] = lambda path: None,
    versions: tuple[Version, ...] = (),
    jobs: int = 1,
) -> list[str]:
    """Write every page and the stylesheets; the paths written. The documents' pages are
    rendered on `jobs` worker processes; a document's pages, and whatever `each(path)` writes
    of it, are written by the worker that renders them, so their bytes never travel between
    processes."""
    r = Renderer(environment(), index, release, maps)
    for name in r.env.list_templates(extensions=["html"]):  # compiled once, before the fork
        r.env.get_template(name)
    mains = {path: iri_of(path) for path in docs}
    members = class_counts(index, mains)

    def resource(path: str) -> list[str]:
        each(path)
        pages = r.pages(path, docs[path])
        for name, data in pages.items():
            put(name, data)
        return list(pages)

    with Pool(resource, jobs).started(list(docs)) as results:
        site_pages = whole_site_pages(r, members, files, triple_count)  # while the workers go on
        site_pages.update(version_pages(r, versions, files))
        written = [name for names in results for name in names]
    for name, data in site_pages.items():
        put(name, data)
    return written + list(site_pages)


def whole_site_pages(
    r: Renderer, members: dict[str, list[str]], files: Mapping[str, Written], triple_count: int
) -> dict[str, bytes]:
    """The pages about the whole site: the class indexes, the home and dataset pages, the error
    pages, and the stylesheets."""
    out = {}
    for lang in LANGS:
        for cls, iris in members.items():
            page = class_page(r.site(index_path(cls), lang), cls, iris)
            out[page_file(index_path(cls), lang)] = r.render(
                "classindex.html", page=page, chrome=page.chrome
            )
        site = r.site("index", lang)
        home = home_page(site, members, r.maps.home(site) if r.maps else None)
        out[page_file("index", lang)] = r.render("home.html", page=home, chrome=home.chrome)
        site = r.site(DATASET_DOC, lang)
        ds = dataset_page(site, files, triple_count, DATASET_DOC)
        out[page_file(DATASET_DOC, lang)] = r.render("dataset.html", page=ds, chrome=ds.chrome)
    out.update(error_pages(r))
    for css in sorted(resources.files("kgbuild").joinpath("static").iterdir(), key=str):
        if css.name.endswith(".css"):
            out[f"static/{css.name}"] = css.read_bytes()
    return out


def version_pages(
    r: Renderer, versions: tuple[Version, ...], files: Mapping[str, Written]
) -> dict[str, bytes]:
    """The page of each version IRI, in both languages."""
    out = {}
    for v in versions:
        for lang in LANGS:
            page = version_page(r.site(v.path, lang), v, files)
            out[page_file(v.path, lang)] = r.render("version.html", page=page, chrome=page.chrome)
    return out


def error_pages(r: Renderer) -> dict[str, bytes]:
    """404/406/410 pages in both languages."""
    out = {}
    for status, (nl, en) in ERRORS.items():
        site = r.site(str(status), "nl")
        page = error_page(site, status, f"{nl} / {en}")
        out[f"{status}.html"] = r.render("error.html", page=page, chrome=page.chrome)
    return out
