"""The JSON-LD dump is written and compacted in runs of whole subjects, so that only one run's
nodes are objects in memory at once; the document is the same whatever the runs' size."""

from __future__ import annotations

import json
from itertools import pairwise

import pyoxigraph
import pytest

from kgbuild.emit import dumps
from kgbuild.emit.dumps import subject_runs, written
from kgbuild.model.formats import BY_NAME

JSONLD = BY_NAME["jsonld"]


def test_runs_cut_only_where_the_subject_changes(graph):
    triples = graph.triples
    for size in (1, 7, 1000):
        runs = list(subject_runs(triples, size))
        assert [t for run in runs for t in run] == triples
        assert all(a[-1].subject != b[0].subject for a, b in pairwise(runs))
        assert len(runs) > len(triples) // (size * 50)  # cut at all, not one run


@pytest.mark.parametrize("size", [1, 13, 5000])
def test_the_document_is_the_same_whatever_the_size_of_the_runs(graph, monkeypatch, size):
    whole = written(graph.triples, JSONLD)
    monkeypatch.setattr(dumps, "subject_runs", lambda t: subject_runs(t, size))
    assert written(graph.triples, JSONLD) == whole


def test_the_document_holds_the_graph(graph):
    """Read back by another parser, it is the graph."""
    text = written(graph.triples, JSONLD)
    assert json.loads(text)["@graph"]
    read = {q.triple for q in pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.JSON_LD)}
    assert read == {getattr(t, "triple", t) for t in graph.triples}  # the ontology's are quads


def test_no_triples_give_an_empty_graph():
    assert json.loads(written([], JSONLD)) == {"@context": {}, "@graph": []}
