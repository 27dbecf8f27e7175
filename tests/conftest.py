"""Shared fixtures: the real project tree, and a throw-away copy of it for tests that break it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kgbuild.build import Config, load_graph

ROOT = Path(__file__).resolve().parent.parent
PROJECT_DIRS = ("data", "ontology", "shapes", "queries")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of data/, ontology/, shapes/ and queries/ that a test may edit."""
    for name in PROJECT_DIRS:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


@pytest.fixture(scope="session")
def graph():
    """The graph of the bundled data, read and mapped once per test session."""
    return load_graph(Config(root=ROOT))


@pytest.fixture(scope="session")
def store(graph):
    """The bundled graph in its embedded pyoxigraph store, for SPARQL questions."""
    return graph.store


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The bundled project built once into a temporary dist/ (the published tree)."""
    from kgbuild.build import build

    out = tmp_path_factory.mktemp("site") / "dist"
    build(Config(root=ROOT, out=out))
    return out
