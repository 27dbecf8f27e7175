"""The synthetic generator: its 1x project reads, maps and conforms; it is deterministic."""

from __future__ import annotations

from pathlib import Path

from kgbuild.bench.synth import MAX_GEMEENTEN, Plan, write_project
from kgbuild.build import Config, check, load_graph
from kgbuild.read.tables import TABLES

ROOT = Path(__file__).resolve().parent.parent


def test_one_x_reads_maps_and_conforms(tmp_path):
    counts = write_project(tmp_path, 1, ROOT)
    config = Config(root=tmp_path)
    graph = load_graph(config)
    report = check(graph, config)
    assert report.conforms, [f.line() for f in report.findings]
    assert report.findings == []
    assert set(counts) == set(TABLES)
    assert counts["memberships"] == 40 and counts["gemeenten"] == 40
    assert len(graph.triples) > 1000


def test_every_table_has_synthetic_rows(tmp_path):
    counts = write_project(tmp_path, 1, ROOT)
    assert [t for t, n in counts.items() if n == 0] == []


def test_same_scale_same_bytes(tmp_path):
    write_project(tmp_path / "a", 3, ROOT)
    write_project(tmp_path / "b", 3, ROOT)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.csv"))
    assert files
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def test_codes_stay_within_the_shapes_patterns():
    top = Plan(2000, ("x",))
    assert top.gemeenten == MAX_GEMEENTEN and top.provincies == 99
    assert Plan(1000, ("x",)).gemeenten <= MAX_GEMEENTEN
