r"""Load the built dump into a triple store over the SPARQL 1.1 Graph Store Protocol, then prove
the store holds exactly the dump's triples.

The dump replaces the target graph as a whole and atomically: readers see the old graph or the
new one. As a rule by a Graph Store PUT, which Oxigraph runs as one transaction. A large dump
(Target.bulk_from) into an empty graph of an Oxigraph server 0.5 or later, which one ASK tells,
goes as a POST with `no_transaction` through Oxigraph's bulk loader instead, some ten times
faster: that loader adds everything in one step at the end, or nothing (decision 0032). Into a
graph that holds data it would add to the old triples, so that stays a PUT.

Credentials come from the environment (KGBUILD_STORE_USER, KGBUILD_STORE_PASSWORD); the store's
challenge picks basic or digest authentication. Transient failures (connection errors,
timeouts, 408, 425, 429, 5xx) are retried with a bounded, growing pause; then the load stops
with a LoadError (exit 3). A store that refuses an upload before reading it and closes the
connection is asked again without a body (HEAD), so that its refusal (401, 403, 407) is
reported instead of a broken pipe. A reply that is not HTTP (a bad status line, a body shorter
than its Content-Length, broken chunks, a header line too long) and a TLS failure (a
certificate refused) are final: they are reported at once, not retried. The whole load (every
attempt, upload, pause and the check) has one deadline: each send and receive on the socket
waits at most the per-read timeout or the time left, whichever is shorter, so a store that
answers a byte at a time cannot hold the load past it.
Only Turtle or N-Triples is sent: some stores accept JSON-LD and then store nothing.

With credentials, the store's challenge is asked for first without a body (HEAD) and answered
in the upload's own header, so the dump is sent once (Virtuoso resets the connection of a large
upload it has not authenticated).

The check (`verify`) compares triples, not counts. As `load` runs it, the store's triples are
first asked for as the rows of a SELECT in SPARQL's tab-separated results (decision 0035), each
row written as an N-Triples line and compared as written with the dump's lines (keyed in a
thread while the upload runs): a line on both sides is the same triple, only the lines that
differ are parsed and compared as triples, and the store must count as many. A large dump's
answer (Target.bulk_from) comes in READS SELECTs at once, each of a part of the dump's predicates
holding about as many lines: the store writes them on as many threads (decision 0033), and
counts the graph beside them. A triple whose predicate is not the dump's is in no part; the
count then differs. Where that does not show the graph equal, the triple by triple check
below decides and reports: one SPARQL CONSTRUCT of the target graph, answered as N-Triples
and parsed while it streams in, against the dump parsed with pyoxigraph, as sets; if it held
fewer different triples than the store counts, the graph is read again in pages below the
store's row limit (see store_triples). Each triple is kept as
a 16-byte digest of its N-Triples form, so a dump of a million triples costs some 100 MB and
seconds, not the memory of two graphs; a difference is reported with how many triples are
missing and extra and one example of each. Terms compare as RDF 1.1 terms, as pyoxigraph parses
them on both sides: "x" and "x"^^xsd:string are one literal, and language tags are compared in
lower case (they are case-insensitive). Nothing else is normalised: another lexical form of the
same value ("1" for "true"^^xsd:boolean, "01" for "1"^^xsd:integer), another datatype, a
dropped language tag or a changed IRI is "not exactly the dump". The bundled dump comes back
from both stores unchanged: Oxigraph 0.5 would store "1"^^xsd:boolean, "01"^^xsd:integer and
"1.50"^^xsd:decimal in canonical form (true, 1, 1.5), so a dump with such forms would fail the
check there, by design; Virtuoso 7.2.5 answers every literal as it was sent (its JSON results
write booleans as 1/0, one reason the check does not use them). Virtuoso keeps the backslash of
a Turtle local-name escape (`bron:x\#y`) in the IRI it stores, which is why our Turtle writes
no such escapes. The store's answer is parsed leniently, so an invalid IRI is reported as an
extra triple rather than a parse error. Virtuoso cuts results at ResultSetMaxRows (10,000 as
installed) without saying so: hence the pages. Triples with a blank node (the dump has none)
cannot be matched across stores: those are compared by count per predicate only."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import http.client
import io
import itertools
import json
import os
import re
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

import pyoxigraph

from .model.errors import KgError
from .model.terms import XSD

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer

T = TypeVar("T")
Sleep = Callable[[float], None]
MEDIA = {"ttl": "text/turtle", "nt": "application/n-triples"}
NT = pyoxigraph.RdfFormat.N_TRIPLES
TRANSIENT = {408, 425, 429, 500, 502, 503, 504}
USER_VAR, PASSWORD_VAR = "KGBUILD_STORE_USER", "KGBUILD_STORE_PASSWORD"


class LoadError(KgError):
    """The store could not be reached, refused the dump, or does not hold it afterwards."""

    exit_code = 3


@dataclass(frozen=True)
class Target:
    store: str  # Graph Store Protocol endpoint, e.g. http://host/store
    query: str  # SPARQL query endpoint of the same store, e.g. http://host/query
    graph: str | None  # None: the default graph
    attempts: int = 5
    pause: float = 0.5  # first pause between attempts; doubles each time
    timeout: float = 120  # longest wait for one send or receive on the socket
    deadline: float = 600  # seconds for the whole load: all attempts, pauses and the check
    bulk_from: int = 8 << 20  # dumps this large: a bulk path if any, the check in READS parts

    def large(self, size: int) -> bool:
        """A dump of `size` bytes takes the bulk path, if any, and its check comes in parts."""
        return size >= self.bulk_from

    def gsp_url(self) -> str:
        sep = "&" if "?" in self.store else "?"
        if self.graph is None:
            return f"{self.store}{sep}default"
        return f"{self.store}{sep}graph={urllib.parse.quote(self.graph, safe='')}"


class Expired(Exception):
    """The deadline passed during a send or receive. Not an OSError, so that neither
    http.client nor urllib takes it for a network failure."""


@dataclass(frozen=True)
class Deadline:
    """When a load must end (time.monotonic()), the seconds it was given, and the longest wait
    for one send or receive."""

    end: float
    seconds: float
    per_read: float

    @classmethod
    def after(cls, seconds: float, per_read: float) -> Deadline:
        return cls(time.monotonic() + seconds, seconds, per_read)

    def left(self) -> float:
        return self.end - time.monotonic()

    def wait(self) -> tuple[float, bool]:
        """How long the next send or receive may wait, and whether that is the time left (its
        timeout is then the deadline's). Raises Expired when no time is left."""
        left = self.left()
        if left <= 0:
            raise Expired
        return (left, True) if left <= self.per_read else (self.per_read, False)

    def capped(self, per_read: float) -> Deadline:
        return dataclasses.replace(self, per_read=min(per_read, self.per_read))


class TimedSocket:
    """A connected socket (plain or TLS) each of whose sends and receives waits at most what
    the deadline allows; a wait cut short by the deadline raises Expired."""

    SEND_CHUNK = 1 << 16  # an upload is sent in pieces, each one timed

    def __init__(self, sock: socket.socket, deadline: Deadline):
        self._sock, self._deadline = sock, deadline
        self._readers, self._closed = 0, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def _timed(self, op: Callable[..., T], *args: Any) -> T:
        timeout, is_deadline = self._deadline.wait()
        self._sock.settimeout(timeout)
        try:
            return op(*args)
        except TimeoutError:
            if is_deadline:
                raise Expired from None
            raise

    def recv_into(self, *args: Any) -> int:
        return self._timed(self._sock.recv_into, *args)

    def recv(self, *args: Any) -> bytes:
        return self._timed(self._sock.recv, *args)

    def send(self, *args: Any) -> int:
        return self._timed(self._sock.send, *args)

    def sendall(self, data: ReadableBuffer) -> None:
        view = memoryview(data).cast("B")
        for i in range(0, len(view), self.SEND_CHUNK):
            self._timed(self._sock.sendall, view[i : i + self.SEND_CHUNK])

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        """The reply's reader (http.client reads it through this): every read is timed. The
        socket stays open until the reader is closed, as with socket.makefile."""
        self._readers += 1
        return io.BufferedReader(_Reader(self))

    def reader_closed(self) -> None:
        self._readers -= 1
        if self._closed and not self._readers:
            self._sock.close()

    def close(self) -> None:
        self._closed = True
        if not self._readers:
            self._sock.close()


class _Reader(io.RawIOBase):
    def __init__(self, sock: TimedSocket):
        super().__init__()
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        return self._sock.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            super().close()
            self._sock.reader_closed()


class _Timed(http.client.HTTPConnection):
    """A connection whose socket is a TimedSocket: connecting (and the TLS handshake) waits
    at most what the deadline allows too."""

    def __init__(self, *args: Any, deadline: Deadline, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def connect(self) -> None:
        self.timeout, is_deadline = self.deadline.wait()
        try:
            super().connect()
        except TimeoutError:
            if is_deadline:
                raise Expired from None
            raise
        self.sock = TimedSocket(self.sock, self.deadline)


class TimedHTTPConnection(_Timed):
    pass


class TimedHTTPSConnection(_Timed, http.client.HTTPSConnection):
    pass


class TimedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline):
        super().__init__()
        self.deadline = deadline

    def do_open(
        self, http_class: object, req: urllib.request.Request, **kwargs: Any
    ) -> http.client.HTTPResponse:
        return super().do_open(
            lambda *a, **kw: TimedHTTPConnection(*a, deadline=self.deadline, **kw), req, **kwargs
        )


class TimedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline):
        super().__init__()
        self.deadline = deadline

    def do_open(
        self, http_class: object, req: urllib.request.Request, **kwargs: Any
    ) -> http.client.HTTPResponse:
        return super().do_open(
            lambda *a, **kw: TimedHTTPSConnection(*a, deadline=self.deadline, **kw), req, **kwargs
        )


def guess_query_endpoint(store: str) -> str:
    """The query endpoint beside a Graph Store endpoint, for the stores we know."""
    for suffix, query in (
        ("/store", "/query"),
        ("/sparql-graph-crud-auth", "/sparql"),
        ("/sparql-graph-crud", "/sparql"),
        ("/data", "/sparql"),
    ):
        if store.rstrip("/").endswith(suffix):
            return store.rstrip("/")[: -len(suffix)] + query
    raise LoadError(f"{store}: cannot tell its SPARQL query endpoint; give --query-endpoint")


def check_endpoint(url: str) -> None:
    """An endpoint must be an http(s) URL with a host and, if any, a numeric port: urllib would
    otherwise read a file: or data: URL, or fail with a traceback."""
    try:
        parts = urllib.parse.urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        ok = False
    if not ok or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise LoadError(f"{url!r}: not an http(s) URL of a store")


def opener(url: str, deadline: Deadline) -> urllib.request.OpenerDirector:
    """An opener whose connections keep to the deadline and that answers basic or digest
    challenges with the environment's credentials."""
    handlers: list[urllib.request.BaseHandler] = [
        TimedHTTPHandler(deadline),
        TimedHTTPSHandler(deadline),
    ]
    user, password = os.environ.get(USER_VAR), os.environ.get(PASSWORD_VAR)
    if user:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, user, password or "")
        handlers += [
            urllib.request.HTTPDigestAuthHandler(passwords),
            urllib.request.HTTPBasicAuthHandler(passwords),
        ]
    return urllib.request.build_opener(*handlers)


def malformed(e: http.client.HTTPException) -> str:
    """What is wrong with a reply that http.client could not read, in a few words."""
    if isinstance(e, http.client.IncompleteRead):
        if e.expected is None:  # chunked: a chunk size that is no number, or a cut
            return "the reply's chunked body is broken or cut short"
        return f"the reply ended {e.expected} byte(s) short of its Content-Length"
    if isinstance(e, http.client.LineTooLong):
        return f"the reply has a line too long ({e})"
    if isinstance(e, http.client.BadStatusLine):
        return f"the reply is not HTTP: status line {str(e)[:80]!r}"
    return f"the reply is not valid HTTP: {' '.join(str(e).split())[:80] or type(e).__name__}"


def tls_failure(e: ssl.SSLError) -> str:
    if isinstance(e, ssl.SSLCertVerificationError):
        return f"the store's TLS certificate was refused: {e.verify_message or e.reason}"
    return f"TLS failed, the store's certificate or connection was refused: {e.reason or e}"


def error_body(e: urllib.error.HTTPError) -> str:
    """The start of an error reply's body, as one line; empty if it cannot be read."""
    try:
        body = e.read(200)
    except (OSError, http.client.HTTPException, Expired):
        return ""
    return " ".join(body.decode("utf-8", "replace").split())


def late(what: str, url: str, deadline: Deadline, last: str) -> LoadError:
    after = f" (last failure: {last})" if last else ""
    return LoadError(f"{what}: {url}: the deadline of {deadline.seconds:g} s passed{after}")


Prepare = Callable[[urllib.request.Request, Deadline], None]


@overload
def request(
    target: Target,
    req: urllib.request.Request,
    what: str,
    sleep: Sleep = time.sleep,
    read: None = None,
    deadline: Deadline | None = None,
    before: Prepare | None = None,
) -> bytes: ...
@overload
def request(
    target: Target,
    req: urllib.request.Request,
    what: str,
    sleep: Sleep,
    read: Callable[[http.client.HTTPResponse], T],
    deadline: Deadline | None = None,
    before: Prepare | None = None,
) -> T: ...


def request(
    target: Target,
    req: urllib.request.Request,
    what: str,
    sleep: Sleep = time.sleep,
    read: Callable[[http.client.HTTPResponse], T] | None = None,
    deadline: Deadline | None = None,
    before: Prepare | None = None,
) -> T | bytes:
    """Send with bounded retries on transient failures; a LoadError names the last failure.
    `read` turns the response into the result (its body, unless told otherwise), while the
    connection is open: a failure while reading is retried too. `before(req, deadline)`, if
    given, prepares each attempt (a fresh authorization: a digest nonce is answered once).
    Everything, pauses included, ends by the deadline (by default: the target's, from now)."""
    deadline = deadline or Deadline.after(target.deadline, target.timeout)
    url = req.full_url
    pause, last = target.pause, ""
    for attempt in range(1, target.attempts + 1):
        try:
            if before is not None:
                before(req, deadline)
            with opener(url, deadline).open(req, timeout=deadline.wait()[0]) as resp:
                result = resp.read() if read is None else read(resp)
                if isinstance(resp, http.client.HTTPResponse) and resp.length:
                    # read(n) and readinto() end quietly where a Content-Length lies
                    raise http.client.IncompleteRead(b"", resp.length)
                return result
        except Expired:
            raise late(what, url, deadline, last) from None
        except urllib.error.HTTPError as e:
            with e:  # its connection closes here, not when the error is collected
                last = f"HTTP {e.code} {e.reason}: {error_body(e)}".rstrip(": ")
            if e.code not in TRANSIENT:
                raise LoadError(f"{what}: {url}: {last}") from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            if isinstance(reason, Expired):
                raise late(what, url, deadline, last) from None
            if isinstance(reason, ssl.SSLError):
                raise LoadError(f"{what}: {url}: {tls_failure(reason)}") from None
            if isinstance(reason, http.client.InvalidURL):
                raise LoadError(f"{what}: {url}: not a valid URL: {reason}") from None
            last = str(reason)
            if req.data and isinstance(reason, (BrokenPipeError, ConnectionResetError)):
                refused_upload(req, what, deadline)
        except http.client.InvalidURL as e:
            raise LoadError(f"{what}: {url}: not a valid URL: {e}") from None
        except http.client.HTTPException as e:
            raise LoadError(f"{what}: {url}: {malformed(e)}") from None
        if attempt < target.attempts:
            sleep(min(pause, max(deadline.left(), 0)))
            if deadline.left() <= 0:
                raise late(what, url, deadline, last)
            pause *= 2
    raise LoadError(f"{what}: {url}: gave up after {target.attempts} attempts: {last}")


REFUSED = {401, 403, 407}  # answers a store may give before reading an upload, then close


def refused_upload(req: urllib.request.Request, what: str, deadline: Deadline) -> None:
    """A store that refuses an upload may answer before reading it and close the connection:
    the sender then sees only a broken pipe. Ask without a body what it answered; raise a
    LoadError with that status if it refuses us."""
    probe = urllib.request.Request(req.full_url, method="HEAD")
    try:
        with opener(req.full_url, deadline.capped(30)).open(probe):
            return
    except urllib.error.HTTPError as e:
        e.close()  # its connection closes here, not when the error is collected
        if e.code in REFUSED:
            raise LoadError(
                f"{what}: {req.full_url}: HTTP {e.code} {e.reason} "
                "(answered before the upload was read)"
            ) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException, Expired):
        return


def challenges(resp: urllib.error.HTTPError) -> dict[str, str]:
    """A 401's WWW-Authenticate challenges by scheme (lower case): scheme -> parameters."""
    found: dict[str, str] = {}
    for value in resp.headers.get_all("WWW-Authenticate") or ():
        scheme, _, params = value.strip().partition(" ")
        found.setdefault(scheme.lower(), params)
    return found


def authorization(
    req: urllib.request.Request, found: dict[str, str], user: str, password: str
) -> str | None:
    """The Authorization header that answers a challenge for this request: digest (RFC 7616,
    MD5, qop=auth, as urllib computes it) if offered, else basic; None for other schemes."""
    if "digest" in found:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, req.full_url, user, password)
        params = urllib.request.parse_keqv_list(
            [p for p in urllib.request.parse_http_list(found["digest"]) if "=" in p]
        )
        answer = urllib.request.HTTPDigestAuthHandler(passwords).get_authorization(req, params)
        return f"Digest {answer}" if answer else None
    if "basic" in found:
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    return None


def authorize(req: urllib.request.Request, deadline: Deadline) -> None:
    """Before an upload, when credentials are given: ask the store without a body (HEAD) for
    its challenge and answer it in the upload's own Authorization header, so that the body is
    sent once, authenticated. A store that would otherwise read a challenge-less upload only to
    refuse it, or (Virtuoso with a large body) reset the connection, then never sees one. A
    store that does not challenge is sent the upload as it is; a failed probe too (the upload's
    own attempt then fails or not, and is retried as usual)."""
    user = os.environ.get(USER_VAR)
    if not user:
        return
    req.remove_header("Authorization")
    probe = urllib.request.Request(req.full_url, method="HEAD")
    handlers = [TimedHTTPHandler(deadline.capped(30)), TimedHTTPSHandler(deadline.capped(30))]
    try:
        with urllib.request.build_opener(*handlers).open(probe):
            return
    except urllib.error.HTTPError as e:
        with e:
            found = challenges(e) if e.code == 401 else {}
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return
    header = authorization(req, found, user, os.environ.get(PASSWORD_VAR) or "")
    if header:
        req.add_unredirected_header("Authorization", header)


def upload(
    target: Target,
    data: bytes,
    fmt: str,
    sleep: Sleep = time.sleep,
    deadline: Deadline | None = None,
    bulk: bool = False,
) -> None:
    """The dump to the target graph: a Graph Store PUT that replaces it, or with `bulk` a POST
    with `no_transaction` that adds it through Oxigraph's bulk loader (into an empty graph)."""
    url, method = (
        (target.gsp_url() + "&no_transaction", "POST") if bulk else (target.gsp_url(), "PUT")
    )
    req = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": MEDIA[fmt]}
    )
    request(target, req, "load", sleep, deadline=deadline, before=authorize)


# Oxigraph from 0.5 on loads a POST to its Graph Store endpoint with `no_transaction` through
# its bulk loader, which writes the data aside and adds it to the store in one step when the
# whole body is read and parsed: nothing of it before, all of it after (0.4 and earlier made
# each batch visible as it went).
BULK_SERVER = re.compile(r"Oxigraph/(\d+)\.(\d+)\b")
BULK_SINCE = (0, 5)


@dataclass(frozen=True)
class Probe:
    server: str  # the store's Server header ("" if none)
    empty: bool  # the target graph holds no triple

    def bulk(self) -> bool:
        """Whether a bulk load into the target graph replaces it atomically: a store whose
        bulk load is all-or-nothing, and a graph with nothing to replace."""
        return self.oxigraph() and self.empty

    def oxigraph(self) -> bool:
        """An Oxigraph server 0.5 or later: all-or-nothing bulk loads, one transaction per
        SPARQL Update request, its update endpoint beside /query at /update."""
        found = BULK_SERVER.match(self.server)
        return found is not None and (int(found[1]), int(found[2])) >= BULK_SINCE


def probe(target: Target, sleep: Sleep = time.sleep, deadline: Deadline | None = None) -> Probe:
    """Which store answers, and whether the target graph is empty: one ASK, asked once. A
    store that does not answer it is taken for one without a bulk path (the upload then says
    what is wrong with the store, and is retried as usual)."""
    req = sparql_request(
        target, "ASK { " + graph_pattern(target) + " }", "application/sparql-results+json"
    )

    def read(resp: http.client.HTTPResponse) -> Probe:
        body = resp.read()
        try:
            answer = json.loads(body)["boolean"]
        except (ValueError, KeyError, TypeError):
            answer = True  # not understood: treat the graph as not empty (no bulk path)
        return Probe(resp.headers.get("Server") or "", answer is False)

    try:
        return request(dataclasses.replace(target, attempts=1), req, "load", sleep, read, deadline)
    except LoadError:
        return Probe("", False)


# At most this many triples deleted and inserted in one SPARQL Update; a graph that differs from
# the dump in more is replaced by a PUT.
DIFF_MAX = 100_000
LinesOfDump = Callable[[], "list[Part] | None"]


def update_endpoint(target: Target) -> str | None:
    """Oxigraph's SPARQL Update endpoint beside its query endpoint."""
    if target.query.rstrip("/").endswith("/query"):
        return target.query.rstrip("/")[: -len("query")] + "update"
    return None


def patch(
    target: Target,
    url: str,
    path: Path,
    seen: Lines,
    sleep: Sleep = time.sleep,
    deadline: Deadline | None = None,
) -> None:
    """One SPARQL Update that deletes the triples the store holds beyond the dump and inserts
    the dump's triples it lacks: one transaction on Oxigraph. Both are parsed and written
    anew, so that nothing but triples goes into the update."""
    with path.open("rb") as f:
        lacking = [line for line in split_lines(f.read) if line_digest(line) in seen.missing]
    try:
        delete, insert = parse_lines(seen.other, ROW_LINES), parse_lines(lacking)
    except SyntaxError as e:
        raise LoadError(f"load: {target.query}: {' '.join(str(e).split())}") from None
    into = (f"GRAPH <{target.graph}> {{\n", "\n}") if target.graph else ("", "")
    body = "".join(
        [
            "DELETE DATA {\n" + into[0],
            "".join(f"{t} .\n" for t in delete),
            into[1] + "\n};\nINSERT DATA {\n" + into[0],
            "".join(f"{t} .\n" for t in insert),
            into[1] + "\n}\n",
        ]
    ).encode()
    req = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/sparql-update"}
    )
    request(target, req, "load", sleep, deadline=deadline, before=authorize)


def replace(
    target: Target,
    path: Path,
    fmt: str,
    sleep: Sleep = time.sleep,
    deadline: Deadline | None = None,
    lines: LinesOfDump | None = None,
) -> str:
    """Replace the target graph by the dump, atomically; how: "bulk", "update" or "put".

    On an Oxigraph server (0.5 or later), a dump of Target.bulk_from bytes or more goes into an
    empty graph through the bulk loader, which adds all of it at the end or nothing; into a
    graph that holds data, as one SPARQL Update of the triples that differ (read from the
    store, compared line by line with `lines`), when they are at most DIFF_MAX. Everything
    else is one Graph Store PUT, which Oxigraph runs as one transaction."""
    data = path.read_bytes()
    if target.large(len(data)):
        found = probe(target, sleep, deadline)
        if found.bulk():
            upload(target, data, fmt, sleep, deadline, bulk=True)
            return "bulk"
        url = update_endpoint(target)
        dump = lines() if lines is not None and found.oxigraph() else None
        if dump is not None and url is not None:  # the whole graph: what is beyond the dump too
            seen = row_lines(target, Part.whole(dump), sleep, deadline)
            if seen.usable and len(seen.missing) + len(seen.other) <= DIFF_MAX:
                patch(target, url, path, seen, sleep, deadline)
                return "update"
    upload(target, data, fmt, sleep, deadline)
    return "put"


def graph_pattern(target: Target, inner: str = "?s ?p ?o") -> str:
    return f"GRAPH <{target.graph}> {{ {inner} }}" if target.graph else inner


def format_of(path: Path) -> pyoxigraph.RdfFormat:
    return pyoxigraph.RdfFormat.TURTLE if path.suffix == ".ttl" else pyoxigraph.RdfFormat.N_TRIPLES


def differences(want: Counter[str], have: Counter[str]) -> list[str]:
    keys = sorted(set(want) | set(have))
    return [f"<{k}> dump {want[k]}, store {have[k]}" for k in keys if want[k] != have[k]]


Digests = tuple[set[bytes], Counter[str]]  # triples without blank nodes; with: per predicate


def digest(triple: pyoxigraph.Triple) -> bytes:
    return hashlib.blake2b(str(triple).encode(), digest_size=16).digest()


def has_blank(triple: pyoxigraph.Triple) -> bool:
    return isinstance(triple.subject, pyoxigraph.BlankNode) or isinstance(
        triple.object, pyoxigraph.BlankNode
    )


def dump_digests(path: Path) -> Digests:
    ground: set[bytes] = set()
    blank: Counter[str] = Counter()
    for t in pyoxigraph.parse(path=str(path), format=format_of(path)):
        if has_blank(t):
            blank[t.predicate.value] += 1
        else:
            ground.add(digest(t))
    return ground, blank


@dataclass
class Comparison:
    """The store's triples streamed against the dump's digests."""

    missing: set[bytes]  # dump digests not (yet) seen in the store
    blank: Counter[str]  # the store's triples with a blank node, per predicate
    extra: set[bytes] = dataclasses.field(default_factory=set)  # seen, not in the dump
    extra_example: pyoxigraph.Triple | None = None
    total: int = 0  # triples the store answered
    dump_size: int = 0  # the dump's triples without a blank node

    @classmethod
    def of(cls, dump: set[bytes]) -> Comparison:
        return cls(set(dump), Counter(), dump_size=len(dump))

    def add(self, t: pyoxigraph.Triple, dump: set[bytes]) -> None:
        self.total += 1
        if has_blank(t):
            self.blank[t.predicate.value] += 1
            return
        d = digest(t)
        if d in dump:
            self.missing.discard(d)  # a store may answer a triple twice: not extra
        else:
            self.extra.add(d)
            self.extra_example = self.extra_example or t

    def distinct(self) -> int:
        """Different triples answered (those with a blank node: all of them)."""
        return self.dump_size - len(self.missing) + len(self.extra) + sum(self.blank.values())


# Triples per answer when the whole graph does not come in one: below the row limit of the
# stores as installed (Virtuoso's stock ResultSetMaxRows is 10,000, and it cuts a longer answer
# without saying so).
PAGE = 8000


def sparql_request(target: Target, query: str, accept: str) -> urllib.request.Request:
    return urllib.request.Request(
        target.query,
        data=urllib.parse.urlencode({"query": query}).encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
    )


def construct_into(
    seen: Comparison,
    target: Target,
    query: str,
    dump: set[bytes],
    sleep: Sleep = time.sleep,
    deadline: Deadline | None = None,
) -> None:
    """One CONSTRUCT's triples, compared with the dump as they stream in."""
    req = sparql_request(target, query, "application/n-triples, text/plain;q=0.5")
    total, blank = seen.total, seen.blank.copy()

    def read(resp: http.client.HTTPResponse) -> None:
        media = (resp.headers.get("Content-Type") or "application/n-triples").split(";")[0]
        fmt = pyoxigraph.RdfFormat.from_media_type(media)
        if fmt not in (pyoxigraph.RdfFormat.N_TRIPLES, pyoxigraph.RdfFormat.TURTLE):
            raise LoadError(f"verify: {target.query}: answered {media}, not N-Triples")
        # an attempt cut short and retried counts once (the sets of triples do by themselves)
        seen.total, seen.blank = total, blank.copy()
        try:
            for t in pyoxigraph.parse(resp, format=fmt, lenient=True):
                seen.add(t, dump)
        except SyntaxError as e:
            raise LoadError(
                f"verify: {target.query}: the answer is not {fmt.name}: {' '.join(str(e).split())}"
            ) from None

    request(target, req, "verify", sleep, read, deadline)


def select_rows(
    target: Target, query: str, sleep: Sleep = time.sleep, deadline: Deadline | None = None
) -> list[dict[str, str]]:
    """A SELECT's rows as SPARQL JSON results bindings: variable -> value."""
    req = sparql_request(target, query, "application/sparql-results+json")
    body = request(target, req, "verify", sleep, deadline=deadline)
    try:
        rows = json.loads(body)["results"]["bindings"]
        return [{k: v["value"] for k, v in row.items()} for row in rows]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise LoadError(
            f"verify: {target.query}: the answer to {query!r} is not SPARQL JSON results"
        ) from None


def number(value: str, target: Target) -> int:
    try:
        return int(value)
    except ValueError:
        raise LoadError(
            f"verify: {target.query}: a count that is no number: {value[:40]!r}"
        ) from None


def store_size(target: Target, sleep: Sleep = time.sleep, deadline: Deadline | None = None) -> int:
    rows = select_rows(
        target, "SELECT (COUNT(*) AS ?n) WHERE { " + graph_pattern(target) + " }", sleep, deadline
    )
    return number(rows[0]["n"], target) if rows and "n" in rows[0] else 0


def predicate_sizes(
    target: Target, sleep: Sleep = time.sleep, deadline: Deadline | None = None
) -> Counter[str]:
    rows = select_rows(
        target,
        "SELECT ?p (COUNT(*) AS ?n) WHERE { " + graph_pattern(target) + " } GROUP BY ?p",
        sleep,
        deadline,
    )
    return Counter({row["p"]: number(row.get("n", "0"), target) for row in rows if "p" in row})


Page = tuple[tuple[str, ...], int | None]  # predicates, and the offset of one predicate's page


def pages(sizes: Counter[str], size: int = PAGE) -> list[Page]:
    """The answers to ask for, each of at most `size` triples: predicates that fit together in
    one answer, and each larger predicate in pages of its triples in a fixed order."""
    plan: list[Page] = []
    batch: list[str] = []
    room = size
    for p in sorted(sizes):
        n = sizes[p]
        if n > size:
            plan += [((p,), offset) for offset in range(0, n, size)]
            continue
        if n > room:
            plan.append((tuple(batch), None))
            batch, room = [], size
        batch.append(p)
        room -= n
    if batch:
        plan.append((tuple(batch), None))
    return plan


def iri(value: str, target: Target) -> str:
    try:
        return str(pyoxigraph.NamedNode(value))
    except ValueError:
        raise LoadError(
            f"verify: {target.query}: the store holds a predicate that is not an "
            f"IRI: {value[:80]!r}; it is not exactly the dump"
        ) from None


def page_query(target: Target, page: Page, size: int = PAGE) -> str:
    """The CONSTRUCT of one page. A large predicate is sorted in a subquery and cut outside it:
    Virtuoso refuses OFFSET past its sort limit (10,000) on a sorted query itself ("Sorted TOP
    clause specifies more then ... rows to sort"), not on a sorted subquery."""
    predicates, offset = page
    if offset is None:
        values = " ".join(iri(p, target) for p in predicates)
        return (
            "CONSTRUCT { ?s ?p ?o } WHERE { VALUES ?p { "
            + values
            + " } "
            + graph_pattern(target)
            + " }"
        )
    p = iri(predicates[0], target)
    return (
        f"CONSTRUCT {{ ?s {p} ?o }} WHERE {{ {{ SELECT ?s ?o WHERE {{ {{ SELECT ?s ?o "
        f"WHERE {{ {graph_pattern(target, f'?s {p} ?o')} }} ORDER BY ?s ?o }} }} "
        f"OFFSET {offset} LIMIT {size} }} }}"
    )


def store_triples(
    target: Target, dump: set[bytes], sleep: Sleep = time.sleep, deadline: Deadline | None = None
) -> Comparison:
    """The target graph's triples compared with the dump as they stream in. First the whole
    graph in one CONSTRUCT; if that holds fewer different triples than the store counts (a
    store that cuts long answers at its row limit), again in pages of at most PAGE triples.
    A store that still answers fewer triples than it counts is an error: so a cut answer never
    passes for a store that holds less."""
    whole = Comparison.of(dump)
    construct_into(
        whole,
        target,
        "CONSTRUCT { ?s ?p ?o } WHERE { " + graph_pattern(target) + " }",
        dump,
        sleep,
        deadline,
    )
    counted = store_size(target, sleep, deadline)
    if whole.distinct() >= counted:
        return whole
    sizes = predicate_sizes(target, sleep, deadline)
    if sum(sizes.values()) != counted:
        raise LoadError(
            f"verify: {target.query}: the store counts {counted} triples but "
            f"{sum(sizes.values())} by predicate (its list of "
            f"{len(sizes)} predicates cut at its row limit?)"
        )
    paged = Comparison.of(dump)
    for page in pages(sizes):
        construct_into(paged, target, page_query(target, page), dump, sleep, deadline)
    if paged.distinct() != counted:
        raise LoadError(
            f"verify: {target.query}: the store counts {counted} triples but "
            f"answered {paged.distinct()} different ones in pages of {PAGE} (its "
            f"row limit below {PAGE}, or the graph changed while it was read)"
        )
    return paged


def first_missing(path: Path, missing: set[bytes]) -> pyoxigraph.Triple:
    triples: Iterator[pyoxigraph.Triple] = pyoxigraph.parse(path=str(path), format=format_of(path))
    return next(t for t in triples if not has_blank(t) and digest(t) in missing)


BLOCK = 1 << 22  # bytes read at a time when lines are compared as they are


def blocks(read: Callable[[int], bytes]) -> Iterator[bytes]:
    """What `read` gives, in blocks of whole lines (the last may lack its end)."""
    rest = b""
    while block := read(BLOCK):
        whole, _, rest = (rest + block).rpartition(b"\n")
        if whole:
            yield whole
    if rest:
        yield rest


def split_lines(read: Callable[[int], bytes]) -> Iterator[bytes]:
    """The lines of what `read` gives, block by block, without their ends and surrounding
    blanks; empty lines left out."""
    for block in blocks(read):
        yield from (line for line in (w.strip() for w in block.split(b"\n")) if line)


def line_digest(line: bytes) -> int:
    """A line's key in the line-by-line check: Python's own hash of the bytes, SipHash keyed
    afresh in each process (decision 0034). Two dump lines of one key count once, and the
    store's count then differs: the check falls back to comparing triples."""
    return hash(line)


READS = 2  # a large dump's answer is read in this many parts at once (docs/performance.md)
IRI_TOKEN = re.compile(rb"<[^\x00-\x20<>\"{}|^`\\]*>")  # an IRI written without escapes


@dataclass(frozen=True)
class Part:
    """Digests of the dump's lines whose predicate is one of `predicates`; no predicates: every
    line, in one read (a small dump, or a predicate that could not be read off a line)."""

    predicates: tuple[str, ...]
    digests: set[int]

    @classmethod
    def whole(cls, parts: list[Part]) -> Part:
        return cls((), set().union(*(p.digests for p in parts)))


def parts_of(lines: dict[bytes, set[int]], reads: int) -> list[Part]:
    """The predicates in `reads` parts of about as many lines each, the largest placed first,
    each into the part with fewest lines so far; one part of every line where a predicate as
    written is not a plain IRI (it could not be named in a query as it is). The sets are moved
    out of `lines` into the parts."""
    order = sorted(lines, key=lambda p: (-len(lines[p]), p))
    if reads < 2 or len(lines) < 2 or not all(IRI_TOKEN.fullmatch(p) for p in lines):
        return [Part((), merged(lines, order))]
    bins: list[list[bytes]] = [[] for _ in range(reads)]
    sizes = [0] * reads
    for p in order:
        i = sizes.index(min(sizes))
        bins[i].append(p)
        sizes[i] += len(lines[p])
    return [
        Part(tuple(p.decode(errors="replace") for p in sorted(b)), merged(lines, b))
        for b in bins
        if b
    ]


def merged(lines: dict[bytes, set[int]], keys: list[bytes]) -> set[int]:
    """The sets of the keys as one, taken out of `lines`: the first (the largest) grows by
    the others, so that no second copy of them all is made."""
    into = lines.pop(keys[0]) if keys else set()
    for k in keys[1:]:
        into |= lines.pop(k)
    return into


def dump_lines(path: Path, reads: int = READS) -> list[Part] | None:
    """Digests of the dump's lines as written, in parts by predicate to be read at once, for
    an N-Triples dump without blank nodes; None for any other (those are compared as triples
    only). A line's predicate is taken to be its second word, cheaply, as kgbuild writes its
    dump; in a line written otherwise (a tab between the terms, a quoted triple) that word may
    be another term. Such a line is then asked for in the wrong part, or in none: the store's
    answer holds it in another part or not at all, and the line is compared as a triple, or the
    whole graph triple by triple; the result is the same, only slower."""
    if path.suffix != ".nt":
        return None
    found: dict[bytes, set[int]] = {}  # the second word of a line -> its lines
    with path.open("rb") as f:
        for block in blocks(f.read):  # split_lines, inlined: about 2 million lines at 1000x
            if b"_:" in block:
                return None
            for line in block.split(b"\n"):
                if not (line := line.strip()):
                    continue
                start = line.find(b" ") + 1
                word = line[start : line.find(b" ", start)]
                into = found.get(word)
                if into is None:
                    into = found[word] = set()
                into.add(line_digest(line))
    return parts_of(found, reads)


@dataclass
class Lines:
    """The store's answer compared with the dump line by line, as written."""

    missing: set[int]  # keys of dump lines the store did not answer as they are
    other: list[bytes]  # lines the store answered that are not a dump line as written
    usable: bool = True  # False: not rows of N-Triples terms without blank nodes


OTHER_MAX = 100_000  # more lines than this that differ as written: compare as triples instead


ROWS = "text/tab-separated-values"
HEAD = b"?s\t?p\t?o"  # the first line of the rows asked for: the variables, in this order
# A row's term is written as in Turtle, which may abbreviate a number or boolean: the lines made
# of rows are parsed as Turtle.
ROW_LINES = pyoxigraph.RdfFormat.TURTLE
NUMBER = re.compile(rb"[+-]?(?:[0-9]+|[0-9]*\.[0-9]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+)")


def written_out(term: bytes) -> bytes | None:
    """A literal as a row may abbreviate it (5, 1.5, 1e0, true), written out as in N-Triples,
    its lexical form as it is; None for any other term."""
    if term in (b"true", b"false"):
        kind = b"boolean"
    elif NUMBER.fullmatch(term):
        kind = b"double" if b"e" in term.lower() else b"decimal" if b"." in term else b"integer"
    else:
        return None
    return b'"' + term + b'"^^<' + XSD.iri.encode() + kind + b">"


def row_lines(
    target: Target,
    part: Part,
    sleep: Sleep = time.sleep,
    deadline: Deadline | None = None,
) -> Lines:
    """The store's triples of the part's predicates (all, for a part without), as the rows of
    a SELECT in SPARQL's tab-separated results, each written as an N-Triples line (the terms
    are written alike), compared with the part's lines as they stream in. A store writes
    these rows in about two thirds of the time of the same triples in a CONSTRUCT's answer."""
    values = f"VALUES ?p {{ {' '.join(part.predicates)} }} " if part.predicates else ""
    req = sparql_request(  # any answer rather than a refusal: what is not rows goes on
        target,
        "SELECT ?s ?p ?o WHERE { " + values + graph_pattern(target) + " }",
        f"{ROWS}, */*;q=0.1",
    )
    dump = part.digests

    def compare(rows: list[bytes], seen: Lines) -> bool:
        """Each row against the dump's lines; False where the rows cannot be compared so."""
        for row in rows:
            if not (row := row.strip()):
                continue
            if row.count(b"\t") != 2:  # a tab in a term, not escaped: where do terms end?
                return False
            line = row.replace(b"\t", b" ") + b" ."
            d = line_digest(line)
            if d not in dump:
                s, p, o = row.split(b"\t")
                if full := written_out(o):
                    line = b" ".join((s, p, full)) + b" ."
                    d = line_digest(line)
            if d in dump:
                seen.missing.discard(d)
            elif b"_:" in line or len(seen.other) >= OTHER_MAX:
                return False
            else:
                seen.other.append(line)
        return True

    def read(resp: http.client.HTTPResponse) -> Lines:
        media = (resp.headers.get("Content-Type") or ROWS).split(";")[0].strip().lower()
        seen = Lines(set(dump), [])
        rows = blocks(resp.read)
        head, _, first = next(rows, b"").partition(b"\n")
        seen.usable = media == ROWS and head.strip() == HEAD
        for block in itertools.chain([first], rows) if seen.usable else ():
            if not compare(block.split(b"\n"), seen):
                seen.usable = False
                break
        if not seen.usable:
            resp.read()  # the rest, so that the connection ends cleanly; compared as triples
        return seen

    return request(target, req, "verify", sleep, read, deadline)


def parsed(lines: Iterable[bytes], fmt: pyoxigraph.RdfFormat = NT) -> set[bytes] | None:
    """Triple digests of lines, each one triple in `fmt`; None if they do not parse."""
    try:
        return {digest(t) for t in parse_lines(list(lines), fmt)}
    except SyntaxError:
        return None


def parse_lines(lines: list[bytes], fmt: pyoxigraph.RdfFormat = NT) -> list[pyoxigraph.Triple]:
    return list(pyoxigraph.parse(b"\n".join(lines) + b"\n", format=fmt, lenient=True))


def verify_lines(
    target: Target,
    path: Path,
    dump: list[Part],
    sleep: Sleep = time.sleep,
    deadline: Deadline | None = None,
) -> int | None:
    """The number of triples, when the store's answers (one per part, asked at once) hold
    every dump line as written or the same triples written otherwise, nothing else, and the
    store counts as many; None when that cannot be shown so (a difference, a store that
    writes its answer otherwise, a triple of a predicate outside the dump): the triple by
    triple check then decides and reports. With more than one part the store's count is
    asked for beside them; with one, after it, and only if it is needed. The first part is
    read on this thread, so that an interrupt stops its read at once."""
    count: int | None = None
    if len(dump) == 1:
        answers = [row_lines(target, dump[0], sleep, deadline)]
    else:
        pool = ThreadPoolExecutor(len(dump))
        try:
            counted = pool.submit(store_size, target, sleep, deadline)
            rest = [pool.submit(row_lines, target, p, sleep, deadline) for p in dump[1:]]
            answers = [row_lines(target, dump[0], sleep, deadline)]
            answers += [f.result() for f in rest]
            count = counted.result()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    if not all(a.usable for a in answers):
        return None
    seen = Lines(set().union(*(a.missing for a in answers)), [x for a in answers for x in a.other])
    size = sum(len(p.digests) for p in dump)
    if seen.missing or seen.other:
        # the lines that differ as written: the same triples written otherwise (a literal
        # in another but equal form, another escape)?
        with path.open("rb") as f:
            unmatched = (line for line in split_lines(f.read) if line_digest(line) in seen.missing)
            want = parsed(unmatched)
        if want is None or want != parsed(seen.other, ROW_LINES):
            return None
        size += len(want) - len(seen.missing)
    if (count if count is not None else store_size(target, sleep, deadline)) != size:
        return None  # it holds more than it answered, or fewer different triples
    return size


def verify(
    target: Target,
    path: Path,
    sleep: Sleep = time.sleep,
    deadline: Deadline | None = None,
    lines: list[Part] | None = None,
) -> int:
    """The number of triples, when the store's target graph holds exactly the dump's: the same
    triples (those with a blank node: as many per predicate). With `lines` (dump_lines of the
    dump) the store's answer is first compared line by line as written, which needs no parsing;
    the triples are compared one by one only when that does not show them equal."""
    if lines is not None:
        n = verify_lines(target, path, lines, sleep, deadline)
        if n is not None:
            return n
    dump, dump_blank = dump_digests(path)
    seen = store_triples(target, dump, sleep, deadline)
    want = len(dump) + sum(dump_blank.values())
    if seen.missing or seen.extra:
        examples = []
        if seen.missing:
            examples.append(f"missing: {first_missing(path, seen.missing)} .")
        if seen.extra:
            examples.append(f"extra: {seen.extra_example} .")
        raise LoadError(
            f"verify: the store does not hold exactly the dump: "
            f"{len(seen.missing)} triple(s) missing, {len(seen.extra)} extra "
            f"(dump {want}, store answered {seen.total}); e.g. "
            f"{'; '.join(examples)}"
        )
    wrong = differences(dump_blank, seen.blank)
    if wrong:
        raise LoadError(
            f"verify: the store does not hold exactly the dump: triples with a "
            f"blank node differ in {len(wrong)} predicate(s), e.g. {wrong[0]}"
        )
    return want


def dump_path(dist: Path, fmt: str) -> Path:
    path = dist / "download" / "latest" / f"cultuurregios.{fmt}"
    if not path.is_file():
        raise LoadError(f"{path}: no built dump here; run 'kgbuild build' first")
    return path


def load(target: Target, dist: Path, fmt: str = "nt", sleep: Sleep = time.sleep) -> int:
    """Replace the target graph by the dump, then verify; the number of triples loaded. All
    of it ends by the target's deadline."""
    deadline = Deadline.after(target.deadline, target.timeout)
    check_endpoint(target.store)
    check_endpoint(target.query)
    path = dump_path(dist, fmt)
    reads = READS if target.large(path.stat().st_size) else 1
    with ThreadPoolExecutor(1) as pool:
        lines = pool.submit(dump_lines, path, reads)  # read while the store loads
        replace(target, path, fmt, sleep, deadline, lines.result)
        return verify(target, path, sleep, deadline, lines.result())
