"""Every canned query gives the same rows embedded, through SPARQLWrapper on the Oxigraph
server and on Virtuoso (each loaded with `kgbuild load`), and through our /sparql endpoint."""

from __future__ import annotations

import shutil

import pytest
from servers import in_thread, oxigraph, virtuoso

from kgbuild.cli import main
from kgbuild.load import Target, store_counts
from kgbuild.queries import bind, dump_store, read_queries, run_embedded, run_remote
from kgbuild.sparql import Endpoint, make_server

GRAPH = "https://w3id.org/cultuurregio/graph"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from conftest import PROJECT_DIRS, ROOT
    root = tmp_path_factory.mktemp("stores")
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, root / name)
    assert main(["build", "--root", str(root), "-q"]) == 0
    return root


@pytest.fixture(scope="module")
def specs(built):
    return read_queries(built / "queries", built)


@pytest.fixture(scope="module")
def embedded(built, specs):
    store = dump_store(built / "dist")
    return {s.name: run_embedded(store, s, bind(s, {})) for s in specs}


def same_everywhere(endpoint: str, specs, embedded) -> None:
    for spec in specs:
        remote = run_remote(endpoint, spec, bind(spec, {}))
        assert remote.vars == embedded[spec.name].vars, spec.name
        assert remote.rows == embedded[spec.name].rows, spec.name


def test_queries_give_rows(embedded):
    assert sum(len(t.rows) for t in embedded.values()) > 100


@pytest.fixture(scope="module")
def oxigraph_server(built, tmp_path_factory):
    with oxigraph(tmp_path_factory.mktemp("oxigraph")) as base:
        yield base


def test_load_into_oxigraph_and_query(built, oxigraph_server, specs, embedded, capsys):
    args = ["load", "--root", str(built), "-q", "--endpoint", oxigraph_server + "/store"]
    assert main(args) == 0
    assert main(args) == 0  # a second load replaces the graph: still exactly the dump
    out = capsys.readouterr().out
    n = len((built / "dist/download/latest/cultuurregios.nt").read_bytes().splitlines())
    assert f"loaded {n} triples into <{GRAPH}>" in out
    target = Target(oxigraph_server + "/store", oxigraph_server + "/query", GRAPH)
    assert sum(store_counts(target).values()) == n
    same_everywhere(oxigraph_server + "/query", specs, embedded)


def test_our_sparql_endpoint_answers_alike(built, specs, embedded):
    server = make_server(Endpoint(built / "dist/download/latest/cultuurregios.nt"),
                         "127.0.0.1", 0)
    with in_thread(server) as base:
        same_everywhere(base + "/sparql", specs, embedded)


def test_virtuoso_loads_with_digest_and_answers_alike(built, specs, embedded, tmp_path,
                                                      monkeypatch, capsys):
    with virtuoso(tmp_path / "virtuoso") as base:
        args = ["load", "--root", str(built), "-q", "--endpoint",
                base + "/sparql-graph-crud-auth", "--format", "ttl"]
        assert main(args) == 3  # no credentials: refused, one clear line
        assert "401" in capsys.readouterr().err
        monkeypatch.setenv("KGBUILD_STORE_USER", "dba")
        monkeypatch.setenv("KGBUILD_STORE_PASSWORD", "dba")
        assert main(args) == 0
        same_everywhere(base + "/sparql", specs, embedded)
