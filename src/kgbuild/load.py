"""Load the built dump into a triple store over the SPARQL 1.1 Graph Store Protocol, then prove
the store holds exactly the dump's triples.

The dump replaces the target graph as a whole (HTTP PUT). Credentials come from the
environment (KGBUILD_STORE_USER, KGBUILD_STORE_PASSWORD); the store's challenge picks basic or
digest authentication. Transient failures (connection errors, timeouts, 408, 425, 429, 5xx) are
retried with a bounded, growing pause; then the load stops with a LoadError (exit 3).
Only Turtle or N-Triples is sent: some stores accept JSON-LD and then store nothing.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from .errors import KgError

MEDIA = {"ttl": "text/turtle", "nt": "application/n-triples"}
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
    timeout: float = 120

    def gsp_url(self) -> str:
        sep = "&" if "?" in self.store else "?"
        if self.graph is None:
            return f"{self.store}{sep}default"
        return f"{self.store}{sep}graph={urllib.parse.quote(self.graph, safe='')}"


def guess_query_endpoint(store: str) -> str:
    """The query endpoint beside a Graph Store endpoint, for the stores we know."""
    for suffix, query in (("/store", "/query"), ("/sparql-graph-crud-auth", "/sparql"),
                          ("/sparql-graph-crud", "/sparql"), ("/data", "/sparql")):
        if store.rstrip("/").endswith(suffix):
            return store.rstrip("/")[: -len(suffix)] + query
    raise LoadError(f"{store}: cannot tell its SPARQL query endpoint; give --query-endpoint")


def opener(url: str) -> urllib.request.OpenerDirector:
    """An opener that answers basic or digest challenges with the environment's credentials."""
    user, password = os.environ.get(USER_VAR), os.environ.get(PASSWORD_VAR)
    if not user:
        return urllib.request.build_opener()
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, url, user, password or "")
    return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords),
                                       urllib.request.HTTPBasicAuthHandler(passwords))


def request(target: Target, req: urllib.request.Request, what: str,
            sleep: Callable[[float], None] = time.sleep) -> bytes:
    """Send with bounded retries on transient failures; a LoadError names the last failure."""
    pause, last = target.pause, ""
    for attempt in range(1, target.attempts + 1):
        try:
            with opener(req.full_url).open(req, timeout=target.timeout) as resp:
                return resp.read()
        except urllib.error.HTTPError as e:
            body = e.read()[:200].decode("utf-8", "replace")
            last = f"HTTP {e.code} {e.reason}: {' '.join(body.split())}".rstrip(": ")
            if e.code not in TRANSIENT:
                raise LoadError(f"{what}: {req.full_url}: {last}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
            last = str(getattr(e, "reason", e))
        if attempt < target.attempts:
            sleep(pause)
            pause *= 2
    raise LoadError(f"{what}: {req.full_url}: gave up after {target.attempts} attempts: {last}")


def put(target: Target, data: bytes, fmt: str, sleep=time.sleep) -> None:
    req = urllib.request.Request(target.gsp_url(), data=data, method="PUT",
                                 headers={"Content-Type": MEDIA[fmt]})
    request(target, req, "load", sleep)


def select(target: Target, query: str, sleep=time.sleep) -> list[dict]:
    body = urllib.parse.urlencode({"query": query}).encode()
    req = urllib.request.Request(target.query, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json"})
    raw = request(target, req, "verify", sleep)
    try:
        return json.loads(raw)["results"]["bindings"]
    except (ValueError, KeyError) as e:
        raise LoadError(f"verify: {target.query}: not SPARQL JSON results ({e})") from None


def graph_pattern(target: Target) -> str:
    inner = "?s ?p ?o"
    return f"GRAPH <{target.graph}> {{ {inner} }}" if target.graph else inner


def store_counts(target: Target, sleep=time.sleep) -> Counter:
    """Triples per predicate in the target graph."""
    rows = select(target, "SELECT ?p (COUNT(*) AS ?n) WHERE { " + graph_pattern(target)
                  + " } GROUP BY ?p", sleep)
    return Counter({r["p"]["value"]: int(r["n"]["value"]) for r in rows})


def dump_counts(path: Path) -> Counter:
    triples = pyoxigraph.parse(path=str(path), format=format_of(path))
    return Counter(t.predicate.value for t in triples)


def format_of(path: Path) -> pyoxigraph.RdfFormat:
    return pyoxigraph.RdfFormat.TURTLE if path.suffix == ".ttl" else \
        pyoxigraph.RdfFormat.N_TRIPLES


def differences(want: Counter, have: Counter) -> list[str]:
    keys = sorted(set(want) | set(have))
    return [f"<{k}> dump {want[k]}, store {have[k]}" for k in keys if want[k] != have[k]]


def verify(target: Target, path: Path, sleep=time.sleep) -> int:
    """The number of triples, when the store's per-predicate counts equal the dump's."""
    want, have = dump_counts(path), store_counts(target, sleep)
    wrong = differences(want, have)
    if wrong:
        raise LoadError(f"verify: the store does not hold exactly the dump: {len(wrong)} "
                        f"predicate(s) differ, e.g. {wrong[0]} (total dump "
                        f"{sum(want.values())}, store {sum(have.values())})")
    return sum(want.values())


def dump_path(dist: Path, fmt: str) -> Path:
    path = dist / "download" / "latest" / f"cultuurregios.{fmt}"
    if not path.is_file():
        raise LoadError(f"{path}: no built dump here; run 'kgbuild build' first")
    return path


def load(target: Target, dist: Path, fmt: str = "nt", sleep=time.sleep) -> int:
    """PUT the dump into the target graph, then verify; the number of triples loaded."""
    path = dump_path(dist, fmt)
    put(target, path.read_bytes(), fmt, sleep)
    return verify(target, path, sleep)
