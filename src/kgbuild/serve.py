"""`kgbuild serve`: the built dist/ over HTTP on 127.0.0.1, with the conneg rules of negotiate.py.

Requests go through a route table: `App.mount(prefix, handler)` adds a handler (a function from
Request to Response) for every path under a prefix, e.g. a read-only `/sparql` endpoint. The
longest matching prefix wins; the static tree with content negotiation is mounted at `/`.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from .formats import BY_EXTENSION
from .negotiate import Outcome, resolve

TEXT_TYPES = {"html": "text/html", "svg": "image/svg+xml", "xml": "application/xml",
              "css": "text/css", "txt": "text/plain", "conf": "text/plain",
              "htaccess": "text/plain", "rq": "application/sparql-query", "csv": "text/csv",
              "json": "application/json"}
GONE_LIST = "conf/gone.txt"
MAX_BODY = 1_000_000  # bytes of a request body (SPARQL queries); more is refused with 413


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # decoded path, without query
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Response]


def content_type(path: str) -> str:
    """Content-Type with charset, from the format table first, then a few known extensions."""
    ext = path.rsplit(".", 1)[-1]
    if ext in BY_EXTENSION:
        media = BY_EXTENSION[ext].media_type
    else:
        media = TEXT_TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    textual = media.startswith("text/") or media.endswith(("+xml", "+json", "/xml", "/json")) \
        or ext in BY_EXTENSION
    return f"{media}; charset=utf-8" if textual else media


class StaticSite:
    """The published tree, answered by the conneg rules; error pages come from the tree."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        gone = self.root / GONE_LIST
        self.gone = frozenset(gone.read_text(encoding="utf-8").split()) if gone.exists() \
            else frozenset()

    def is_file(self, rel: str) -> bool:
        try:  # a NUL byte or a name too long for the file system is simply not a file here
            path = (self.root / rel).resolve()
            return path.is_relative_to(self.root) and path.is_file()
        except (OSError, ValueError):
            return False

    def read(self, rel: str) -> bytes:
        return (self.root / rel).read_bytes()

    def __call__(self, req: Request) -> Response:
        if req.method not in ("GET", "HEAD"):
            return Response(405, b"", {"Allow": "GET, HEAD"})
        outcome = resolve(req.path, req.param("format"), req.headers.get("accept"),
                          self.is_file, self.gone)
        return self.answer(outcome)

    def answer(self, o: Outcome) -> Response:
        headers = {"Vary": "Accept"} if o.vary else {}
        if o.location:
            headers["Location"] = o.location
        if o.content_location:
            headers["Content-Location"] = o.content_location
        rel = o.file if o.file and self.is_file(o.file) else self.error_page(o.status)
        if rel is None:
            return Response(o.status, b"", headers)
        headers["Content-Type"] = content_type(rel)
        return Response(o.status, self.read(rel), headers)

    def error_page(self, status: int) -> str | None:
        rel = f"{status}.html"
        return rel if status >= 400 and self.is_file(rel) else None


class App:
    """A route table: the longest mounted prefix that matches a path handles the request."""

    def __init__(self, root: Path):
        self.routes: dict[str, Handler] = {"/": StaticSite(root)}

    def mount(self, prefix: str, handler: Handler) -> None:
        self.routes[prefix] = handler

    def __call__(self, req: Request) -> Response:
        for prefix in sorted(self.routes, key=len, reverse=True):
            if req.path == prefix.rstrip("/") or req.path.startswith(prefix):
                return self.routes[prefix](req)
        return Response(404)


def request_handler(app: App) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        server_version = "kgbuild"
        protocol_version = "HTTP/1.1"

        def handle_any(self) -> None:
            url = urlsplit(self.path)
            length = self.headers.get("Content-Length") or "0"
            if not (length.isascii() and length.isdigit()) or int(length) > MAX_BODY:
                self.close_connection = True
                return self.send(Response(400 if not length.isdigit() else 413))
            req = Request(self.command, unquote(url.path), parse_qs(url.query),
                          {k.lower(): v for k, v in self.headers.items()},
                          self.rfile.read(int(length)) if int(length) else b"")
            self.send(app(req))

        def send(self, res: Response) -> None:
            self.send_response(res.status)
            for name, value in res.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(res.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(res.body)

        do_GET = do_HEAD = do_POST = handle_any
        do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = handle_any

        def log_message(self, format: str, *args) -> None:
            pass

    return RequestHandler


def make_server(root: Path, port: int = 8000, host: str = "127.0.0.1",
                app: App | None = None) -> ThreadingHTTPServer:
    """A ready server (call serve_forever()); port 0 picks a free port."""
    return ThreadingHTTPServer((host, port), request_handler(app or App(root)))
