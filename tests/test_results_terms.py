"""Terms from SPARQL JSON results compare equal whatever lexical form a store chose."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from kgbuild.queries.results import XSD_BOOLEAN, term_from_json


def test_boolean_one_and_zero_become_true_and_false():
    for given, canonical in (("1", "true"), ("0", "false"), ("true", "true")):
        term = term_from_json({"type": "literal", "value": given, "datatype": XSD_BOOLEAN})
        assert term == Literal(canonical, datatype=NamedNode(XSD_BOOLEAN))
