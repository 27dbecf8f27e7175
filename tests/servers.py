"""Start and stop the real stores the tests talk to, on 127.0.0.1 and free ports only."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pyoxigraph

from kgbuild.load import Target, format_of, graph_pattern, request

STOCK_VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
# Debian's virtuoso.ini as installed, with only its files and ports moved: every limit
# (ResultSetMaxRows 10,000, MaxQueryExecutionTime, MaxQueryCostEstimationTime) stays stock
MOVED = {
    ("Database", "DatabaseFile"): "{d}/virtuoso.db",
    ("Database", "ErrorLogFile"): "{d}/virtuoso.log",
    ("Database", "LockFile"): "{d}/virtuoso.lck",
    ("Database", "TransactionFile"): "{d}/virtuoso.trx",
    ("Database", "xa_persistent_file"): "{d}/virtuoso.pxa",
    ("TempDatabase", "DatabaseFile"): "{d}/virtuoso-temp.db",
    ("TempDatabase", "TransactionFile"): "{d}/virtuoso-temp.trx",
    ("Parameters", "ServerPort"): "127.0.0.1:{sql_port}",
    ("HTTPServer", "ServerPort"): "127.0.0.1:{http_port}",
    ("HTTPServer", "ServerRoot"): "{d}/vsp",
    ("URIQA", "DefaultHost"): "127.0.0.1:{http_port}",
}


def stock_virtuoso_ini(folder: Path, sql_port: int, http_port: int) -> str:
    """Debian's stock virtuoso.ini with its files in folder and its ports on 127.0.0.1."""
    section, out, moved = "", [], set()
    for line in STOCK_VIRTUOSO_INI.read_text().splitlines():
        head = re.match(r"\s*\[(.+)\]\s*$", line)
        section = head.group(1) if head else section
        key = re.match(r"\s*([A-Za-z_0-9]+)\s*=", line)
        if key and (section, key.group(1)) in MOVED:
            value = MOVED[section, key.group(1)].format(
                d=folder, sql_port=sql_port, http_port=http_port
            )
            line = f"{key.group(1)} = {value}"
            moved.add((section, key.group(1)))
        out.append(line)
    assert moved == set(MOVED), set(MOVED) - moved  # the stock file still has these keys
    return "\n".join(out) + "\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    """Until the URL answers 200, the process dies, or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} while starting")
        with (
            contextlib.suppress(OSError, urllib.error.URLError),
            urllib.request.urlopen(url, timeout=2) as r,
        ):
            if r.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(os.sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        raise RuntimeError("the oxigraph server is not installed (pip install oxigraph)")
    return found


@contextlib.contextmanager
def oxigraph_process(folder: Path):
    """Oxigraph server; yields its base URL (/store, /query) and its process, so that a test
    can kill it. Queries see all graphs."""
    port = free_port()
    proc = subprocess.Popen(
        [
            oxigraph_binary(),
            "serve",
            "--location",
            str(folder),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/query?query=ASK%7B%7D", 20, proc)
        yield base, proc
    finally:
        stop(proc)


@contextlib.contextmanager
def oxigraph(folder: Path):
    """Oxigraph server; yields its base URL."""
    with oxigraph_process(folder) as (base, _):
        yield base


@contextlib.contextmanager
def virtuoso(folder: Path):
    """Virtuoso with Debian's stock configuration (files and ports moved only); yields its
    base URL (/sparql, GSP at /sparql-graph-crud-auth with digest authentication as dba)."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        raise RuntimeError("virtuoso-t is not installed (scripts/system-deps.sh installs it)")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vsp").mkdir(exist_ok=True)
    http_port, sql_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(stock_virtuoso_ini(folder, sql_port, http_port))
    proc = subprocess.Popen(
        [binary, "+foreground", "+configfile", str(ini)],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{http_port}"
        wait_http(base + "/sparql?query=ASK%7B%7D", 180, proc)
        yield base
    finally:
        stop(proc)


@contextlib.contextmanager
def in_thread(server):
    """Run an http.server-style server in a thread; yields its base URL."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
        server.server_close()
        thread.join(timeout=10)


def store_counts(target: Target) -> Counter:
    """Triples per predicate in a store's target graph (SPARQL JSON results)."""
    query = "SELECT ?p (COUNT(*) AS ?n) WHERE { " + graph_pattern(target) + " } GROUP BY ?p"
    req = urllib.request.Request(
        target.query,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json",
        },
        data=urllib.parse.urlencode({"query": query}).encode(),
    )
    rows = json.loads(request(target, req, "count"))["results"]["bindings"]
    return Counter({r["p"]["value"]: int(r["n"]["value"]) for r in rows})


def dump_counts(path: Path) -> Counter:
    """Triples per predicate in a dump file."""
    triples = pyoxigraph.parse(path=str(path), format=format_of(path))
    return Counter(t.predicate.value for t in triples)
