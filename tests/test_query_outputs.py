"""The canned queries in the build: for each, its SPARQL, CSV and JSON results and a page, and
the results are those of the same query run on the built graph."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pytest
from conftest import ROOT

from kgbuild.emit.pages.queries import run_for_build
from kgbuild.queries import read_queries
from kgbuild.queries.results import from_json

SPECS = read_queries(ROOT / "queries", ROOT)


class Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.cells = 0

    def handle_starttag(self, tag, attrs):
        self.cells += tag == "td"

    def handle_data(self, data):
        self.parts.append(data)


@pytest.fixture(scope="module")
def expected(store):
    return {spec.name: run_for_build(store, spec)[0] for spec in SPECS}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_json_and_csv_results_are_the_embedded_results(site, expected, spec):
    table = expected[spec.name]
    doc = json.loads((site / f"query/{spec.name}.json").read_bytes())
    assert from_json(doc) == table
    rows = list(csv.reader(io.StringIO((site / f"query/{spec.name}.csv").read_text(), newline="")))
    assert rows[0] == list(table.vars)
    assert [tuple(r) for r in rows[1:]] == table.values()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_page_shows_purpose_sparql_parameters_and_every_row(site, expected, spec):
    page = Text()
    page.feed((site / f"query/{spec.name}.html").read_text())
    text = " ".join(" ".join(page.parts).split())
    assert " ".join(spec.summary.split()) in text
    assert "SELECT" in text and (site / f"query/{spec.name}.rq").read_text().strip()
    for p in spec.params:
        assert p.name in text
    table = expected[spec.name]
    params_table = 5 * len(spec.params)  # name, kind, required, value, choices
    assert page.cells - params_table == len(table.rows) * len(table.vars)


def test_the_query_index_lists_every_query(site):
    index = (site / "query/index.html").read_text()
    for spec in SPECS:
        assert f'href="{spec.name}.html"' in index
