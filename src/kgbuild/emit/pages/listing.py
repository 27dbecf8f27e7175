"""Contexts of the pages that are not about one resource: home, class indexes, dataset,
vocabularies (ontology and code lists) and error pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from pyoxigraph import NamedNode

from ...model.formats import FORMATS, RDF_FORMATS, Format
from ...model.release import Release
from ...model.terms import CR, DCT, DEFAULT_BASE, OWL, RDFS, SKOS
from ..dumps import DUMP_NAME, Written
from .context import Chrome, JsonLd, Link, Site, curie
from .index import GraphIndex, value_of
from .maps import Drawing, HomeMap, MapRow

REGION_CLASSES = (CR.Cultuurregio.value, CR.Landsdeel.value)


@dataclass(frozen=True)
class ClassEntry:
    link: Link
    count: int


@dataclass(frozen=True)
class RegionEntry:
    link: Link
    colour: str  # the CSS class of the region on the home map ('' without a map)


@dataclass(frozen=True)
class HomePage:
    chrome: Chrome
    description: str
    regions: tuple[RegionEntry, ...]
    classes: tuple[ClassEntry, ...]
    map: Drawing | None
    map_rows: tuple[MapRow, ...] = ()


@dataclass(frozen=True)
class IndexPage:
    chrome: Chrome
    items: tuple[Link, ...]


@dataclass(frozen=True)
class Download:
    name: str
    href: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class DatasetPage:
    chrome: Chrome
    description: str
    license: Link
    downloads: tuple[Download, ...]
    triples: int
    metadata: tuple[Link, ...]
    gap: DataGap | None = None


@dataclass(frozen=True)
class DataGap:
    """How many known gemeenten have no known region on the latest reference date, and where
    the report lists them (the canned query gemeenten-region-unknown, as a page and CSV)."""

    day: str
    unknown: int
    known: int
    page: str
    csv: str


def data_gap(site: Site) -> DataGap | None:
    snaps: list[tuple[str, int, int]] = []  # (reference date, gemeenten not placed, known)
    for s in site.index.of_type(CR.Snapshot.value):
        day, unknown = (
            site.index.first_value(s, CR.referenceDate),
            site.index.first_value(s, CR.regionNotKnownCount),
        )
        known = site.index.first_value(s, CR.knownGemeenteCount)
        if day is not None and unknown is not None and known is not None:
            snaps.append((day, int(unknown), int(known)))
    if not snaps:
        return None
    latest = max(snaps)
    folder = site.root + "query/gemeenten-region-unknown"
    return DataGap(*latest, folder + ".html", folder + ".csv")


@dataclass(frozen=True)
class Term:
    anchor: str
    iri: str
    label: str
    kind: Link
    definition: str
    supers: tuple[Link, ...]
    domain: tuple[Link, ...]
    range: tuple[Link, ...]


@dataclass(frozen=True)
class VocabularyPage:
    chrome: Chrome
    description: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class ErrorPage:
    chrome: Chrome
    status: int
    message: str
    formats: tuple[Format, ...] = ()  # on the 406 page: every format a document comes in
    example: str = ""  # a document that exists, for the example links of the 406 page


def index_path(cls: str) -> str:
    """index/cr-Cultuurregio: the page listing every resource of a class."""
    return "index/" + curie(cls).replace(":", "-").replace("/", "-").replace("#", "-")


def class_counts(index: GraphIndex, documents: dict[str, str]) -> dict[str, list[str]]:
    """{class IRI: main subjects of that class}, over the documents' main subjects."""
    out: dict[str, list[str]] = {}
    for iri in documents.values():
        for cls in index.types.get(iri, ()):
            out.setdefault(cls, []).append(iri)
    return out


def home_page(site: Site, members: dict[str, list[str]], drawn: HomeMap | None) -> HomePage:
    r = site.release
    drawing, colours, rows = (drawn.drawing, drawn.colours, drawn.rows) if drawn else (None, {}, ())
    regions = sorted(
        (
            RegionEntry(site.link(i), colours.get(i, ""))
            for c in REGION_CLASSES
            for i in members.get(c, [])
        ),
        key=lambda e: e.link.label.lower(),
    )
    classes = sorted(
        (
            ClassEntry(Link(site.index.label(c, site.lang), site.href(index_path(c)), c), len(v))
            for c, v in members.items()
        ),
        key=lambda e: e.link.label.lower(),
    )
    title = r.title_nl if site.lang == "nl" else r.title_en
    jsonld = {
        "@context": "https://schema.org/",
        "@type": "WebSite",
        "name": title,
        "about": {"@id": r.dataset_iri},
    }
    return HomePage(
        site.chrome(title, r.dataset_iri, None, jsonld),
        r.description_nl if site.lang == "nl" else r.description_en,
        tuple(regions),
        tuple(classes),
        drawing,
        rows,
    )


def class_page(site: Site, cls: str, iris: list[str]) -> IndexPage:
    label = site.index.label(cls, site.lang)
    title = f"{site.words['index_of']}: {label}"
    items = tuple(sorted((site.link(i) for i in iris), key=lambda link: link.label.lower()))
    jsonld = {
        "@context": "https://schema.org/",
        "@type": "CollectionPage",
        "name": title,
        "about": {"@id": cls},
    }
    return IndexPage(site.chrome(title, cls, None, jsonld), items)


def downloads(site: Site, files: Mapping[str, Written]) -> tuple[Download, ...]:
    out = []
    folder = f"download/{site.release.version}/"
    for fmt in RDF_FORMATS:
        for name in (f"{DUMP_NAME}.{fmt.extension}", f"{DUMP_NAME}.{fmt.extension}.gz"):
            file = files[folder + name]
            media = fmt.media_type if not name.endswith(".gz") else "application/gzip"
            out.append(Download(name, site.root + folder + name, media, file.size, file.sha256))
    return tuple(out)


def schema_dataset(r: Release, lang: str, files: tuple[Download, ...]) -> JsonLd:
    """The dataset as schema.org describes it (for search engines and the NDE register):
    publisher and creator the publishing organisation, with its contact page."""
    contact = {"@type": "ContactPoint", "@id": r.contact_iri, "name": r.publisher, "url": r.contact}
    if r.contact_email:
        contact["email"] = r.contact_email
    org = {
        "@type": "Organization",
        "@id": r.publisher_iri,
        "name": r.publisher_name(lang),
        "identifier": r.publisher_iri,
        "url": DEFAULT_BASE,
        "contactPoint": contact,
    }
    return {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": r.dataset_iri,
        "name": r.title(lang),
        "description": getattr(r, f"description_{lang}"),
        "version": r.version,
        "datePublished": r.issued,
        "dateModified": r.issued,
        "license": r.license,
        "inLanguage": ["nl", "en"],
        "publisher": org,
        "creator": org,
        "mainEntityOfPage": r.landing_page,
        "citation": r.citation(lang),
        "keywords": ["cultuurregio", "cultuurbeleid", "gemeenten", "provincies"],
        "distribution": [
            {
                "@type": "DataDownload",
                "contentUrl": r.download_url(d.name),
                "name": d.name,
                "description": d.name,
                "encodingFormat": d.media_type,
                "contentSize": str(d.size),
            }
            for d in files
        ],
    }


def dataset_page(site: Site, files: Mapping[str, Written], triples: int, path: str) -> DatasetPage:
    r = site.release
    title = r.title_nl if site.lang == "nl" else r.title_en
    folder = f"download/{r.version}/"
    meta = tuple(
        Link(n, site.root + folder + n)
        for n in ("dataset.ttl", "SHA256SUMS", "shacl-report.ttl", "shacl-report.txt")
    )
    jsonld = schema_dataset(r, site.lang, downloads(site, files))
    return DatasetPage(
        site.chrome(title, r.dataset_iri, path, jsonld),
        r.description_nl if site.lang == "nl" else r.description_en,
        Link(r.license, r.license, r.license, True),
        downloads(site, files),
        triples,
        meta,
        data_gap(site),
    )


def term(site: Site, iri: str) -> Term:
    ix = site.index
    types = [t for t in ix.types.get(iri, ()) if t != SKOS.Concept.value] or sorted(
        ix.types.get(iri, ())
    )
    definition = ix.first_value(iri, SKOS.definition, site.lang)

    def links(prop: NamedNode) -> tuple[Link, ...]:
        return tuple(site.link(value_of(v)) for v in ix.values(iri, prop))

    return Term(
        iri.split("#", 1)[-1],
        iri,
        ix.label(iri, site.lang),
        site.link(min(types)) if types else Link(""),
        definition if definition is not None else "",
        links(RDFS.subClassOf) + links(RDFS.subPropertyOf),
        links(RDFS.domain),
        links(RDFS.range),
    )


def vocabulary_page(site: Site, path: str, iri: str, subjects: list[str]) -> VocabularyPage:
    ix = site.index
    title = ix.label(iri, site.lang)
    description = ix.first_value(iri, DCT.description, site.lang)
    terms = [s for s in subjects if s != iri and "#" in s]
    terms.sort(key=lambda s: (min(ix.types.get(s, {""})), ix.label(s, site.lang).lower()))
    jsonld = {
        "@context": "https://schema.org/",
        "@type": "DefinedTermSet",
        "@id": iri,
        "name": title,
        "hasDefinedTerm": [
            {"@type": "DefinedTerm", "@id": s, "name": ix.label(s, site.lang)} for s in terms
        ],
    }
    return VocabularyPage(
        site.chrome(title, iri, path, jsonld),
        description if description is not None else "",
        tuple(term(site, s) for s in terms),
    )


def is_vocabulary(index: GraphIndex, iri: str) -> bool:
    types = index.types.get(iri, set())
    return bool(types & {OWL.Ontology.value, SKOS.ConceptScheme.value})


def error_page(site: Site, status: int, message: str) -> ErrorPage:
    """An error page is served at any URL, so its links start at the site root ('/')."""
    site.root = "/"
    title = f"{status} {message}"
    chrome = site.chrome(
        title, "", None, {"@context": "https://schema.org/", "@type": "WebPage", "name": title}
    )
    chrome = replace(chrome, other_lang=Link(site.words["other_lang"], "/index.en.html"))
    if status == 406:
        return ErrorPage(chrome, status, message, FORMATS, "/doc/dataset/cultuurregios")
    return ErrorPage(chrome, status, message)
