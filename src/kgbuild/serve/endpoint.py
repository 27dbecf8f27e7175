"""A read-only SPARQL 1.1 Protocol endpoint over the built dump, as one request -> response
function that any HTTP server can mount at /sparql.

GET ?query=..., POST application/x-www-form-urlencoded (query=...) and POST
application/sparql-query. SELECT/ASK answer in SPARQL JSON, XML, CSV or TSV, CONSTRUCT/DESCRIBE
in Turtle, N-Triples, RDF/XML or JSON-LD, by Accept (with q); a graph is written as the dumps
write it, sorted and with the register's prefixes under the base the dump was built with
(found from its ontology's IRI). Updates are refused (403). A
query text longer than MAX_QUERY_CHARS is refused at once (413). Each query runs in one of
MAX_QUERIES query processes, forked once the store is loaded (sharing it copy-on-write) and
started before any query (docs/decisions/0029): a process has no network (sandbox.no_network:
SERVICE fails, 400), a memory limit per query (503 when reached), and is killed at the time
limit (503) and replaced; every look at the query text happens in it, within that limit. A
result larger than the size cap is refused (413) rather than cut short. At most MAX_QUERIES
queries run at once; one more waits in line for a free process up to QUEUE_WAIT seconds, then
is answered 503 with `Retry-After: 1`.

A GET without a query describes the service: a SPARQL 1.1 Service Description in Turtle, or for
a browser the page with a query form and the canned queries as examples. Both are written by the
build (dist/sparql.ttl, dist/sparql.html, from emit/service.py and the template sparql.html) and read from the dist/ whose dump the endpoint serves.

Requests and responses are the types of serve/site.py, and the media type of a result is chosen by
the Accept rule of negotiate.py; `make_server` is the server of serve/site.py with /sparql only.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import threading
import urllib.parse
import weakref
from collections import deque
from collections.abc import Iterable, Mapping
from contextlib import suppress
from multiprocessing.connection import Connection
from pathlib import Path
from typing import NamedTuple

import pyoxigraph
from pyoxigraph import NamedNode, RdfFormat, Triple

from ..emit.dumps import PREFIXES_WRITTEN, NotExpressible, canonical, written
from ..model.base import DEFAULT, Base
from ..model.errors import UsageError
from ..model.formats import (
    DEFAULT_GRAPH,
    DEFAULT_RESULT,
    ENDPOINT_DESCRIPTIONS,
    GRAPH_TYPES,
    RDF_FORMATS,
    RESULT_TYPES,
)
from ..model.negotiate import media_ranges, preferred
from ..model.terms import DEFAULT_BASE, OWL, PREFIXES, A
from ..queries.params import tokens
from ..runtime.sandbox import SandboxUnavailable, memory_limit, no_network, vm_size
from .site import LIMITS, App, Handler, Limits, Request, Response, Server

UPDATE = re.compile(
    r"^\s*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE
)
CORS = [("Access-Control-Allow-Origin", "*")]
MAX_QUERY_CHARS = 100_000
TEXT = "text/plain; charset=utf-8"
NO_NETWORK = "federated queries (SERVICE) are not allowed: this endpoint has no network access"
# a child that dies of one of these ran out of memory: the engine's allocator aborts when the
# address space limit refuses it more (the kernel's own out-of-memory killer sends SIGKILL)
OUT_OF_MEMORY_SIGNALS = (signal.SIGABRT, signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS)
MAX_QUERIES = 2 * (os.cpu_count() or 1)  # query processes of an endpoint: queries at once
QUEUE_WAIT = 1.0  # seconds a query waits for a query process to come free, then 503
MAX_ANSWERS = 1000  # queries a query process answers before a fresh one takes its place
FORK = multiprocessing.get_context("fork")  # workers share the loaded store copy-on-write
RETIRE_GROWTH = 256 * 2**20  # bytes a query process may map beyond its start and go on


class Answer(NamedTuple):
    """What one query comes to, as the child process sends it back."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()  # beyond Content-Type, Vary and CORS


def text_response(status: int, message: str, extra: Iterable[tuple[str, str]] = ()) -> Response:
    return Response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), *CORS, *extra],
        (message + "\n").encode(),
    )


def choose(accept: str, table: Mapping[str, object], default: str) -> str | None:
    """The media type of `table` to answer with (the default first on a tie), or None. A type
    of a format met before (application/json after application/sparql-results+json) is an
    alias: only its own name matches it, not `*/*` or `application/*`."""
    offers: list[tuple[str, tuple[str, ...]]] = []
    seen: list[object] = []
    for mtype in [default, *(m for m in table if m != default)]:
        offers.append((mtype, (mtype,) if table[mtype] in seen else media_ranges(mtype)))
        seen.append(table[mtype])
    return preferred(accept, offers)


def is_update(text: str) -> bool:
    """Does the text (after its PREFIX and BASE lines) begin with an update operation?"""
    words = "".join(t if k == "other" else " x " for k, t in tokens(text) if k != "comment")
    body = re.sub(r"(?is)^\s*((PREFIX\s+\S*\s*x|BASE\s+x)\s*)*", "", words)
    return UPDATE.match(body) is not None


def query_of(req: Request) -> str | Response:
    """The query text of a protocol request, or the error response to give instead."""
    params = urllib.parse.parse_qs(req.query_string, keep_blank_values=True)
    ctype = req.headers.get("content-type", "").split(";")[0].strip().lower()
    if req.method == "POST" and ctype == "application/sparql-update":
        return text_response(403, "updates are refused: this endpoint is read-only")
    if req.method == "POST" and ctype == "application/x-www-form-urlencoded":
        params = urllib.parse.parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True)
    elif req.method == "POST" and ctype == "application/sparql-query":
        params = {**params, "query": [req.body.decode("utf-8", "replace")]}
    elif req.method == "POST":
        return text_response(
            415, "POST application/sparql-query or application/x-www-form-urlencoded"
        )
    if "update" in params:
        return text_response(403, "updates are refused: this endpoint is read-only")
    if "default-graph-uri" in params or "named-graph-uri" in params:
        return text_response(400, "this endpoint has one graph: no dataset parameters")
    queries = params.get("query", [])
    if len(queries) != 1 or not queries[0].strip():
        return text_response(400, "give exactly one 'query' parameter")
    return queries[0]


def answer(
    store: pyoxigraph.Store, text: str, accept: str, max_bytes: int, base: Base = DEFAULT
) -> Answer:
    """The answer to one query; runs in the child process. `base`: what the register's
    prefixes stand under in a graph result."""
    if is_update(text):
        return Answer(403, TEXT, b"updates are refused: this endpoint is read-only\n")
    try:
        result = store.query(text)
    except SyntaxError as e:
        return Answer(400, TEXT, f"query does not parse: {e}\n".encode())
    except OSError as e:  # the engine tried the network (SERVICE), which the child has not
        return Answer(400, TEXT, f"{NO_NETWORK} ({e})\n".encode())
    graph = isinstance(result, pyoxigraph.QueryTriples)
    table, default = (GRAPH_TYPES, DEFAULT_GRAPH) if graph else (RESULT_TYPES, DEFAULT_RESULT)
    mtype = choose(accept, table, default)
    if mtype is None:
        return Answer(406, TEXT, not_acceptable(accept, table, default))
    out = Capped(max_bytes)
    try:
        if isinstance(result, pyoxigraph.QueryTriples):
            out.write(graph_body(result, GRAPH_TYPES[mtype], base, max_bytes))
        else:
            result.serialize(out, RESULT_TYPES[mtype])  # type: ignore[arg-type]  # pyoxigraph writes to any object with write(); its stubs ask for IO[bytes]
    except NotExpressible as e:
        return Answer(406, TEXT, f"{e}; ask for another format: {', '.join(table)}\n".encode())
    except ResultTooLarge:
        too_large = f"result larger than {max_bytes} bytes: add LIMIT or narrow the query\n"
        return Answer(413, TEXT, too_large.encode())
    except OSError as e:  # a SERVICE met while the results are read
        return Answer(400, TEXT, f"{NO_NETWORK} ({e})\n".encode())
    charset = "; charset=utf-8" if mtype.startswith("text/") or "json" in mtype else ""
    return Answer(200, mtype + charset, bytes(out.data))


BY_RDF_FORMAT = {f.rdf: f for f in RDF_FORMATS}


def graph_body(triples: Iterable[Triple], fmt: RdfFormat, base: Base, max_bytes: int) -> bytes:
    """A CONSTRUCT or DESCRIBE result written as the dumps are: sorted, with the prefixes of
    terms.PREFIXES (under `base`) where the format has them. The triples are read first, as the
    prefixes depend on all of them; a result whose N-Triples run past `max_bytes` characters is
    refused (ResultTooLarge) as soon as it does."""
    read: list[Triple] = []
    size = 0
    for t in triples:
        size += len(str(t)) + 3  # the N-Triples line: ' .' and a line feed
        if size > max_bytes:
            raise ResultTooLarge()
        read.append(t)
    prefixes = {name: base.text(iri) for name, iri in PREFIXES_WRITTEN.items()}
    return written(canonical(read), BY_RDF_FORMAT[fmt], prefixes)


ONTOLOGY = PREFIXES["cr"].rstrip("#")[len(DEFAULT_BASE) :]  # def/cultuurregio, under the base


def base_of(store: pyoxigraph.Store) -> Base:
    """The base the dump was built with: its ontology is {base}def/cultuurregio. The default
    base when the dump holds no such ontology, or one under a base kgbuild would not build."""
    for q in store.quads_for_pattern(None, A, OWL.Ontology):
        if isinstance(q.subject, NamedNode) and q.subject.value.endswith("/" + ONTOLOGY):
            iri = q.subject.value
            with suppress(UsageError):
                return Base(iri[: -len(ONTOLOGY)])
    return DEFAULT


def not_acceptable(accept: str, table: Mapping[str, object], default: str) -> bytes:
    """The 406 text: what was asked, and every media type this kind of result comes in."""
    kind = "graph (CONSTRUCT, DESCRIBE)" if table is GRAPH_TYPES else "table (SELECT, ASK)"
    lines = [
        f"cannot answer this query as any of: {accept}",
        f"a {kind} result comes as one of these media types (Accept), {default} first:",
        *(f"  {m}" for m in [default, *(m for m in table if m != default)]),
    ]
    return ("\n".join(lines) + "\n").encode()


class ResultTooLarge(Exception):
    pass


class Capped:
    """A write-only file that refuses to grow past a size."""

    def __init__(self, limit: int):
        self.limit, self.data = limit, bytearray()

    def write(self, b: bytes) -> int:
        self.data += b
        if len(self.data) > self.limit:
            raise ResultTooLarge()
        return len(b)

    def flush(self) -> None:
        pass


def out_of_memory(max_memory: int) -> Answer:
    return Answer(
        503,
        TEXT,
        (
            f"query stopped: it needed more memory than the limit of "
            f"{max_memory / 2**20:g} MiB; narrow the query\n"
        ).encode(),
    )


def _serve_queries(
    conn: Connection[tuple[Answer, bool], tuple[str, str]],
    store: pyoxigraph.Store,
    max_bytes: int,
    max_memory: int,
    base: Base,
) -> None:
    """A query worker's life, in the forked process: take away the network (for good), then
    answer query after query from `conn` until the pipe closes. Each query may map `max_memory`
    bytes on top of what the worker mapped at its start (what it shares with the server). A
    worker ends after its answer (and a fresh one takes its place) when the query ran out of
    memory, or when what it maps has grown by more than RETIRE_GROWTH, so that what one query
    leaves mapped never takes from the next one's allowance."""
    try:
        no_network()
    except SandboxUnavailable as e:
        refused = Answer(500, TEXT, f"query not run: {e}\n".encode())
        while True:  # never runs a query: says why, to every one
            try:
                conn.recv()
            except (EOFError, OSError):
                return
            conn.send((refused, True))
    start = vm_size()
    while True:
        try:
            text, accept = conn.recv()
        except (EOFError, OSError):  # the server closed the pipe, or ended
            return
        try:
            memory_limit(max_memory - (vm_size() - start))  # start + max_memory in all
            a = answer(store, text, accept, max_bytes, base)
            keep = vm_size() - start <= min(RETIRE_GROWTH, max_memory // 4)
            conn.send((a, keep))
            if not keep:
                return
        except MemoryError:
            conn.send((out_of_memory(max_memory), False))  # and this worker ends
            return
        except Exception as e:  # noqa: BLE001 - any failure becomes an answer, never a hang
            conn.send((Answer(500, TEXT, f"query failed: {e}\n".encode()), True))


def _worker_main(
    conn: Connection[tuple[Answer, bool], tuple[str, str]],
    store: pyoxigraph.Store,
    max_bytes: int,
    max_memory: int,
    base: Base,
) -> None:
    """A query process's life: close every file descriptor it inherited but its pipe and the
    standard streams (the server's listening socket, its clients' connections, the pipes of the
    other workers), so that a connection the server closes is closed, and a worker sees its pipe
    end when the server ends; then answer queries. SIGTERM ends it; Ctrl-C is for the server,
    which ends it. How the process ends is multiprocessing's (its fork start method)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    keep = conn.fileno()
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd != keep:
            with suppress(OSError):  # the listing's own descriptor, closed by now
                os.close(fd)
    _serve_queries(conn, store, max_bytes, max_memory, base)


class Worker:
    """One pre-started query process and the server's end of its pipe."""

    def __init__(
        self,
        proc: multiprocessing.process.BaseProcess,
        conn: Connection[tuple[str, str], tuple[Answer, bool]],
    ):
        self.proc, self.conn, self.answered = proc, conn, 0

    @property
    def pid(self) -> int | None:
        return self.proc.pid

    def ended(self) -> bool:
        return self.proc.exitcode is not None

    def stop(self) -> None:
        """Kill it (if it still runs) and collect its exit status."""
        self.conn.close()
        if self.proc.exitcode is None:
            self.proc.kill()
        self.proc.join()

    def died_of_memory(self) -> bool:
        """Did it end by one of the signals of a process out of memory?"""
        code = self.proc.exitcode
        return code is not None and code < 0 and -code in OUT_OF_MEMORY_SIGNALS


class Workers:
    """`size` pre-started query processes, forked from the server once its store is loaded
    (so they share it copy-on-write), each sandboxed before it reads a query. A query takes an
    idle worker, waiting first in line up to `wait` seconds when all are busy; a worker killed
    for time, lost or out of memory, or past `max_answers`, is replaced by a new fork."""

    def __init__(
        self,
        store: pyoxigraph.Store,
        size: int,
        max_bytes: int,
        max_memory: int,
        base: Base,
        max_answers: int = MAX_ANSWERS,
    ):
        self.store, self.size, self.max_answers = store, size, max_answers
        self.max_bytes, self.max_memory, self.base = max_bytes, max_memory, base
        self.lock = threading.Lock()
        self.idle: list[Worker] = []
        self.waiting: deque[Waiter] = deque()  # first come, first served
        self.closed = False
        for _ in range(size):
            self.idle.append(self.fork())

    def fork(self) -> Worker:
        ours: Connection[tuple[str, str], tuple[Answer, bool]]
        theirs: Connection[tuple[Answer, bool], tuple[str, str]]
        ours, theirs = multiprocessing.Pipe(duplex=True)
        proc = FORK.Process(
            target=_worker_main,
            args=(theirs, self.store, self.max_bytes, self.max_memory, self.base),
            daemon=True,
        )
        proc.start()
        theirs.close()
        return Worker(proc, ours)

    def take(self, wait: float) -> Worker | None:
        """An idle worker (first in line after those already waiting), or None after `wait`
        seconds."""
        with self.lock:
            if self.idle and not self.waiting:
                return self.idle.pop()
            waiter = Waiter()
            self.waiting.append(waiter)
        waiter.ready.wait(wait)
        with self.lock:
            if waiter.worker is None:
                self.waiting.remove(waiter)
            return waiter.worker

    def give_back(self, worker: Worker, sound: bool) -> None:
        """A worker that answered (`sound`) goes to the first in line or back to the idle ones;
        one that did not, or that answered its share, is stopped and a new one takes its place."""
        worker.answered += 1
        if not sound or worker.answered >= self.max_answers or worker.ended():
            worker.stop()
            if self.closed:
                return
            worker = self.fork()
        with self.lock:
            if self.closed:
                worker.stop()
                return
            if self.waiting:
                waiter = self.waiting.popleft()
                waiter.worker = worker
                waiter.ready.set()
            else:
                self.idle.append(worker)

    def run(self, text: str, accept: str, time_limit: float, wait: float) -> Answer:
        """The answer to one query from a worker; 503 with Retry-After when none comes free in
        `wait` seconds."""
        worker = self.take(wait)
        if worker is None:
            return Answer(
                503,
                TEXT,
                f"{self.size} queries are running; try again in a second\n".encode(),
                (("Retry-After", "1"),),
            )
        sound = False
        try:
            if worker.ended():  # ended while idle: another takes its place and the query
                worker.stop()
                worker = self.fork()
            worker.conn.send((text, accept))
            if not worker.conn.poll(time_limit):
                return Answer(
                    503, TEXT, f"query stopped at the time limit of {time_limit:g} s\n".encode()
                )
            a, sound = worker.conn.recv()  # not sound: it ends after this answer
            return a
        except (EOFError, OSError):  # the worker died without an answer
            worker.stop()
            if worker.died_of_memory():
                return out_of_memory(self.max_memory)
            return Answer(500, TEXT, b"query process ended without answer\n")
        finally:
            self.give_back(worker, sound)

    def close(self) -> None:
        """Stop every worker; a query still running gets no answer from its worker."""
        with self.lock:
            self.closed = True
            idle, self.idle = self.idle, []
        for worker in idle:
            worker.stop()


class Waiter:
    """A query waiting in line for a worker."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.worker: Worker | None = None


class Endpoint:
    """The dump in memory, answering protocol requests from a pool of pre-started sandboxed
    query processes (Workers).

    max_memory: bytes of memory a query may take on top of what the server holds.
    workers: query processes, so queries that run at once; wait: seconds a query waits for one
    of them to come free before it is answered 503."""

    def __init__(
        self,
        dump: Path,
        time_limit: float = 10.0,
        max_bytes: int = 50_000_000,
        max_memory: int = 2 * 2**30,
        workers: int = MAX_QUERIES,
        wait: float = QUEUE_WAIT,
    ):
        self.store = pyoxigraph.Store()
        self.store.bulk_load(path=str(dump), format=RdfFormat.N_TRIPLES)
        self.time_limit, self.max_bytes, self.max_memory = time_limit, max_bytes, max_memory
        self.wait = wait
        self.descriptions = descriptions(dump)
        self.base = base_of(self.store)
        self.workers = Workers(self.store, workers, max_bytes, max_memory, self.base)
        weakref.finalize(self, self.workers.close)

    def close(self) -> None:
        """Stop the query processes; the endpoint answers no query after this."""
        self.workers.close()

    def handle(self, req: Request) -> Response:
        if req.method == "OPTIONS":
            return Response(
                204,
                [
                    *CORS,
                    ("Access-Control-Allow-Methods", "GET, POST"),
                    ("Access-Control-Allow-Headers", "Content-Type, Accept"),
                ],
                b"",
            )
        if req.method not in ("GET", "HEAD", "POST"):
            return text_response(405, "use GET or POST", [("Allow", "GET, HEAD, POST")])
        if req.method in ("GET", "HEAD") and not req.query_string and self.descriptions:
            described = self.describe(req)
            if described is not None:
                return described
        text = query_of(req)
        if isinstance(text, Response):
            return text
        if len(text) > MAX_QUERY_CHARS:
            return text_response(413, f"query longer than {MAX_QUERY_CHARS} characters")
        a = self.run(text, req.headers.get("accept", ""))
        headers = [("Content-Type", a.content_type), ("Vary", "Accept"), *CORS, *a.headers]
        return Response(a.status, headers, b"" if req.method == "HEAD" else a.body)

    def describe(self, req: Request) -> Response | None:
        """The service description or the query page, by Accept (Turtle on a tie); None when
        the client takes neither."""
        offers = {m: f for m, f in ENDPOINT_DESCRIPTIONS.items() if f in self.descriptions}
        mtype = (
            choose(req.headers.get("accept", ""), offers, next(iter(offers))) if offers else None
        )
        if mtype is None:
            return None
        return Response(
            200,
            [("Content-Type", mtype + "; charset=utf-8"), ("Vary", "Accept"), *CORS],
            self.descriptions[offers[mtype]],
        )

    def run(self, text: str, accept: str) -> Answer:
        """The answer to one query, from one of the query processes."""
        return self.workers.run(text, accept, self.time_limit, self.wait)


def descriptions(dump: Path) -> dict[str, bytes]:
    """The service description and query page the build wrote into the dist/ of the dump
    (dist/download/{version}/cultuurregios.nt), by file name; none outside such a tree."""
    dist = dump.resolve().parent.parent.parent
    if dump.resolve().parent.parent.name != "download":
        return {}
    return {
        name: (dist / name).read_bytes()
        for name in ENDPOINT_DESCRIPTIONS.values()
        if (dist / name).is_file()
    }


def make_server(
    endpoint: Endpoint, host: str, port: int, path: str = "/sparql", limits: Limits = LIMITS
) -> Server:
    """The server of `kgbuild serve` with only the endpoint, at `path` (404 elsewhere)."""
    app = App()
    app.mount(path, endpoint.handle)
    return Server(app, host, port, limits)


def serve_handler(endpoint: Endpoint) -> Handler:
    """The endpoint as a handler for `kgbuild serve` (serve.App.mount('/sparql', ...))."""
    return endpoint.handle
