"""The benchmark's decisions and tables (no timing is asserted: runs stay out of the suite)."""

from __future__ import annotations

from kgbuild.bench.harness import UNMEASURED_LIMIT, Run, rdflib_skip
from kgbuild.bench.report import render


def run(label, triples, rdflib_seconds):
    r = Run(
        label,
        triples,
        whole={"seconds": 1.0, "peak_mb": 50.0},
        rebuild={"seconds": 0.75, "peak_mb": 45.0},
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
    assert "| 1x | parse | 0.10 | 2.00 | 20.0 | 40 | 60 |" in text
    assert "| 10x | parse | 0.10 | skipped |" in text
    assert "- rdflib path at 10x skipped: why" in text
