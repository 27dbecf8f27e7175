"""`kgbuild serve`: the built dist/ over HTTP on 127.0.0.1, with the conneg rules of negotiate.py.

Requests go through a route table: `App.mount(prefix, handler)` adds a handler (a function from
Request to Response) for every path under a prefix, e.g. the read-only `/sparql` endpoint. The
longest matching prefix wins; the static tree with content negotiation is mounted at `/`.

Every answer of the app carries `Access-Control-Allow-Origin: *` (the register is public, so a
page on any origin may read it), and OPTIONS is answered as a CORS preflight. A file answer has
an ETag and Last-Modified and is answered 304 when the client's copy is current; a textual
answer is gzipped when the client accepts it (`Vary: Accept-Encoding`).

The app runs as one WSGI application on waitress (`make_server`, `server_for`): `kgbuild serve`
with the site and /sparql, `kgbuild sparql` with /sparql only. The limits that keep it answering
under load and abuse are the `Limits` below.
"""

from __future__ import annotations

import errno
import gzip
import mimetypes
import resource
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from email.utils import formatdate, parsedate_to_datetime
from functools import cached_property
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.utilities import BadRequest

from ..model.errors import EnvironmentProblem
from ..model.formats import BY_EXTENSION
from ..model.negotiate import Outcome, resolve

if TYPE_CHECKING:
    from waitress.wasyncore import _SocketMap

TEXT_TYPES = {
    "html": "text/html",
    "svg": "image/svg+xml",
    "xml": "application/xml",
    "css": "text/css",
    "txt": "text/plain",
    "conf": "text/plain",
    "htaccess": "text/plain",
    "rq": "application/sparql-query",
    "csv": "text/csv",
    "json": "application/json",
    "gz": "application/gzip",
}
GONE_LIST = "conf/gone.txt"
CORS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "Content-Location, Link, Location, ETag"),
]
PREFLIGHT = [
    ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
    ("Access-Control-Allow-Headers", "Accept, Accept-Language, If-None-Match, If-Modified-Since"),
    ("Access-Control-Max-Age", "86400"),
]
# media types worth compressing: every textual format the site and the endpoint answer in
COMPRESSIBLE = (
    "text/",
    "application/ld+json",
    "application/n-triples",
    "application/json",
    "application/xml",
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "application/sparql-query",
    "application/rdf+xml",
    "image/svg+xml",
)
MIN_COMPRESS = 256  # bytes; a smaller body is sent as it is


@dataclass(frozen=True)
class Request:
    """One HTTP request, as every handler (the site, the SPARQL endpoint) sees it."""

    method: str
    query_string: str = ""  # as sent, still %-encoded
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case
    body: bytes = b""
    path: str = "/"  # %-decoded, without the query

    @cached_property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.query_string, keep_blank_values=True)

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass(frozen=True)
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


Handler = Callable[[Request], Response]


def text_response(status: int, message: str, extra: Iterable[tuple[str, str]] = ()) -> Response:
    return Response(
        status, [("Content-Type", "text/plain; charset=utf-8"), *extra], (message + "\n").encode()
    )


def content_type(path: str) -> str:
    """Content-Type with charset, from the format table first, then a few known extensions."""
    ext = path.rsplit(".", 1)[-1]
    if ext in BY_EXTENSION:
        media = BY_EXTENSION[ext].media_type
    else:
        media = TEXT_TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    textual = (
        media.startswith("text/")
        or media.endswith(("+xml", "+json", "/xml", "/json"))
        or ext in BY_EXTENSION
    )
    return f"{media}; charset=utf-8" if textual else media


class StaticSite:
    """The published tree, answered by the conneg rules; error pages come from the tree."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        gone = self.root / GONE_LIST
        self.gone = (
            frozenset(gone.read_text(encoding="utf-8").split()) if gone.exists() else frozenset()
        )

    def is_file(self, rel: str) -> bool:
        try:  # a NUL byte or a name too long for the file system is simply not a file here
            path = (self.root / rel).resolve()
            return path.is_relative_to(self.root) and path.is_file()
        except (OSError, ValueError):
            return False

    def read(self, rel: str) -> bytes:
        return (self.root / rel).read_bytes()

    def validators(self, rel: str) -> list[tuple[str, str]]:
        """ETag (size and modification time) and Last-Modified of a file of the tree."""
        st = (self.root / rel).stat()
        return [
            ("ETag", f'"{st.st_size:x}-{st.st_mtime_ns:x}"'),
            ("Last-Modified", formatdate(st.st_mtime, usegmt=True)),
        ]

    def __call__(self, req: Request) -> Response:
        if req.method == "OPTIONS":
            return Response(204, [("Allow", "GET, HEAD, OPTIONS"), *PREFLIGHT])
        if req.method not in ("GET", "HEAD"):
            return Response(405, [("Allow", "GET, HEAD, OPTIONS")])
        outcome = resolve(
            req.path, req.param("format"), req.headers.get("accept"), self.is_file, self.gone
        )
        return self.answer(outcome)

    def answer(self, o: Outcome) -> Response:
        headers = [("Vary", "Accept")] if o.vary else []
        if o.location:
            headers.append(("Location", o.location))
        if o.content_location:
            headers.append(("Content-Location", o.content_location))
        if o.link:
            headers.append(("Link", o.link))
        rel = o.file if o.file and self.is_file(o.file) else self.error_page(o.status)
        if rel is None:
            return Response(o.status, headers)
        headers.append(("Content-Type", content_type(rel)))
        return Response(o.status, [*headers, *self.validators(rel)], self.read(rel))

    def error_page(self, status: int) -> str | None:
        rel = f"{status}.html"
        return rel if status >= 400 and self.is_file(rel) else None


class App:
    """A route table: the longest mounted prefix that matches a path handles the request.

    With a root, the static site is mounted at `/`; without one, other paths answer 404."""

    def __init__(self, root: Path | None = None):
        self.routes: dict[str, Handler] = {"/": StaticSite(root)} if root is not None else {}

    def mount(self, prefix: str, handler: Handler) -> None:
        self.routes[prefix] = handler

    def __call__(self, req: Request) -> Response:
        return finish(req, self.route(req))

    def route(self, req: Request) -> Response:
        for prefix in sorted(self.routes, key=len, reverse=True):
            if req.path == prefix.rstrip("/") or req.path.startswith(prefix):
                return self.routes[prefix](req)
        where = ", ".join(sorted(self.routes))
        return text_response(404, f"not found; this server answers at {where}")


# -- what every answer gets: CORS, conditional requests, compression --------------------------


def header(res: Response, name: str) -> str | None:
    name = name.lower()
    return next((v for k, v in res.headers if k.lower() == name), None)


def with_header(headers: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    """The headers with `name` set to `value` (replacing it where it was)."""
    return [*((k, v) for k, v in headers if k.lower() != name.lower()), (name, value)]


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Does Accept-Encoding allow gzip (named or `*`, with q above 0)?"""
    allowed = {}
    for part in (accept_encoding or "").lower().split(","):
        coding, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if coding:
            allowed[coding.strip()] = q
    q = allowed.get("gzip", allowed.get("x-gzip", allowed.get("*", 0.0)))
    return q > 0


def compressible(res: Response) -> bool:
    ctype = (header(res, "content-type") or "").lower()
    return (
        res.status not in (204, 304)
        and header(res, "content-encoding") is None
        and ctype.startswith(COMPRESSIBLE)
    )


def etag_matches(if_none_match: str, etag: str) -> bool:
    """The weak comparison of RFC 9110 13.1.2: any listed tag (or `*`) equal but for W/."""
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def not_modified(req: Request, res: Response) -> bool:
    """Is the client's copy of this 200 answer current (If-None-Match, else If-Modified-Since)?"""
    if res.status != 200 or req.method not in ("GET", "HEAD"):
        return False
    etag, modified = header(res, "etag"), header(res, "last-modified")
    if "if-none-match" in req.headers:
        return etag is not None and etag_matches(req.headers["if-none-match"], etag)
    since = req.headers.get("if-modified-since")
    if since and modified:
        try:
            return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def finish(req: Request, res: Response) -> Response:
    """The answer as sent: CORS headers, gzipped where the client takes it (its own ETag), and
    304 when the client's copy is current."""
    headers = list(res.headers)
    if header(res, "access-control-allow-origin") is None:
        headers += CORS
    gz = False
    if compressible(res):
        vary = header(res, "vary")
        headers = with_header(
            headers, "Vary", f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
        )
        gz = len(res.body) >= MIN_COMPRESS and accepts_gzip(req.headers.get("accept-encoding"))
        etag = header(res, "etag")
        if gz and etag:  # another representation, another tag
            headers = with_header(headers, "ETag", etag[:-1] + '-gzip"')
    res = replace(res, headers=headers)
    if not_modified(req, res):
        kept = (
            "etag",
            "last-modified",
            "vary",
            "content-location",
            "cache-control",
            "access-control-allow-origin",
            "access-control-expose-headers",
        )
        return Response(304, [(k, v) for k, v in headers if k.lower() in kept])
    if gz:
        body = gzip.compress(res.body, compresslevel=6, mtime=0)
        return replace(res, headers=[*headers, ("Content-Encoding", "gzip")], body=body)
    return res


# -- WSGI -------------------------------------------------------------------------------------

MAX_URL = 65_536  # bytes of a request target; more is 414
MAX_HEADERS = 65_536  # bytes of all header fields; more is 431


def request_of(environ: WSGIEnvironment) -> Request | Response:
    """The Request of a WSGI environ, or the refusal to answer instead (414, 431)."""
    target = environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
    if len(target) > MAX_URL:
        return text_response(414, f"request target longer than {MAX_URL} bytes")
    headers = {
        name[5:].replace("_", "-").lower(): value
        for name, value in environ.items()
        if name.startswith("HTTP_")
    }
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(name):
            headers[name.replace("_", "-").lower()] = environ[name]
    if sum(len(k) + len(v) + 4 for k, v in headers.items()) > MAX_HEADERS:
        return text_response(431, f"header fields longer than {MAX_HEADERS} bytes")
    url = urlsplit(target)
    # the target arrives as bytes read as latin-1 (PEP 3333); paths are UTF-8 %-encoded
    path = unquote(url.path.encode("latin-1", "replace").decode("utf-8", "replace"))
    length = int(environ.get("CONTENT_LENGTH") or 0)  # the server has checked it
    body = environ["wsgi.input"].read(length) if length else b""
    return Request(environ["REQUEST_METHOD"], url.query, headers, body, path)


def wsgi(handler: Handler) -> WSGIApplication:
    """The handler as a WSGI application."""

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        req = request_of(environ)
        res = req if isinstance(req, Response) else handler(req)
        headers = [(k, v) for k, v in res.headers if k.lower() != "content-length"]
        start_response(
            f"{res.status} {HTTPStatus(res.status).phrase}",
            [*headers, ("Content-Length", str(len(res.body)))],
        )
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [res.body]

    return application


# -- the server -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What the server allows a client; chosen so that load and abuse degrade, not block."""

    backlog: int = 1024  # connections waiting to be accepted
    connections: int = 2000  # open at once (lowered to what the open-file limit allows)
    threads: int = 32  # requests handled at once; the rest queue
    idle_timeout: float = 30.0  # seconds a connection may stay silent between requests
    request_timeout: float = 30.0  # seconds from a request's first byte to its last
    linger: float = 5.0  # seconds a refused request's connection still reads what is sent
    max_header_bytes: int = 2 * MAX_HEADERS  # the request line and headers; more is 431
    max_body_bytes: int = 100_000  # a request body (SPARQL POST); more is 413
    check_every: float = 5.0  # seconds between checks for idle and slow connections


LIMITS = Limits()


class VersionNotSupported(BadRequest):
    code = 505
    reason = "HTTP Version Not Supported"


class Parser(HTTPRequestParser):
    """waitress's request parser, refusing HTTP versions other than 1.0 and 1.1 (505) rather
    than answering them as 1.0."""

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        if self.version not in ("", "1.0", "1.1"):
            self.error = VersionNotSupported(f"HTTP/{self.version}")
            self.completed = True


class TimedChannel(HTTPChannel):
    """A connection that notes when the request it is receiving began, and that closes after a
    refused request (a body too large, a malformed header) the way web servers do: it shuts
    its sending side and reads and drops what the client still sends, until the client closes
    or the server's linger time ends. Closing with the client's data unread would reset the
    connection, and a client or proxy still sending would lose the refusal."""

    parser_class = Parser
    server: TimedServer
    request_began = 0.0
    refused = False  # a request on this connection was answered with an error
    lingering_until = 0.0  # once the answer is sent and the sending side shut: until when

    def received(self, data: bytes) -> bool:
        if self.lingering_until:
            return True
        if self.request is None and data:
            self.request_began = time.monotonic()
        return super().received(data)

    def service(self) -> None:
        if self.requests and self.requests[0].error:
            self.refused = True
        super().service()

    def handle_close(self) -> None:
        if (
            self.refused
            and self.connected
            and self.socket is not None
            and not self.lingering_until
            and not self.total_outbufs_len
        ):
            try:
                self.socket.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            else:
                self.lingering_until = time.monotonic() + self.server.linger
                self.will_close = False
                return
        super().handle_close()


class TimedServer(TcpWSGIServer):
    """waitress's server, closing also connections whose request does not arrive in time
    (a client sending a byte now and then would otherwise never be idle)."""

    channel_class = TimedChannel
    request_timeout = 30.0
    linger = 5.0
    effective_port: int  # set by waitress from the bound socket
    active_channels: dict[int, TimedChannel]  # type: ignore[assignment]  # waitress keeps the channels by file descriptor; its stubs say one channel

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # type: ignore[arg-type]  # waitress passes time.time(); its stubs say int
        clock = time.monotonic()
        cutoff = clock - self.request_timeout
        for channel in self.active_channels.values():
            if (
                channel.request is not None
                and not channel.requests
                and channel.request_began < cutoff
            ) or 0 < channel.lingering_until < clock:
                channel.will_close = True


def open_file_limit(wanted: int) -> int:
    """Raise the soft limit of open files towards the hard limit; the soft limit after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if (
        soft != resource.RLIM_INFINITY
        and (hard == resource.RLIM_INFINITY or soft < hard)
        and soft < wanted
    ):
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return wanted if soft == resource.RLIM_INFINITY else soft


class Server:
    """A waitress server in the shape of http.server's: serve_forever() in one thread,
    shutdown() from another, server_close(), server_address."""

    def __init__(
        self, handler: Handler, host: str = "127.0.0.1", port: int = 8000, limits: Limits = LIMITS
    ):
        spare = 64  # files for the listener, the trigger, the store and query children
        connections = max(
            16, min(limits.connections, open_file_limit(limits.connections + spare) - spare)
        )
        adj = Adjustments(
            host=host,
            port=port,
            threads=limits.threads,
            backlog=limits.backlog,
            connection_limit=connections,
            channel_timeout=limits.idle_timeout,
            cleanup_interval=limits.check_every,
            max_request_header_size=limits.max_header_bytes,
            max_request_body_size=limits.max_body_bytes,
            asyncore_use_poll=True,
            ident="kgbuild",
            expose_tracebacks=False,
        )
        self.map: _SocketMap = {}  # waitress's socket map: its dispatchers by file descriptor
        try:
            self.inner = TimedServer(wsgi(handler), map=self.map, adj=adj)
        except OSError as e:
            wasyncore.close_all(self.map, ignore_all=True)
            raise EnvironmentProblem(
                f"cannot listen on {host}:{port}: "
                + (
                    "the port is in use (choose another with --port, or 0 for any free one)"
                    if e.errno == errno.EADDRINUSE
                    else e.strerror or str(e)
                )
            ) from None
        self.inner.request_timeout = limits.request_timeout
        self.inner.linger = limits.linger
        self.server_address = (host, self.inner.effective_port)
        self._stop = threading.Event()
        self._running = False
        self._lock = threading.Lock()
        self._closed = False

    def serve_forever(self) -> None:
        """Answer until shutdown() or an exception (KeyboardInterrupt) in this thread."""
        self._running = True
        try:
            while not self._stop.is_set():
                wasyncore.loop(timeout=1.0, map=self.map, use_poll=True, count=1)
        finally:
            self._running = False
            self._close()

    def shutdown(self) -> None:
        """Stop serve_forever() (running in another thread) and wait until it has."""
        self._stop.set()
        with self._lock:
            if not self._closed:
                self.inner.pull_trigger()
        deadline = time.monotonic() + 30
        while self._running and time.monotonic() < deadline:
            time.sleep(0.01)

    def server_close(self) -> None:
        if not self._running:
            self._close()

    def _close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            wasyncore.close_all(self.map, ignore_all=True)
        self.inner.task_dispatcher.shutdown(timeout=5)


def make_server(
    root: Path,
    port: int = 8000,
    host: str = "127.0.0.1",
    app: App | None = None,
    limits: Limits = LIMITS,
) -> Server:
    """A ready server for the site (or the given app); call serve_forever(). Port 0 picks a
    free port; server_address has the real one."""
    return Server(app or App(root), host, port, limits)
