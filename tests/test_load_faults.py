"""`kgbuild load` under faults, against real servers on 127.0.0.1: the store down, answering
5xx, timing out, closing the connection mid-upload, the Oxigraph server killed mid-load, a store
that answers a byte at a time (the deadline), replies that are not HTTP, and a TLS certificate
that is not trusted.

Each fault is retried a bounded number of times and then ends in one clear error (exit 3 at the
command line); a store that recovers is loaded and verified. The faults are played by a small
HTTP server of ours (`Faults`) that forwards to a real Oxigraph server where the fault says so,
streaming the request body in chunks, so a cut-off upload reaches the store cut off too.
Oxigraph 0.5 replaces a graph on PUT in one transaction: a PUT that is cut off, refused, or
read by a server that is killed, leaves the old graph whole (the tests check what the store
holds), so the loader needs no staging graph of its own."""

from __future__ import annotations

import contextlib
import functools
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from servers import dump_counts, free_port, in_thread, oxigraph, oxigraph_process, store_counts

import kgbuild.load
from kgbuild.cli import main
from kgbuild.load import LoadError, Target, load

GRAPH = "https://w3id.org/cultuurregio/graph"
DUMP = Path("download/latest/cultuurregios.nt")
GRAPH_QUERY = "graph=" + urllib.parse.quote(GRAPH, safe="")
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"  # also in the bundled dump
NUMBER = "https://w3id.org/cultuurregio/def/test#number"  # not in it
INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
DROPPED = r".*(reset|closed|broken pipe|aborted).*"  # how a dropped connection reads
REFUSED = r"\[Errno \d+\] Connection refused"
TRICKLED = b"HTTP/1.1 204 No Content\r\n" + b"X-Padding: " + b"." * 200 + b"\r\n\r\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The bundled project built once; its dist/ holds the "old" dump."""
    from conftest import PROJECT_DIRS, ROOT

    root = tmp_path_factory.mktemp("faults")
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, root / name)
    assert main(["build", "--root", str(root), "-q"]) == 0
    return root


def changed(folder: Path, old: Path, extra: int) -> Path:
    """A dist/ whose dump is the old dump plus 2 * extra triples: more of a predicate the old
    dump has, and one it has not."""
    lines = "".join(
        f'<https://w3id.org/cultuurregio/id/test/s{i}> <{LABEL}> "extra {i}" .\n'
        f"<https://w3id.org/cultuurregio/id/test/s{i}> <{NUMBER}> "
        f'"{i}"^^<{INTEGER}> .\n'
        for i in range(extra)
    )
    (folder / DUMP).parent.mkdir(parents=True)
    (folder / DUMP).write_bytes((old / DUMP).read_bytes() + lines.encode())
    return folder


@pytest.fixture(scope="module")
def old(built) -> Path:
    return built / "dist"


@pytest.fixture(scope="module")
def new(old, tmp_path_factory) -> Path:
    """A dist/ with a changed dump: the old one plus 1000 triples."""
    return changed(tmp_path_factory.mktemp("new"), old, 500)


@pytest.fixture
def store(tmp_path):
    """A fresh Oxigraph server per test: replacing a graph again and again in one store makes
    each PUT slower, which would make the timings of these tests depend on their order."""
    with oxigraph(tmp_path / "oxigraph") as base:
        yield base


@pytest.fixture
def pauses(monkeypatch) -> list[float]:
    """The pauses `kgbuild load` takes between attempts, recorded instead of slept: one fewer
    than the attempts it makes."""
    taken: list[float] = []
    monkeypatch.setattr(
        kgbuild.load, "load", functools.partial(kgbuild.load.load, sleep=taken.append)
    )
    return taken


def target(base: str, **kw) -> Target:
    return Target(base + "/store", base + "/query", GRAPH, **{"pause": 0.01, **kw})


def holds(base: str) -> Counter:
    """Triples per predicate in GRAPH, asked of the store directly."""
    return store_counts(target(base))


def counts(dist: Path) -> Counter:
    return dump_counts(dist / DUMP)


def load_cli(root: Path, endpoint: str, attempts: int, capsys):
    """Exit code, stdout and the stderr lines of `kgbuild load`."""
    code = main(
        ["load", "--root", str(root), "-q", "--endpoint", endpoint, "--attempts", str(attempts)]
    )
    out, err = capsys.readouterr()
    return code, out, err.splitlines()


class Faults(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that plays one fault per request, the ones of `plan` in order
    and then `then` for every further request. A fault is a status to answer (after reading the
    request) or one of
      "forward": pass the request to `upstream` (the body in chunks of `chunk` bytes, `delay`
                 seconds apart) and its answer back; 502 when the upstream cannot be reached;
      "close":   drop the connection before reading the body;
      "cut":     forward half of the body (read half of it without an upstream), then drop both
                 connections, so the upstream sees the upload cut off too;
      "kill":    like "cut", but call `at_half(sent, size)` before dropping them;
      "hang":    read the request, never answer (until the server is closed);
      "deaf":    read the request line and headers, not the body, never answer;
      "trickle": read the request, then answer a 204 one byte every `interval` seconds;
      bytes:     read the request, send these bytes as the whole reply, close.
    `seen` records each request as (method, fault)."""

    daemon_threads = True

    def __init__(
        self,
        upstream: str | None = None,
        plan=(),
        then="forward",
        chunk: int = 1 << 16,
        delay: float = 0.0,
        at_half=None,
        interval: float = 20.0,
    ):
        super().__init__(("127.0.0.1", 0), FaultHandler)
        self.upstream = urllib.parse.urlsplit(upstream) if upstream else None
        self.plan, self.then = list(plan), then
        self.chunk, self.delay, self.at_half = chunk, delay, at_half
        self.interval = interval
        self.seen: list[tuple[str, object]] = []
        self.lock, self.released = threading.Lock(), threading.Event()

    def next_fault(self, method: str):
        with self.lock:
            fault = self.plan.pop(0) if self.plan else self.then
            self.seen.append((method, fault))
            return fault

    def serve_forever(self, poll_interval: float = 0.05) -> None:
        super().serve_forever(poll_interval)  # so that shutdown() takes 0.05 s, not 0.5 s

    def server_close(self) -> None:
        self.released.set()  # hung requests end
        super().server_close()


class FaultHandler(BaseHTTPRequestHandler):
    server: Faults
    upstream_server: str | None = None

    def version_string(self) -> str:
        return self.upstream_server or super().version_string()

    def play(self) -> None:
        fault = self.server.next_fault(self.command)
        size = int(self.headers.get("Content-Length") or 0)
        if isinstance(fault, int):
            self.rfile.read(size)
            return self.reply(fault, b"the store is unavailable")
        if isinstance(fault, bytes):
            self.rfile.read(size)
            with contextlib.suppress(OSError):
                self.wfile.write(fault)
            return self.drop()
        if fault == "trickle":
            self.rfile.read(size)
            return self.trickle()
        if fault == "close":
            return self.drop()
        if fault in ("hang", "deaf"):
            if fault == "hang":
                self.rfile.read(size)
            self.server.released.wait(60)
            return self.drop()
        if self.server.upstream is None:  # "cut" without an upstream
            self.rfile.read(size // 2)
            return self.drop()
        self.forward(fault, size)

    do_GET = do_POST = do_PUT = play

    def forward(self, fault, size: int) -> None:
        up = self.server.upstream
        conn, sent = http.client.HTTPConnection(up.hostname, up.port, timeout=60), 0
        try:
            conn.putrequest(self.command, self.path, skip_accept_encoding=True)
            for name in ("Content-Type", "Content-Length", "Accept"):
                if self.headers.get(name):
                    conn.putheader(name, self.headers[name])
            conn.endheaders()
            while sent < size:
                data = self.rfile.read(min(self.server.chunk, size - sent))
                if not data:
                    return self.drop()
                conn.send(data)
                sent += len(data)
                if fault in ("cut", "kill") and sent >= size // 2:
                    if fault == "kill":
                        self.server.at_half(sent, size)
                    return self.drop()
                time.sleep(self.server.delay)
            resp = conn.getresponse()
            status, body = resp.status, resp.read()
            ctype = resp.getheader("Content-Type") or "text/plain"
            self.upstream_server = resp.getheader("Server")  # so the loader knows the store
        except OSError as e:
            self.rfile.read(size - sent)  # read the request out, as a proxy would
            return self.reply(502, f"the store cannot be reached: {e}".encode())
        finally:
            conn.close()
        self.reply(status, body, ctype)

    def reply(self, status: int, body: bytes, ctype: str = "text/plain") -> None:
        with contextlib.suppress(OSError):  # the client may have given up already
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def trickle(self) -> None:
        """A 204 one byte at a time, `interval` seconds apart, until the server is closed."""
        for i in range(len(TRICKLED)):
            with contextlib.suppress(OSError):
                self.wfile.write(TRICKLED[i : i + 1])
                self.wfile.flush()
            if self.server.released.wait(self.server.interval):
                break
        self.drop()

    def drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, *args) -> None:
        pass


# 1. the store down


def test_store_down_exits_3_with_one_line_after_the_configured_attempts(built, pauses, capsys):
    port = free_port()  # nothing listens here
    endpoint = f"http://127.0.0.1:{port}/store"
    code, out, err = load_cli(built, endpoint, 4, capsys)
    assert code == 3 and out == ""
    assert len(err) == 1, err
    assert err[0].startswith(f"error: load: {endpoint}?{GRAPH_QUERY}: gave up after 4 attempts: ")
    assert re.search(REFUSED + "$", err[0]), err
    assert pauses == [0.5, 1.0, 2.0]  # four attempts, a growing pause between them


def test_store_down_through_the_api_names_url_and_attempts():
    port = free_port()
    slept: list[float] = []
    t = Target(
        f"http://127.0.0.1:{port}/store",
        f"http://127.0.0.1:{port}/query",
        GRAPH,
        attempts=3,
        pause=0.2,
    )
    with pytest.raises(LoadError) as e:
        kgbuild.load.upload(t, b"", "nt", slept.append)
    assert re.fullmatch(
        re.escape(f"load: {t.gsp_url()}: gave up after 3 attempts: ") + REFUSED, str(e.value)
    ), e.value
    assert slept == [0.2, 0.4]


# 2. and 4. a store that answers 5xx, or drops the connection, every time


@pytest.mark.servers
@pytest.mark.parametrize(
    "fault, reason",
    [
        (500, "HTTP 500 Internal Server Error: the store is unavailable"),
        (502, "HTTP 502 Bad Gateway: the store is unavailable"),
        (503, "HTTP 503 Service Unavailable: the store is unavailable"),
        (504, "HTTP 504 Gateway Timeout: the store is unavailable"),
        ("close", DROPPED),
        ("cut", DROPPED),
    ],
)
def test_a_store_that_always_fails_is_retried_then_one_clear_error(
    built, pauses, capsys, fault, reason
):
    faults = Faults(then=fault)
    with in_thread(faults) as base:
        code, out, err = load_cli(built, base + "/store", 3, capsys)
    assert code == 3 and out == ""
    assert len(err) == 1 and "Traceback" not in err[0], err
    start = f"error: load: {base}/store?{GRAPH_QUERY}: gave up after 3 attempts: "
    assert err[0].startswith(start), err
    assert re.fullmatch(reason, err[0][len(start) :], re.IGNORECASE), err
    assert faults.seen == [("PUT", fault)] * 3
    assert pauses == [0.5, 1.0]


@pytest.mark.servers
def test_cut_off_uploads_are_retried_and_leave_the_old_graph(old, new, store):
    assert load(target(store), old) == sum(counts(old).values())
    faults = Faults(store, then="cut")
    with in_thread(faults) as base, pytest.raises(LoadError) as e:
        load(target(base, attempts=3), new)
    assert str(e.value).startswith(f"load: {base}/store?{GRAPH_QUERY}: gave up after 3 attempts")
    assert faults.seen == [("PUT", "cut")] * 3
    assert holds(store) == counts(old)  # three cut-off PUTs reached Oxigraph: no trace of them


@pytest.mark.servers
def test_a_dump_the_store_refuses_is_not_retried_and_leaves_the_old_graph(old, store, tmp_path):
    """Oxigraph clears and loads in one transaction: a PUT it stops at the last line (a syntax
    error) leaves the old graph whole, as a cut-off one does."""
    assert load(target(store), old) == sum(counts(old).values())
    broken = changed(tmp_path / "broken", old, 100)
    with (broken / DUMP).open("ab") as f:
        f.write(b"<https://x.org/s> <https://x.org/p> no-object .\n")
    faults = Faults(store)
    with in_thread(faults) as base, pytest.raises(LoadError) as e:
        load(target(base, attempts=3), broken)
    assert str(e.value).startswith(
        f"load: {base}/store?{GRAPH_QUERY}: HTTP 400 Bad Request: Parser error at line "
    ), e.value
    assert faults.seen == [("PUT", "forward")]  # a refusal is final
    assert holds(store) == counts(old)


@pytest.mark.servers
def test_a_store_that_fails_the_verification_is_a_clear_error(old, store):
    faults = Faults(store, plan=["forward"], then=503)
    with in_thread(faults) as base, pytest.raises(LoadError) as e:
        load(target(base, attempts=2), old)
    assert str(e.value).startswith(f"verify: {base}/query: gave up after 2 attempts: HTTP 503")
    assert faults.seen == [("PUT", "forward"), ("POST", 503), ("POST", 503)]


# 3. a store that times out


@pytest.mark.servers
@pytest.mark.parametrize("fault", ["hang", "deaf"])
def test_a_store_that_never_answers_times_out_within_bounds(old, fault):
    faults = Faults(then=fault)
    began = time.monotonic()
    with in_thread(faults) as base, pytest.raises(LoadError) as e:
        load(target(base, attempts=3, timeout=0.5), old)
    took = time.monotonic() - began
    assert str(e.value) == f"load: {base}/store?{GRAPH_QUERY}: gave up after 3 attempts: timed out"
    assert faults.seen == [("PUT", fault)] * 3
    assert 3 * 0.5 <= took < 3 * 2 * 0.5 + 2  # each attempt waits the timeout, and no longer


# 2., 3. and 4. a store that recovers


@pytest.mark.servers
@pytest.mark.parametrize(
    "plan, timeout",
    [
        ([500, 502, 503], 60),  # 5xx a few times
        (["close", "cut"], 60),  # connection dropped at once, then mid-upload
        (["hang"], 10),  # no answer within the timeout once (the PUT itself takes about 1 s)
    ],
    ids=["5xx", "dropped", "timeout"],
)
def test_a_store_that_recovers_is_loaded_and_verified(old, new, store, plan, timeout):
    faults = Faults(store, plan=plan)
    with in_thread(faults) as base:
        n = load(target(base, attempts=len(plan) + 1, timeout=timeout), new)
    assert n == sum(counts(new).values())
    assert holds(store) == counts(new) != counts(old)
    assert (
        faults.seen == [("PUT", f) for f in plan] + [("PUT", "forward")] + [("POST", "forward")] * 2
    )  # the triples, their count


# 5. Oxigraph killed mid-load


@pytest.mark.servers
def test_oxigraph_killed_mid_load_keeps_the_old_graph(old, tmp_path):
    big = changed(tmp_path / "big", old, 10_000)  # 20 000 triples more, 5.5 MB in all
    size = (big / DUMP).stat().st_size
    want_old, want_new = counts(old), counts(big)
    folder, killed = tmp_path / "oxigraph", {}
    with oxigraph_process(folder) as (base, proc):
        assert load(target(base), old) == sum(want_old.values())
        assert holds(base) == want_old

        def kill(sent: int, total: int) -> None:
            killed.update(sent=sent, total=total)
            proc.kill()
            proc.wait()

        # the body goes to Oxigraph in 32 KiB chunks, 10 ms apart (about 1 s for half of it)
        faults = Faults(base, plan=["kill"], chunk=1 << 15, delay=0.01, at_half=kill)
        with in_thread(faults) as via, pytest.raises(LoadError) as e:
            load(target(via, attempts=2), big)
        assert proc.returncode == -signal.SIGKILL
    assert killed, "Oxigraph was not killed during the upload"
    assert killed["total"] == size and size // 2 <= killed["sent"] < size
    assert re.fullmatch(
        re.escape(
            f"load: {via}/store?{GRAPH_QUERY}: gave up after 2 attempts: "
            "HTTP 502 Bad Gateway: the store cannot be reached: "
        )
        + REFUSED,
        str(e.value),
    ), e.value
    assert faults.seen == [("PUT", "kill"), ("PUT", "forward")]

    with oxigraph_process(folder) as (base, proc):
        assert holds(base) == want_old  # exactly the old dump, nothing of the new one
        assert load(target(base), big) == sum(want_new.values())
        assert holds(base) == want_new


# 6. the deadline (--timeout): the whole load, however slowly the store answers


@pytest.mark.servers
def test_a_store_answering_a_byte_every_20_s_ends_at_the_deadline_through_the_cli(built):
    """Was: each read waited up to 120 s and the reply took 20 s a byte, so the command ran for
    more than an hour. The deadline counts from the start of the load, after Python's start."""
    faults = Faults(then="trickle", interval=20)
    with in_thread(faults) as base:
        began = time.monotonic()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "kgbuild.cli",
                "load",
                "--root",
                str(built),
                "-q",
                "--endpoint",
                base + "/store",
                "--timeout",
                "3",
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
            env=os.environ.copy(),
        )
        took = time.monotonic() - began
    err = result.stderr.splitlines()
    assert result.returncode == 3 and result.stdout == "", result
    assert err == [f"error: load: {base}/store?{GRAPH_QUERY}: the deadline of 3 s passed"], err
    assert 3 <= took < 3 + 8, took  # the margin: Python's start, the dump read and sent (a
    # byte of the reply alone would take 20 s)
    assert faults.seen == [("PUT", "trickle")]


@pytest.mark.servers
@pytest.mark.parametrize("fault", ["trickle", "hang", "deaf"])
def test_the_deadline_bounds_each_attempt_below_the_per_read_timeout(old, fault):
    """A byte every 0.3 s keeps a 60 s per-read timeout from ever firing: only the deadline
    ends the load, in the middle of reading the status line."""
    faults = Faults(then=fault, interval=0.3)
    began = time.monotonic()
    with in_thread(faults) as base, pytest.raises(LoadError) as e:
        load(target(base, timeout=60, deadline=1.5), old)
    took = time.monotonic() - began
    assert str(e.value) == f"load: {base}/store?{GRAPH_QUERY}: the deadline of 1.5 s passed"
    assert faults.seen == [("PUT", fault)]
    assert 1.5 <= took < 1.5 + 4, took  # the per-read timeout is 60 s


@pytest.mark.servers
def test_the_deadline_covers_the_pauses_between_attempts(old):
    """Pauses of 0.2, 0.4, 0.8, 1.6 s ... between 503s: the load ends at the deadline, in a
    pause, and says what failed last."""
    faults = Faults(then=503)
    began = time.monotonic()
    with in_thread(faults) as base, pytest.raises(LoadError) as e:
        load(target(base, attempts=50, pause=0.2, deadline=1.5), old)
    took = time.monotonic() - began
    assert str(e.value) == (
        f"load: {base}/store?{GRAPH_QUERY}: the deadline of 1.5 s passed "
        "(last failure: HTTP 503 Service Unavailable: the store is "
        "unavailable)"
    )
    assert 1.5 <= took < 1.5 + 4, took  # the per-read timeout is 60 s
    assert 3 <= len(faults.seen) <= 4  # at 0, 0.2, 0.6 and 1.4 s


@pytest.mark.servers
def test_the_deadline_covers_the_verification(old):
    faults = Faults(plan=[b"HTTP/1.1 204 No Content\r\n\r\n"], then="trickle", interval=0.3)
    began = time.monotonic()
    with in_thread(faults) as base, pytest.raises(LoadError) as e:
        load(target(base, timeout=60, deadline=2), old)
    took = time.monotonic() - began
    assert str(e.value) == f"verify: {base}/query: the deadline of 2 s passed"
    assert [m for m, _ in faults.seen] == ["PUT", "POST"]
    assert 2 <= took < 2 + 4, took  # the per-read timeout is 60 s


def test_a_timeout_that_is_not_a_positive_number_is_a_usage_error(built, capsys):
    for value in ("0", "-1", "nan", "inf"):
        assert (
            main(
                [
                    "load",
                    "--root",
                    str(built),
                    "-q",
                    "--endpoint",
                    "http://127.0.0.1:9/store",
                    "--timeout",
                    value,
                ]
            )
            == 2
        )
        assert capsys.readouterr().err.splitlines() == [
            "error: --timeout must be a number of seconds above 0"
        ]


@pytest.mark.parametrize(
    "endpoint",
    [
        "file:///etc/passwd",
        "data:,x",
        "http://127.0.0.1:x/store",
        "http:///store",
        "http://127.0.0.1/st ore",
    ],
)
def test_an_endpoint_that_is_not_an_http_url_is_refused(old, endpoint):
    """Was: urllib read a file: or data: URL as if it were the store's answer."""
    with pytest.raises(LoadError) as e:
        load(Target(endpoint, "http://127.0.0.1:9/query", GRAPH, attempts=1), old)
    assert str(e.value) == f"{endpoint!r}: not an http(s) URL of a store"


# 7. replies that are not HTTP: one line at once, not retried (was: a traceback, exit 1)


CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
MALFORMED = {
    "garbage status line": (b"HELLO\r\n\r\n", "the reply is not HTTP: status line 'HELLO\\r\\n'"),
    "short status line": (b"HTTP/1.1 2", "the reply is not HTTP: status line 'HTTP/1.1 2'"),
    "lying Content-Length": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
        "the reply ended 95 byte(s) short of its Content-Length",
    ),
    "bad chunk size": (
        CHUNKED + b"zz\r\nabc\r\n0\r\n\r\n",
        "the reply's chunked body is broken or cut short",
    ),
    "chunks cut short": (CHUNKED + b"10\r\nabc", "the reply's chunked body is broken or cut short"),
    "header line too long": (
        b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
        ("the reply has a line too long (got more than 65536 bytes when reading header line)"),
    ),
    "too many headers": (
        b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 101 + b"\r\n",
        "the reply is not valid HTTP: got more than 100 headers",
    ),
}


@pytest.mark.servers
@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_reply_to_the_upload_is_one_line_at_once(built, pauses, capsys, name):
    reply, message = MALFORMED[name]
    faults = Faults(then=reply)
    with in_thread(faults) as base:
        code, out, err = load_cli(built, base + "/store", 3, capsys)
    assert code == 3 and out == ""
    assert err == [f"error: load: {base}/store?{GRAPH_QUERY}: {message}"]
    assert faults.seen == [("PUT", reply)] and pauses == []


def nt_reply(body: bytes, ctype: str = "application/n-triples", length: int | None = None):
    length = len(body) if length is None else length
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {length}\r\n\r\n".encode()
        + body
    )


def verify_replies(old: Path) -> dict[str, tuple[bytes, str, int]]:
    """Replies to every verification query, a pattern of the message each gives, and the
    queries asked: a reply that breaks HTTP ends the check at the first; an answer that is not
    the rows asked for sends the check on to the triples (a CONSTRUCT), which reports it."""
    head = b"".join((old / DUMP).read_bytes().splitlines(keepends=True)[:3])
    return {
        # whole lines, the rest missing: without the check of the length this read as
        # "triples missing", as if the store held less
        "lying Content-Length": (
            nt_reply(head, length=len(head) + 1000),
            re.escape("the reply ended 1000 byte(s) short of its Content-Length"),
            1,
        ),
        "not UTF-8": (
            nt_reply(b'<https://x.org/s> <https://x.org/p> "\xff\xfe" .\n'),
            r"the answer is not N-Triples: Parser error at line 1 .*Invalid UTF-8.*",
            2,
        ),
        "garbage N-Triples": (
            nt_reply(b"{{{ not rdf"),
            r"the answer is not N-Triples: Parser error at line 1 .*",
            2,
        ),
        "garbage rows": (
            nt_reply(b"?s\t?p\t?o\n{{{\tnot\trdf\n", "text/tab-separated-values"),
            re.escape("answered text/tab-separated-values, not N-Triples"),
            2,
        ),
        "garbage JSON": (
            nt_reply(b'{"head": {', "application/sparql-results+json"),
            re.escape("answered application/sparql-results+json, not N-Triples"),
            2,
        ),
        "garbage XML": (
            nt_reply(b"<rdf:RDF", "application/rdf+xml"),
            re.escape("answered application/rdf+xml, not N-Triples"),
            2,
        ),
        "bad chunk size": (
            MALFORMED["bad chunk size"][0].replace(
                b"OK\r\n", b"OK\r\nContent-Type: application/n-triples\r\n"
            ),
            re.escape("the reply's chunked body is broken or cut short"),
            1,
        ),
        "garbage status line": (
            MALFORMED["garbage status line"][0],
            re.escape(MALFORMED["garbage status line"][1]),
            1,
        ),
    }


@pytest.mark.servers
@pytest.mark.parametrize(
    "name",
    [
        "lying Content-Length",
        "not UTF-8",
        "garbage N-Triples",
        "garbage rows",
        "garbage JSON",
        "garbage XML",
        "bad chunk size",
        "garbage status line",
    ],
)
def test_a_malformed_reply_to_the_verification_is_one_line(old, name):
    reply, message, queries = verify_replies(old)[name]
    faults = Faults(plan=[b"HTTP/1.1 204 No Content\r\n\r\n"], then=reply)
    with in_thread(faults) as base, pytest.raises(LoadError) as e:
        load(target(base, attempts=3), old)
    assert re.fullmatch(re.escape(f"verify: {base}/query: ") + message, str(e.value)), e.value
    assert [m for m, _ in faults.seen] == ["PUT"] + ["POST"] * queries


# 8. TLS: a certificate that is not trusted is refused at once, not retried


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made by openssl."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class TlsFaults(Faults):
    """Faults over TLS with the certificate given; `connections` counts the TCP connections
    accepted, handshakes that fail included."""

    def __init__(self, cert: Path, key: Path, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.connections = 0

    def get_request(self):
        sock, address = self.socket.accept()
        with self.lock:
            self.connections += 1
        sock.settimeout(10)
        try:
            return self.context.wrap_socket(sock, server_side=True), address
        except OSError:
            sock.close()
            raise


@contextlib.contextmanager
def over_tls(server: TlsFaults):
    with in_thread(server) as base:
        yield base.replace("http://", "https://")


@pytest.mark.servers
def test_an_untrusted_certificate_is_refused_after_one_attempt(built, certificate, pauses, capsys):
    """Was: retried as if the store were down, then 'gave up after 4 attempts'."""
    faults = TlsFaults(*certificate, then=503)
    with over_tls(faults) as base:
        code, out, err = load_cli(built, base + "/store", 4, capsys)
    assert code == 3 and out == ""
    assert err == [
        f"error: load: {base}/store?{GRAPH_QUERY}: "
        + "the store's TLS certificate was refused: self-signed certificate"
    ]
    assert faults.connections == 1 and faults.seen == [] and pauses == []


@pytest.mark.servers
def test_control_a_trusted_certificate_loads_and_verifies_over_tls(
    old, store, certificate, monkeypatch
):
    """The same listener with its certificate trusted (SSL_CERT_FILE): the load goes through,
    over the deadline's sockets, so the refusal above is the certificate's."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    faults = TlsFaults(*certificate, store)
    with over_tls(faults) as base:
        assert load(target(base, deadline=60), old) == sum(counts(old).values())
    assert holds(store) == counts(old)
    assert faults.connections == 3  # the upload, the triples, their count
    assert faults.seen == [("PUT", "forward")] + [("POST", "forward")] * 2


# 9. Oxigraph's bulk path: a large dump into an empty graph


OTHER = "https://w3id.org/cultuurregio/other-graph"


class Poller(threading.Thread):
    """A reader that counts the target graph's triples again and again while a load runs."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base, self.seen, self.done = base, [], threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.seen.append(kgbuild.load.store_size(target(self.base)))

    def stop(self) -> set[int]:
        self.done.set()
        self.join()
        return set(self.seen)


def returns(found: list, f):
    """f, recording what each call returns in found."""

    def wrapped(*args, **kw):
        found.append(f(*args, **kw))
        return found[-1]

    return wrapped


@pytest.mark.servers
def test_a_large_dump_into_an_empty_graph_is_bulk_loaded_all_at_once(
    old, store, tmp_path, monkeypatch
):
    big = changed(tmp_path / "big", old, 50_000)  # 100 000 triples more
    ways: list[str] = []
    monkeypatch.setattr(kgbuild.load, "replace", returns(ways, kgbuild.load.replace))
    reader = Poller(store)
    reader.start()
    try:
        n = load(target(store, bulk_from=0), big)
    finally:
        seen = reader.stop()
    assert ways == ["bulk"]  # through Oxigraph's bulk loader
    assert n == sum(counts(big).values())
    assert seen <= {0, n} and len(reader.seen) >= 3, seen  # nothing, then all of it
    assert holds(store) == counts(big)


@pytest.mark.servers
@pytest.mark.parametrize("how", ["update", "put"])
def test_a_graph_that_holds_data_is_replaced_in_one_transaction(
    old, store, tmp_path, monkeypatch, how
):
    """The bulk loader would add to the old graph: the triples that differ go in one SPARQL
    Update instead, or, more of them than DIFF_MAX, the whole dump in one PUT."""
    big = changed(tmp_path / "big", old, 10_000)
    n_old = load(target(store), old)
    if how == "put":
        monkeypatch.setattr(kgbuild.load, "DIFF_MAX", 20_000 - 1)
    ways: list[str] = []
    monkeypatch.setattr(kgbuild.load, "replace", returns(ways, kgbuild.load.replace))
    reader = Poller(store)
    reader.start()
    try:
        n = load(target(store, bulk_from=0), big)
        assert load(target(store, bulk_from=0), old) == n_old  # and back
    finally:
        seen = reader.stop()
    assert ways == [how, how]
    assert seen <= {n_old, n} and len(reader.seen) >= 3, seen  # the old graph, then the new
    assert holds(store) == counts(old)


@pytest.mark.servers
def test_an_update_cut_off_leaves_the_old_graph(old, store, tmp_path):
    big = changed(tmp_path / "big", old, 10_000)
    load(target(store), old)
    # the ASK and the CONSTRUCT forwarded, then every update cut off halfway
    faults = Faults(store, plan=["forward", "forward"], then="cut")
    with in_thread(faults) as via, pytest.raises(LoadError) as e:
        load(target(via, attempts=2, bulk_from=0), big)
    assert str(e.value).startswith(f"load: {via}/update: gave up after 2 attempts"), e.value
    assert faults.seen == [("POST", "forward")] * 2 + [("POST", "cut")] * 2
    assert holds(store) == counts(old)


@pytest.mark.servers
def test_a_bulk_load_cut_off_or_killed_leaves_the_graph_empty(old, tmp_path):
    big = changed(tmp_path / "big", old, 10_000)
    folder = tmp_path / "oxigraph"
    with oxigraph_process(folder) as (base, proc):
        other = Target(base + "/store", base + "/query", OTHER, pause=0.01)
        assert load(other, old) == sum(counts(old).values())  # another graph of the store
        # the ASK forwarded (Oxigraph, the graph empty), then every upload cut off halfway
        faults = Faults(base, plan=["forward"], then="cut")
        with in_thread(faults) as via, pytest.raises(LoadError) as e:
            load(target(via, attempts=2, bulk_from=0), big)
        assert str(e.value).startswith(f"load: {via}/store?{GRAPH_QUERY}&no_transaction: gave up")
        assert faults.seen == [("POST", "forward"), ("POST", "cut"), ("POST", "cut")]
        assert holds(base) == Counter()  # nothing of the cut-off uploads

        def kill(sent: int, total: int) -> None:
            proc.kill()
            proc.wait()

        faults = Faults(base, plan=["forward", "kill"], chunk=1 << 15, delay=0.01, at_half=kill)
        with in_thread(faults) as via, pytest.raises(LoadError):
            load(target(via, attempts=1, bulk_from=0), big)
        assert proc.returncode == -signal.SIGKILL
        assert faults.seen == [("POST", "forward"), ("POST", "kill")]
    with oxigraph_process(folder) as (base, _):
        assert holds(base) == Counter()  # nothing of the upload it was killed in
        other = Target(base + "/store", base + "/query", OTHER, pause=0.01)
        assert store_counts(other) == counts(old)
        assert load(target(base, bulk_from=0), big) == sum(counts(big).values())
        assert holds(base) == counts(big)
