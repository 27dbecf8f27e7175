"""`kgbuild load` under faults, against real servers on 127.0.0.1: the store down, answering
5xx, timing out, closing the connection mid-upload, and the Oxigraph server killed mid-load.

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
import re
import shutil
import signal
import socket
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
    lines = "".join(f'<https://w3id.org/cultuurregio/id/test/s{i}> <{LABEL}> "extra {i}" .\n'
                    f'<https://w3id.org/cultuurregio/id/test/s{i}> <{NUMBER}> '
                    f'"{i}"^^<{INTEGER}> .\n' for i in range(extra))
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
    monkeypatch.setattr(kgbuild.load, "load",
                        functools.partial(kgbuild.load.load, sleep=taken.append))
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
    code = main(["load", "--root", str(root), "-q", "--endpoint", endpoint,
                 "--attempts", str(attempts)])
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
      "deaf":    read the request line and headers, not the body, never answer.
    `seen` records each request as (method, fault)."""

    daemon_threads = True

    def __init__(self, upstream: str | None = None, plan=(), then="forward",
                 chunk: int = 1 << 16, delay: float = 0.0, at_half=None):
        super().__init__(("127.0.0.1", 0), FaultHandler)
        self.upstream = urllib.parse.urlsplit(upstream) if upstream else None
        self.plan, self.then = list(plan), then
        self.chunk, self.delay, self.at_half = chunk, delay, at_half
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

    def play(self) -> None:
        fault = self.server.next_fault(self.command)
        size = int(self.headers.get("Content-Length") or 0)
        if isinstance(fault, int):
            self.rfile.read(size)
            return self.reply(fault, b"the store is unavailable")
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
    t = Target(f"http://127.0.0.1:{port}/store", f"http://127.0.0.1:{port}/query", GRAPH,
               attempts=3, pause=0.2)
    with pytest.raises(LoadError) as e:
        kgbuild.load.put(t, b"", "nt", slept.append)
    assert re.fullmatch(re.escape(f"load: {t.gsp_url()}: gave up after 3 attempts: ") + REFUSED,
                        str(e.value)), e.value
    assert slept == [0.2, 0.4]


# 2. and 4. a store that answers 5xx, or drops the connection, every time


@pytest.mark.parametrize("fault, reason", [
    (500, "HTTP 500 Internal Server Error: the store is unavailable"),
    (502, "HTTP 502 Bad Gateway: the store is unavailable"),
    (503, "HTTP 503 Service Unavailable: the store is unavailable"),
    (504, "HTTP 504 Gateway Timeout: the store is unavailable"),
    ("close", DROPPED),
    ("cut", DROPPED),
])
def test_a_store_that_always_fails_is_retried_then_one_clear_error(built, pauses, capsys,
                                                                   fault, reason):
    faults = Faults(then=fault)
    with in_thread(faults) as base:
        code, out, err = load_cli(built, base + "/store", 3, capsys)
    assert code == 3 and out == ""
    assert len(err) == 1 and "Traceback" not in err[0], err
    start = f"error: load: {base}/store?{GRAPH_QUERY}: gave up after 3 attempts: "
    assert err[0].startswith(start), err
    assert re.fullmatch(reason, err[0][len(start):], re.IGNORECASE), err
    assert faults.seen == [("PUT", fault)] * 3
    assert pauses == [0.5, 1.0]


def test_cut_off_uploads_are_retried_and_leave_the_old_graph(old, new, store):
    assert load(target(store), old) == sum(counts(old).values())
    faults = Faults(store, then="cut")
    with in_thread(faults) as base, pytest.raises(LoadError) as e:
        load(target(base, attempts=3), new)
    assert str(e.value).startswith(f"load: {base}/store?{GRAPH_QUERY}: gave up after 3 attempts")
    assert faults.seen == [("PUT", "cut")] * 3
    assert holds(store) == counts(old)  # three cut-off PUTs reached Oxigraph: no trace of them


def test_a_dump_the_store_refuses_is_not_retried_and_leaves_the_old_graph(old, store,
                                                                          tmp_path):
    """Oxigraph clears and loads in one transaction: a PUT it stops at the last line (a syntax
    error) leaves the old graph whole, as a cut-off one does."""
    assert load(target(store), old) == sum(counts(old).values())
    broken = changed(tmp_path / "broken", old, 100)
    with (broken / DUMP).open("ab") as f:
        f.write(b"<https://x.org/s> <https://x.org/p> no-object .\n")
    faults = Faults(store)
    with in_thread(faults) as base, pytest.raises(LoadError) as e:
        load(target(base, attempts=3), broken)
    assert str(e.value).startswith(f"load: {base}/store?{GRAPH_QUERY}: HTTP 400 Bad Request: "
                                   "Parser error at line "), e.value
    assert faults.seen == [("PUT", "forward")]  # a refusal is final
    assert holds(store) == counts(old)


def test_a_store_that_fails_the_verification_is_a_clear_error(old, store):
    faults = Faults(store, plan=["forward"], then=503)
    with in_thread(faults) as base, pytest.raises(LoadError) as e:
        load(target(base, attempts=2), old)
    assert str(e.value).startswith(f"verify: {base}/query: gave up after 2 attempts: HTTP 503")
    assert faults.seen == [("PUT", "forward"), ("POST", 503), ("POST", 503)]


# 3. a store that times out


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


@pytest.mark.parametrize("plan, timeout", [
    ([500, 502, 503], 60),  # 5xx a few times
    (["close", "cut"], 60),  # connection dropped at once, then mid-upload
    (["hang"], 4),  # no answer within the timeout once (the PUT itself takes about 1 s)
], ids=["5xx", "dropped", "timeout"])
def test_a_store_that_recovers_is_loaded_and_verified(old, new, store, plan, timeout):
    faults = Faults(store, plan=plan)
    with in_thread(faults) as base:
        n = load(target(base, attempts=len(plan) + 1, timeout=timeout), new)
    assert n == sum(counts(new).values())
    assert holds(store) == counts(new) != counts(old)
    assert faults.seen == [("PUT", f) for f in plan] + [("PUT", "forward"), ("POST", "forward")]


# 5. Oxigraph killed mid-load


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
    assert re.fullmatch(re.escape(f"load: {via}/store?{GRAPH_QUERY}: gave up after 2 attempts: "
                                  "HTTP 502 Bad Gateway: the store cannot be reached: ")
                        + REFUSED, str(e.value)), e.value
    assert faults.seen == [("PUT", "kill"), ("PUT", "forward")]

    with oxigraph_process(folder) as (base, proc):
        assert holds(base) == want_old  # exactly the old dump, nothing of the new one
        assert load(target(base), big) == sum(want_new.values())
        assert holds(base) == want_new
