"""The benchmark's decisions and tables (no timing is asserted: runs stay out of the suite)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

from kgbuild.bench.harness import UNMEASURED_LIMIT, Run, rdflib_skip
from kgbuild.bench.report import render


def run(label, triples, rdflib_seconds):
    r = Run(
        label,
        triples,
        whole={"seconds": 1.0, "peak_mb": 50.0},
        rebuild={"seconds": 0.75, "peak_mb": 45.0},
        pss={"seconds": 0.8, "peak_mb": 70.0},
        build={"map": {"seconds": 0.5, "peak_mb": 40.0}},
    )
    stages = {"parse": {"seconds": 0.1, "peak_mb": 40.0}}
    r.engines["fast"] = {"stages": stages, "per_query": {"q": 0.01}}
    r.engines["rdflib"] = (
        {
            "stages": {"parse": {"seconds": rdflib_seconds, "peak_mb": 60.0}},
            "per_query": {"q": 0.5},
            "failed": {},
        }
        if rdflib_seconds
        else {"skipped": "why"}
    )
    return r


def test_rdflib_path_skipped_when_its_estimate_exceeds_the_budget():
    before = run("10x", 10_000, 100.0)
    assert rdflib_skip(before, 100_000, budget=600).startswith("estimated 1000 s")
    assert rdflib_skip(before, 50_000, budget=600) == ""


def test_rdflib_path_without_an_estimate_runs_only_below_the_limit():
    assert rdflib_skip(None, UNMEASURED_LIMIT, 600) == ""
    assert "no smaller scale" in rdflib_skip(None, UNMEASURED_LIMIT + 1, 600)


def test_tables_show_growth_ratio_and_skips():
    text = render([run("1x", 1000, 2.0), run("10x", 10_000, 0)])
    assert "| map | 0.50 | 40 | 0.50 | 40 | ×1.0 |" in text
    assert "| kgbuild build again, same input (unchanged files linked) | 0.75 | 45 | 0.75 |" in text
    assert (
        "| kgbuild build again; MB: PSS summed over all its processes | 0.80 | 70 | 0.80 |" in text
    )
    assert "| 1x | parse | 0.10 | 2.00 | 20.0 | 40 | 60 |" in text
    assert "| 10x | parse | 0.10 | skipped |" in text
    assert "- rdflib path at 10x skipped: why" in text


def peer(name, seconds, mb, **more):
    return {"name": name, "covers": "what", "version": "v1", "seconds": seconds, "peak_mb": mb}


def test_validation_table_compares_each_engine_with_jena():
    r = run("1000x", 1_000_000, 0)
    r.peers = [
        {**peer("kgbuild (store + compiled shapes)", 5.0, 300.0), "conforms": True},
        {**peer("Apache Jena shacl validate", 15.0, 600.0), "conforms": True},
        {"name": "pyshacl (whole graph)", "covers": "what", "version": "v2", "skipped": True},
    ]
    text = render([r])
    assert "## Validation of the dump: SHACL engines as whole processes" in text
    assert (
        "| 1000x | kgbuild (store + compiled shapes) (v1) | what | 5.00 | 300 | yes | 3.00 | 0.50 |"
        in text
    )
    assert "| 1000x | Apache Jena shacl validate (v1) | what | 15.00 | 600 | yes |  |  |" in text
    assert "| 1000x | pyshacl (whole graph) (v2) | what | skipped |" in text


def test_no_validation_table_without_peers():
    assert "SHACL engines" not in render([run("1x", 1000, 2.0)])


def test_peers_skipped_where_the_previous_scale_says_they_exceed_the_budget(tmp_path, monkeypatch):
    from kgbuild.bench import harness

    asked = {}

    def compare(root, dump, work, env, python, budget, skip=()):
        asked["skip"] = skip
        return []

    monkeypatch.setattr("kgbuild.bench.peers.compare", compare)
    before = run("100x", 100_000, 0)
    before.peers = [
        peer("pyshacl (whole graph)", 80.0, 300.0),
        peer("Apache Jena shacl validate", 20.0, 400.0),
        peer("kgbuild (store + compiled shapes)", 900.0, 100.0),
    ]
    opts = harness.Options(repo=tmp_path, work=tmp_path, peer_budget=600)
    harness.validate_peers(opts, tmp_path, tmp_path, {}, before, 1_000_000)
    assert asked["skip"] == ("pyshacl (whole graph)",)


@pytest.mark.servers
def test_store_rows_load_a_real_server_and_load_the_real_endpoint(site, tmp_path):
    """One run's load and endpoint rows, measured with the real Oxigraph server and the real
    `kgbuild sparql`, come out in the report's two tables."""
    from kgbuild.bench import harness

    here = tmp_path / "out"
    here.mkdir()
    (here / "whole").symlink_to(site)
    opts = harness.Options(repo=ROOT, work=tmp_path, clients=2)
    env = harness.child_env(ROOT)
    synthetic, real = run("1x", 26_846, 2.0), run("real", 26_846, 2.0)
    synthetic.load, none = harness.store_rows(opts, 1, ROOT, here, env)
    none_either, real.endpoint = harness.store_rows(opts, harness.REAL, ROOT, here, env)
    assert none == none_either == {}
    triples = len(site.joinpath("download/latest/cultuurregios.nt").read_bytes().splitlines())
    assert synthetic.load["triples"] == triples
    assert (
        synthetic.load["ratio"]
        == synthetic.load["kgbuild_seconds"] / synthetic.load["oxigraph_seconds"]
    )
    assert (real.endpoint["clients"], real.endpoint["requests"]) == (2, 80)
    assert real.endpoint["errors"] == 0
    text = render([real, synthetic])
    assert f"| 1x | {triples} | {synthetic.load['oxigraph_seconds']:.2f} |" in text
    assert f"| real | 2 | 80 | {real.endpoint['median_ms']:.1f} |" in text


def test_no_oxigraph_server_gives_a_skipped_load_row(tmp_path, monkeypatch):
    from kgbuild.bench import harness, load

    def absent():
        raise load.NotInstalled("the oxigraph server is not installed")

    monkeypatch.setattr(load, "oxigraph_binary", absent)
    (tmp_path / "whole" / "download" / "latest").mkdir(parents=True)
    (tmp_path / "whole" / "download" / "latest" / "cultuurregios.nt").write_text("")
    opts = harness.Options(repo=ROOT, work=tmp_path)
    r = run("1x", 10, 2.0)
    r.load, _ = harness.store_rows(opts, 1, ROOT, tmp_path, {})
    text = render([r])
    assert "| 1x | 10 | skipped: the oxigraph server is not installed |" in text


def test_no_store_tables_when_the_run_left_them_out():
    text = render([run("1x", 1000, 2.0)])
    assert "oxigraph load" not in text and "concurrent clients" not in text


def test_a_synthetic_project_carries_the_repositorys_queries_of_now(project, tmp_path):
    """A later run of the benchmark builds the queries, shapes and ontology the repository has
    then, not the copies an earlier run left in its work folder."""
    from kgbuild.bench import harness

    opts = harness.Options(repo=project, work=tmp_path / "bench")
    query = project / "queries" / "regions.rq"
    first = harness.project_root(opts, 1)
    assert (first / "queries" / "regions.rq").read_text() == query.read_text()
    query.write_text(query.read_text() + "# changed\n")
    (project / "queries" / "convenants.rq").unlink()
    again = harness.project_root(opts, 1)
    assert (again / "queries" / "regions.rq").read_text().endswith("# changed\n")
    assert not (again / "queries" / "convenants.rq").exists()
    assert (again / "data" / "synth").is_dir()


def test_a_child_that_writes_much_to_stderr_and_fails_is_reported_not_waited_on_forever():
    """More than a pipe holds (64 KiB) on stderr: read only after the child's end, a pipe
    would leave the child blocked in its write and the harness waiting for it. (The harness
    runs in a process of its own here, so that a wait for ever ends with the test's timeout.)"""
    loud = "import sys; sys.stderr.write('x' * 300_000 + 'last words'); sys.exit(3)"
    harness = (
        "import os, sys\n"
        "from kgbuild.bench.harness import timed_child\n"
        "try:\n"
        "    timed_child(['-c', sys.argv[1]], dict(os.environ))\n"
        "except RuntimeError as e:\n"
        "    print(e)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", harness, loud],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "failed (3): xxx" in ran.stdout and ran.stdout.endswith("last words\n"), ran.stderr
