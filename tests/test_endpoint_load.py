"""The endpoint's query processes under load: many clients at once get their own right answers,
a query stopped for time (or a query process lost) leaves the later ones answered, and the
query processes hold none of the server's connections."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph
import pytest
from conftest import ROOT
from servers import in_thread

from kgbuild.bench.endpoint import canned_queries, measure_endpoint
from kgbuild.serve.endpoint import Endpoint, Request, answer, base_of, make_server

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ACCEPTS = (
    "application/sparql-results+json",
    "text/csv",
    "application/sparql-results+xml",
    "text/tab-separated-values",
)


@pytest.fixture(scope="module")
def dump(site):
    return site / "download" / "latest" / "cultuurregios.nt"


@pytest.fixture(scope="module")
def expected(dump):
    """Each canned query (with three values of each IRI parameter, in one of the formats) with
    its answer from an embedded store of the dump, computed in this process."""
    store = pyoxigraph.Store()
    store.bulk_load(path=str(dump), format=pyoxigraph.RdfFormat.N_TRIPLES)
    base = base_of(store)
    out = []
    for i, q in enumerate(canned_queries(ROOT / "queries", store, 3, base)):
        accept = ACCEPTS[i % len(ACCEPTS)]
        a = answer(store, q.text, accept, 50_000_000, base)
        assert a.status == 200, (q.name, a.body)
        out.append((q.name, q.text, accept, a.body))
    assert len({body for *_, body in out}) >= 20  # distinct: an answer mixed up shows
    return out


def get(endpoint, query, accept=""):
    qs = urllib.parse.urlencode({"query": query})
    return endpoint.handle(Request("GET", qs, {"accept": accept} if accept else {}))


def pids(endpoint):
    return {w.pid for w in endpoint.workers.idle}


@pytest.mark.servers
def test_ten_clients_at_once_each_get_the_embedded_stores_answers(dump, expected):
    """10 clients, each sending every canned query (in its own order, in its own format) over
    HTTP, twice: every answer is the one the embedded store gives, byte for byte."""
    endpoint = Endpoint(dump)
    start = threading.Barrier(10)

    def client(c):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        wrong = []
        try:
            start.wait()
            for r in range(2 * len(expected)):
                name, text, accept, body = expected[(c * 7 + r) % len(expected)]
                conn.request(
                    "POST",
                    "/sparql",
                    body=text.encode(),
                    headers={"Content-Type": "application/sparql-query", "Accept": accept},
                )
                resp = conn.getresponse()
                got = resp.read()
                if resp.status != 200 or got != body:
                    wrong.append((name, accept, resp.status, got[:200]))
            return wrong
        finally:
            conn.close()

    with in_thread(make_server(endpoint, "127.0.0.1", 0)) as base:
        port = int(base.rsplit(":", 1)[1])
        with ThreadPoolExecutor(10) as pool:
            wrong = [w for ws in pool.map(client, range(10)) for w in ws]
    endpoint.close()
    assert wrong == []


def test_a_query_stopped_at_the_time_limit_leaves_the_later_ones_answered(dump, expected):
    endpoint = Endpoint(dump, time_limit=0.5, workers=2)
    before = pids(endpoint)
    with ThreadPoolExecutor(2) as pool:  # both query processes stopped at once
        stopped = list(pool.map(lambda _: get(endpoint, HEAVY), range(2)))
    assert [r.status for r in stopped] == [503, 503]
    assert all(b"time limit" in r.body for r in stopped)
    assert len(pids(endpoint)) == 2 and not pids(endpoint) & before  # both replaced
    for name, text, accept, body in expected:
        resp = get(endpoint, text, accept)
        assert (resp.status, resp.body) == (200, body), name
    endpoint.close()


def test_a_lost_query_process_is_replaced(dump, expected):
    """A query process killed from outside while idle: the next query gets a fresh one."""
    endpoint = Endpoint(dump, workers=1)
    (pid,) = pids(endpoint)
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    name, text, accept, body = expected[0]
    resp = get(endpoint, text, accept)
    assert (resp.status, resp.body) == (200, body), name
    assert pids(endpoint) and pid not in pids(endpoint)
    endpoint.close()


def test_a_query_waits_for_a_busy_query_process_then_is_refused(dump):
    """With every query process busy, a query waits in line up to `wait` seconds: answered
    when one comes free in time, else 503 with Retry-After."""
    endpoint = Endpoint(dump, time_limit=1.0, workers=1, wait=5.0)
    with ThreadPoolExecutor(1) as pool:
        heavy = pool.submit(get, endpoint, HEAVY)
        time.sleep(0.2)
        began = time.monotonic()
        resp = get(endpoint, COUNT)
        assert resp.status == 200 and time.monotonic() - began < 4
        assert heavy.result().status == 503
    endpoint.close()
    endpoint = Endpoint(dump, time_limit=3.0, workers=1, wait=0.3)
    with ThreadPoolExecutor(1) as pool:
        heavy = pool.submit(get, endpoint, HEAVY)
        time.sleep(0.2)
        began = time.monotonic()
        resp = get(endpoint, COUNT)
        assert resp.status == 503 and dict(resp.headers)["Retry-After"] == "1"
        assert time.monotonic() - began < 2
        heavy.result()
    endpoint.close()


def one_response(sock: socket.socket) -> tuple[bytes, bytes]:
    """Read one HTTP response with a Content-Length from `sock`, however the server's writes
    arrive: the head and the body may come in separate segments."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += (chunk := sock.recv(65536))
        assert chunk, f"closed before the head ended: {data!r}"
    head, _, body = data.partition(b"\r\n\r\n")
    found = re.search(rb"(?im)^content-length: *(\d+)", head)
    assert found, head
    while len(body) < int(found.group(1)):
        body += (chunk := sock.recv(65536))
        assert chunk, f"closed before the body ended: {body!r}"
    return head, body


@pytest.mark.servers
def test_a_query_process_holds_none_of_the_servers_connections(dump):
    """A query process forked while a client is connected (here: the one that replaces a
    process stopped for time) does not keep that connection open: when the server closes it,
    the client sees it closed."""
    endpoint = Endpoint(dump, time_limit=0.5, workers=1)
    with in_thread(make_server(endpoint, "127.0.0.1", 0)) as base:
        port = int(base.rsplit(":", 1)[1])
        idle = socket.create_connection(("127.0.0.1", port), timeout=10)
        ask = "GET /sparql?query=" + urllib.parse.quote("ASK {}") + " HTTP/1.1\r\nHost: x\r\n"
        try:
            idle.sendall(f"{ask}Accept: text/csv\r\n\r\n".encode())  # kept alive: accepted
            head, body = one_response(idle)
            assert head.startswith(b"HTTP/1.1 200") and body == b"true"
            before = pids(endpoint)
            assert get(endpoint, HEAVY).status == 503  # a new query process, forked now
            assert pids(endpoint) and not pids(endpoint) & before
            idle.sendall(f"{ask}Accept: text/csv\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := idle.recv(65536):  # until the server's close arrives
                data += chunk
            assert data.startswith(b"HTTP/1.1 200") and data.endswith(b"true")
        finally:
            idle.close()
    endpoint.close()


@pytest.mark.servers
def test_the_load_measurement_runs_the_real_endpoint(site):
    r = measure_endpoint(site, ROOT / "queries", clients=3, requests=5, warmup=0)
    assert (r.clients, r.requests, r.errors) == (3, 15, 0)
    assert 0 < r.median_ms <= r.p95_ms <= r.p99_ms <= r.max_ms
    assert r.per_second > 0 and set(r.slowest) <= {q.name for q in canned_queries(ROOT / "queries")}
