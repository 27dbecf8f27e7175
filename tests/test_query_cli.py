"""`kgbuild query`: names, formats, exit codes; run against the built dump."""

from __future__ import annotations

import json
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from servers import in_thread

from kgbuild.cli import main


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    import shutil

    from conftest import PROJECT_DIRS, ROOT

    root = tmp_path_factory.mktemp("built")
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, root / name)
    assert main(["build", "--root", str(root), "-q"]) == 0
    return root


def kg(root, *args):
    return subprocess.run(
        [sys.executable, "-m", "kgbuild.cli", *args, "--root", str(root), "-q"],
        capture_output=True,
        text=True,
        check=False,
    )


def test_lists_queries(built):
    r = kg(built, "query")
    assert r.returncode == 0
    assert "members-on-date: The parties of a region on a date" in r.stdout


def test_json_and_csv_agree(built):
    j = json.loads(kg(built, "query", "regions", "--format", "json").stdout)
    c = kg(built, "query", "regions", "--format", "csv").stdout.splitlines()
    assert c[0] == ",".join(j["head"]["vars"])
    assert len(c) - 1 == len(j["results"]["bindings"]) >= 19


def test_hostile_parameter_is_refused_with_one_line(built):
    r = kg(built, "query", "members-on-date", "--param", "regio=https://x/> } DROP ALL { <y")
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        (
            "error: query members-on-date: parameter 'regio' (iri): 'https://x/> } DROP ALL { <y' "
            'refused: not an absolute http(s) IRI (no spaces and none of <>"{}|^`\\)'
        )
    ]


def test_unknown_query_and_bad_param_syntax(built):
    assert kg(built, "query", "nope").returncode == 2
    assert kg(built, "query", "regions", "--param", "novalue").returncode == 2


def test_missing_dump_is_a_usage_error(project):
    r = kg(project, "query", "regions")
    assert r.returncode == 2 and "run 'kgbuild build' first" in r.stderr


def test_unreachable_endpoint_is_one_line(built):
    r = kg(built, "query", "regions", "--endpoint", "http://127.0.0.1:9/query")
    assert r.returncode == 2
    assert len(r.stderr.splitlines()) == 1 and "query regions failed" in r.stderr


XML_RESULTS = (
    b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
    b'<head><variable name="s"/></head><results/></sparql>'
)


@pytest.mark.servers
def test_an_endpoint_answering_other_than_json_results_is_a_usage_error():
    """Was: a TypeError (exit 5) from reading the XML results it sent as JSON results."""
    from conftest import ROOT

    from kgbuild.model.errors import UsageError
    from kgbuild.queries import read_queries, run_remote

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+xml")
            self.send_header("Content-Length", str(len(XML_RESULTS)))
            self.end_headers()
            self.wfile.write(XML_RESULTS)

        def log_message(self, *args) -> None:
            pass

    spec = next(s for s in read_queries(ROOT / "queries", ROOT) if s.name == "regions")
    with (
        in_thread(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as base,
        pytest.warns(RuntimeWarning, match="Format requested was JSON, but XML"),
        pytest.raises(UsageError) as e,
    ):
        run_remote(f"{base}/query", spec, {})
    assert str(e.value) == (
        f"{base}/query: query regions failed: not SPARQL JSON results but Document"
    )
