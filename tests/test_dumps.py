"""The dumps are handed to the writer one format at a time; the JSON-LD dump is written and
compacted in runs of whole subjects, so that only one run's nodes are objects in memory at once,
and the document is the same whatever the runs' size."""

from __future__ import annotations

import gzip
import hashlib
import json
from itertools import pairwise

import pyoxigraph
import pytest

from kgbuild.emit import dumps
from kgbuild.emit.dumps import Written, serialize, subject_runs, write_dumps, written
from kgbuild.model.formats import BY_NAME, RDF_FORMATS

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


def test_each_dump_is_handed_over_as_it_is_made_with_its_size_and_checksum(graph):
    """write_dumps gives every format, plain and gzipped, to the writer, and tells of each what
    the dataset description needs; a format is no longer held once it is written."""
    handed: dict[str, bytes] = {}
    written = write_dumps(graph.triples, graph.release.base, handed.__setitem__)
    names = [f"cultuurregios.{f.extension}{gz}" for f in RDF_FORMATS for gz in ("", ".gz")]
    assert list(handed) == names and set(written) == set(names)
    for fmt in RDF_FORMATS:
        name = f"cultuurregios.{fmt.extension}"
        assert handed[name] == serialize(graph.triples, fmt, graph.release.base)
        assert gzip.decompress(handed[name + ".gz"]) == handed[name]
    for name, data in handed.items():
        assert written[name] == Written(len(data), hashlib.sha256(data).hexdigest())
