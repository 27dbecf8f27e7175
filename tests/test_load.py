"""`kgbuild load` against a real Oxigraph server, behind a small proxy of ours that asks for
basic authentication or fails the first requests, to prove retries, credentials and the check
that the store holds exactly the dump."""

from __future__ import annotations

import base64
import shutil
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from servers import in_thread, oxigraph

from kgbuild.cli import main
from kgbuild.load import LoadError, Target, dump_counts, load, verify

GRAPH = "https://w3id.org/cultuurregio/graph"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from conftest import PROJECT_DIRS, ROOT
    root = tmp_path_factory.mktemp("load")
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, root / name)
    assert main(["build", "--root", str(root), "-q"]) == 0
    return root


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with oxigraph(tmp_path_factory.mktemp("ox")) as base:
        yield base


def proxy(upstream: str, fail_first: int = 0, user: str | None = None):
    """A forwarding proxy that answers 503 to the first requests and may require basic auth."""
    state = {"seen": 0}

    class Handler(BaseHTTPRequestHandler):
        def forward(self) -> None:
            state["seen"] += 1
            if state["seen"] <= fail_first:
                return self.reply(503, {}, b"busy")
            expected = "Basic " + base64.b64encode(f"{user}:secret".encode()).decode()
            if user and self.headers.get("Authorization") != expected:
                return self.reply(401, {"WWW-Authenticate": 'Basic realm="store"'}, b"")
            size = int(self.headers.get("Content-Length") or 0)
            req = urllib.request.Request(upstream + self.path, method=self.command,
                                         data=self.rfile.read(size) if size else None,
                                         headers={k: v for k, v in self.headers.items()
                                                  if k.lower() in ("content-type", "accept")})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    self.reply(r.status, {"Content-Type": r.headers.get("Content-Type", "")},
                               r.read())
            except urllib.error.HTTPError as e:
                self.reply(e.code, {}, e.read())

        def reply(self, status, headers, body) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = forward

        def log_message(self, *args) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler), state


def target(base: str, **kw) -> Target:
    return Target(base + "/store", base + "/query", GRAPH, pause=0.01, **kw)


def test_transient_failures_are_retried(built, store):
    server, state = proxy(store, fail_first=3)
    with in_thread(server) as base:
        n = load(target(base), built / "dist")
    assert n == sum(dump_counts(built / "dist/download/latest/cultuurregios.nt").values())
    assert state["seen"] == 3 + 2  # three refusals, then the PUT and the check


def test_gives_up_after_bounded_attempts(built, store):
    server, state = proxy(store, fail_first=100)
    with in_thread(server) as base, pytest.raises(LoadError, match="gave up after 3 attempts"):
        load(target(base, attempts=3), built / "dist")
    assert state["seen"] == 3


def test_basic_auth_from_the_environment(built, store, monkeypatch, capsys):
    server, _ = proxy(store, user="loader")
    with in_thread(server) as base:
        args = ["load", "--root", str(built), "-q", "--endpoint", base + "/store"]
        assert main(args) == 3
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and err[0].startswith("error: load: ") and "401" in err[0]
        monkeypatch.setenv("KGBUILD_STORE_USER", "loader")
        monkeypatch.setenv("KGBUILD_STORE_PASSWORD", "secret")
        assert main(args) == 0
        assert "the store holds exactly them" in capsys.readouterr().out


def test_a_store_that_differs_is_reported(built, store):
    t = target(store)
    dump = built / "dist/download/latest/cultuurregios.nt"
    load(t, built / "dist")
    update = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <https://x.org/a> <https://x.org/p> 1 }} }}"
    urllib.request.urlopen(urllib.request.Request(
        store + "/update", data=update.encode(),
        headers={"Content-Type": "application/sparql-update"}), timeout=30).close()
    with pytest.raises(LoadError, match=r"1 predicate\(s\) differ, e.g. <https://x.org/p>"):
        verify(t, dump)
    assert load(t, built / "dist") == sum(dump_counts(dump).values())  # PUT replaces it


def test_missing_dump_and_unknown_store_shape(tmp_path):
    with pytest.raises(LoadError, match="run 'kgbuild build' first"):
        load(Target("http://127.0.0.1:9/store", "http://127.0.0.1:9/query", GRAPH), tmp_path)
    assert main(["load", "--root", str(tmp_path), "-q", "--endpoint", "http://x.org/gsp"]) == 3
