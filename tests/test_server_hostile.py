"""`kgbuild serve` (with /sparql) under hostile requests and under load: right status, stays up.

The server is the real one (the waitress server of serve.py with the SPARQL endpoint mounted as
`kgbuild serve` does), on 127.0.0.1 with a free port, over a real build.
"""

from __future__ import annotations

import argparse
import http.client
import re
import shutil
import socket
import statistics
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest

from kgbuild.build import Config, build
from kgbuild.cli import _app_with_sparql
from kgbuild.serve.site import make_server

pytestmark = pytest.mark.servers  # every test asks a running `kgbuild serve`


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    from conftest import PROJECT_DIRS, ROOT

    project = tmp_path_factory.mktemp("hostile")
    for name in PROJECT_DIRS:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, project / name)
    build(Config(root=project))
    site = project / "dist"
    (project / "secret.txt").write_text("root:x:0:0 outside the site\n")
    args = argparse.Namespace(time_limit=2.0, max_bytes=20_000, max_memory=2**30)
    server = make_server(site, 0, app=_app_with_sparql(site, args))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def request(
    port: int, method: str, path: str, headers: dict | None = None, body: bytes | None = None
) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def raw(port: int, data: bytes, seconds: float = 5) -> bytes:
    """Send bytes as they are; return what comes back before the server closes (or the time)."""
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pass
    return b"".join(chunks)


def still_up(port: int) -> None:
    status, _, body = request(port, "GET", "/")
    assert status == 200 and b"<html" in body.lower()


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/../../../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/doc/%2e%2e/%2e%2e/secret.txt",
        "/doc/..%2f..%2fsecret.txt",
        "/doc%2f..%2f..%2fsecret.txt",
        "/id/..%2f..%2fsecret",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/doc/regio/%00.html",
        "/id/%00",
        "/doc/%c0%ae%c0%ae/secret.txt",
        "/..\\secret.txt",
        "//etc/passwd",
    ],
)
def test_path_traversal_stays_inside_the_site(port, path):
    status, _, body = request(port, "GET", path)
    assert status in (400, 404), (path, status)
    assert b"root:x" not in body and b"outside the site" not in body
    still_up(port)


@pytest.mark.parametrize(
    "accept",
    [
        "text/html;q=abc",
        "*/*;q=2",
        "text/turtle;q=-1",
        ";;;,,,",
        "text/" + "x" * 8000,
        ", ".join(f"a{i}/b{i};q=0.{i % 10}" for i in range(2000)),
        "\u202etext/html",
        "text/turtle;" + ";".join(f"p{i}=v" for i in range(3000)),
        "*/*;q=0",
    ],
)
def test_absurd_accept_headers(port, accept):
    status, _, _ = request(
        port, "GET", "/id/regio/twente", {"Accept": accept.encode("utf-8").decode("latin-1")}
    )
    assert status in (303, 406), (accept[:40], status)
    still_up(port)


def test_header_too_large_is_refused(port):
    reply = raw(
        port, b"GET /id/regio/twente HTTP/1.1\r\nHost: x\r\nAccept: " + b"a" * 70_000 + b"\r\n\r\n"
    )
    assert reply.startswith(b"HTTP/1.") and reply.split()[1] in (b"400", b"431")
    still_up(port)


def test_long_urls(port):
    status, _, _ = request(port, "GET", "/id/regio/" + "a" * 20_000)
    assert status == 404
    reply = raw(port, b"GET /id/" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply.split()[1] == b"414"
    still_up(port)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "TRACE"])
def test_methods_other_than_get_and_head(port, method):
    status, headers, _ = request(port, method, "/id/regio/twente", body=b"x")
    assert status == 405, method
    assert headers["allow"] == "GET, HEAD, OPTIONS"  # OPTIONS: the CORS preflight
    status, headers, body = request(port, "HEAD", "/doc/regio/twente.html")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


def test_garbage_and_lying_requests(port):
    for data in (
        b"\x00\x01\x02 garbage\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST /id/x HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST /id/x HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    ):
        reply = raw(port, data)
        m = re.match(rb"HTTP/\S+ (\d+)", reply) or re.search(rb"Error code: (\d+)", reply)
        assert reply == b"" or m[1] in (b"400", b"405", b"413", b"505"), (data, reply[:200])
    start = time.monotonic()
    reply = raw(
        port,
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: "
        b"application/sparql-query\r\nContent-Length: 99999999999\r\n\r\nASK {}",
    )
    assert reply.split()[1] == b"413" and time.monotonic() - start < 5
    still_up(port)


def sparql(port: int, query: str, accept: str = "application/sparql-results+json"):
    return request(
        port, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}), {"Accept": accept}
    )


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }",
        "DROP ALL",
        "CLEAR DEFAULT",
        "  delete where { ?s ?p ?o }",
        "LOAD <http://127.0.0.1:1/x>",
        "PREFIX x: <http://x/>\nINSERT DATA { x:a x:b x:c }",
    ],
)
def test_sparql_that_writes_is_refused(port, update):
    status, _, _ = sparql(port, update)
    assert status in (400, 403), update
    status, _, body = sparql(port, "ASK { <http://x/a> ?p ?o }")
    assert status == 200 and b"false" in body


def test_sparql_that_runs_long_is_stopped(port):
    start = time.monotonic()
    status, _, _ = sparql(port, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    assert status == 503 and time.monotonic() - start < 15
    still_up(port)


def test_sparql_that_returns_too_much_is_capped(port):
    status, _, body = sparql(port, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 413 and len(body) < 20_000
    status, _, _ = sparql(port, "SELECT * WHERE { ?s ?p ?o } LIMIT 3")
    assert status == 200


# -- bounded load test ------------------------------------------------------------------------

LOAD_PATHS = [
    ("/id/regio/twente", "text/html", 303),
    ("/id/regio/twente", "text/turtle", 303),
    ("/doc/regio/twente.html", None, 200),
    ("/doc/regio/twente.ttl", None, 200),
    ("/id/regio/nergens", None, 404),
    ("/", None, 200),
]


def client(port: int, n: int, offset: int) -> tuple[list[float], list[str]]:
    """One keep-alive client: n requests in turn; latencies and anything that went wrong."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, errors = [], []
    for i in range(n):
        path, accept, expected = LOAD_PATHS[(i + offset) % len(LOAD_PATHS)]
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Accept": accept} if accept else {})
            r = conn.getresponse()
            r.read()
            if r.status != expected:
                errors.append(f"{path}: {r.status}")
        except (OSError, http.client.HTTPException) as e:
            errors.append(f"{path}: {e!r}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append(time.perf_counter() - start)
    conn.close()
    return latencies, errors


def test_load_20000_requests_from_50_clients(port):
    clients, per_client = 50, 400
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda c: client(port, per_client, c), range(clients)))
    elapsed = time.perf_counter() - start
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = [e for _, errs in results for e in errs]
    q = statistics.quantiles(latencies, n=100)
    print(
        f"\nload: {len(latencies)} requests, {clients} clients, {elapsed:.1f} s, "
        f"{len(latencies) / elapsed:.0f} req/s; latency ms p50 {q[49] * 1000:.1f} "
        f"p90 {q[89] * 1000:.1f} p99 {q[98] * 1000:.1f} max {latencies[-1] * 1000:.1f}"
    )
    assert len(latencies) == clients * per_client
    assert errors == []
    still_up(port)
