"""The validation of a dump as whole processes (bench/peers.py): our rows, on a synthetic
register; the peers' rows are asked for and left out (they take minutes)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pyoxigraph import RdfFormat

from kgbuild.bench.harness import child_env
from kgbuild.bench.peers import SHAPES_ONLY, WITH_QUERIES, compare, jena
from kgbuild.bench.synth import write_project
from kgbuild.build import Config, load_graph
from kgbuild.model.formats import rdf_bytes

ROOT = Path(__file__).resolve().parent.parent


def test_our_rows_validate_the_dump_in_their_own_process(tmp_path):
    root = tmp_path / "scale-1"
    write_project(root, 1, ROOT)
    dump = tmp_path / "graph.nt"
    dump.write_bytes(rdf_bytes(load_graph(Config(root=root)).triples, RdfFormat.N_TRIPLES))
    env = child_env(ROOT)
    skip = ("Apache Jena", "pyshacl")
    rows = compare(root, dump, tmp_path / "peers", env, sys.executable, 300.0, skip)
    ours = [r for r in rows if r["name"].startswith("kgbuild")]
    assert [r["covers"] for r in ours] == [SHAPES_ONLY, WITH_QUERIES]
    for r in ours:
        assert r["exit"] == 0 and r["conforms"] and r["seconds"] > 0 and r["peak_mb"] > 0
        assert set(r["stages"]) == {"load", "shapes", "violation queries"}
    assert ours[0]["stages"]["violation queries"]["seconds"] < 0.01  # the shapes alone
    assert all(r.get("skipped") for r in rows if not r["name"].startswith("kgbuild"))
    assert (tmp_path / "peers" / "shapes.nt").stat().st_size > 0


def test_no_jena_row_without_its_jars(tmp_path):
    assert jena(tmp_path, tmp_path / "s.nt", tmp_path / "d.nt", jars=tmp_path) is None


def test_a_peer_over_its_budget_is_stopped(tmp_path):
    from kgbuild.bench.peers import timed

    slow = [sys.executable, "-c", "import time; time.sleep(30)"]
    measured = timed(slow, dict(os.environ), 0.5, tmp_path / "out")
    assert measured["stopped"] == 0.5 and measured["seconds"] < 10
