"""The version IRIs of the register: the release of the dataset (`…/id/dataset/cultuurregios/
{version}`) and each version of a vocabulary (its owl:versionIRI). Each is answered like any
other IRI of ours: a document in every RDF format and a page in both languages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pyoxigraph import NamedNode, Triple

from ...model.paths import document_of
from ...model.release import Release
from ...model.terms import DEFAULT_BASE, OWL
from ..dumps import Written
from .context import Chrome, Link, Site
from .index import document_path, value_of
from .listing import Download, downloads


@dataclass(frozen=True)
class Version:
    path: str  # the document of the version IRI
    iri: str
    of: str  # the IRI of what this is a version of
    of_path: str
    version: str
    release: bool  # the release of the dataset (with its downloads), or a vocabulary's version


@dataclass(frozen=True)
class VersionPage:
    chrome: Chrome
    of: Link
    version: str
    issued: str
    downloads: tuple[Download, ...]


def version_documents(
    triples: list[Triple],
    docs: dict[str, list[Triple]],
    description: list[Triple],
    release: Release,
) -> dict[str, tuple[Version, list[Triple]]]:
    """{document path: (the version, its triples)}: the release's document is the dataset
    description; a vocabulary version's is the vocabulary's document as built."""
    release_path = document_path(release.release_iri)
    out = {
        release_path: (
            Version(
                release_path,
                release.release_iri,
                release.dataset_iri,
                document_path(release.dataset_iri),
                release.version,
                True,
            ),
            description,
        )
    }
    info = {
        value_of(t.subject): value_of(t.object) for t in triples if t.predicate == OWL.versionInfo
    }
    for t in triples:
        if t.predicate != OWL.versionIRI or not isinstance(t.object, NamedNode):
            continue
        of, iri = value_of(t.subject), t.object.value
        of_path, path = document_of(of, DEFAULT_BASE), document_of(iri, DEFAULT_BASE)
        if path is None or of_path is None or path == of_path or of_path not in docs:
            continue
        version = info.get(of) or iri.rstrip("/").rsplit("/", 1)[-1]
        out[path] = (Version(path, iri, of, of_path, version, False), docs[of_path])
    return out


def version_page(site: Site, v: Version, files: Mapping[str, Written]) -> VersionPage:
    r = site.release
    word = "versie" if site.lang == "nl" else "version"
    if v.release:
        title, of_label = r.release_title(site.lang), r.title(site.lang)
    else:
        of_label = site.index.label(v.of, site.lang)
        title = f"{of_label}, {word} {v.version}"
    jsonld = {
        "@context": "https://schema.org/",
        "@type": "WebPage",
        "name": title,
        "about": {"@id": v.iri, "version": v.version},
        "isPartOf": {"@type": "Dataset", "@id": r.dataset_iri, "version": r.version},
    }
    return VersionPage(
        site.chrome(title, v.iri, v.path, jsonld),
        Link(of_label, site.href(v.of_path), v.of),
        v.version,
        r.issued,
        downloads(site, files) if v.release else (),
    )
