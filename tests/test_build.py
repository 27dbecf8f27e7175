"""Stage 4 and the whole pipeline: deterministic, parseable, self-consistent output."""

from __future__ import annotations

import gzip
import hashlib

import pyoxigraph
import rdflib

from kgbuild.build import Config, build


def test_two_builds_are_byte_identical(project, tmp_path):
    """Also when one renders its pages in one process and the other in worker processes."""
    build(Config(root=project, out=tmp_path / "a", jobs=1))
    build(Config(root=project, out=tmp_path / "b", jobs=2))
    a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert a == b and len(a) > 10
    for rel in a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_a_build_leaves_the_callers_garbage_collector_alone(project, tmp_path):
    """build() is a library call: the collector runs as its caller has it (the command
    pauses it, kgbuild.cli.collector_paused), and nothing of the heap stays frozen."""
    import gc

    seen = []
    build(Config(root=project, out=tmp_path / "a"), lambda stage: seen.append(gc.isenabled()))
    assert len(seen) > 10 and all(seen)
    assert gc.get_freeze_count() == 0


def test_a_build_keeps_nothing_outside_its_output_unless_given_a_cache_folder(project, tmp_path):
    """The shapes found sound are remembered in the configuration's cache folder, and only
    there (the command gives the project's build/cache/)."""
    build(Config(root=project, out=tmp_path / "a"))
    assert not (project / "build").exists()
    build(Config(root=project, out=tmp_path / "b", cache=tmp_path / "cache"))
    assert [p.name[:13] for p in (tmp_path / "cache").iterdir()] == ["shapes-sound-"]


def test_dumps_parse_alike_in_rdflib_and_pyoxigraph(project):
    graph, _ = build(Config(root=project))
    folder = project / "dist/download/latest"
    counts = set()
    for name, fmt in (("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdf", "xml")):
        data = (folder / f"cultuurregios.{name}").read_bytes()
        counts.add(len(rdflib.Graph().parse(data=data, format=fmt)))
        counts.add(
            len(list(pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.from_extension(name))))
        )
        assert gzip.decompress((folder / f"cultuurregios.{name}.gz").read_bytes()) == data
    assert counts == {len(graph.triples)}


def test_checksums_match_files(project):
    build(Config(root=project))
    folder = project / "dist/download/latest"
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    assert len(lines) >= 9
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest


def test_the_graph_stays_under_the_default_base_and_the_dump_moves(project):
    """The configured base is applied where the bytes leave (docs/decisions/0023-one-base.md);
    tests/test_two_bases.py compares whole builds."""
    graph, _ = build(Config(root=project, base="https://example.org/cr/"))
    iris = {t.subject.value for t in graph.triples}
    assert "https://w3id.org/cultuurregio/id/regio/twente" in iris
    assert spo(graph.store) == spo(graph.triples)
    dump = (project / "dist/download/latest/cultuurregios.nt").read_text()
    assert "<https://example.org/cr/id/regio/twente>" in dump
    assert "w3id.org/cultuurregio" not in dump


def spo(triples) -> set[tuple]:
    """Triples, or quads of the default graph (a store's, the ontology's as parsed), alike."""
    return {(t.subject, t.predicate, t.object) for t in triples}


def test_the_store_derive_read_holds_the_whole_graph_after(graph):
    """derive's store of the mapped triples becomes the one validation and queries ask."""
    assert spo(graph.store) == spo(graph.triples) and len(graph.store) == len(graph.triples)


def test_latest_is_the_same_file_as_the_versioned_download(project):
    build(Config(root=project))
    download = project / "dist/download"
    [version] = [p for p in download.iterdir() if p.name != "latest"]
    dump = "cultuurregios.nt"
    assert (download / "latest" / dump).read_bytes() == (version / dump).read_bytes()
    assert (download / "latest" / dump).samefile(version / dump)
    assert not (download / "latest/SHA256SUMS").samefile(version / "SHA256SUMS")  # small files


def test_turtle_writes_no_escaped_prefixed_names():
    """Was: `bron:x\\#noot-5`, which Virtuoso 7 loads as an IRI with a backslash in it."""
    from pyoxigraph import Literal, NamedNode, Triple

    from kgbuild.emit.dumps import serialize
    from kgbuild.model.base import DEFAULT
    from kgbuild.model.formats import BY_NAME
    from kgbuild.model.terms import DEFAULT_BASE

    place = NamedNode(DEFAULT_BASE + "id/bron/nota#noot-5")
    region = NamedNode(DEFAULT_BASE + "id/regio/twente")
    label = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    data = serialize(
        [Triple(place, label, Literal("noot 5")), Triple(region, label, Literal("Twente"))],
        BY_NAME["ttl"],
        DEFAULT,
    ).decode()
    assert "\\" not in data
    assert f"<{place.value}>" in data and "regio:twente" in data
    parsed = pyoxigraph.parse(data.encode(), format=pyoxigraph.RdfFormat.TURTLE)
    assert {q.triple for q in parsed} == {
        Triple(place, label, Literal("noot 5")),
        Triple(region, label, Literal("Twente")),
    }


def test_plain_prefixes_are_those_no_iri_needs_an_escape_under():
    """The prefixes kept are exactly those under which no IRI of the document has a character
    that would need a backslash."""
    import random

    from pyoxigraph import Literal, NamedNode, Triple

    from kgbuild.emit import dumps as emit

    spaces = emit.PREFIXES_WRITTEN
    rng = random.Random(3)
    names = ["a", "b-1", "x#y", "p/q", "t~", "ok_2", "c(d)", "n%20", ""]
    for _ in range(200):
        iris = [
            i
            for i in (
                rng.choice(list(spaces.values())) + rng.choice(names)
                for _ in range(rng.randint(1, 6))
            )
            if i.count("#") < 2
        ] or ["http://e/a"]
        doc = [Triple(NamedNode(i), NamedNode(rng.choice(iris)), Literal("v")) for i in iris]
        expected = {
            name: ns
            for name, ns in spaces.items()
            if not any(
                i.startswith(ns) and emit.ESCAPED_IN_LOCAL_NAME.search(i[len(ns) :]) for i in iris
            )
        }
        assert emit.plain_prefixes(doc, spaces) == expected


def test_canonical_order_is_subject_type_first_predicate_object():
    """The one-string sort key orders as the tuple (subject, not rdf:type, predicate, object)
    would: a subject before the longer IRIs it is a prefix of, rdf:type first."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from pyoxigraph import BlankNode, Literal, NamedNode, Triple

    from kgbuild.emit.dumps import canonical
    from kgbuild.model.terms import A

    def by_tuple(t):
        return (t.subject.value, t.predicate != A, t.predicate.value, str(t.object))

    iri = st.sampled_from(
        ["http://x/a", "http://x/a/b", "http://x/a#c", "http://x/a0", "http://x/", "http://x/a-"]
        + ["http://x/a%3E", "http://x/a~", "a:", "http://www.w3.org/1999/02/22-rdf-syntax-ns"]
    ).map(NamedNode)
    # blank node labels that sort among the IRIs ("a", "http"), before them and after them
    blank = st.sampled_from(["a", "b1", "http", "0", "z", "h-t.t"]).map(BlankNode)
    text = st.text(st.sampled_from('a>< "\\\n\0\x01é😀^@'), max_size=4)
    literal = st.one_of(
        text.map(Literal),
        st.builds(Literal, text, language=st.sampled_from(["nl", "en-gb"])),
        st.builds(Literal, text, datatype=iri),
    )
    obj = st.one_of(iri, blank, literal)
    triple = st.builds(Triple, st.one_of(iri, blank), st.one_of(iri, st.just(A)), obj)

    @settings(max_examples=500, deadline=None)
    @given(st.lists(triple, max_size=30))
    def check(triples):
        assert canonical(triples) == sorted(set(triples), key=by_tuple)
        assert canonical(set(triples)) == canonical(triples)

    check()
    x, xb = NamedNode("http://x/a"), NamedNode("http://x/a/b")
    p = NamedNode("http://x/p")
    assert canonical([Triple(xb, A, p), Triple(x, p, p), Triple(x, A, p)]) == [
        Triple(x, A, p),
        Triple(x, p, p),
        Triple(xb, A, p),
    ]


def test_the_building_process_leaves_the_shapes_check_to_the_validating_one(project):
    """With no marker of the shapes found sound (a fresh clone), the shapes are checked against
    SHACL beside the dumps, in the forked process that validates: the building process does
    not load rdflib or pyshacl, and the marker is still left in the cache folder."""
    import subprocess
    import sys

    cache = project / "build" / "cache"
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from kgbuild.build import Config, build\n"
        f"build(Config(root=Path({str(project)!r}), cache=Path({str(cache)!r}), jobs=1))\n"
        "print(sorted(m for m in ('rdflib', 'pyshacl') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    assert done.stdout.strip() == "[]"
    assert [p.name[:13] for p in cache.iterdir()] == ["shapes-sound-"]


def test_unsound_shapes_are_reported_before_an_error_of_the_dumps(project, tmp_path):
    """Shapes SHACL does not allow stop the build as they did when they were checked before the
    dumps: their error is the one reported, also when the dumps fail too; nothing is output."""
    import pytest

    from kgbuild.build import UnsoundShapes
    from kgbuild.emit.dumps import NotExpressible

    shapes = project / "shapes" / "cultuurregio-shapes.ttl"
    text = shapes.read_text(encoding="utf-8")
    shapes.write_text(text.replace("sh:minCount 2 ;", 'sh:minCount "twee" ;', 1), "utf-8")
    with pytest.raises(UnsoundShapes) as raised:
        build(Config(root=project, out=tmp_path / "a"))
    assert any("sh:minCount" in line for line in raised.value.lines())
    assert not (tmp_path / "a").exists()

    # a predicate RDF/XML cannot write: the dumps fail, after the shapes were handed over
    (project / "ontology" / "unwritable.ttl").write_text(
        "<urn:x:a> <http://example.org/p/123> <urn:x:b> .\n", "utf-8"
    )
    with pytest.raises(UnsoundShapes) as raised:
        build(Config(root=project, out=tmp_path / "a"))
    assert isinstance(raised.value.__cause__, NotExpressible)
    shapes.write_text(text, "utf-8")
    with pytest.raises(NotExpressible):
        build(Config(root=project, out=tmp_path / "a"))
