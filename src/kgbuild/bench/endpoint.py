"""The SPARQL endpoint under load: `kgbuild sparql` on 127.0.0.1 over a built dist/, and a number
of clients at once sending the canned queries (queries/*.rq, their parameters filled with their
defaults), each for a fixed number of requests.

A client is a process of its own with one keep-alive connection (http.client), so that the
clients' work does not share an interpreter lock with itself or with the server. It sends the
queries in turn, starting at a different one per client, and times each request from sending it
to the last byte of the answer. An answer 503 with `Retry-After` is tried again after that many
seconds, as a well-behaved client does; the request's time then includes the wait, and the retry
is counted. Any other answer than 200 is an error.

    python -m kgbuild.bench.endpoint DIST [--queries DIR] [--clients 10] [--requests 40]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, NamedTuple

import pyoxigraph

from ..model.base import DEFAULT, Base
from ..queries.run import bind, bound_text
from ..queries.spec import read_queries
from ..serve.endpoint import base_of

NT = pyoxigraph.RdfFormat.N_TRIPLES
RDF_TYPE = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LISTENING = re.compile(r"SPARQL endpoint at http://[^:/]+:(\d+)/sparql")
ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"


class Canned(NamedTuple):
    """One query as a client sends it: its name and its text with the parameters bound."""

    name: str
    text: str


class Timing(NamedTuple):
    """One request as a client saw it."""

    query: str
    status: int
    seconds: float  # from sending to the last byte of the final answer, retries included
    retries: int


@dataclass
class EndpointLoad:
    """What one load run came to; times in milliseconds."""

    clients: int
    requests: int  # answered, over all clients
    seconds: float  # wall time from the first request to the last answer
    median_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    per_second: float
    errors: int  # answers other than 200 (after retries)
    retries: int  # 503 + Retry-After answers that were tried again
    slowest: dict[str, float] = field(default_factory=dict)  # query -> its largest time, ms


def canned_queries(
    queries: Path, store: pyoxigraph.Store | None = None, variants: int = 3, base: Base = DEFAULT
) -> list[Canned]:
    """The canned queries of a project's queries/ folder with their parameters bound, moved to
    `base`: to their defaults, and, given the `store` the endpoint serves, to values that are in
    it. For each IRI parameter up to `variants` IRIs of the store's resources like the default
    (its type, under the same path), evenly spread over them in sorted order; the default first
    when the store holds it (a synthetic project does not hold the bundled data's twente). A
    query with a required parameter that has no value is left out."""
    out = []
    for spec in read_queries(queries, queries.parent):
        choices: list[dict[str, str]] = [{}]
        for p in spec.params:
            default = spec.defaults.get(p.name)
            if store is None or p.kind != "iri" or default is None:
                continue
            found = like(store, base.text(default), variants)
            choices = [{**c, p.name: v} for c in choices for v in found[: max(1, variants)]]
        for given in choices[: max(1, variants)]:
            try:
                out.append(Canned(spec.name, bound_text(spec, bind(spec, given, base), base)))
            except Exception:  # noqa: BLE001, S112 - a query that needs a value we do not have
                continue
    return out


def like(store: pyoxigraph.Store, iri: str, n: int) -> list[str]:
    """Up to n IRIs of the store's resources that are like `iri`: of its types (or, when the
    store does not hold it, of the most common type of the resources under its path), under its
    path, without a fragment; `iri` first when the store holds it."""
    path = iri.rsplit("/", 1)[0] + "/"
    node = pyoxigraph.NamedNode(iri)
    types = {q.object for q in store.quads_for_pattern(node, RDF_TYPE, None)}
    if not types:
        counts: dict[pyoxigraph.NamedNode | pyoxigraph.BlankNode, int] = {}
        for q in store.quads_for_pattern(None, RDF_TYPE, None):
            if isinstance(q.subject, pyoxigraph.NamedNode) and _under(q.subject.value, path):
                t = q.object
                if isinstance(t, pyoxigraph.NamedNode):
                    counts[t] = counts.get(t, 0) + 1
        types = {max(counts, key=lambda t: (counts[t], str(t)))} if counts else set()
    found = sorted(
        {
            q.subject.value
            for t in types
            for q in store.quads_for_pattern(None, RDF_TYPE, t)
            if isinstance(q.subject, pyoxigraph.NamedNode) and _under(q.subject.value, path)
        }
        - {iri}
    )
    held = next(iter(store.quads_for_pattern(node, None, None)), None) is not None
    spread = [found[i * len(found) // n] for i in range(n)] if len(found) >= n else found
    return ([iri] if held else []) + spread[: n - held]


def _under(iri: str, path: str) -> bool:
    return iri.startswith(path) and "#" not in iri and "/" not in iri[len(path) :]


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100) of sorted values."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), -(-len(sorted_values) * p // 100)))
    return sorted_values[int(rank) - 1]


@contextmanager
def running_endpoint(
    dist: Path,
    env: Mapping[str, str] | None = None,
    extra: Sequence[str] = (),
    timeout: float = 600,
) -> Iterator[int]:
    """`kgbuild sparql --dist DIST --port 0` as a child process (with `env`, for instance a
    PYTHONPATH of another checkout); yields its port once it listens, stops it after."""
    with tempfile.TemporaryFile("w+") as log:  # not a pipe: a full pipe would stop the server
        yield from _endpoint_process(dist, env, extra, timeout, log)


def _endpoint_process(
    dist: Path, env: Mapping[str, str] | None, extra: Sequence[str], timeout: float, log: IO[str]
) -> Iterator[int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "kgbuild.cli", "sparql", "--dist", str(dist), "--port", "0", *extra],
        env=dict(env) if env is not None else None,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        port = None
        for line in proc.stdout:  # the line that says where it listens
            m = LISTENING.search(line)
            if m:
                port = int(m[1])
                break
            if time.monotonic() > deadline:
                break
        if port is None:
            proc.wait(30)
            log.seek(0)
            err = log.read()
            raise RuntimeError(f"kgbuild sparql did not start: {err.strip()[-500:]}")
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def ask(conn: http.client.HTTPConnection, text: str) -> tuple[int, bytes, str | None]:
    """One POST of a query; the status, the body and the Retry-After header."""
    body = urllib.parse.urlencode({"query": text}).encode()
    conn.request(
        "POST",
        "/sparql",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT},
    )
    r = conn.getresponse()
    return r.status, r.read(), r.getheader("Retry-After")


def _client(
    pipe: Connection[list[Timing], list[Timing]],
    port: int,
    queries: Sequence[Canned],
    first: int,
    requests: int,
    start: multiprocessing.synchronize.Barrier,
) -> None:
    timings = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.connect()
        start.wait()
        for i in range(requests):
            q = queries[(first + i) % len(queries)]
            began, retries = time.perf_counter(), 0
            while True:
                status, _, retry_after = ask(conn, q.text)
                if status == 503 and retry_after is not None and retries < 20:
                    retries += 1
                    time.sleep(float(retry_after))
                    continue
                break
            timings.append(Timing(q.name, status, time.perf_counter() - began, retries))
    finally:
        conn.close()
        pipe.send(timings)
        pipe.close()


def load(
    port: int, queries: Sequence[Canned], clients: int = 10, requests: int = 40
) -> EndpointLoad:
    """`clients` processes at once against the endpoint at 127.0.0.1:port, each sending
    `requests` of `queries` (in turn, from a different one per client)."""
    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(clients + 1)
    pipes, procs = [], []
    for c in range(clients):
        reader, writer = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=_client,
            args=(writer, port, queries, c * len(queries) // clients, requests, start),
            daemon=True,
        )
        proc.start()
        writer.close()
        pipes.append(reader)
        procs.append(proc)
    start.wait()
    began = time.perf_counter()
    timings: list[Timing] = []
    for reader in pipes:
        timings.extend(reader.recv())
        reader.close()
    took = time.perf_counter() - began
    for proc in procs:
        proc.join()
    return summary(timings, clients, took)


def summary(timings: Sequence[Timing], clients: int, seconds: float) -> EndpointLoad:
    ms = sorted(t.seconds * 1000 for t in timings)
    slowest: dict[str, float] = {}
    for t in timings:
        slowest[t.query] = max(slowest.get(t.query, 0.0), t.seconds * 1000)
    return EndpointLoad(
        clients=clients,
        requests=len(timings),
        seconds=seconds,
        median_ms=statistics.median(ms) if ms else 0.0,
        p95_ms=percentile(ms, 95),
        p99_ms=percentile(ms, 99),
        max_ms=ms[-1] if ms else 0.0,
        per_second=len(timings) / seconds if seconds else 0.0,
        errors=sum(t.status != 200 for t in timings),
        retries=sum(t.retries for t in timings),
        slowest=dict(sorted(slowest.items(), key=lambda kv: -kv[1])),
    )


def measure_endpoint(
    dist: Path,
    queries: Path,
    clients: int = 10,
    requests: int = 40,
    env: Mapping[str, str] | None = None,
    warmup: int = 1,
    extra: Sequence[str] = (),
    variants: int = 3,
    skip: Collection[str] = (),
) -> EndpointLoad:
    """Start `kgbuild sparql` over `dist` (a built project's output), send each canned query of
    `queries` (a project's queries/ folder; up to `variants` of each with parameter values found
    in the dump; none of those named in `skip`) `warmup` times from one client, then run
    `clients` clients at once for `requests` requests each; what that came to.

    `env`: the environment of the endpoint's process (its PYTHONPATH chooses the code measured);
    `extra`: more options for `kgbuild sparql` (--time-limit ...)."""
    store = pyoxigraph.Store()
    store.bulk_load(path=str(dist / "download" / "latest" / "cultuurregios.nt"), format=NT)
    canned = [
        q for q in canned_queries(queries, store, variants, base_of(store)) if q.name not in skip
    ]
    del store
    if not canned:
        raise ValueError(f"{queries}: no canned queries to send")
    with running_endpoint(dist, env, extra) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            for _ in range(warmup):
                for q in canned:
                    ask(conn, q.text)
        finally:
            conn.close()
        return load(port, canned, clients, requests)


def table(rows: Mapping[str, EndpointLoad]) -> str:
    """A Markdown table of load runs, one row per label."""
    lines = [
        "| run | clients | requests | median ms | p95 ms | p99 ms | max ms | req/s | errors | retries |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in rows.items():
        lines.append(
            f"| {label} | {r.clients} | {r.requests} | {r.median_ms:.1f} | {r.p95_ms:.1f} "
            f"| {r.p99_ms:.1f} | {r.max_ms:.1f} | {r.per_second:.1f} | {r.errors} | {r.retries} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m kgbuild.bench.endpoint", description=__doc__)
    p.add_argument("dist", type=Path, help="a built output folder (with download/latest)")
    p.add_argument("--queries", type=Path, help="canned queries (default: DIST/../queries)")
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--requests", type=int, default=40, help="per client")
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--variants", type=int, default=3, help="parameter values per query")
    p.add_argument("--skip", action="append", default=[], metavar="QUERY", help="leave it out")
    p.add_argument("--slowest", action="store_true", help="also each query's slowest time")
    args = p.parse_args(argv)
    queries = args.queries or args.dist.resolve().parent / "queries"
    env = dict(os.environ)
    rows = {}
    for run in range(args.runs):
        r = measure_endpoint(
            args.dist,
            queries,
            args.clients,
            args.requests,
            env,
            variants=args.variants,
            skip=args.skip,
        )
        rows[f"{run + 1}"] = r
    print(table(rows))
    if args.slowest:
        for label, r in rows.items():
            print(f"\nrun {label}, slowest per query (ms):")
            for name, ms in r.slowest.items():
                print(f"  {ms:8.1f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
