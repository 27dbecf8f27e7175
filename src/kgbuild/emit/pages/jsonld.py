"""Embedded schema.org JSON-LD, escaped so that no value can end the <script> element."""

from __future__ import annotations

import json

from markupsafe import Markup

from ...model.terms import DCT, PROV, SCHEMA
from .context import JsonLd, Properties, Site, one, text

SCHEMA_TYPES = {
    "region": "Organization",
    "agent": "GovernmentOrganization",
    "source": "CreativeWork",
    "resource": "Thing",
    "vocabulary": "DefinedTermSet",
    "dataset": "Dataset",
    "home": "WebSite",
    "index": "CollectionPage",
}


def script_json(data: JsonLd) -> Markup:
    """JSON for a <script> element: '<', '>' and '&' as \\u escapes (still valid JSON)."""
    out = json.dumps(data, ensure_ascii=False, sort_keys=True)  # no indent: the C encoder
    return Markup(out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def schema_jsonld(site: Site, iri: str, kind: str, title: str, props: Properties) -> JsonLd:
    """A resource's schema.org description, from its values by property."""
    data: JsonLd = {
        "@context": "https://schema.org/",
        "@type": SCHEMA_TYPES.get(kind, "Thing"),
        "@id": iri,
        "name": title,
    }
    description = one(props, DCT.description, site.lang)
    if description is not None:
        data["description"] = text(description)
    url = one(props, SCHEMA.url)
    if url is not None:
        data["url"] = text(url)
    based_on = sorted({text(v) for v in props.get(DCT.source.value, ())})
    if based_on:
        data["isBasedOn"] = based_on
    places = sorted({text(v) for v in props.get(PROV.wasDerivedFrom.value, ())})
    if places:
        data["citation"] = places
    data["isPartOf"] = {
        "@type": "Dataset",
        "@id": site.release.dataset_iri,
        "version": site.release.version,
    }
    return data
