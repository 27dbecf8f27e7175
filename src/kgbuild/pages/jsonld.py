"""Embedded schema.org JSON-LD, escaped so that no value can end the <script> element."""

from __future__ import annotations

import json

from markupsafe import Markup

from ..terms import DCT, PROV, SCHEMA

SCHEMA_TYPES = {"region": "Organization", "agent": "GovernmentOrganization",
                "source": "CreativeWork", "resource": "Thing", "vocabulary": "DefinedTermSet",
                "dataset": "Dataset", "home": "WebSite", "index": "CollectionPage"}


def script_json(data: dict) -> Markup:
    """JSON for a <script> element: '<', '>' and '&' as \\u escapes (still valid JSON)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)  # no indent: the C encoder
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def schema_jsonld(site, iri: str, kind: str, title: str) -> Markup:
    ix = site.index
    data: dict = {"@context": "https://schema.org/", "@type": SCHEMA_TYPES.get(kind, "Thing"),
                  "@id": iri, "name": title}
    description = ix.first(iri, DCT.description, site.lang)
    if description is not None:
        data["description"] = description.value
    url = ix.first(iri, SCHEMA.url)
    if url is not None:
        data["url"] = url.value
    based_on = sorted({v.value for v in ix.values(iri, DCT.source)})
    if based_on:
        data["isBasedOn"] = based_on
    places = sorted({v.value for v in ix.values(iri, PROV.wasDerivedFrom)})
    if places:
        data["citation"] = places
    data["isPartOf"] = {"@type": "Dataset", "@id": site.release.dataset_iri,
                        "version": site.release.version}
    return script_json(data)
