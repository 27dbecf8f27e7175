"""`kgbuild serve` and `kgbuild sparql` (waitress) under load and slow or silent clients.

The server is the real command as a child process on 127.0.0.1 with a free port, over a real
build; a few limits (idle and request time-outs) are tested on an in-process server with short
settings. Run with `pytest -s` to see the figures.
"""

from __future__ import annotations

import http.client
import re
import socket
import statistics
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from httpservers import kgbuild_process
from servers import in_thread
from test_server_hostile import raw

from kgbuild.serve.endpoint import MAX_QUERIES
from kgbuild.serve.site import Limits, make_server, open_file_limit

pytestmark = pytest.mark.servers  # every test starts or asks a running server

PAGES = [  # path, Accept, the status it must have
    ("/id/regio/twente", "text/turtle", 303),
    ("/id/regio/twente", "text/html", 303),
    ("/doc/regio/twente.html", None, 200),
    ("/doc/regio/twente.ttl", None, 200),
    ("/doc/regio/twente", "application/ld+json", 200),
    ("/", None, 200),
    ("/def/cultuurregio", "text/turtle", 200),
]
QUERIES = [
    "ASK { ?s ?p ?o }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?r WHERE { ?r a <https://w3id.org/cultuurregio/def/cultuurregio#Cultuurregio> }",
]


@pytest.fixture(scope="module")
def served(site):
    open_file_limit(4096)  # this process holds the 1 000 idle connections below
    with kgbuild_process("serve", "--root", str(site)) as server:
        yield server


def get(port: int, path: str, accept: str | None = None, timeout: float = 30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": accept} if accept else {})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def quantiles(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100)
    return f"p50 {q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"


# -- many clients at once ---------------------------------------------------------------------


def client(port: int, n: int, start: threading.Barrier, queries: threading.Semaphore):
    """One keep-alive client: 5 page GETs and 2 SPARQL queries; (kind, seconds), errors.

    Queries wait for one of MAX_QUERIES client-side slots, so that no more run at once than
    the endpoint takes: its 503 (cap reached) would be an error here."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    timings, errors = [], []
    work = [("page", *PAGES[(n + i) % len(PAGES)]) for i in range(5)]
    work[1:1] = [
        (
            "query",
            "/sparql?" + urllib.parse.urlencode({"query": QUERIES[n % 3]}),
            "application/sparql-results+json",
            200,
        )
    ]
    work[4:4] = [
        (
            "query",
            "/sparql?" + urllib.parse.urlencode({"query": QUERIES[(n + 1) % 3]}),
            "text/csv",
            200,
        )
    ]
    start.wait()
    for kind, path, accept, expected in work:
        began = time.perf_counter()
        try:
            if kind == "query":
                queries.acquire()
            try:
                conn.request("GET", path, headers={"Accept": accept} if accept else {})
                r = conn.getresponse()
                r.read()
            finally:
                if kind == "query":
                    queries.release()
            if r.status != expected:
                errors.append(f"{path}: {r.status}")
        except (OSError, http.client.HTTPException) as e:
            errors.append(f"{path}: {e!r}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        timings.append((kind, time.perf_counter() - began))
    conn.close()
    return timings, errors


def test_200_clients_at_once_all_answered(served):
    clients = 200
    start, queries = threading.Barrier(clients), threading.Semaphore(MAX_QUERIES)
    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda n: client(served.port, n, start, queries), range(clients)))
    elapsed = time.perf_counter() - began
    timings = [t for ts, _ in results for t in ts]
    errors = [e for _, errs in results for e in errs]
    pages = [s for kind, s in timings if kind == "page"]
    asked = [s for kind, s in timings if kind == "query"]
    print(
        f"\n{clients} clients at once: {len(timings)} requests ({len(pages)} pages, "
        f"{len(asked)} queries, at most {MAX_QUERIES} at once) in {elapsed:.1f} s, "
        f"{len(timings) / elapsed:.0f} req/s; pages {quantiles(pages)}; "
        f"queries {quantiles(asked)}; {len(errors)} errors"
    )
    assert errors == []
    assert len(pages) == 5 * clients and len(asked) == 2 * clients


# -- silent and slow clients ------------------------------------------------------------------


def test_1000_idle_connections_do_not_lock_others_out(served):
    idle = []
    try:
        for _ in range(1000):
            idle.append(socket.create_connection(("127.0.0.1", served.port), timeout=5))
        time.sleep(2)  # the server has accepted them by now
        for path, accept, expected in PAGES:
            began = time.monotonic()
            status, _ = get(served.port, path, accept, timeout=1)
            took = time.monotonic() - began
            print(
                f"\nwith 1000 idle connections open: GET {path} {status} in {took * 1000:.0f} ms",
                end="",
            )
            assert status == expected and took < 1, (path, status, took)
    finally:
        for s in idle:
            s.close()


def test_a_header_slowloris_does_not_block_others(served):
    """50 connections each sending a request head one byte a second, for 6 seconds."""
    slow = [socket.create_connection(("127.0.0.1", served.port), timeout=5) for _ in range(50)]
    stop = threading.Event()

    def drip() -> None:
        for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100:
            for s in slow:
                s.send(bytes([byte]))
            if stop.wait(1):
                return

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        took = []
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            began = time.monotonic()
            status, _ = get(served.port, "/id/regio/twente", "text/turtle", timeout=1)
            took.append(time.monotonic() - began)
            assert status == 303
            time.sleep(0.2)
        print(
            f"\nwith 50 slowloris clients: {len(took)} GETs, slowest {max(took) * 1000:.0f} ms",
            end="",
        )
        assert max(took) < 1
    finally:
        stop.set()
        dripper.join(5)
        for s in slow:
            s.close()


@pytest.fixture(scope="module")
def strict(site):
    """An in-process server with short limits: 1 s idle, 2 s for a whole request."""
    limits = Limits(idle_timeout=1.0, request_timeout=2.0, check_every=0.25)
    server = make_server(site, 0, limits=limits)
    with in_thread(server) as base:
        yield int(base.rsplit(":", 1)[1])


def closed_within(sock: socket.socket, seconds: float, drip: bool = False) -> float | None:
    """Seconds until the server closes the connection (None: still open after `seconds`);
    with drip, one header byte is sent every 0.2 s meanwhile."""
    began = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - began < seconds:
        try:
            if drip:
                sock.send(b"a")
            if sock.recv(1024) == b"":
                return time.monotonic() - began
        except TimeoutError:
            continue
        except OSError:  # reset, broken pipe: closed too
            return time.monotonic() - began
    return None


def test_a_silent_connection_is_closed_after_the_idle_time(strict):
    with socket.create_connection(("127.0.0.1", strict)) as s:
        took = closed_within(s, 5)
    assert took is not None and 0.9 < took < 2.5, took


def test_a_request_that_arrives_too_slowly_is_closed(strict):
    with socket.create_connection(("127.0.0.1", strict)) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        took = closed_within(s, 6, drip=True)  # never idle: only the request time-out holds
    assert took is not None and 1.9 < took < 3.5, took


def test_a_request_within_the_limits_is_answered_on_the_strict_server(strict):
    assert get(strict, "/")[0] == 200


# -- keep-alive -------------------------------------------------------------------------------


def replies(data: bytes) -> list[tuple[str, int]]:
    return [
        (v.decode(), int(s))
        for v, s in re.findall(rb"^HTTP/(1\.[01]) (\d{3}) ", data, re.MULTILINE)
    ]


@pytest.mark.parametrize(
    "version, header, keep",
    [
        ("1.1", "", True),
        ("1.1", "Connection: close\r\n", False),
        ("1.0", "", False),
        ("1.0", "Connection: keep-alive\r\n", True),
    ],
)
def test_keep_alive_by_version_and_connection_header(served, version, header, keep):
    request = (
        f"GET /doc/regio/twente.ttl HTTP/{version}\r\nHost: 127.0.0.1\r\n{header}\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", served.port), timeout=5) as s:
        s.sendall(request)
        first = read_response(s)
        assert replies(first) == [(version, 200)]
        assert (b"Connection: close" not in first) == keep
        if keep:
            s.sendall(request)
            assert replies(read_response(s)) == [(version, 200)]
        else:
            assert s.recv(1) == b""  # the server has closed


def read_response(s: socket.socket) -> bytes:
    """One response with a Content-Length, read whole from the socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head, re.IGNORECASE)[1])
    while len(body) < length:
        body += s.recv(65536)
    return head + b"\r\n\r\n" + body


# -- kgbuild sparql ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sparql_port(site):
    with kgbuild_process("sparql", "--dist", str(site), "--time-limit", "2") as server:
        yield server.port


POST = (
    b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
    b"Accept: text/csv\r\n"
)


@pytest.mark.parametrize(
    "length", [b"abc", b"-5", b"1e3", b"12 12", b"0x10", b"", b"+5", b"5\r\nContent-Length: 6"]
)
def test_a_malformed_content_length_to_kgbuild_sparql_is_400(sparql_port, length):
    began = time.monotonic()
    reply = raw(sparql_port, POST + b"Content-Length: " + length + b"\r\n\r\nASK {}")
    assert reply.split()[1] == b"400", (length, reply[:200])
    assert b"Traceback" not in reply and time.monotonic() - began < 5


def test_kgbuild_sparql_refuses_a_body_over_100_kb_and_answers_one_under(sparql_port):
    text = b"ASK {}" + b" " * 99_000
    reply = raw(sparql_port, POST + b"Content-Length: %d\r\n\r\n" % len(text) + text)
    assert reply.split()[1] == b"200" and reply.endswith(b"\r\n\r\ntrue")
    # refused on its Content-Length, before the body is read
    reply = raw(sparql_port, POST + b"Content-Length: 100001\r\n\r\n")
    assert reply.split()[1] == b"413"


def test_a_refused_body_is_read_to_its_end_so_the_client_gets_the_413(sparql_port):
    """A body refused on its Content-Length is still read (and dropped) until the client has
    sent it, as a proxy does that streams it: closing with it unread would reset the connection
    and lose the 413 (Apache then answers 502)."""
    body = b"ASK {} #" + b"x" * 200_000
    with socket.create_connection(("127.0.0.1", sparql_port), timeout=10) as sock:
        sock.sendall(POST + b"Content-Length: %d\r\n\r\n" % len(body))
        time.sleep(0.3)  # the 413 is sent now, before the body
        for start in range(0, len(body), 16_384):
            sock.sendall(body[start : start + 16_384])
            time.sleep(0.005)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.split()[1] == b"413", reply[:200]


def test_kgbuild_sparql_answers_only_at_its_path(sparql_port):
    assert get(sparql_port, "/sparql?query=ASK%7B%7D")[0] == 200
    assert get(sparql_port, "/")[0] == 404


def test_kgbuild_sparql_caps_queries_running_at_once(sparql_port):
    """Twice the cap of runaway queries at once: the cap's 503 with Retry-After, at once."""
    heavy = "/sparql?" + urllib.parse.urlencode(
        {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"}
    )
    start = threading.Barrier(2 * MAX_QUERIES)

    def ask(_):
        conn = http.client.HTTPConnection("127.0.0.1", sparql_port, timeout=60)
        try:
            conn.connect()
            start.wait()
            began = time.monotonic()
            conn.request("GET", heavy)
            r = conn.getresponse()
            return r.status, r.getheader("Retry-After"), r.read(), time.monotonic() - began
        finally:
            conn.close()

    with ThreadPoolExecutor(2 * MAX_QUERIES) as pool:
        answers = list(pool.map(ask, range(2 * MAX_QUERIES)))
    refused = [a for a in answers if a[1] == "1"]
    stopped = [a for a in answers if b"time limit" in a[2]]
    assert len(refused) + len(stopped) == len(answers)
    assert len(stopped) <= MAX_QUERIES and len(refused) >= MAX_QUERIES
    assert all(status == 503 and took < 2 for status, _, _, took in refused)


# -- starting and stopping --------------------------------------------------------------------


def test_a_port_in_use_is_one_line_and_exit_4(site):
    import subprocess
    import sys

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "kgbuild.cli",
                "serve",
                "--root",
                str(site),
                "--port",
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 4
    line = (
        f"error: cannot listen on 127.0.0.1:{port}: the port is in use (choose another "
        "with --port, or 0 for any free one)"
    )
    assert result.stderr.splitlines() == [line]


def test_sigterm_stops_the_server_at_once(site):
    with kgbuild_process("serve", "--root", str(site)) as server:
        idle = socket.create_connection(("127.0.0.1", server.port))
        assert get(server.port, "/")[0] == 200
        began = time.monotonic()
        server.proc.terminate()
        assert server.proc.wait(timeout=10) == 0
        assert time.monotonic() - began < 5
        assert idle.recv(1) == b""  # its connections are closed
        idle.close()
        assert "Traceback" not in server.log.read_text()


HUNGRY = (
    "SELECT (GROUP_CONCAT(CONCAT(STR(?a), STR(?b), STR(?c)); separator=',') AS ?x) "
    "WHERE { ?a ?p ?b . ?c ?q ?d }"
)


def test_a_memory_hungry_query_is_stopped_while_others_are_served(site):
    """While one query grows to its memory limit, pages and other queries keep answering."""
    with kgbuild_process(
        "serve", "--root", str(site), "--max-memory", str(300 * 2**20), "--time-limit", "60"
    ) as server:
        hungry: list = []
        thread = threading.Thread(
            target=lambda: hungry.append(
                get(server.port, "/sparql?" + urllib.parse.urlencode({"query": HUNGRY}), timeout=90)
            )
        )
        thread.start()
        served, slowest = 0, 0.0
        while thread.is_alive():
            for path, accept, status in PAGES[:3] + [
                ("/sparql?" + urllib.parse.urlencode({"query": QUERIES[0]}), None, 200)
            ]:
                start = time.monotonic()
                assert get(server.port, path, accept)[0] == status
                slowest = max(slowest, time.monotonic() - start)
                served += 1
        thread.join()
    status, body = hungry[0]
    print(
        f"\n  memory-hungry query stopped: {status}; meanwhile {served} requests answered, "
        f"the slowest in {slowest * 1000:.0f} ms"
    )
    assert status == 503 and b"memory" in body
    assert served >= 4 and slowest < 1.0
