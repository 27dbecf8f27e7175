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


def schema_jsonld(site, iri: str, kind: str, title: str, props: dict[str, list]) -> Markup:
    """A resource's schema.org description; `props` are its values by property (as
    resource.grouped() gives them)."""
    data: dict = {"@context": "https://schema.org/", "@type": SCHEMA_TYPES.get(kind, "Thing"),
                  "@id": iri, "name": title}
    descriptions = props.get(DCT.description.value, [])
    description = next((v for v in descriptions if not isinstance(v, str)
                        and v.lang == site.lang), descriptions[0] if descriptions else None)
    if description is not None:
        data["description"] = text_of(description)
    urls = props.get(SCHEMA.url.value)
    if urls:
        data["url"] = text_of(urls[0])
    based_on = sorted({text_of(v) for v in props.get(DCT.source.value, ())})
    if based_on:
        data["isBasedOn"] = based_on
    places = sorted({text_of(v) for v in props.get(PROV.wasDerivedFrom.value, ())})
    if places:
        data["citation"] = places
    data["isPartOf"] = {"@type": "Dataset", "@id": site.release.dataset_iri,
                        "version": site.release.version}
    return script_json(data)


def text_of(shown) -> str:
    """An IRI, or a literal's text."""
    return shown if isinstance(shown, str) else shown.text
