"""Labels for nodes the data leaves unnamed (memberships, convenant parties, fundings), built
from the labels of what they connect, in each language."""

from __future__ import annotations

from pyoxigraph import NamedNode

from ...model.terms import CR, ORG
from .index import GraphIndex, shorten

DERIVED = 99  # rank: below every label property


def _name(ix: GraphIndex, iri: str, prop: NamedNode, lang: str) -> str:
    value = ix.first_value(iri, prop)
    return ix.label(value, lang) if value is not None else "?"


def membership(ix: GraphIndex, iri: str, lang: str) -> str:
    member, region = _name(ix, iri, ORG.member, lang), _name(ix, iri, ORG.organization, lang)
    return f"{member} in {region} ({_name(ix, iri, ORG.role, lang)})"


def convenant_party(ix: GraphIndex, iri: str, lang: str) -> str:
    number = ix.first_value(iri, CR.partyNumber)
    word = "partij" if lang == "nl" else "party"
    return (
        f"{_name(ix, iri, CR.party, lang)}, {word} {number if number is not None else '?'}: "
        f"{_name(ix, iri, CR.convenant, lang)}"
    )


def funding(ix: GraphIndex, iri: str, lang: str) -> str:
    purpose = ix.first_value(iri, CR.purpose, lang)
    return shorten(purpose) if purpose is not None else "?"


RULES = {
    ORG.Membership.value: membership,
    CR.ConvenantParty.value: convenant_party,
    CR.Funding.value: funding,
}


def derive_labels(ix: GraphIndex) -> None:
    """Give every unlabelled node of a class in RULES a label in nl and en."""
    for cls, rule in RULES.items():
        for iri in ix.subjects_of_type(cls):
            if iri not in ix.labels:
                ix.labels[iri] = {lang: (DERIVED, rule(ix, iri, lang)) for lang in ("nl", "en")}
