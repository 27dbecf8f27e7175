"""A read-only SPARQL 1.1 Protocol endpoint over the built dump, as one request -> response
function that any HTTP server can mount at /sparql.

GET ?query=..., POST application/x-www-form-urlencoded (query=...) and POST
application/sparql-query. SELECT/ASK answer in SPARQL JSON, XML, CSV or TSV, CONSTRUCT/DESCRIBE
in Turtle, N-Triples, RDF/XML or JSON-LD, by Accept (with q); a graph is written as the dumps
write it, sorted and with the register's prefixes under the base the dump was built with
(found from its ontology's IRI). Updates are refused (403). A
query text longer than MAX_QUERY_CHARS is refused at once (413). Each query runs in a forked
child that has no network (sandbox.no_network: SERVICE fails, 400) and a memory limit (503 when
reached), and that is killed at the time limit (503); every look at the query text happens in
the child, within that limit. A result larger than the size cap is refused (413) rather than cut
short. At most MAX_QUERIES queries run at once in a process; one more is answered 503 with
`Retry-After: 1` at once.

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
from ..runtime.sandbox import SandboxUnavailable, memory_limit, no_network
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
MAX_QUERIES = 2 * (os.cpu_count() or 1)  # query children at once in this process


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


def _child(
    conn: Connection[Answer, Answer],
    store: pyoxigraph.Store,
    text: str,
    accept: str,
    max_bytes: int,
    max_memory: int,
    base: Base = DEFAULT,
) -> None:
    """Answer one query in the forked child: first take away the network and cap the memory,
    then look at the text."""
    try:
        no_network()
        memory_limit(max_memory)
        conn.send(answer(store, text, accept, max_bytes, base))
    except MemoryError:
        conn.send(out_of_memory(max_memory))
    except SandboxUnavailable as e:
        conn.send(Answer(500, TEXT, f"query not run: {e}\n".encode()))
    except Exception as e:  # noqa: BLE001 - any failure becomes an answer, never a hang
        conn.send(Answer(500, TEXT, f"query failed: {e}\n".encode()))
    finally:
        conn.close()


class Endpoint:
    """The dump in memory, answering protocol requests one at a time in forked children.

    max_memory: bytes of memory a query may take on top of what the server holds."""

    def __init__(
        self,
        dump: Path,
        time_limit: float = 10.0,
        max_bytes: int = 50_000_000,
        max_memory: int = 2 * 2**30,
    ):
        self.store = pyoxigraph.Store()
        self.store.bulk_load(path=str(dump), format=RdfFormat.N_TRIPLES)
        self.time_limit, self.max_bytes, self.max_memory = time_limit, max_bytes, max_memory
        self.ctx = multiprocessing.get_context("fork")
        self.descriptions = descriptions(dump)
        self.base = base_of(self.store)

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

    slots = threading.BoundedSemaphore(MAX_QUERIES)  # shared by the endpoints of a process

    def run(self, text: str, accept: str) -> Answer:
        """The answer to one query, from a child process."""
        if not self.slots.acquire(blocking=False):
            return Answer(
                503,
                "text/plain; charset=utf-8",
                f"{MAX_QUERIES} queries are running; try again in a second\n".encode(),
                (("Retry-After", "1"),),
            )
        try:
            return self._run_child(text, accept)
        finally:
            self.slots.release()

    def _run_child(self, text: str, accept: str) -> Answer:
        parent: Connection[Answer, Answer]  # reads the answer
        child: Connection[Answer, Answer]  # the child's end, which sends it
        parent, child = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(
            target=_child,
            daemon=True,
            args=(child, self.store, text, accept, self.max_bytes, self.max_memory, self.base),
        )
        proc.start()
        child.close()
        try:
            if parent.poll(self.time_limit):
                return parent.recv()
            return Answer(
                503, TEXT, f"query stopped at the time limit of {self.time_limit:g} s\n".encode()
            )
        except EOFError:  # the child died without an answer
            proc.join(5)
            if proc.exitcode is not None and -proc.exitcode in OUT_OF_MEMORY_SIGNALS:
                return out_of_memory(self.max_memory)
            return Answer(500, TEXT, b"query process ended without answer\n")
        finally:
            parent.close()
            if proc.is_alive():
                proc.kill()
            proc.join()


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
