"""CORS, conditional requests and compression over HTTP, against nginx and Apache with the
generated configurations and against `kgbuild serve`; and a page on another origin, in headless
chromium, that reads a resource as Turtle."""

from __future__ import annotations

import gzip
import http.server
import shutil
import subprocess
import threading
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest
from httpservers import apache_server, fetch, kgbuild_server, nginx_server
from test_conneg_http import published  # noqa: F401 - the built site, a fixture

pytestmark = pytest.mark.servers  # every test asks nginx, Apache and `kgbuild serve`

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TWENTE = "/id/regio/twente"
GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture(scope="module", params=["nginx", "apache", "kgbuild"])
def server(request, published, tmp_path_factory):  # noqa: F811
    """(name, port) of each server over the same dist/."""
    if request.param == "nginx":
        with nginx_server(published, tmp_path_factory.mktemp("nginx")) as p:
            yield "nginx", p
    elif request.param == "apache":
        with apache_server(published, tmp_path_factory.mktemp("apache")) as p:
            yield "apache", p
    else:
        with kgbuild_server(published) as p:
            yield "kgbuild", p


# every kind of answer: a 303, documents in each format, pages, a dump, 404, 406, 410
ANSWERS = [
    (TWENTE, "text/turtle", 303),
    ("/doc/regio/twente.ttl", None, 200),
    ("/doc/regio/twente.jsonld", None, 200),
    ("/doc/regio/twente", "application/n-triples", 200),
    ("/doc/regio/twente.html", None, 200),
    ("/", None, 200),
    ("/static/style.css", None, 200),
    ("/download/latest/cultuurregios.nt.gz", None, 200),
    ("/id/regio/nergens", None, 404),
    ("/doc/regio/twente", "image/png", 406),
    ("/id/regio/oud-voorbeeld", None, 410),
]


@pytest.mark.parametrize(("path", "accept", "status"), ANSWERS)
def test_every_answer_allows_any_origin(server, path, accept, status):
    _, port = server
    for method in ("GET", "HEAD"):
        r = fetch(port, path, accept, method=method, headers={"Origin": "http://example.org"})
        assert r.status == status, (method, path)
        assert r.headers.get("access-control-allow-origin") == "*", (method, path)
        assert "content-location" in r.headers.get("access-control-expose-headers", "").lower()


def test_preflight_allows_get_with_conditional_headers(server):
    _, port = server
    r = fetch(
        port,
        TWENTE,
        method="OPTIONS",
        headers={
            "Origin": "http://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "accept, if-none-match",
        },
    )
    assert r.status in (200, 204)
    assert r.headers["access-control-allow-origin"] == "*"
    assert "GET" in r.headers["access-control-allow-methods"]
    allowed = r.headers["access-control-allow-headers"].lower()
    assert "accept" in allowed and "if-none-match" in allowed


@pytest.mark.parametrize("encoding", [{}, GZIP], ids=["identity", "gzip"])
@pytest.mark.parametrize(
    "path",
    ["/doc/regio/twente.ttl", "/doc/regio/twente.html", "/download/latest/cultuurregios.nt.gz"],
)
def test_a_repeated_get_with_the_etag_is_answered_304(server, path, encoding):
    _, port = server
    first = fetch(port, path, headers=encoding)
    assert first.status == 200 and first.headers["etag"] and first.headers["last-modified"]
    again = fetch(port, path, headers={**encoding, "If-None-Match": first.headers["etag"]})
    assert (again.status, again.body) == (304, b"")

    # the same tag: nginx marks the tag of a gzipped answer weak (W/) and Apache's mod_deflate
    # adds -gzip to it, but neither does so on the 304
    def tag(r):
        return r.headers["etag"].removeprefix("W/").replace("-gzip", "")

    assert tag(again) == tag(first)
    assert again.headers.get("access-control-allow-origin") == "*"
    since = fetch(
        port, path, headers={**encoding, "If-Modified-Since": first.headers["last-modified"]}
    )
    assert since.status == 304
    changed = fetch(port, path, headers={**encoding, "If-None-Match": '"something-else"'})
    assert changed.status == 200 and changed.body == first.body


def test_a_negotiated_document_is_304_too(server):
    _, port = server
    first = fetch(port, "/doc/regio/twente", "text/turtle")
    again = fetch(
        port, "/doc/regio/twente", "text/turtle", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status == 304


@pytest.mark.parametrize(
    "path",
    [
        "/doc/regio/twente.html",
        "/doc/regio/twente.ttl",
        "/doc/regio/twente.nt",
        "/doc/regio/twente.jsonld",
        "/static/style.css",
        "/sitemap.xml",
        "/query/members-on-date.csv",
        "/query/members-on-date.json",
    ],
)
def test_text_is_gzipped_for_clients_that_take_it(server, path):
    _, port = server
    plain = fetch(port, path)
    packed = fetch(port, path, headers=GZIP)
    assert plain.status == packed.status == 200
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert gzip.decompress(packed.body) == plain.body
    assert len(packed.body) < len(plain.body)
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert packed.headers["content-type"] == plain.headers["content-type"]


def test_negotiated_and_gzipped_varies_on_both(server):
    _, port = server
    r = fetch(port, "/doc/regio/twente", "text/turtle", headers=GZIP)
    assert r.headers["content-encoding"] == "gzip"
    vary = r.headers["vary"].lower()
    assert "accept" in vary.replace("accept-encoding", "") and "accept-encoding" in vary
    assert gzip.decompress(r.body) == fetch(port, "/doc/regio/twente.ttl").body


def test_compressed_files_are_not_compressed_again(server):
    _, port = server
    r = fetch(port, "/download/latest/cultuurregios.nt.gz", headers=GZIP)
    assert r.status == 200 and "content-encoding" not in r.headers
    assert r.headers["content-type"].startswith("application/gzip")
    assert gzip.decompress(r.body).startswith(b"<")


# -- a browser page on another origin ---------------------------------------------------------

PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body><pre id="out">waiting</pre>
<script>
fetch("http://127.0.0.1:{port}/id/regio/twente", {{headers: {{"Accept": "text/turtle"}}}})
  .then(r => r.text().then(t => r.status + " " + r.headers.get("content-type") + "\\n" + t))
  .catch(e => "failed: " + e)
  .then(t => {{ document.getElementById("out").textContent = t; }});
</script></body></html>
"""


@contextmanager
def other_origin(folder: Path):
    """A plain static server for the test page, on a port of its own (another origin)."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_page_on_another_origin_fetches_turtle(server, tmp_path):
    _, port = server
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(PAGE.format(port=port))
    with other_origin(site) as page_port:
        result = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={tmp_path / 'profile'}",
                "--virtual-time-budget=5000",
                "--dump-dom",
                f"http://127.0.0.1:{page_port}/",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "200 text/turtle" in out, out[-1500:]
    assert (
        "&lt;https://w3id.org/cultuurregio/id/regio/twente&gt;" in out or "regio:twente" in out
    ), out[-1500:]
